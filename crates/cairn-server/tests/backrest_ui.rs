//! Backrest's own web UI against cairn, over loopback HTTP: each test replays the requests Backrest
//! 1.14's UI sends for one of its flows (shapes read from its settings dialog: it rebuilds the auth
//! and multihost sections from its own schema, so cairn's fields are gone, stored hashes come back
//! as the placeholder and the identity as its key id alone) and checks what Backrest would answer,
//! and that the config file stays one Backrest reads and logs in with.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use base64::Engine as _;
use serde_json::{Value, json};
use support::{Auth, Server, bcrypt_verifies, config, make_source, scratch};

fn file(s: &Server) -> Value {
    serde_json::from_str(&s.config_text()).unwrap()
}

/// What the settings dialog sends: the config it holds, with `auth` and `sync` rebuilt from the
/// form (users as the form holds them, the identity as its key id, peers as shown).
fn settings_save(shown: &Value, instance: &str, users: Value, disabled: bool) -> Value {
    let mut sent = shown.clone();
    let keyid = shown["sync"]["identity"]["keyId"].clone();
    sent["instance"] = json!(instance);
    sent["auth"] = json!({"disabled": disabled, "users": users});
    sent["sync"] = json!({"identity": {"keyId": keyid}, "knownHosts": [], "authorizedClients": []});
    sent
}

async fn hash(s: &Server, password: &str, auth: Auth<'_>) -> String {
    let h = s
        .ok(
            "v1.Authentication/HashPassword",
            json!({"value": password}),
            auth,
        )
        .await;
    h["value"].as_str().unwrap().to_string()
}

/// A new install: Backrest's UI reads the config without credentials, sees no user, opens its
/// settings dialog, hashes the first user's password and saves; afterwards everything needs a login.
#[tokio::test(flavor = "multi_thread")]
async fn first_run_from_backrests_settings_dialog() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": false}))).await;

    let shown = s.ok("v1.Backrest/GetConfig", json!({}), Auth::None).await;
    assert_eq!(shown["instance"], "test-host");
    assert!(
        shown["sync"]["identity"]["keyId"]
            .as_str()
            .unwrap()
            .starts_with("ed25519.")
    );
    assert!(
        shown.get("repos").is_none(),
        "no repository is shown before a user exists: {shown}"
    );
    let h = hash(&s, "first-pw", Auth::None).await;
    let mut sent = settings_save(
        &shown,
        "test-host",
        json!([{"name": "admin", "passwordBcrypt": h}]),
        false,
    );
    // Anything beyond the auth section is not taken before a user exists.
    sent["repos"] = json!([]);
    sent["instance"] = json!("renamed");
    s.ok("v1.Backrest/SetConfig", sent, Auth::None).await;

    let f = file(&s);
    assert!(bcrypt_verifies(
        f["auth"]["users"][0]["passwordBcrypt"].as_str().unwrap(),
        "first-pw"
    ));
    assert_eq!(f["repos"][0]["id"], "repo1", "the repositories are kept");
    assert_eq!(f["instance"], "test-host");
    assert!(f["sync"]["identity"]["ed25519priv"].as_str().is_some());

    let (status, _) = s.call("v1.Backrest/GetConfig", json!({}), Auth::None).await;
    assert_eq!(status, 401, "setup is over: the dialog's path is closed");
    let (status, _) = s
        .call(
            "v1.Authentication/HashPassword",
            json!({"value": "x"}),
            Auth::None,
        )
        .await;
    assert_eq!(status, 401);
    let login = s
        .ok(
            "v1.Authentication/Login",
            json!({"username": "admin", "password": "first-pw"}),
            Auth::None,
        )
        .await;
    let full = s
        .ok(
            "v1.Backrest/GetConfig",
            json!({}),
            Auth::Bearer(login["token"].as_str().unwrap()),
        )
        .await;
    assert_eq!(full["repos"][0]["id"], "repo1");
}

/// The other first-run choice: the dialog turns authentication off.
#[tokio::test(flavor = "multi_thread")]
async fn first_run_disabling_authentication() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": false}))).await;
    let shown = s.ok("v1.Backrest/GetConfig", json!({}), Auth::None).await;
    let (status, body) = s
        .call(
            "v1.Backrest/SetConfig",
            settings_save(&shown, "test-host", json!([]), false),
            Auth::None,
        )
        .await;
    assert_eq!(
        status, 400,
        "a save that leaves no way in is refused: {body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("add a user"),
        "{body}"
    );
    s.ok(
        "v1.Backrest/SetConfig",
        settings_save(&shown, "test-host", json!([]), true),
        Auth::None,
    )
    .await;
    let full = s.ok("v1.Backrest/GetConfig", json!({}), Auth::None).await;
    assert_eq!(full["repos"][0]["id"], "repo1");
    assert_eq!(full["auth"]["disabled"], true);
}

