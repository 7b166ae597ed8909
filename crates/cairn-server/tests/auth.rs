//! The authentication matrix over real loopback HTTP: first-run setup, login, every RPC without a
//! token, with a bad or expired token, with HTTP Basic, with API tokens, and with auth disabled.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use serde_json::json;
use support::{Auth, Server, bcrypt_verifies, client_from, config, make_source, scratch};

/// Every RPC of the services that need a session.
const GUARDED: &[&str] = &[
    "v1.Backrest/GetConfig",
    "v1.Backrest/SetConfig",
    "v1.Backrest/SetupSftp",
    "v1.Backrest/CheckRepoExists",
    "v1.Backrest/AddRepo",
    "v1.Backrest/RemoveRepo",
    "v1.Backrest/GetOperationEvents",
    "v1.Backrest/GetOperations",
    "v1.Backrest/ListSnapshots",
    "v1.Backrest/ListSnapshotFiles",
    "v1.Backrest/Backup",
    "v1.Backrest/DoRepoTask",
    "v1.Backrest/Forget",
    "v1.Backrest/Restore",
    "v1.Backrest/Cancel",
    "v1.Backrest/GetLogs",
    "v1.Backrest/RunCommand",
    "v1.Backrest/GetDownloadURL",
    "v1.Backrest/ClearHistory",
    "v1.Backrest/PathAutocomplete",
    "v1.Backrest/GetSummaryDashboard",
    "v1.Backrest/GeneratePairingToken",
    "v1.Authentication/HashPassword",
    "cairn.v1.Cairn/GetStatus",
    "cairn.v1.Cairn/StartBackup",
    "cairn.v1.Cairn/WatchOperations",
    "cairn.v1.Cairn/CreateApiToken",
    "cairn.v1.Cairn/RevokeApiToken",
    "cairn.v1.Cairn/DiffSnapshots",
    "cairn.v1.Cairn/FileHistory",
    "cairn.v1.Cairn/FindFiles",
    "cairn.v1.Cairn/GetFleetDashboard",
];

/// What Backrest's first-run dialog sends, let through while no user exists.
const FIRST_RUN: &[&str] = &[
    "v1.Backrest/GetConfig",
    "v1.Backrest/SetConfig",
    "v1.Authentication/HashPassword",
];

async fn refused_everywhere(s: &Server, auth: Auth<'_>, why: &str) {
    refused_except(s, auth, why, &[]).await;
}

