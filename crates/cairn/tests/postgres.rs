//! `cairn serve` with its operation log in PostgreSQL (a real server started by the tests in a temp
//! dir), `cairn db migrate` from SQLite and `cairn db check`: the history lands in the database, a
//! second server on the same database serves it at once and takes the tasks over when the first is
//! killed, and a migrated history is the same history, resumable and checked.
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

/// The session advisory locks (leases) held on the database at `url`.
const LEASES_HELD: &str =
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

fn leases_held(url: &str) -> usize {
    cairn_oplog::pg_test_server::query(url, LEASES_HELD).unwrap()[0]
        .parse()
        .unwrap()
}

#[test]
fn serve_keeps_its_history_in_postgres_and_another_server_takes_the_tasks_over_when_it_dies() {
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

    // A second server on "another host": its own home and data dir, no config file of its own,
    // the same secrets key. It serves at once with the history and the config from the database,
    // while the first runs the tasks.
    let other = d.join("second");
    std::fs::create_dir_all(other.join("data")).unwrap();
    std::fs::copy(d.join("data/secrets.key"), other.join("data/secrets.key")).unwrap();
    let second_port = free_port();
    let mut second = serve_command(
        &other,
        &other.join("config.json"),
        &other.join("data"),
        second_port,
    )
    .env("CAIRN_DATABASE_URL", &url)
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let stderr = second.stderr.take().unwrap();
    let said = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let said = said.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                said.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    wait_healthy(&mut second, second_port);
    assert_eq!(ops(&other, second_port), listed, "the same history");
    let (code, out, _) = client(&other, second_port, None, &["config", "get"]);
    assert_eq!(code, 0);
    assert!(out.contains("e2e-host") && out.contains("plan1"), "{out}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !said
        .lock()
        .unwrap()
        .contains("another cairn serve runs the tasks")
    {
        assert!(
            Instant::now() < deadline,
            "the second says who runs the tasks"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // A backup asked of the second is run by the first.
    backup(&other, second_port);

    // The first is killed outright: its lease ends with its connection, and the second takes the
    // tasks over.
    kill_hard(first);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !said
        .lock()
        .unwrap()
        .contains("this server runs the tasks of the database's servers now")
    {
        assert!(Instant::now() < deadline, "the second takes the tasks over");
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = ops(&other, second_port);
    assert!(before.matches("success").count() >= 2, "{before}");
    backup(&other, second_port);
    assert!(terminate(second).status.success());
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
    let with_logs = cairn_oplog::LogStore::open(data.join("tasklogs"))
        .unwrap()
        .finished_page("", 1000)
        .unwrap()
        .len();
    assert!(with_logs >= 2, "each backup has its log");
    assert!(
        out.contains(&format!("copied {with_logs} finished task logs")),
        "{out}"
    );
    // Run again (as after an interruption): nothing is copied twice.
    let (ok, out, _) = migrate(&["--to", &url]);
    assert!(
        ok && out.contains(&format!("copied 0 operations ({total} were there already)"))
            && out.contains("copied 0 finished task logs"),
        "{out}"
    );
    // The task logs went along: a server on another data dir reads them from the database.
    let logref = &history
        .iter()
        .find(|o| !o.logref.is_empty())
        .unwrap()
        .logref;
    let elsewhere = tempfile::tempdir().unwrap();
    let shared =
        cairn_oplog::LogStore::open_shared(elsewhere.path(), OpLog::connect(&url).unwrap(), None)
            .unwrap();
    let text = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { shared.open_reader(logref).unwrap().read_to_end().await });
    assert!(!text.unwrap().is_empty(), "the log has its text");

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

    // Checking a data dir with no log says so rather than making an empty one.
    let empty = d.join("empty");
    let out = cairn(d)
        .args(["db", "check", "--data-dir"])
        .arg(&empty)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no operation log at"),
        "{err}"
    );
    assert!(!empty.join("oplog.sqlite").exists());

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
    let deadline = Instant::now() + Duration::from_secs(10);
    while leases_held(&url) == 0 {
        assert!(
            Instant::now() < deadline,
            "the server takes the runner lease"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The connection holding the server's lease is cut (a network blip), and another holder takes
    // the lease before the server can take it back.
    cairn_oplog::pg_test_server::execute(
        &url,
        &LEASES_HELD.replace("count(*)", "pg_terminate_backend(pid)"),
    )
    .unwrap();
    let other = OpLog::connect(&url).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let _taken = loop {
        if let Some(lease) = other.try_lease("runner").unwrap() {
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
        err.contains("another cairn serve took the database's runner lease"),
        "{err}"
    );
}

#[test]
fn the_database_is_reached_over_tls_and_its_certificate_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    cairn_conformance::test_ca::certificates(d);
    // The server takes TLS connections only.
    let server = TestPostgres::start_tls(&d.join("server.pem"), &d.join("server.key"));
    let url = server.fresh_database();
    let check = |url: &str, ca: Option<&Path>| {
        let mut c = cairn(d);
        c.args(["db", "check", "--database-url", url]);
        if let Some(ca) = ca {
            c.env("SSL_CERT_FILE", ca);
        }
        let out = c.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    let (ok, text) = check(&url, Some(&d.join("ca.pem")));
    assert!(ok && text.contains("no problems"), "{text}");
    let (ok, text) = check(&format!("{url}?sslmode=require"), Some(&d.join("ca.pem")));
    assert!(ok, "{text}");
    // A server whose certificate nobody vouched for is refused, with what to do.
    let (ok, text) = check(&format!("{url}?sslmode=require"), None);
    assert!(!ok, "{text}");
    assert!(
        text.contains("certificate") && text.contains("SSL_CERT_FILE"),
        "{text}"
    );
    // Unencrypted, this server refuses.
    let (ok, text) = check(&format!("{url}?sslmode=disable"), Some(&d.join("ca.pem")));
    assert!(!ok && text.contains("no encryption"), "{text}");
}