/// Settings saved from Backrest's dialog on an instance with a user: a user is added, the stored
/// user comes back as the placeholder, the identity as its key id; cairn's own settings, which
/// Backrest's schema does not know, are left out. Everything stored is kept, and every user still
/// logs in to Backrest with the same password.
#[tokio::test(flavor = "multi_thread")]
async fn settings_dialog_adds_a_user_and_keeps_what_it_does_not_know() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let backrest_hash =
        base64::engine::general_purpose::STANDARD.encode(bcrypt::hash("admin-pw", 10).unwrap());
    let mut cfg = config(
        tmp.path(),
        &src,
        json!({"users": [{"name": "admin", "passwordBcrypt": backrest_hash}]}),
    );
    cfg["cairn"] = json!({"hookTimeoutSeconds": 77});
    let s = Server::start(cfg).await;
    let before = file(&s);
    let identity = before["sync"]["identity"].clone();
    assert!(identity["keyId"].as_str().unwrap().starts_with("ed25519."));

    let login = s
        .ok(
            "v1.Authentication/Login",
            json!({"username": "admin", "password": "admin-pw"}),
            Auth::None,
        )
        .await;
    let token = login["token"].as_str().unwrap();
    let shown = s
        .ok("v1.Backrest/GetConfig", json!({}), Auth::Bearer(token))
        .await;
    assert_eq!(
        shown["auth"]["users"][0],
        json!({"name": "admin", "passwordBcrypt": "********"})
    );
    assert_eq!(
        shown["sync"]["identity"].get("ed25519priv"),
        None,
        "the private key is never sent"
    );
    let h = hash(&s, "bob-pw", Auth::Bearer(token)).await;
    let mut sent = settings_save(
        &shown,
        "test-host",
        json!([
            {"name": "admin", "passwordBcrypt": "********"},
            {"name": "bob", "passwordBcrypt": h}
        ]),
        false,
    );
    sent.as_object_mut().unwrap().remove("cairn");
    sent["repos"][0].as_object_mut().unwrap().remove("engine");
    s.ok("v1.Backrest/SetConfig", sent, Auth::Bearer(token))
        .await;

    let after = file(&s);
    assert_eq!(after["sync"]["identity"], identity, "the identity is kept");
    assert_eq!(after["cairn"]["hookTimeoutSeconds"], 77);
    assert_eq!(after["repos"][0]["engine"], "restic");
    assert_eq!(after["repos"][0]["password"], "repo-secret-pw");
    let users = after["auth"]["users"].as_array().unwrap();
    for (name, pw) in [("admin", "admin-pw"), ("bob", "bob-pw")] {
        let u = users.iter().find(|u| u["name"] == name).unwrap();
        assert!(
            bcrypt_verifies(u["passwordBcrypt"].as_str().unwrap(), pw),
            "{name} logs in to Backrest: {u}"
        );
    }

    // An identity the client cannot hold the key of is refused, naming the field.
    let shown = s
        .ok("v1.Backrest/GetConfig", json!({}), Auth::Bearer(token))
        .await;
    let mut sent = shown.clone();
    sent["sync"]["identity"] = json!({"keyId": "ed25519.not-this-one"});
    let (status, body) = s
        .call("v1.Backrest/SetConfig", sent, Auth::Bearer(token))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("sync.identity.keyId"),
        "{body}"
    );
}

