//! Multihost sync between real `cairn serve` processes over HTTP/2 (h2c) on loopback: a client pairs
//! with a hub by token, its own operations reach the hub live and, after it was offline, by manifest
//! (deletions too), with nothing lost or doubled across restarts; bad tokens are refused with the
//! reason; a client the hub removes is cut off at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_oplog::pg_test_server::TestPostgres;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationStatus};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;
use tempfile::TempDir;

/// One running instance: its files, port, process and what it has logged.
struct Instance {
    name: String,
    home: PathBuf,
    config: PathBuf,
    data: PathBuf,
    port: u16,
    child: Option<Child>,
    log: Arc<Mutex<String>>,
    /// Serves HTTPS with these files (and its CLI trusts their CA).
    tls: Option<TlsFiles>,
    /// Added to the server's environment.
    env: Vec<(String, String)>,
}

/// A hub's certificate and key, and the CA that signed it.
#[derive(Clone)]
struct TlsFiles {
    cert: PathBuf,
    key: PathBuf,
    ca: PathBuf,
}

impl TlsFiles {
    /// A test CA and a certificate it signed for 127.0.0.1, in `dir`.
    fn make(dir: &Path) -> Self {
        cairn_conformance::test_ca::certificates(dir);
        Self {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            ca: dir.join("ca.pem"),
        }
    }
}

impl Instance {
    /// An instance named `name` in `root/name` with `config` (merged over auth disabled).
    fn new(root: &Path, name: &str, extra: Value) -> Self {
        let home = root.join(name);
        std::fs::create_dir_all(&home).unwrap();
        let config = home.join("config.json");
        let mut cfg = json!({"version": 6, "instance": name, "auth": {"disabled": true}});
        if let (Some(c), Some(e)) = (cfg.as_object_mut(), extra.as_object()) {
            c.extend(e.clone());
        }
        std::fs::write(&config, cfg.to_string()).unwrap();
        Self {
            name: name.into(),
            data: home.join("data"),
            home,
            config,
            port: free_port(),
            child: None,
            log: Arc::default(),
            tls: None,
            env: Vec::new(),
        }
    }

    fn start(&mut self) {
        let mut command = serve_command(&self.home, &self.config, &self.data, self.port);
        command
            .env("CAIRN_MULTIHOST_RETRY_INTERVAL", "1s")
            .env("RUST_LOG", "info,cairn_fleet=debug")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(tls) = &self.tls {
            command
                .arg("--tls-cert")
                .arg(&tls.cert)
                .arg("--tls-key")
                .arg(&tls.key);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = self.log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        if self.tls.is_some() {
            // /healthz answers only over TLS here: wait for the listening line instead.
            let log = self.log.clone();
            wait_for("the HTTPS server listening", || {
                log.lock().unwrap().contains("cairn is listening")
            });
        } else {
            wait_healthy(&mut child, self.port);
        }
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            assert!(
                terminate(child).status.success(),
                "{} stops cleanly",
                self.name
            );
        }
    }

    fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn rpc(&self, method: &str, body: Value) -> Value {
        self.call(&format!("/v1.Backrest/{method}"), body)
    }

    /// A Connect JSON call of `path`; its answer.
    fn call(&self, path: &str, body: Value) -> Value {
        let (code, text) = self.post(path, body);
        assert_eq!(code, 200, "{path} on {}: {text}", self.name);
        serde_json::from_str(&text).unwrap()
    }

    fn post(&self, path: &str, body: Value) -> (u16, String) {
        http_post_json(self.port, path, &body.to_string(), "x:y").unwrap()
    }
    /// Runs a `cairn` client command against this instance: (exit code, stdout, stderr).
    fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let Some(tls) = &self.tls else {
            return client(&self.home, self.port, None, args);
        };
        let out = cairn(&self.home)
            .env("CAIRN_SERVER", self.url())
            .env("SSL_CERT_FILE", &tls.ca)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn config(&self) -> Value {
        self.rpc("GetConfig", json!({}))
    }

