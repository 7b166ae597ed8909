//! End to end: the real `cairn serve` binary with real files, HTTP over loopback, and signals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::*;
use tempfile::TempDir;

#[test]
fn first_start_writes_a_default_config_serves_and_stops_cleanly_on_sigterm() {
    let dir = TempDir::new().unwrap();
    let (child, port) = serve_default(dir.path());
    let body = http_get(port, "/healthz").unwrap().1;
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    let config = dir.path().join(".config/cairn/config.json");
    let meta = std::fs::metadata(&config).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&config).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], 6);
    let host =
        cairn_config::instance_id_from_hostname(&gethostname::gethostname().to_string_lossy());
    assert_eq!(json["instance"], host);
    assert!(dir.path().join(".local/share/cairn/oplog.sqlite").exists());
    assert!(
        dir.path()
            .join(".local/share/cairn/tasklogs/logs.sqlite")
            .exists()
    );
    let out = terminate(child);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("shut down cleanly"));
}

#[test]
fn a_second_server_on_the_same_data_dir_is_refused() {
    let dir = TempDir::new().unwrap();
    let port = free_port();
    let mut first = cairn(dir.path())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .spawn()
        .unwrap();
    wait_healthy(&mut first, port);
    let second = cairn(dir.path())
        .args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("locked by another cairn process"), "{err}");
    assert!(terminate(first).status.success());
}

#[test]
fn an_invalid_config_is_refused_naming_the_field_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("config.json");
    let text = r#"{"version": 6, "instance": "x", "repos": [{"id": "r", "uri": "/r", "guid": "short"}],
        "plans": [{"id": "p", "repo": "r", "paths": ["/a"], "schedule": {"cron": "* * *"}}]}"#;
    std::fs::write(&path, text).unwrap();
    let out = cairn(dir.path())
        .env("BACKREST_CONFIG", &path)
        .args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("repos[0].guid"), "{err}");
    assert!(
        err.contains("plans[0].schedule.cron: \"* * *\" has 3 field(s), cron needs 5"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "file byte-identical"
    );
    assert!(cairn_config::list_backups(&path).unwrap().is_empty());
}

#[test]
fn a_bad_bind_address_is_explained() {
    let dir = TempDir::new().unwrap();
    let out = cairn(dir.path())
        .args(["serve", "--bind", "here:there"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not host:port"));
}

/// A restic backup killed mid-run leaves a stale lock, like a cairn killed during a backup.
fn leave_a_stale_lock(repo: &Path, data: &Path) {
    std::fs::create_dir_all(data).unwrap();
    let mut random = std::fs::File::open("/dev/urandom").unwrap();
    let mut out = std::fs::File::create(data.join("big.bin")).unwrap();
    std::io::copy(&mut std::io::Read::take(&mut random, 150_000_000), &mut out).unwrap();
    let mut child = restic(repo)
        .args(["backup", "--json"])
        .arg(data)
        .env("RESTIC_PROGRESS_FPS", "10")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_restart_after_a_crash_marks_running_operations_interrupted_and_unlocks_their_repository() {
    use cairn_proto::v1::{Operation, OperationStatus};
    let dir = TempDir::new().unwrap();
    let repo = dir.path().join("repo");
    assert!(
        restic(&repo).arg("init").output().unwrap().status.success(),
        "restic is installed"
    );
    let cat = restic(&repo).args(["cat", "config"]).output().unwrap();
    let guid = serde_json::from_slice::<serde_json::Value>(&cat.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    leave_a_stale_lock(&repo, &dir.path().join("data"));
    assert_eq!(lock_count(&repo), 1);

    let config = dir.path().join("config.json");
    let cfg = serde_json::json!({"version": 6, "instance": "crashy", "repos": [{
        "id": "nas", "uri": repo, "password": "pw", "guid": guid,
        "env": [format!("XDG_CACHE_HOME={}", repo.with_extension("cache").display())]}]});
    std::fs::write(&config, cfg.to_string()).unwrap();
    let data_dir = dir.path().join("state");
    let running_id = {
        let log = cairn_oplog::OpLog::open(data_dir.join("oplog.sqlite")).unwrap();
        let mut op = Operation {
            repo_id: "nas".into(),
            repo_guid: guid.clone(),
            plan_id: "home".into(),
            instance_id: "crashy".into(),
            status: OperationStatus::STATUS_INPROGRESS.into(),
            unix_time_start_ms: 1_700_000_000_000,
            ..Default::default()
        };
        log.add(&mut op).unwrap();
        op.id
    };

    let (child, _port) = serve_with(dir.path(), &config, &data_dir);
    let start = Instant::now();
    while lock_count(&repo) > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the stale lock was not removed"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(terminate(child).status.success());
    assert!(
        restic(&repo)
            .arg("check")
            .output()
            .unwrap()
            .status
            .success(),
        "restic check passes"
    );
    let log = cairn_oplog::OpLog::open(data_dir.join("oplog.sqlite")).unwrap();
    let op = log.get(running_id).unwrap().unwrap();
    assert_eq!(op.status, OperationStatus::STATUS_ERROR);
    assert_eq!(op.display_message, cairn_orchestrator::INTERRUPTED);
}

/// Each login is one line in the server's log, with the caller's address first, for fail2ban; a user
/// name made to look like another line or another address cannot forge one.
#[test]
fn logins_are_logged_one_greppable_line_each() {
    let dir = TempDir::new().unwrap();
    let (child, port) = serve_default(dir.path());
    let post = |path: &str, body: serde_json::Value| {
        http_post_json(port, path, &body.to_string(), "x:y")
            .unwrap()
            .0
    };
    let setup = serde_json::json!({"username": "admin", "password": "right"});
    assert_eq!(post("/cairn.v1.Cairn/Setup", setup), 200);
    let login = |user: &str, password: &str| {
        post(
            "/v1.Authentication/Login",
            serde_json::json!({"username": user, "password": password}),
        )
    };
    assert_eq!(login("admin", "wrong"), 401);
    assert_eq!(
        login("evil user=x\nlogin failed: source=203.0.113.9 ", "x"),
        401
    );
    assert_eq!(login("admin", "right"), 200);
    let out = terminate(child);
    let log = String::from_utf8_lossy(&out.stderr);
    let lines = |what: &str| log.lines().filter(|l| l.contains(what)).count();
    assert_eq!(
        lines("login failed: source=127.0.0.1 user=admin via=login"),
        1,
        "{log}"
    );
    assert_eq!(
        lines(
            "login failed: source=127.0.0.1 user=evil%20user%3Dx%0Alogin%20failed%3A%20source%3D203.0.113.9%20 via=login"
        ),
        1,
        "{log}"
    );
    assert_eq!(lines("source=203.0.113.9"), 0, "{log}");
    assert_eq!(
        lines("login succeeded: source=127.0.0.1 user=admin via=login"),
        1,
        "{log}"
    );
}
