//! End to end: cairn started the way a Backrest unit file or container starts Backrest, with the
//! binary swapped and nothing else changed: its name, its flags (Go style), its default paths and its
//! data directory, whose history files cairn must leave exactly as they were.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;
use tempfile::TempDir;

/// `dir/bin/backrest`: this build's cairn binary under Backrest's name (made on first use).
fn backrest_binary(dir: &Path) -> PathBuf {
    let path = dir.join("bin/backrest");
    if !path.exists() {
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cairn"), &path).unwrap();
    }
    path
}

/// `backrest ARGS` with home `dir` and a clean environment, as a unit file would start it.
fn backrest(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(backrest_binary(dir));
    c.env_clear()
        .env("HOME", dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    c
}

/// Backrest's data directory as Backrest 1.10+ leaves it: its operation log (schema 6, with its lock
/// file), its task-log store and its session key. Built from the schema in the reference, with one
/// operation row in it.
fn backrest_data_dir(data: &Path) {
    std::fs::create_dir_all(data.join("tasklogs")).unwrap();
    let oplog = Connection::open(data.join("oplog.sqlite")).unwrap();
    oplog
        .execute_batch(
            "CREATE TABLE operations (id INTEGER PRIMARY KEY AUTOINCREMENT, ogid INTEGER NOT NULL,
                original_id INTEGER NOT NULL, original_flow_id INTEGER NOT NULL,
                modno INTEGER NOT NULL, flow_id INTEGER NOT NULL, start_time_ms INTEGER NOT NULL,
                status INTEGER NOT NULL, snapshot_id STRING NOT NULL, operation BLOB NOT NULL);
             CREATE TABLE operation_groups (ogid INTEGER PRIMARY KEY AUTOINCREMENT, instance_id STRING,
                original_instance_keyid STRING, repo_guid STRING, repo_id STRING, plan_id STRING);
             CREATE TABLE oplog_metadata (key TEXT PRIMARY KEY, value BLOB);
             INSERT INTO operation_groups VALUES (1, 'host-a', '', 'g', 'repo', 'plan');
             INSERT INTO operations VALUES (1, 1, 0, 0, 1, 1, 1700000000000, 4, '', x'08011001');
             INSERT INTO oplog_metadata VALUES ('version', x'0600000000000000');
             PRAGMA user_version = 6;",
        )
        .unwrap();
    drop(oplog);
    std::fs::write(data.join("oplog.sqlite.lock"), b"").unwrap();
    Connection::open(data.join("tasklogs/logs.sqlite"))
        .unwrap()
        .execute_batch(
            "CREATE TABLE logs (id TEXT PRIMARY KEY, expiration_ts_unix INTEGER, owner_opid INTEGER,
                data_fname TEXT, data_gz BLOB);",
        )
        .unwrap();
    std::fs::write(data.join("jwt-secret"), [7u8; 64]).unwrap();
}

/// Every file under `dir` (outside cairn's own folder) with its bytes.
fn snapshot_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "cairn") {
            continue;
        }
        if path.is_dir() {
            out.extend(snapshot_files(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn a_backrest_unit_file_runs_cairn_with_backrests_paths_and_leaves_its_history_alone() {
    let dir = TempDir::new().unwrap();
    let config_dir = dir.path().join(".config/backrest");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.json"),
        r#"{"version": 6, "instance": "host-a", "auth": {"disabled": true}}"#,
    )
    .unwrap();
    let data = dir.path().join(".local/share/backrest");
    backrest_data_dir(&data);
    let before = snapshot_files(&data);

    // ExecStart=/usr/local/bin/backrest -bind-address 127.0.0.1:PORT (no subcommand, Go flags).
    let port = free_port();
    let mut child = backrest(dir.path(), &["-bind-address", &format!("127.0.0.1:{port}")])
        .spawn()
        .unwrap();
    wait_healthy(&mut child, port);
    let (status, body) = http_post_json(port, "/v1.Backrest/GetConfig", "{}", "").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"instance\":\"host-a\""), "{body}");
    let (status, body) = http_post_json(port, "/cairn.v1.Cairn/GetStatus", "{}", "").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("\"backrestHistory\":\"{}\"", data.display())),
        "the web UI is told where Backrest's history is: {body}"
    );
    let out = terminate(child);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("holds Backrest's history"), "{log}");
    assert!(
        log.contains("cairn import-backrest"),
        "the first start offers the import: {log}"
    );

    assert_eq!(snapshot_files(&data), before, "Backrest's files changed");
    assert!(data.join("cairn/oplog.sqlite").exists());
    assert!(data.join("cairn/tasklogs/logs.sqlite").exists());
    assert!(!dir.path().join(".config/cairn").exists());
}

