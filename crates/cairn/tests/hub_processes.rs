//! A hub run as three `cairn serve` processes on one PostgreSQL database behind one address (a TCP
//! balancer of the test's own, round robin over the processes that accept): 20 clients speaking the
//! real sync protocol connect through it and land on all three, and every operation arrives exactly
//! once. The process that runs the tasks (and history GC) is one; a backup asked of another is handed
//! to it. That process is killed with SIGKILL: its clients reconnect through the same address to the
//! others, operations the clients make meanwhile arrive, nothing is lost or doubled, and another
//! process takes the tasks over and runs GC, once. Task logs are shared through the database and an
//! S3 bucket (moto): a log written by the process that ran the task is read from another.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_conformance::balancer::{Given, balance};
use cairn_fleet::{Me, dial, initiate};
use cairn_oplog::pg_test_server::TestPostgres;
use cairn_oplog::{OpLog, Query, Selector};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::__buffa::oneof::operation_event::Event;
use cairn_proto::v1::{Operation, OperationEvent, OperationList, OperationStatus};
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::sync_stream_item::{
    SyncActionOperationManifest, SyncActionReceiveOperations,
};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;
use tokio::sync::watch;

const HUBS: usize = 3;
const CLIENTS: usize = 20;
/// Operations each client holds before the kill, and adds after it.
const FIRST: i64 = 60;
const MORE: i64 = 15;

/// One hub process: its home, port, process and what it logged.
struct Hub {
    home: PathBuf,
    port: u16,
    child: Option<Child>,
    log: Arc<Mutex<String>>,
}

/// moto's S3 server on loopback, stopped on drop.
struct Moto {
    port: u16,
    child: Child,
}

impl Moto {
    fn start() -> Self {
        let (child, port) = cairn_conformance::moto::start();
        Self { port, child }
    }