    fn keyid(&self) -> String {
        self.config()["sync"]["identity"]["keyId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The hub's copies of `keyid`'s operations.
    fn synced(&self, keyid: &str) -> Vec<Value> {
        let list = self.rpc(
            "GetOperations",
            json!({"selector": {"originalInstanceKeyid": keyid}}),
        );
        list["operations"].as_array().cloned().unwrap_or_default()
    }

    fn logged(&self, text: &str) -> bool {
        self.log.lock().unwrap().contains(text)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A pairing token from `hub`.
fn token(hub: &Instance, ttl: i64, max_uses: i32) -> (String, String) {
    let t = hub.rpc(
        "GeneratePairingToken",
        json!({"label": "test", "ttlSeconds": ttl, "maxUses": max_uses}),
    )["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (keyid, rest) = t.split_once(':').unwrap();
    let (secret, _) = rest.split_once('#').unwrap();
    (keyid.to_string(), secret.to_string())
}

/// The `sync` section naming `hub` as a known host, pairing with `secret`, granting `permissions`.
fn known_host(hub: &Instance, keyid: &str, secret: &str, permissions: Value) -> Value {
    json!({"sync": {"knownHosts": [{
        "instanceId": hub.name, "keyId": keyid, "instanceUrl": hub.url(),
        "initialPairingSecret": secret, "permissions": permissions}]}})
}

fn read_ops() -> Value {
    json!([{"type": "PERMISSION_READ_OPERATIONS", "scopes": ["*"]}])
}

/// Adds finished operations of `instance` to the (stopped) instance's log; returns their ids.
fn seed(data: &Path, instance: &str, plans: &[&str]) -> Vec<i64> {
    let log = cairn_oplog::OpLog::open(data.join("oplog.sqlite")).unwrap();
    plans
        .iter()
        .map(|plan| {
            let mut op = Operation {
                repo_id: "nas".into(),
                repo_guid: "0123".repeat(16),
                plan_id: plan.to_string(),
                instance_id: instance.into(),
                status: OperationStatus::STATUS_SUCCESS.into(),
                unix_time_start_ms: chrono::Utc::now().timestamp_millis(),
                op: Some(Op::OperationBackup(Box::default())),
                ..Default::default()
            };
            log.add(&mut op).unwrap();
            op.id
        })
        .collect()
}

fn id_of(op: &Value, field: &str) -> i64 {
    op[field].as_str().unwrap().parse().unwrap()
}

fn original_ids(ops: &[Value]) -> Vec<i64> {
    original_ids_of(ops, "originalId")
}

/// The ids of `instance`'s own operations.
fn own_ids(instance: &Instance) -> Vec<i64> {
    let list = instance.rpc(
        "GetOperations",
        json!({"selector": {"instanceId": instance.name}}),
    );
    original_ids_of(list["operations"].as_array().unwrap(), "id")
}

/// The sorted values of the int64 `field` of `ops`.
fn original_ids_of(ops: &[Value], field: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = ops.iter().map(|o| id_of(o, field)).collect();
    ids.sort();
    ids
}

#[test]
fn a_client_pairs_by_token_and_its_operations_reach_the_hub_live_and_by_manifest() {
    pairs_and_syncs(None);
}

/// The same with the hub's history in PostgreSQL: synced operations, manifests, deletions, peer
/// states and restarts go through the PostgreSQL store.
#[test]
fn a_hub_on_postgres_syncs_its_client_live_and_by_manifest() {
    pairs_and_syncs(Some(TestPostgres::shared().fresh_database()));
}

/// A hub named "hub" with `cfg`, its history in the database at `database` when given.
fn hub_instance(root: &Path, cfg: Value, database: Option<String>) -> Instance {
    let mut hub = Instance::new(root, "hub", cfg);
    if let Some(url) = database {
        hub.env.push(("CAIRN_DATABASE_URL".into(), url));
    }
    hub
}

fn pairs_and_syncs(hub_database: Option<String>) {
    let root = TempDir::new().unwrap();
    let mut hub = hub_instance(root.path(), json!({}), hub_database);
    hub.start();
    // Paired as a person would: a token from the hub's command line, pasted on the client's.
    let (code, pairing, err) = hub.cli(&["pair", "token", "--label", "laptop", "--ttl", "1h"]);
    assert_eq!(code, 0, "{err}");
    let pairing = pairing.trim().to_string();
    let (hub_key, rest) = pairing.split_once(':').unwrap();
    let secret = rest.split_once('#').unwrap().0.to_string();
    assert_eq!(hub_key, hub.keyid());

    let src = root.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), "alpha\n").unwrap();
    let mut cfg = json!({});
    cfg["repos"] = json!([{"id": "nas", "uri": root.path().join("repo"), "password": "pw",
        "autoInitialize": true,
        "env": [format!("XDG_CACHE_HOME={}", root.path().join("cache").display())]}]);
    cfg["plans"] =
        json!([{"id": "home", "repo": "nas", "paths": [src], "schedule": {"disabled": true}}]);
    let mut laptop = Instance::new(root.path(), "laptop", cfg);
    let seeded = seed(&laptop.data, "laptop", &["home", "work", "home"]);
    seed(&laptop.data, "someone-else", &["home"]);
    laptop.start();
    let laptop_key = laptop.keyid();
    let (code, _, err) = laptop.cli(&["pair", "add", &pairing, &hub.url()]);
    assert_eq!(code, 0, "{err}");

    wait_for("the seeded operations on the hub", || {
        hub.synced(&laptop_key).len() == 3
    });
    assert_eq!(
        original_ids(&hub.synced(&laptop_key)),
        seeded,
        "the client's own, once each"
    );
    for op in hub.synced(&laptop_key) {
        assert_eq!(op["instanceId"], "laptop");
        assert_eq!(op["originalInstanceKeyid"], laptop_key.as_str());
    }
    // Paired: the token is used up, the hub lists the client, the client forgot the secret.
    let hub_config = hub.config();
    assert_eq!(
        hub_config["sync"]["authorizedClients"][0]["instanceId"],
        "laptop"
    );
    assert_eq!(
        hub_config["sync"]["authorizedClients"][0]["keyId"],
        laptop_key.as_str()
    );
    assert!(
        hub_config["sync"]["pairingTokens"]
            .as_array()
            .is_none_or(|t| t.is_empty())
    );
    let client_file = std::fs::read_to_string(&laptop.config).unwrap();
    assert!(
        !client_file.contains(&secret),
        "the pairing secret is forgotten once paired"
    );

    let (_, peers, _) = hub.cli(&["peers"]);
    assert!(
        peers.starts_with("client  laptop") && peers.contains("connected"),
        "{peers}"
    );
    let (_, peers, _) = laptop.cli(&["peers"]);
    assert!(
        peers.starts_with("host    hub") && peers.contains("connected"),
        "{peers}"
    );

    // A backup on the client reaches the hub live, with the operations it made.
    laptop.rpc("Backup", json!({"value": "home"}));
    wait_for("the live backup on the hub", || {
        original_ids(&hub.synced(&laptop_key)) == own_ids(&laptop)
    });
    // Its end follows the start live (the ids can match while the hub still has it running).
    wait_for("the live backup's success on the hub", || {
        hub.synced(&laptop_key).iter().any(|o| {
            o.get("operationBackup").is_some()
                && !seeded.contains(&id_of(o, "originalId"))
                && o["status"] == "STATUS_SUCCESS"
        })
    });

    // Offline changes reach the hub by manifest after a restart: a new operation, a deleted one.
    laptop.stop();
    let added = seed(&laptop.data, "laptop", &["work"]);
    {
        let log = cairn_oplog::OpLog::open(laptop.data.join("oplog.sqlite")).unwrap();
        log.delete(&[seeded[0]]).unwrap();
    }
    laptop.start();
    let own = own_ids(&laptop);
    assert!(own.contains(&added[0]) && !own.contains(&seeded[0]));
    wait_for("the offline changes on the hub", || {
        original_ids(&hub.synced(&laptop_key)) == own
    });

    // The hub restarts; the client reconnects and nothing is doubled.
    hub.stop();
    hub.start();
    wait_for("the client reconnecting", || {
        hub.log
            .lock()
            .unwrap()
            .matches("sync client connected")
            .count()
            >= 3
    });
    assert_eq!(original_ids(&hub.synced(&laptop_key)), own);

    // Removing the client on the hub cuts it off at once, and its operations go with it.
    let mut cfg = hub.config();
    cfg["sync"]["authorizedClients"] = json!([]);
    hub.rpc("SetConfig", cfg);
    wait_for("the removed client cut off", || {
        hub.logged("removed from the hub's authorised clients")
    });
    wait_for("the removed client's operations collected", || {
        hub.synced(&laptop_key).is_empty()
    });
    wait_for("the client told why", || {
        laptop.logged("not an authorised client of this hub")
    });
    hub.stop();
    laptop.stop();
}

#[test]
fn wrong_expired_and_used_up_tokens_are_refused_with_the_reason() {
    let root = TempDir::new().unwrap();
    let mut hub = Instance::new(root.path(), "hub", json!({}));
    hub.start();
    let (hub_key, _) = token(&hub, 3600, 1);
    let wrong = "ab".repeat(32);
    let mut a = Instance::new(
        root.path(),
        "a",
        known_host(&hub, &hub_key, &wrong, read_ops()),
    );
    a.start();
    wait_for("the wrong token refused", || {
        a.logged("not one this hub issued")
    });
    let (_, peers, _) = a.cli(&["peers"]);
    assert!(
        peers.contains("refused") && peers.contains("not one this hub issued"),
        "{peers}"
    );
    a.stop();

    let (_, expiring) = token(&hub, 1, 1);
    std::thread::sleep(Duration::from_millis(2100));
    let mut b = Instance::new(
        root.path(),
        "b",
        known_host(&hub, &hub_key, &expiring, read_ops()),
    );
    b.start();
    wait_for("the expired token refused", || b.logged("has expired"));
    b.stop();

    let (_, once) = token(&hub, 3600, 1);
    let mut c = Instance::new(
        root.path(),
        "c",
        known_host(&hub, &hub_key, &once, read_ops()),
    );
    c.start();
    wait_for("c paired", || hub.logged("paired a new client"));
    let mut d = Instance::new(
        root.path(),
        "d",
        known_host(&hub, &hub_key, &once, read_ops()),
    );
    d.start();
    wait_for("the used-up token refused", || {
        d.logged("not one this hub issued")
    });
    let clients = hub.config()["sync"]["authorizedClients"].clone();
    assert_eq!(
        clients.as_array().unwrap().len(),
        1,
        "only c paired: {clients}"
    );

    // A host that is not the one the token names is refused by the client.
    let mut impostor = Instance::new(root.path(), "impostor", json!({}));
    impostor.start();
    let mut e = Instance::new(
        root.path(),
        "e",
        known_host(&impostor, &hub_key, &once, read_ops()),
    );
    e.start();
    wait_for("the impostor refused", || e.logged("check the URL"));
    for i in [&mut c, &mut d, &mut e, &mut impostor, &mut hub] {
        i.stop();
    }
}

#[test]
fn a_hub_pushes_shared_repos_and_edits_a_client_only_within_its_grants() {
    let root = TempDir::new().unwrap();
    let vault = json!([{"id": "vault", "uri": root.path().join("vault"), "password": "pw",
        "autoInitialize": true, "shared": true,
        "env": [format!("XDG_CACHE_HOME={}", root.path().join("cache").display())]}]);
    let mut hub = Instance::new(root.path(), "hub", json!({"repos": vault}));
    hub.start();
    let t = hub.rpc(
        "GeneratePairingToken",
        json!({"label": "desk", "ttlSeconds": 600, "maxUses": 1,
               "permissions": [{"type": "PERMISSION_RECEIVE_SHARED_REPOS"}]}),
    )["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (hub_key, rest) = t.split_once(':').unwrap();
    let secret = rest.split_once('#').unwrap().0;
    let grants = json!([
        {"type": "PERMISSION_RECEIVE_SHARED_REPOS"},
        {"type": "PERMISSION_READ_WRITE_CONFIG", "scopes": ["plan:home"]},
    ]);
    let mut desk = Instance::new(
        root.path(),
        "desk",
        known_host(&hub, hub_key, secret, grants),
    );
    desk.start();
    let desk_key = desk.keyid();

    wait_for("the shared repository on the client", || {
        desk.config()["repos"].as_array().is_some_and(|r| {
            r.iter()
                .any(|r| r["id"] == "vault" && r["guid"].is_string())
        })
    });
    let repo = desk.config()["repos"][0].clone();
    assert_eq!(repo["originInstanceId"], "hub", "{repo}");
    let pushed = std::fs::read_to_string(&desk.config).unwrap();
    assert!(pushed.contains("\"vault\""), "saved in the client's config");

    let edit = |plans: Value| {
        hub.call(
            "/v1sync.BackrestSyncStateService/SetRemoteClientConfig",
            json!({"peerKeyid": desk_key, "plans": plans}),
        )
    };
    edit(
        json!([{"id": "home", "repo": "vault", "paths": ["/srv"], "schedule": {"disabled": true}}]),
    );
    wait_for("the hub's plan on the client", || {
        desk.config()["plans"][0]["id"] == "home"
    });
    edit(
        json!([{"id": "work", "repo": "vault", "paths": ["/srv"], "schedule": {"disabled": true}}]),
    );
    wait_for("the out-of-scope plan left out", || {
        desk.logged("plan \"work\": no read-write config permission")
    });
    assert_eq!(desk.config()["plans"].as_array().unwrap().len(), 1);
    let (code, text) = hub.post(
        "/v1sync.BackrestSyncStateService/SetRemoteClientConfig",
        json!({"peerKeyid": "ed25519.nobody", "plans": []}),
    );
    assert_eq!(code, 400, "{text}");
    assert!(
        text.contains("not the key id of an authorised client"),
        "{text}"
    );
    hub.stop();
    desk.stop();
}

#[test]
fn a_hub_runs_a_clients_backup_only_where_the_client_granted_it_and_reads_its_log() {
    runs_a_clients_backup(None, false);
}

/// The same with the hub's history in PostgreSQL (the fleet dashboard's queries, remote logs).
#[test]
fn a_hub_on_postgres_runs_a_clients_backup_and_reads_its_log() {
    runs_a_clients_backup(Some(TestPostgres::shared().fresh_database()), false);
}

/// The same asked of a second server of the hub, on the same database, while the client's session
/// is on the first: the dashboard shows the client connected, and the task, its refusals and the
/// log read are relayed to the first.
#[test]
fn a_hub_of_two_servers_runs_a_clients_backup_through_the_one_without_its_session() {
    runs_a_clients_backup(Some(TestPostgres::shared().fresh_database()), true);
}

/// A second server of `hub` (whose history is in the database at `url`), on "another host".
fn second_server(root: &Path, hub: &Instance, url: &str) -> Instance {
    let mut second = Instance::new(root, "hub-second", json!({}));
    second.env.push(("CAIRN_DATABASE_URL".into(), url.into()));
    std::fs::create_dir_all(&second.data).unwrap();
    std::fs::copy(
        hub.data.join("secrets.key"),
        second.data.join("secrets.key"),
    )
    .unwrap();
    second.start();
    second
}

fn runs_a_clients_backup(hub_database: Option<String>, ask_a_second_server: bool) {
    let root = TempDir::new().unwrap();
    // The hub has a plan named like the client's: the fleet dashboard keeps their backups apart.
    let hub_cfg = json!({
        "repos": [{"id": "vault", "uri": root.path().join("hub-repo"), "password": "pw",
            "autoInitialize": true}],
        "plans": [{"id": "home", "repo": "vault", "paths": [root.path()],
            "schedule": {"disabled": true}}],
    });
    let mut hub = hub_instance(root.path(), hub_cfg, hub_database.clone());
    hub.start();
    let (hub_key, secret) = token(&hub, 600, 1);
    let src = root.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), "alpha\n").unwrap();
    let grants = json!([
        {"type": "PERMISSION_READ_OPERATIONS"},
        {"type": "PERMISSION_RUN_TASKS", "scopes": ["plan:home"]},
    ]);
    let mut cfg = known_host(&hub, &hub_key, &secret, grants);
    cfg["repos"] = json!([{"id": "nas", "uri": root.path().join("repo"), "password": "pw",
        "autoInitialize": true,
        "env": [format!("XDG_CACHE_HOME={}", root.path().join("cache").display())]}]);
    cfg["plans"] = json!([
        {"id": "home", "repo": "nas", "paths": [src], "schedule": {"disabled": true}},
        {"id": "secret", "repo": "nas", "paths": [src], "schedule": {"disabled": true}},
    ]);
    let mut rack = Instance::new(root.path(), "rack", cfg);
    rack.start();
    let rack_key = rack.keyid();
    wait_for("the client connected", || {
        hub.logged("sync client connected")
    });
    let mut second = match (ask_a_second_server, &hub_database) {
        (true, Some(url)) => Some(second_server(root.path(), &hub, url)),
        _ => None,
    };
    let asked = second.as_ref().unwrap_or(&hub);

    let (code, out, err) = asked.cli(&["backup", "home", "--instance", "rack", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("started on rack as its operation"), "{out}");
    let backup = asked
        .synced(&rack_key)
        .into_iter()
        .find(|o| o.get("operationBackup").is_some() && o["planId"] == "home")
        .expect("the client's backup on the hub");
    assert_eq!(backup["status"], "STATUS_SUCCESS", "{backup}");
    let on_client = rack.rpc("GetOperations", json!({"selector": {"planId": "home"}}));
    assert!(
        on_client["operations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == backup["originalId"] && o["status"] == "STATUS_SUCCESS"),
        "the same operation on the client"
    );

    fleet_dashboard_shows_the_clients_backup(asked, &rack_key);

    // The backup's task log, read on the hub from the client, is the client's.
    let logref = backup["logref"].as_str().unwrap();
    assert!(logref.starts_with(&format!("peer:{rack_key}/")), "{logref}");
    let (code, remote_log, err) = asked.cli(&["logs", logref]);
    assert_eq!(code, 0, "{err}");
    let own_ref = logref.rsplit_once('/').unwrap().1;
    let (_, local_log, _) = rack.cli(&["logs", own_ref]);
    assert!(!local_log.is_empty());
    assert_eq!(remote_log, local_log);
    let (code, _, err) = asked.cli(&["logs", &format!("peer:{rack_key}/t-nope")]);
    assert_ne!(code, 0);
    assert!(err.contains("has no log t-nope the hub may read"), "{err}");

    let (code, _, err) = asked.cli(&["backup", "secret", "--instance", "rack"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("has not granted hub \"hub\" the run-tasks permission"),
        "{err}"
    );
    let (code, _, err) = asked.cli(&["task", "nas", "stats", "--instance", "rack"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("stats of repository \"nas\""), "{err}");
    assert!(rack.logged("refused a task the host asked for"));
    let (code, _, err) = asked.cli(&["backup", "home", "--instance", "nobody"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("not a client of this hub"), "{err}");
    if let Some(second) = &mut second {
        second.stop();
    }
    hub.stop();
    rack.stop();
}

/// The hub's fleet dashboard: itself (its own "home" never ran) and the client with both plans it
/// shared, "home" backed up once, by the client, with success.
fn fleet_dashboard_shows_the_clients_backup(hub: &Instance, rack_key: &str) {
    let fleet = hub.call("/cairn.v1.Cairn/GetFleetDashboard", json!({}));
    let instances = fleet["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 2, "{fleet}");
    let me = &instances[0];
    assert_eq!(me["instanceId"], "hub");
    assert_eq!(me["local"], true);
    assert_eq!(me["plans"][0]["planId"], "home");
    assert!(me["plans"][0].get("lastStatus").is_none(), "{me}");
    let rack = &instances[1];
    assert_eq!(rack["instanceId"], "rack");
    assert_eq!(rack["keyid"], rack_key);
    assert_eq!(rack["state"], "CONNECTION_STATE_CONNECTED");
    let plans: Vec<&str> = rack["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["planId"].as_str().unwrap())
        .collect();
    assert_eq!(plans, ["home", "secret"], "{rack}");
    let home = &rack["plans"][0];
    assert_eq!(home["repoId"], "nas");
    assert_eq!(home["lastStatus"], "STATUS_SUCCESS", "{home}");
    assert_eq!(home["successes30days"], "1", "{home}");
    assert!(home.get("failures30days").is_none(), "{home}");
    assert!(rack["plans"][1].get("lastStatus").is_none(), "{rack}");
}

/// A hub serving HTTPS (`--tls-cert`/`--tls-key`, a CA of the test's own): a client given the CA by
/// SSL_CERT_FILE pairs and syncs over TLS with ALPN h2; a client that does not trust it is refused at
/// the TLS handshake and says so; the CLI reaches the hub over https:// too.
#[test]
fn a_client_syncs_with_an_https_hub_it_trusts_and_refuses_one_it_does_not() {
    let root = TempDir::new().unwrap();
    let tls = TlsFiles::make(&root.path().join("tls"));
    let mut hub = Instance::new(root.path(), "hub", json!({}));
    hub.tls = Some(tls.clone());
    hub.start();
    let (code, out, err) = hub.cli(&["pair", "token", "--label", "rack", "--uses", "2"]);
    assert_eq!(code, 0, "{err}");
    let token = out.trim().to_string();
    let (keyid, rest) = token.split_once(':').unwrap();
    let secret = rest.split_once('#').unwrap().0;

    let mut rack = Instance::new(
        root.path(),
        "rack",
        known_host(&hub, keyid, secret, read_ops()),
    );
    rack.env
        .push(("SSL_CERT_FILE".into(), tls.ca.display().to_string()));
    rack.start();
    let mut stray = Instance::new(
        root.path(),
        "stray",
        known_host(&hub, keyid, secret, read_ops()),
    );
    stray.start();

    wait_for("rack connected over TLS", || {
        hub.logged("sync client connected")
    });
    let (code, out, err) = rack.cli(&["peers"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("host    hub") && out.contains("connected"),
        "{out}"
    );
    let (code, out, err) = hub.cli(&["peers"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("client  rack") && out.contains("connected"),
        "{out}"
    );

    // The stray client has only the system's roots: the handshake fails and its peer state says why.
    wait_for("the stray client's refusal", || {
        let (_, out, _) = stray.cli(&["peers"]);
        out.contains("certificate")
    });
    let (_, out, _) = stray.cli(&["peers"]);
    assert!(out.contains("cannot reach https://127.0.0.1:"), "{out}");
    assert!(out.contains("SSL_CERT_FILE"), "{out}");
    assert!(
        !hub.logged("sync client connected: stray"),
        "the stray client got in"
    );
    stray.stop();
    rack.stop();
    hub.stop();
}

/// A hub slow to store (another writer holds its operation log 300 ms at a time) asks the client to
/// wait between batches, the client does, and nothing is lost: once the hub is quick again every
/// operation arrives and the wait is lifted.
#[test]
fn a_slow_hub_throttles_its_client_and_nothing_is_dropped() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let root = TempDir::new().unwrap();
    let mut hub = Instance::new(root.path(), "hub", json!({}));
    hub.start();
    let (hub_key, secret) = token(&hub, 600, 1);
    let mut laptop = Instance::new(
        root.path(),
        "laptop",
        known_host(&hub, &hub_key, &secret, read_ops()),
    );
    std::fs::create_dir_all(&laptop.data).unwrap();
    // Ten batches of the client's 512, in 50 plans of 100 (as many as its history keeps of a plan).
    let names: Vec<String> = (0..5000).map(|i| format!("p{}", i % 50)).collect();
    let plans: Vec<&str> = names.iter().map(String::as_str).collect();
    let seeded = seed(&laptop.data, "laptop", &plans);

    let slow = Arc::new(AtomicBool::new(true));
    let db = hub.data.join("oplog.sqlite");
    let holder = {
        let slow = slow.clone();
        std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(db).unwrap();
            conn.busy_timeout(Duration::from_secs(10)).unwrap();
            while slow.load(Ordering::SeqCst) {
                conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                std::thread::sleep(Duration::from_millis(300));
                conn.execute_batch("COMMIT").unwrap();
                std::thread::sleep(Duration::from_millis(60));
            }
        })
    };
    laptop.start();
    let laptop_key = laptop.keyid();
    wait_for("the hub pacing its client", || {
        hub.logged("pacing the client")
    });
    slow.store(false, Ordering::SeqCst);
    holder.join().unwrap();
    wait_for("the client honouring the wait", || {
        laptop.logged("the hub asks to wait between batches")
    });
    wait_for("every operation on the hub", || {
        hub.synced(&laptop_key).len() == seeded.len()
    });
    assert_eq!(original_ids(&hub.synced(&laptop_key)), seeded);
    wait_for("the wait lifted", || {
        laptop.logged("the hub lifted its wait between batches")
    });
    laptop.stop();
    hub.stop();
}

/// The hub reads a client's task log while the task still writes it: the first line arrives while
/// the task runs, and the stream ends with the last line once it has finished.
#[test]
fn a_hub_follows_a_clients_task_log_while_it_runs() {
    let root = TempDir::new().unwrap();
    let mut hub = Instance::new(root.path(), "hub", json!({}));
    hub.start();
    let (hub_key, secret) = token(&hub, 600, 1);
    let src = root.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), "alpha\n").unwrap();
    let mut cfg = known_host(&hub, &hub_key, &secret, read_ops());
    cfg["repos"] = json!([{"id": "nas", "uri": root.path().join("repo"), "password": "pw",
        "autoInitialize": true}]);
    let slow = "echo first line; sleep 4; echo last line";
    cfg["plans"] = json!([{"id": "home", "repo": "nas", "paths": [src], "schedule": {"disabled": true},
        "hooks": [{"conditions": ["CONDITION_SNAPSHOT_START"], "actionCommand": {"command": slow}}]}]);
    let mut rack = Instance::new(root.path(), "rack", cfg);
    rack.start();
    let rack_key = rack.keyid();
    wait_for("the client connected", || {
        hub.logged("sync client connected")
    });

    let (code, _, err) = rack.cli(&["backup", "home"]);
    assert_eq!(code, 0, "{err}");
    let mut hook = Value::Null;
    wait_for("the running hook on the hub", || {
        hook = hub
            .synced(&rack_key)
            .into_iter()
            .find(|o| o.get("operationRunHook").is_some())
            .unwrap_or(Value::Null);
        hook["status"] == "STATUS_INPROGRESS"
    });
    let logref = hook["logref"].as_str().unwrap().to_string();
    let mut follow = cairn(&hub.home)
        .env("CAIRN_SERVER", hub.url())
        .args(["logs", &logref])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follow.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap);
    assert!(lines.any(|l| l == "first line"), "the hook's first line");
    let now = hub
        .synced(&rack_key)
        .into_iter()
        .find(|o| o["id"] == hook["id"])
        .unwrap();
    assert_eq!(
        now["status"], "STATUS_INPROGRESS",
        "the first line came while the hook ran"
    );
    let rest: Vec<String> = lines.collect();
    assert!(rest.iter().any(|l| l == "last line"), "{rest:?}");
    assert!(follow.wait().unwrap().success());
    rack.stop();
    hub.stop();
}