#[test]
fn each_of_backrests_flags_is_taken_with_its_meaning() {
    let dir = TempDir::new().unwrap();
    let config = dir.path().join("etc/config.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        r#"{"version": 6, "instance": "host-b", "auth": {"disabled": true}}"#,
    )
    .unwrap();
    let data = dir.path().join("var/data");
    let port = free_port();
    let restic = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v restic"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut child = backrest(
        dir.path(),
        &[
            "--config-file",
            config.to_str().unwrap(),
            "-data-dir",
            data.to_str().unwrap(),
            &format!("-bind-address=127.0.0.1:{port}"),
            "-restic-cmd",
            restic.trim(),
            "-multihost-heartbeat-interval",
            "10m",
            "-tray=false",
        ],
    )
    .spawn()
    .unwrap();
    wait_healthy(&mut child, port);
    let (_, body) = http_post_json(port, "/v1.Backrest/GetConfig", "{}", "").unwrap();
    assert!(body.contains("\"instance\":\"host-b\""), "{body}");
    let out = terminate(child);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let plain = without_colours(&log);
    assert!(
        plain.contains("multihost sync timings set heartbeat_secs=600"),
        "{plain}"
    );
    assert!(data.join("oplog.sqlite").exists(), "{log}");

    let version = backrest(dir.path(), &["-version"]).output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("cairn version: "));

    let deps = backrest(dir.path(), &["-install-deps-only"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&deps.stdout);
    assert!(deps.status.success(), "{said}");
    assert!(said.contains("cairn installs nothing"), "{said}");

    let bad = backrest(dir.path(), &["-data-dir"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("flag needs an argument: -data-dir"), "{err}");
}

/// A person who ran Backrest keeps its data directory, imports its history once, and finds every
/// operation and log in cairn under its own id; a second import adds nothing, and the import is
/// refused while Backrest runs.
#[test]
fn backrests_history_is_imported_once_and_served() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join(".local/share/backrest");
    let facts = cairn_oplog::backrest_import::fixture::write(&data, 6, 1200).unwrap();
    let before = snapshot_files(&data);
    let import = |extra: &[&str]| {
        let mut args = vec!["import-backrest"];
        args.extend_from_slice(extra);
        cairn(dir.path())
            .env("HOME", dir.path())
            .args(&args)
            .output()
            .unwrap()
    };

    // Backrest still running (it holds its lock): refused, nothing written.
    let lock = std::fs::File::open(data.join("oplog.sqlite.lock")).unwrap();
    lock.lock().unwrap();
    let refused = import(&["--data-dir", data.to_str().unwrap()]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("Backrest is running"), "{err}");
    drop(lock);

    // The data directory cairn shares with Backrest; Backrest's default location is the source.
    let out = import(&["--data-dir", data.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!(
            "operations: {} imported, 0 already there",
            facts.operations
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("task logs: {} imported", facts.logs)),
        "{text}"
    );
    let again = import(&["--data-dir", data.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(
        text.contains(&format!(
            "operations: 0 imported, {} already there",
            facts.operations
        )),
        "{text}"
    );
    assert_eq!(snapshot_files(&data), before, "Backrest's files changed");

    let config_dir = dir.path().join(".config/backrest");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.json"),
        r#"{"version": 6, "instance": "laptop", "auth": {"disabled": true}}"#,
    )
    .unwrap();
    let port = free_port();
    let mut child = backrest(dir.path(), &["-bind-address", &format!("127.0.0.1:{port}")])
        .spawn()
        .unwrap();
    wait_healthy(&mut child, port);
    let (status, body) = http_post_json(
        port,
        "/v1.Backrest/GetOperations",
        r#"{"selector": {"flowId": "1"}}"#,
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.matches("\"logref\":\"t-0000000").count(), 4, "{body}");
    let (status, body) = http_post_json(
        port,
        "/v1.Backrest/GetOperations",
        r#"{"selector": {}}"#,
        "",
    )
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(body.matches("\"flowId\"").count() as u64, facts.operations);
    let out = terminate(child);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The log without its terminal colour codes.
fn without_colours(log: &str) -> String {
    let mut out = String::with_capacity(log.len());
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