    fn log_store_url(&self) -> String {
        format!("s3:http://127.0.0.1:{}/cairn-logs/hub", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Hub {
    fn start(home: PathBuf, config: &Path, url: &str, logs: &str) -> Self {
        let port = free_port();
        let mut child = serve_command(&home, config, &home.join("data"), port)
            .env("CAIRN_DATABASE_URL", url)
            .env("CAIRN_LOG_STORE_URL", logs)
            .env("AWS_ACCESS_KEY_ID", "cairn")
            .env("AWS_SECRET_ACCESS_KEY", "cairn-secret")
            .env("RUST_LOG", "info")
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log: Arc<Mutex<String>> = Arc::default();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        wait_healthy(&mut child, port);
        Self {
            home,
            port,
            child: Some(child),
            log,
        }
    }

    fn logged(&self, text: &str) -> usize {
        self.log.lock().unwrap().matches(text).count()
    }

    fn runs_tasks(&self) -> bool {
        self.logged("this server runs the tasks") > 0
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            std::process::Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status()
                .unwrap();
            child.wait().unwrap();
        }
    }

    fn cli(&self, args: &[&str]) -> (i32, String, String) {
        client(&self.home, self.port, None, args)
    }

    fn rpc(&self, method: &str, body: serde_json::Value) -> serde_json::Value {
        let (code, text) = http_post_json(
            self.port,
            &format!("/v1.Backrest/{method}"),
            &body.to_string(),
            "x:y",
        )
        .unwrap();
        assert_eq!(code, 200, "{method}: {text}");
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Client `c`'s operation `id` (its modno is its id).
fn operation(c: usize, id: i64) -> Operation {
    Operation {
        id,
        modno: id,
        flow_id: id,
        repo_id: "nas".into(),
        repo_guid: "ab".repeat(32),
        plan_id: "home".into(),
        instance_id: format!("client-{c}"),
        status: OperationStatus::STATUS_SUCCESS.into(),
        unix_time_start_ms: chrono::Utc::now().timestamp_millis(),
        op: Some(Op::OperationBackup(Box::default())),
        ..Default::default()
    }
}

fn updated(c: usize, ids: impl Iterator<Item = i64>) -> Action {
    Action::ReceiveOperations(Box::new(SyncActionReceiveOperations {
        event: OperationEvent {
            event: Some(Event::UpdatedOperations(Box::new(OperationList {
                operations: ids.map(|id| operation(c, id)).collect(),
                ..OperationList::default()
            }))),
            ..OperationEvent::default()
        }
        .into(),
        ..SyncActionReceiveOperations::default()
    }))
}

/// One client: keeps a session through the balancer (reconnecting when it drops); on each connect
/// sends the manifest of the operations it holds (1..=held) and answers the hub's requests; sends
/// each operation it adds live while connected.
async fn sync_client(c: usize, me: Me, url: String, mut held: watch::Receiver<i64>) {
    loop {
        session(c, &me, &url, &mut held).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn session(c: usize, me: &Me, url: &str, held: &mut watch::Receiver<i64>) {
    let Ok(link) = dial(url).await else { return };
    let Ok((mut link, _)) = initiate(link, me, "").await else {
        return;
    };
    let mut sent = *held.borrow_and_update();
    let manifest = Action::OperationManifest(Box::new(SyncActionOperationManifest {
        op_ids: (1..=sent).collect(),
        modnos: (1..=sent).collect(),
        ..SyncActionOperationManifest::default()
    }));
    if link.send(manifest).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            action = link.recv() => match action {
                Ok(Action::RequestOperationData(r)) => {
                    if link.send(updated(c, r.op_ids.iter().copied())).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => return,
            },
            changed = held.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *held.borrow_and_update();
                if link.send(updated(c, sent + 1..=now)).await.is_err() {
                    return;
                }
                sent = now;
            }
        }
    }
}

/// The hub's copies of the client `keyid`'s operations: their ids on the client, sorted.
fn original_ids(log: &OpLog, keyid: &str) -> Vec<i64> {
    let ops = log
        .query(&Query::new(Selector {
            original_instance_keyid: Some(keyid.into()),
            ..Selector::default()
        }))
        .unwrap();
    let mut ids: Vec<i64> = ops.iter().map(|o| o.original_id).collect();
    ids.sort();
    ids
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How many clients `hub` shows connected (`cairn peers`), wherever their sessions are.
fn connected_on(hub: &Hub) -> usize {
    let (_, out, _) = hub.cli(&["peers"]);
    out.lines()
        .filter(|l| l.starts_with("client") && l.split_whitespace().nth(2) == Some("connected"))
        .count()
}

/// Every client's operations 1..=n on the hub, each once.
fn all_arrived_once(log: &OpLog, ids: &[Me], n: i64) -> bool {
    let want: Vec<i64> = (1..=n).collect();
    ids.iter()
        .all(|me| original_ids(log, &me.identity.keyid) == want)
}

#[test]
fn three_hub_processes_share_one_database_and_survive_one_killed() {
    let url = TestPostgres::shared().fresh_database();
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let src = root.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), "alpha\n").unwrap();
    let ids: Vec<Me> = (0..CLIENTS)
        .map(|i| Me {
            instance_id: format!("client-{i}"),
            identity: cairn_config::identity::generate().unwrap(),
        })
        .collect();
    // One more client, connected straight to one process and never reconnecting.
    let lonely = Me {
        instance_id: "lonely".into(),
        identity: cairn_config::identity::generate().unwrap(),
    };
    let clients: Vec<serde_json::Value> = ids
        .iter()
        .chain([&lonely])
        .map(|m| json!({"instanceId": m.instance_id, "keyId": m.identity.keyid}))
        .collect();
    let config = json!({"version": 6, "instance": "hub", "auth": {"disabled": true},
        "repos": [{"id": "nas", "uri": root.path().join("repo"), "password": "pw",
            "autoInitialize": true,
            "env": [format!("XDG_CACHE_HOME={}", root.path().join("cache").display())]}],
        "plans": [{"id": "hubplan", "repo": "nas", "paths": [src], "schedule": {"disabled": true}}],
        "sync": {"authorizedClients": clients}});

    // The first process stores the config in the database; the others, on "other hosts", have
    // only the URL and the same secrets key.
    let mut hubs: Vec<Hub> = Vec::new();
    for h in 0..HUBS {
        let home = root.path().join(format!("hub{h}"));
        std::fs::create_dir_all(home.join("data")).unwrap();
        let config_path = home.join("config.json");
        if h == 0 {
            std::fs::write(&config_path, config.to_string()).unwrap();
        } else {
            std::fs::copy(
                root.path().join("hub0/data/secrets.key"),
                home.join("data/secrets.key"),
            )
            .unwrap();
        }
        hubs.push(Hub::start(home, &config_path, &url, &moto.log_store_url()));
    }
    wait_for(
        "one process to run the tasks",
        Duration::from_secs(30),
        || hubs.iter().filter(|h| h.runs_tasks()).count() == 1,
    );
    let runner = hubs.iter().position(Hub::runs_tasks).unwrap();
    let follower = (runner + 1) % HUBS;

    // The runner opened the repository and saved its id; every process follows the config.
    wait_for(
        "the repository's id on every process",
        Duration::from_secs(60),
        || {
            hubs.iter().all(|h| {
                h.rpc("GetConfig", json!({}))["repos"][0]["guid"]
                    .as_str()
                    .is_some_and(|g| !g.is_empty())
            })
        },
    );
    // A backup asked of a process that does not run tasks is handed to the one that does.
    let (code, out, err) = hubs[follower].cli(&["backup", "hubplan", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    let third = (follower + 1) % HUBS;
    let (_, listed, _) = hubs[third].cli(&["ops", "--plan", "hubplan"]);
    assert!(listed.contains("success"), "{listed}");
    // Its log, written where it ran, is read from a process that did not run it; its text is in
    // the bucket.
    let ops = hubs[third].rpc("GetOperations", json!({"selector": {"planId": "hubplan"}}));
    let logref = ops["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o.get("operationBackup").is_some())
        .and_then(|o| o["logref"].as_str())
        .expect("the backup's log")
        .to_string();
    let (code, log_text, err) = hubs[third].cli(&["logs", &logref]);
    assert_eq!(code, 0, "{err}");
    assert!(!log_text.trim().is_empty(), "the backup's log has its text");
    let (code, listing) = http_get(moto.port, "/cairn-logs").unwrap();
    assert_eq!(code, 200, "{listing}");
    assert!(
        listing.contains(&format!("<Key>hub/tasklogs/{logref}.gz</Key>")),
        "the log's text is in the bucket: {listing}"
    );
    wait_for("GC on the runner", Duration::from_secs(30), || {
        hubs[runner].logged("collected garbage") > 0
    });

    // Twenty clients through one address.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let given: Given = Arc::default();
    let ports: Vec<u16> = hubs.iter().map(|h| h.port).collect();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(balance(listener, ports, given.clone()));
    let mut counters = Vec::new();
    for (c, me) in ids.iter().cloned().enumerate() {
        let (held, watched) = watch::channel(FIRST);
        counters.push(held);
        runtime.spawn(sync_client(c, me, address.clone(), watched));
    }
    let lonely_url = format!("http://127.0.0.1:{}", hubs[runner].port);
    runtime.spawn(async move {
        let (_keep, mut held) = watch::channel(1);
        session(CLIENTS, &lonely, &lonely_url, &mut held).await;
    });
    let log = OpLog::connect(&url).unwrap();
    wait_for(
        "every operation on the hub",
        Duration::from_secs(120),
        || all_arrived_once(&log, &ids, FIRST),
    );
    // Every process shows every client's session, wherever it landed.
    wait_for(
        "every client connected on every process",
        Duration::from_secs(60),
        || hubs.iter().all(|h| connected_on(h) == CLIENTS + 1),
    );
    let before_kill = given.lock().unwrap().clone();
    for h in &hubs {
        assert!(
            before_kill.get(&h.port).copied().unwrap_or(0) > 0,
            "clients landed on every process: {before_kill:?}"
        );
    }

    // The process that runs the tasks is killed outright, with its clients' sessions.
    let killed_port = hubs[runner].port;
    hubs[runner].kill();
    for held in &counters {
        held.send_modify(|n| *n += MORE);
    }
    wait_for(
        "the operations made meanwhile on the hub",
        Duration::from_secs(120),
        || all_arrived_once(&log, &ids, FIRST + MORE),
    );
    let after = given.lock().unwrap().clone();
    let reconnected: usize = after
        .iter()
        .filter(|(p, _)| **p != killed_port)
        .map(|(p, n)| n - before_kill.get(p).copied().unwrap_or(0))
        .sum();
    assert!(
        reconnected >= before_kill[&killed_port],
        "the killed process's clients reconnected to the others: before {before_kill:?}, after {after:?}"
    );
    assert_eq!(after.get(&killed_port), before_kill.get(&killed_port));
    wait_for(
        "every client connected on the processes left",
        Duration::from_secs(60),
        || {
            hubs.iter()
                .enumerate()
                .all(|(i, h)| i == runner || connected_on(h) == CLIENTS)
        },
    );
    // The client that does not reconnect shows as disconnected, its server gone, on the others.
    wait_for(
        "the lonely client's session shown ended",
        Duration::from_secs(60),
        || {
            hubs.iter().enumerate().all(|(i, h)| {
                i == runner
                    || h.cli(&["peers"]).1.lines().any(|l| {
                        l.contains("lonely")
                            && l.split_whitespace().nth(2) == Some("disconnected")
                            && l.contains("on another server of this hub, which stopped")
                    })
            })
        },
    );
    // Nothing doubled: each client's operations once, and nothing else from the clients.
    let total: u64 = ids
        .iter()
        .map(|me| {
            log.count(&Selector {
                original_instance_keyid: Some(me.identity.keyid.clone()),
                ..Selector::default()
            })
            .unwrap()
        })
        .sum();
    assert_eq!(total, (CLIENTS as i64 * (FIRST + MORE)) as u64);

    // Another process took the tasks over, and GC ran there: one process at a time runs it.
    wait_for(
        "another process running the tasks",
        Duration::from_secs(30),
        || {
            hubs.iter()
                .enumerate()
                .filter(|(i, h)| *i != runner && h.runs_tasks())
                .count()
                == 1
        },
    );
    let new_runner = (0..HUBS)
        .find(|i| *i != runner && hubs[*i].runs_tasks())
        .unwrap();
    let other = (0..HUBS)
        .find(|i| *i != runner && *i != new_runner)
        .unwrap();
    wait_for("GC on the new runner", Duration::from_secs(30), || {
        hubs[new_runner].logged("collected garbage") > 0
    });
    assert_eq!(
        hubs[other].logged("collected garbage"),
        0,
        "GC runs on one process"
    );
    assert_eq!(hubs[other].logged("this server runs the tasks"), 0);
    // Tasks still run when asked of the process that does not run them.
    let (code, out, err) = hubs[other].cli(&["backup", "hubplan", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    drop(runtime);
    for h in [new_runner, other] {
        let child = hubs[h].child.take().unwrap();
        assert!(terminate(child).status.success());
    }
}