async fn refused_except(s: &Server, auth: Auth<'_>, why: &str, except: &[&str]) {
    for m in GUARDED.iter().filter(|m| !except.contains(m)) {
        let (status, body) = s.call(m, json!({}), auth).await;
        assert_eq!(status, 401, "{m} {why}: {body}");
        assert_eq!(body["code"], "unauthenticated", "{m} {why}: {body}");
    }
    let metrics = s.http.get(format!("{}/metrics", s.base));
    let metrics = match auth {
        Auth::Bearer(t) => metrics.bearer_auth(t),
        Auth::Basic(u, p) => metrics.basic_auth(u, Some(p)),
        Auth::None => metrics,
    };
    assert_eq!(
        metrics.send().await.unwrap().status().as_u16(),
        401,
        "/metrics {why}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_setup_then_every_rpc_needs_a_valid_session() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let mut s = Server::start(config(tmp.path(), &src, json!({"disabled": false}))).await;

    let state = s
        .ok("cairn.v1.Cairn/GetAuthState", json!({}), Auth::None)
        .await;
    assert_eq!(state["setupRequired"], true, "{state}");
    refused_except(&s, Auth::None, "before setup", FIRST_RUN).await;
    let shown = s.ok("v1.Backrest/GetConfig", json!({}), Auth::None).await;
    assert!(
        shown.get("repos").is_none() && shown.get("plans").is_none(),
        "before setup GetConfig shows only what the first-run dialog needs: {shown}"
    );
    let (status, body) = s
        .call(
            "v1.Authentication/Login",
            json!({"username": "x", "password": "y"}),
            Auth::None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated")),
        "{body}"
    );

    let setup = s
        .ok(
            "cairn.v1.Cairn/Setup",
            json!({"username": "admin", "password": "pw-1"}),
            Auth::None,
        )
        .await;
    let token = setup["token"].as_str().unwrap().to_string();
    assert!(
        s.config_text().contains("passwordBcrypt"),
        "the password is stored as bcrypt, as Backrest stores it"
    );
    assert!(!s.config_text().contains("pw-1"));
    let (status, _) = s
        .call(
            "cairn.v1.Cairn/Setup",
            json!({"username": "evil", "password": "x"}),
            Auth::None,
        )
        .await;
    assert_eq!(status, 400, "a second setup is refused");

    // No token, a bad token, a token signed with another key, an expired one, wrong Basic.
    refused_everywhere(&s, Auth::None, "without a token").await;
    refused_everywhere(&s, Auth::Bearer("not-a-token"), "with a malformed token").await;
    let key = std::fs::read(s.path("jwt-secret")).unwrap();
    let now = chrono::Utc::now().timestamp();
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": "admin", "exp": now - 60, "iat": now - 3600}),
        &jsonwebtoken::EncodingKey::from_secret(&key),
    )
    .unwrap();
    refused_everywhere(&s, Auth::Bearer(&expired), "with an expired token").await;
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": "admin", "exp": now + 600}),
        &jsonwebtoken::EncodingKey::from_secret(b"another key of at least 32 bytes!!"),
    )
    .unwrap();
    refused_everywhere(&s, Auth::Bearer(&forged), "with a forged token").await;
    // Wrong Basic passwords from another address: refused (throttled there after a few), and the
    // admin, on the address that set up the server, is not locked out by them.
    let home = std::mem::replace(&mut s.http, client_from("127.0.0.2"));
    refused_everywhere(
        &s,
        Auth::Basic("admin", "wrong"),
        "with a wrong Basic password",
    )
    .await;
    s.http = home;

    // The session from setup, a login, and Basic all work.
    s.ok("v1.Backrest/GetConfig", json!({}), Auth::Bearer(&token))
        .await;
    let login = s
        .ok(
            "v1.Authentication/Login",
            json!({"username": "admin", "password": "pw-1"}),
            Auth::None,
        )
        .await;
    let token2 = login["token"].as_str().unwrap().to_string();
    s.ok("cairn.v1.Cairn/GetStatus", json!({}), Auth::Bearer(&token2))
        .await;
    s.ok(
        "v1.Backrest/GetConfig",
        json!({}),
        Auth::Basic("admin", "pw-1"),
    )
    .await;
    let metrics = s
        .http
        .get(format!("{}/metrics", s.base))
        .basic_auth("admin", Some("pw-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
    let hashed = s
        .ok(
            "v1.Authentication/HashPassword",
            json!({"value": "x"}),
            Auth::Bearer(&token),
        )
        .await;
    assert!(bcrypt_verifies(hashed["value"].as_str().unwrap(), "x"));

    // API tokens: usable as Bearer, stored only as a hash, dead once revoked.
    let created = s
        .ok(
            "cairn.v1.Cairn/CreateApiToken",
            json!({"label": "ci"}),
            Auth::Bearer(&token),
        )
        .await;
    let api = created["token"].as_str().unwrap().to_string();
    assert!(!s.config_text().contains(&api));
    s.ok(
        "v1.Backrest/GetOperations",
        json!({"selector": {}}),
        Auth::Bearer(&api),
    )
    .await;
    let id = created["info"]["id"].as_str().unwrap();
    s.ok(
        "cairn.v1.Cairn/RevokeApiToken",
        json!({"id": id}),
        Auth::Bearer(&token),
    )
    .await;
    refused_everywhere(&s, Auth::Bearer(&api), "with a revoked API token").await;

    // Changing the password ends existing sessions.
    let mut cfg = s
        .ok("v1.Backrest/GetConfig", json!({}), Auth::Bearer(&token))
        .await;
    let new_hash = s
        .ok(
            "v1.Authentication/HashPassword",
            json!({"value": "pw-2"}),
            Auth::Bearer(&token),
        )
        .await;
    cfg["auth"]["users"][0] = json!({"name": "admin", "passwordBcrypt": new_hash["value"]});
    s.ok("v1.Backrest/SetConfig", cfg, Auth::Bearer(&token))
        .await;
    refused_everywhere(&s, Auth::Bearer(&token), "after a password change").await;
    s.ok(
        "v1.Authentication/Login",
        json!({"username": "admin", "password": "pw-2"}),
        Auth::None,
    )
    .await;

    // Auth disabled: everything is open.
    let login = s
        .ok(
            "v1.Authentication/Login",
            json!({"username": "admin", "password": "pw-2"}),
            Auth::None,
        )
        .await;
    let t = login["token"].as_str().unwrap();
    let mut cfg = s
        .ok("v1.Backrest/GetConfig", json!({}), Auth::Bearer(t))
        .await;
    cfg["auth"]["disabled"] = json!(true);
    s.ok("v1.Backrest/SetConfig", cfg, Auth::Bearer(t)).await;
    s.ok("v1.Backrest/GetConfig", json!({}), Auth::None).await;
    s.ok("cairn.v1.Cairn/GetStatus", json!({}), Auth::None)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn argon2_users_of_older_cairn_log_in_and_are_rehashed_for_backrest() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let tmp = scratch();
    let src = make_source(tmp.path());
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
    let argon = argon2::Argon2::default()
        .hash_password(b"old-pw", &salt)
        .unwrap()
        .to_string();
    let auth = json!({"users": [{"name": "bob", "passwordArgon2": argon}]});
    let s = Server::start(config(tmp.path(), &src, auth)).await;
    s.ok(
        "v1.Backrest/GetConfig",
        json!({}),
        Auth::Basic("bob", "old-pw"),
    )
    .await;
    let login = s
        .ok(
            "v1.Authentication/Login",
            json!({"username": "bob", "password": "old-pw"}),
            Auth::None,
        )
        .await;
    let file: serde_json::Value = serde_json::from_str(&s.config_text()).unwrap();
    let user = &file["auth"]["users"][0];
    assert!(user.get("passwordArgon2").is_none(), "{user}");
    assert!(
        bcrypt_verifies(user["passwordBcrypt"].as_str().unwrap(), "old-pw"),
        "Backrest's check passes: {user}"
    );
    s.ok(
        "v1.Backrest/GetConfig",
        json!({}),
        Auth::Bearer(login["token"].as_str().unwrap()),
    )
    .await;
    let cfg = s
        .ok(
            "v1.Backrest/GetConfig",
            json!({}),
            Auth::Basic("bob", "old-pw"),
        )
        .await;
    assert_eq!(
        cfg["auth"]["users"][0],
        json!({"name": "bob", "passwordBcrypt": "********"}),
        "hashes are never sent, and shown where Backrest's UI looks"
    );
}

/// Password guessing is slowed: after a few failures from one address the next attempts are refused
/// with ResourceExhausted and a time to wait, without the password being checked; the user, on the
/// address that set the server up, still logs in; and /metrics counts every result.
#[tokio::test(flavor = "multi_thread")]
async fn logins_are_throttled_per_address_and_counted() {
    let (_tmp, mut s, token) = server_with_admin("right").await;
    let home = std::mem::replace(&mut s.http, client_from("127.0.0.3"));
    let wrong = json!({"username": "admin", "password": "guess"});
    let mut refused = Vec::new();
    for _ in 0..8 {
        let (status, body) = s
            .call("v1.Authentication/Login", wrong.clone(), Auth::None)
            .await;
        refused.push((
            status,
            body["code"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let unauthenticated = (401, "unauthenticated".to_string());
    let throttled = (429, "resource_exhausted".to_string());
    assert_eq!(
        refused[..4],
        vec![unauthenticated.clone(); 4],
        "{refused:?}"
    );
    assert_eq!(refused[4], unauthenticated, "{refused:?}");
    assert_eq!(refused[5..], vec![throttled; 3], "{refused:?}");
    let (_, body) = s
        .call(
            "v1.Authentication/Login",
            json!({"username": "admin", "password": "right"}),
            Auth::None,
        )
        .await;
    assert!(
        body["message"].as_str().unwrap().contains("try again in"),
        "even the right password waits on a throttled address: {body}"
    );
    s.http = home;
    s.ok(
        "v1.Authentication/Login",
        json!({"username": "admin", "password": "right"}),
        Auth::None,
    )
    .await;
    let metrics = s.metrics(Some(&token)).await;
    for line in [
        r#"cairn_logins_total{result="failure"} 5"#,
        r#"cairn_logins_total{result="throttled"} 4"#,
        r#"cairn_logins_total{result="success"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

/// A server with authentication on and a first user `admin` with `password`: (its directory, the
/// server, admin's session token).
async fn server_with_admin(password: &str) -> (tempfile::TempDir, Server, String) {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": false}))).await;
    let setup = s
        .ok(
            "cairn.v1.Cairn/Setup",
            json!({"username": "admin", "password": password}),
            Auth::None,
        )
        .await;
    let token = setup["token"].as_str().unwrap().to_string();
    (tmp, s, token)
}

/// A TOTP code from oath-toolkit's oathtool, a standard implementation independent of cairn's;
/// `at` is oathtool's time (e.g. "now + 30 seconds").
fn oathtool(secret: &str, at: &str) -> String {
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "-b", "-N", at, secret])
        .output()
        .expect("oathtool is installed (apt-get install oathtool)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Two-factor authentication end to end, with oathtool as the authenticator: enrolment confirmed by
/// a code, a login needs a code (a used one is refused, a wrong one too), recovery codes work once,
/// HTTP Basic is refused for the user, GetConfig never shows the secret and SetConfig keeps it, and
/// turning it off needs a code.
#[tokio::test(flavor = "multi_thread")]
async fn two_factor_enrolment_and_logins_with_a_standard_totp_implementation() {
    let (_tmp, s, token) = server_with_admin("pw").await;
    let me = Auth::Bearer(&token);
    // A Basic check made before two-factor is turned on must not let Basic in afterwards.
    s.ok(
        "v1.Backrest/GetConfig",
        json!({}),
        Auth::Basic("admin", "pw"),
    )
    .await;
    let state = s.ok("cairn.v1.Cairn/GetTwoFactor", json!({}), me).await;
    assert_eq!(state.get("enabled"), None, "off at first: {state}");
    let enrol = s.ok("cairn.v1.Cairn/StartTwoFactor", json!({}), me).await;
    let secret = enrol["secret"].as_str().unwrap().to_string();
    let url = enrol["otpauthUrl"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/cairn:admin?") && url.contains(&secret),
        "{url}"
    );
    let (code, body) = s
        .call(
            "cairn.v1.Cairn/ConfirmTwoFactor",
            json!({"code": "000000"}),
            me,
        )
        .await;
    assert_eq!(code, 400, "a wrong first code is refused: {body}");
    let first = oathtool(&secret, "now");
    let recovery = s
        .ok(
            "cairn.v1.Cairn/ConfirmTwoFactor",
            json!({"code": first}),
            me,
        )
        .await;
    let recovery: Vec<String> = serde_json::from_value(recovery["codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);
    let state = s.ok("cairn.v1.Cairn/GetTwoFactor", json!({}), me).await;
    assert_eq!(
        (state["enabled"].clone(), state["recoveryCodesLeft"].clone()),
        (json!(true), json!(10))
    );
    assert!(s.config_text().contains(&secret));

    let login = |code: Option<&str>| {
        let mut body = json!({"username": "admin", "password": "pw"});
        if let Some(c) = code {
            body["totpCode"] = json!(c);
        }
        s.call("v1.Authentication/Login", body, Auth::None)
    };
    let (code, body) = login(None).await;
    assert_eq!(code, 401);
    assert!(
        body["message"].as_str().unwrap().contains("two-factor"),
        "{body}"
    );
    let before = s.config_text();
    assert_eq!(login(Some("123456")).await.0, 401, "a wrong code");
    assert_eq!(s.config_text(), before, "a wrong code writes nothing");
    assert_eq!(
        login(Some(&first)).await.0,
        401,
        "the code used to enrol cannot be used again"
    );
    let (code, body) = login(Some(&oathtool(&secret, "now + 30 seconds"))).await;
    assert_eq!(code, 200, "the next code: {body}");
    assert_eq!(login(Some(&recovery[0])).await.0, 200, "a recovery code");
    assert_eq!(
        login(Some(&recovery[0])).await.0,
        401,
        "a recovery code works once"
    );
    let (code, body) = s
        .call(
            "v1.Backrest/GetConfig",
            json!({}),
            Auth::Basic("admin", "pw"),
        )
        .await;
    assert_eq!(code, 401);
    assert!(
        body["message"].as_str().unwrap().contains("API token"),
        "{body}"
    );

    let shown = s.ok("v1.Backrest/GetConfig", json!({}), me).await;
    assert!(
        !shown.to_string().contains(&secret) && !shown.to_string().contains("totp"),
        "{shown}"
    );
    s.ok("v1.Backrest/SetConfig", shown, me).await;
    assert!(
        s.config_text().contains(&secret),
        "SetConfig keeps the secret"
    );

    let (code, _) = s
        .call(
            "cairn.v1.Cairn/DisableTwoFactor",
            json!({"code": "nope"}),
            me,
        )
        .await;
    assert_eq!(code, 400);
    s.ok(
        "cairn.v1.Cairn/DisableTwoFactor",
        json!({"code": recovery[1]}),
        me,
    )
    .await;
    assert!(!s.config_text().contains(&secret));
    assert_eq!(
        login(None).await.0,
        200,
        "off again: the password alone logs in"
    );
}

/// A user who lost their authenticator and recovery codes is let back in by another user; nobody
/// turns their own two-factor off without a code; GetConfig shows who has it on.
#[tokio::test(flavor = "multi_thread")]
async fn another_user_resets_two_factor_for_someone_locked_out() {
    let (_tmp, s, admin) = server_with_admin("pw").await;
    let enrol = s
        .ok(
            "cairn.v1.Cairn/StartTwoFactor",
            json!({}),
            Auth::Bearer(&admin),
        )
        .await;
    let code = oathtool(enrol["secret"].as_str().unwrap(), "now");
    s.ok(
        "cairn.v1.Cairn/ConfirmTwoFactor",
        json!({"code": code}),
        Auth::Bearer(&admin),
    )
    .await;
    let (status, _) = s
        .call(
            "cairn.v1.Cairn/ResetTwoFactor",
            json!({"username": "admin"}),
            Auth::Bearer(&admin),
        )
        .await;
    assert_eq!(status, 400, "not one's own, without a code");

    let hash = s
        .ok(
            "v1.Authentication/HashPassword",
            json!({"value": "ops-pw"}),
            Auth::Bearer(&admin),
        )
        .await;
    let mut cfg = s
        .ok("v1.Backrest/GetConfig", json!({}), Auth::Bearer(&admin))
        .await;
    assert_eq!(cfg["auth"]["users"][0]["twoFactor"], json!(true), "{cfg}");
    cfg["auth"]["users"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "ops", "passwordBcrypt": hash["value"]}));
    s.ok("v1.Backrest/SetConfig", cfg, Auth::Bearer(&admin))
        .await;
    let ops = s
        .ok(
            "v1.Authentication/Login",
            json!({"username": "ops", "password": "ops-pw"}),
            Auth::None,
        )
        .await;
    let ops = ops["token"].as_str().unwrap().to_string();
    s.ok(
        "cairn.v1.Cairn/ResetTwoFactor",
        json!({"username": "admin"}),
        Auth::Bearer(&ops),
    )
    .await;
    let cfg = s
        .ok("v1.Backrest/GetConfig", json!({}), Auth::Bearer(&ops))
        .await;
    assert_eq!(cfg["auth"]["users"][0].get("twoFactor"), None, "{cfg}");
    s.ok(
        "v1.Authentication/Login",
        json!({"username": "admin", "password": "pw"}),
        Auth::None,
    )
    .await;
}
