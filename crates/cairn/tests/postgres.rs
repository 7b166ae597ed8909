//! `cairn serve` with its operation log in PostgreSQL (a real server started by the tests in a temp
//! dir), `cairn db migrate` from SQLite and `cairn db check`: the history lands in the database, a
//! second server on the same database is refused while the first runs and starts once it was killed,
//! and a migrated history is the same history, resumable and checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_oplog::pg_test_server::TestPostgres;
use cairn_oplog::{OpLog, Selector};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use support::*;

/// A home with a source folder and a config (repository `repo1`, plan `plan1`, auth off).
fn home() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"hello").unwrap();
    let config = write_config(tmp.path(), &src, serde_json::json!({}), true);
    (tmp, config)
}

fn serve_on(d: &Path, config: &Path, url: &str) -> (Child, u16) {
    let port = free_port();
    let mut child = serve_command(d, config, &d.join("data"), port)
        .env("CAIRN_DATABASE_URL", url)
        .spawn()
        .unwrap();
    wait_healthy(&mut child, port);
    (child, port)
}

fn backup(d: &Path, port: u16) {
    let (code, out, err) = client(d, port, None, &["backup", "plan1", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
}

fn ops(d: &Path, port: u16) -> String {
    let (code, out, err) = client(d, port, None, &["ops", "--plan", "plan1"]);
    assert_eq!(code, 0, "{err}");
    out
}

fn kill_hard(mut child: Child) {
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_keeps_its_history_in_postgres_and_one_server_holds_a_database() {
    let url = TestPostgres::shared().fresh_database();
    let (tmp, config) = home();
    let d = tmp.path();
    let (first, port) = serve_on(d, &config, &url);
    backup(d, port);
    let listed = ops(d, port);
    assert!(listed.contains("success"), "{listed}");
    assert!(
        !d.join("data/oplog.sqlite").exists(),
        "the history is in the database, not the data dir"
    );
    let log = OpLog::connect(&url).unwrap();
    assert!(log.count(&Selector::plan("plan1")).unwrap() >= 1);

    // A second server on the same database (another host's data dir) is refused, saying why.
    let other = d.join("other");
    std::fs::create_dir_all(&other).unwrap();
    let out = serve_command(&other, &config, &other.join("data"), free_port())
        .env("CAIRN_DATABASE_URL", &url)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(
            "another cairn serve is using the operation log in postgres://cairn@127.0.0.1:"
        ),
        "{err}"
    );

    // Killed outright, the first server's lease ends with its connection: a new one starts at once
    // and has the whole history.
    kill_hard(first);
    let deadline = Instant::now() + Duration::from_secs(20);
    let (second, port) = loop {
        let port = free_port();
        let mut child = serve_command(d, &config, &d.join("data"), port)
            .env("CAIRN_DATABASE_URL", &url)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        match child.try_wait().unwrap() {
            None => {
                wait_healthy(&mut child, port);
                break (child, port);
            }
            Some(_) => assert!(Instant::now() < deadline, "the lease was never freed"),
        }
    };
    assert_eq!(
        ops(d, port),
        listed,
        "the history survived the kill as it was"
    );
    backup(d, port);
    let out = terminate(second);
    assert!(out.status.success());
}

#[test]
fn db_migrate_moves_a_sqlite_history_into_postgres_and_check_passes() {
    let url = TestPostgres::shared().fresh_database();
    let (tmp, config) = home();
    let d = tmp.path();
    let data = d.join("data");
    let (server, port) = serve_with(d, &config, &data);
    backup(d, port);
    backup(d, port);
    assert!(terminate(server).status.success());
    let history = OpLog::open(data.join("oplog.sqlite"))
        .unwrap()
        .query(&cairn_oplog::Query::new(Selector::all()))
        .unwrap();
    let total = history.len();

    let migrate = |extra: &[&str]| {
        let out = cairn(d)
            .args(["db", "migrate", "--data-dir"])
            .arg(&data)
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) = migrate(&[]);
    assert!(!ok && err.contains("--to postgres://"), "{err}");
    let (ok, out, err) = migrate(&["--to", &url]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!("copied {total} operations (0 were there already)")),
        "{out}"
    );
    // Run again (as after an interruption): nothing is copied twice.
    let (ok, out, _) = migrate(&["--to", &url]);
    assert!(
        ok && out.contains(&format!("copied 0 operations ({total} were there already)")),
        "{out}"
    );

    for place in [vec!["--database-url", url.as_str()], vec![]] {
        let out = cairn(d)
            .args(["db", "check", "--data-dir"])
            .arg(&data)
            .args(&place)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains(&format!("checked {total} operations")) && text.contains("no problems"),
            "{text}"
        );
    }

    // The database holds the same history, record for record, and its server carries on after it.
    let log = OpLog::connect(&url).unwrap();
    let copied = log
        .query(&cairn_oplog::Query::new(Selector::all()))
        .unwrap();
    assert_eq!(copied, history);
    let (server, port) = serve_on(d, &config, &url);
    assert_eq!(ops(d, port).lines().count(), total, "{}", ops(d, port));
    backup(d, port);
    let newest = log
        .query(&cairn_oplog::Query::last_n(Selector::all(), 1))
        .unwrap();
    assert!(
        newest[0].id > total as i64,
        "new ids continue past the copied ones"
    );
    assert!(terminate(server).status.success());

    // A URL that is not PostgreSQL's is refused before anything starts.
    let out = serve_command(d, &config, &data, free_port())
        .env("CAIRN_DATABASE_URL", "mysql://db/cairn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("postgres:// or postgresql:// URL"),
        "{err}"
    );
}

#[test]
fn a_server_that_loses_its_lease_to_another_stops() {
    let url = TestPostgres::shared().fresh_database();
    let (tmp, config) = home();
    let d = tmp.path();
    let port = free_port();
    let mut first = serve_command(d, &config, &d.join("data"), port)
        .env("CAIRN_DATABASE_URL", &url)
        .spawn()
        .unwrap();
    wait_healthy(&mut first, port);
    // The connection holding the server's lease is cut (a network blip), and another holder takes
    // the lease before the server can take it back.
    cairn_oplog::pg_test_server::execute(
        &url,
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'
           AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .unwrap();
    let other = OpLog::connect(&url).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let _taken = loop {
        if let Some(lease) = other.try_lease("serve").unwrap() {
            break lease;
        }
        assert!(Instant::now() < deadline, "the lease is freed");
        std::thread::sleep(Duration::from_millis(20));
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while first.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server stops");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = first.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another cairn serve took the database's serve lease"),
        "{err}"
    );
}