/// Backrest's repository form (AddRepo with the repository rebuilt from its schema) and plan form
/// (SetConfig with the plan rebuilt) on an instance using cairn's own settings: the engine and the
/// ntfy and email hook actions, which Backrest's schema does not know, survive both; the repository
/// password sent back as the placeholder is kept.
#[tokio::test(flavor = "multi_thread")]
async fn backrests_repo_and_plan_forms_keep_what_its_schema_drops() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let mut cfg = config(tmp.path(), &src, json!({"disabled": true}));
    cfg["repos"][0]["hooks"] = json!([{
        "conditions": ["CONDITION_SNAPSHOT_ERROR"],
        "actionNtfy": {"url": "https://ntfy.example.com/backups", "token": "ntfy-secret"}
    }]);
    cfg["plans"][0]["hooks"] = json!([{
        "conditions": ["CONDITION_SNAPSHOT_END"],
        "actionEmail": {"smtpUrl": "smtp+plain://localhost:2525", "from": "cairn@example.com", "to": ["ops@example.com"]}
    }]);
    let s = Server::start(cfg).await;
    let before = file(&s);
    let shown = s.ok("v1.Backrest/GetConfig", json!({}), Auth::None).await;

    // The repository form: what Backrest's schema holds of the repository, flags changed.
    let mut repo = shown["repos"][0].clone();
    let repo_obj = repo.as_object_mut().unwrap();
    repo_obj.remove("engine");
    repo_obj.insert("flags".into(), json!(["--limit-upload=1000"]));
    repo["hooks"][0]
        .as_object_mut()
        .unwrap()
        .remove("actionNtfy");
    assert_eq!(repo["password"], "********");
    s.ok("v1.Backrest/AddRepo", json!({"repo": repo}), Auth::None)
        .await;

    // The plan form: the config it holds with the plan rebuilt from its schema.
    let shown = s.ok("v1.Backrest/GetConfig", json!({}), Auth::None).await;
    let mut sent = shown.clone();
    sent["plans"][0]["excludes"] = json!(["*.tmp"]);
    sent["plans"][0]["hooks"][0]
        .as_object_mut()
        .unwrap()
        .remove("actionEmail");
    s.ok("v1.Backrest/SetConfig", sent, Auth::None).await;

    let after = file(&s);
    assert_eq!(after["repos"][0]["engine"], "restic");
    assert_eq!(
        after["repos"][0]["password"],
        before["repos"][0]["password"]
    );
    assert_eq!(after["repos"][0]["flags"], json!(["--limit-upload=1000"]));
    assert_eq!(
        after["repos"][0]["hooks"], before["repos"][0]["hooks"],
        "the ntfy action and its token are kept"
    );
    assert_eq!(after["plans"][0]["excludes"], json!(["*.tmp"]));
    assert_eq!(after["plans"][0]["hooks"], before["plans"][0]["hooks"]);
}

/// Backrest's "generate pairing token" form: the token names this instance's identity and id, is
/// stored with its label, expiry, uses and permissions, and its secret is shown only once.
#[tokio::test(flavor = "multi_thread")]
async fn a_pairing_token_from_backrests_settings_dialog() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": true}))).await;
    let req = json!({
        "label": "laptop",
        "ttlSeconds": "3600",
        "maxUses": 1,
        "permissions": [{"type": "PERMISSION_READ_OPERATIONS", "scopes": ["*"]}]
    });
    let out = s
        .ok("v1.Backrest/GeneratePairingToken", req.clone(), Auth::None)
        .await;
    let token = out["token"].as_str().unwrap();
    let parsed = cairn_config::pairing::PairingToken::parse(token).unwrap();
    let f = file(&s);
    assert_eq!(
        parsed.key_id,
        f["sync"]["identity"]["keyId"].as_str().unwrap()
    );
    assert_eq!(parsed.instance_id, "test-host");
    let stored = &f["sync"]["pairingTokens"][0];
    assert_eq!(stored["secret"], parsed.secret);
    assert_eq!(stored["label"], "laptop");
    assert_eq!(stored["maxUses"], 1);
    let created: i64 = stored["createdAtUnix"].as_str().unwrap().parse().unwrap();
    let expires: i64 = stored["expiresAtUnix"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires - created, 3600);
    assert_eq!(stored["permissions"], req["permissions"]);

    let shown = s.ok("v1.Backrest/GetConfig", json!({}), Auth::None).await;
    assert_eq!(shown["sync"]["pairingTokens"][0]["secret"], "********");
    assert!(!shown.to_string().contains(&parsed.secret));

    let mut never = req.clone();
    never["ttlSeconds"] = json!("0");
    s.ok("v1.Backrest/GeneratePairingToken", never, Auth::None)
        .await;
    assert_eq!(
        file(&s)["sync"]["pairingTokens"][1].get("expiresAtUnix"),
        None
    );
    let mut unusable = req;
    unusable["maxUses"] = json!(0);
    let (status, body) = s
        .call("v1.Backrest/GeneratePairingToken", unusable, Auth::None)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("maxUses"),
        "{body}"
    );
}
