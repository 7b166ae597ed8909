//! End to end with the real binaries: `cairn serve` with a config file and a restic repository,
//! driven by cairn's own client commands and by a Backrest-style curl call; and a server killed with
//! SIGKILL in the middle of a backup, then restarted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};
use support::*;
use tempfile::TempDir;

fn start(dir: &Path, port: u16) -> Child {
    let mut child = cairn(dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--config")
        .arg(dir.join("config.json"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .spawn()
        .unwrap();
    wait_healthy(&mut child, port);
    child
}

#[test]
fn the_cli_and_curl_drive_a_server_from_setup_to_restore() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(src.join("sub/b.txt"), vec![3u8; 50_000]).unwrap();
    write_config(dir.path(), &src, serde_json::json!({}), false);
    let port = free_port();
    let child = start(dir.path(), port);
    let d = dir.path();

    let (code, _, err) = client(d, port, None, &["status"]);
    assert_eq!(code, 5, "no credentials: {err}");
    assert!(err.contains("not authenticated"), "{err}");
    let mut setup = cairn(d);
    setup.env("CAIRN_SERVER", format!("http://127.0.0.1:{port}"));
    setup.env("CAIRN_PASSWORD", "s3cret");
    let out = setup.args(["setup", "admin"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let t = Some(token.as_str());

    let (code, out, err) = client(d, port, t, &["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("instance e2e-host"), "{out}");

    let (code, out, err) = client(d, port, t, &["backup", "plan1", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("success") && out.contains("snapshot"), "{out}");
    let (code, _, err) = client(d, port, t, &["backup", "no-such-plan"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("no-such-plan"), "{err}");

    // The second backup sees one new file; `cairn diff` finds it.
    std::fs::write(src.join("c.txt"), "gamma\n").unwrap();
    // Backrest's documented curl call, with HTTP Basic.
    let (status, body) = http_post_json(
        port,
        "/v1.Backrest/Backup",
        r#"{"value":"plan1"}"#,
        "admin:s3cret",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");

    let (code, out, _) = client(d, port, t, &["ops", "--plan", "plan1"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("backup") && l.contains("success"))
            .count(),
        2,
        "{out}"
    );
    let (code, out, _) = client(d, port, t, &["snapshots", "repo1", "--plan", "plan1"]);
    assert_eq!(code, 0);
    let snap = last_snapshot(&out);
    assert!(out.contains("plan:plan1"), "{out}");
    let first = out.split_whitespace().next().unwrap().to_string();
    let (code, out, err) = client(d, port, t, &["diff", "repo1", &first, &snap]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with('+'))
            .collect::<Vec<_>>(),
        vec![format!("+    {}/c.txt", src.display())],
        "{out}"
    );
    assert!(err.contains("files: 1 added, 0 removed"), "{err}");
    let a_txt = format!("{}/a.txt", src.display());
    let (code, out, err) = client(d, port, t, &["history", "repo1", &a_txt]);
    assert_eq!(code, 0, "{out}{err}");
    let changes: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().nth(3).unwrap_or(""))
        .collect();
    assert_eq!(changes, vec!["+", "="], "{out}");
    assert!(out.starts_with(&first[..8]), "{out}");
    let (code, _, err) = client(d, port, t, &["diff", "repo1", &first, "0000dead"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("0000dead"), "{err}");

    let target = d.join("restored");
    let (code, out, err) = client(
        d,
        port,
        t,
        &[
            "restore",
            "repo1",
            &snap,
            "--plan",
            "plan1",
            "--path",
            src.to_str().unwrap(),
            "--target",
            target.to_str().unwrap(),
            "--wait",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(std::fs::read(target.join("src/a.txt")).unwrap(), b"alpha\n");
    assert_eq!(
        std::fs::read(target.join("src/sub/b.txt")).unwrap(),
        vec![3u8; 50_000]
    );

    // Repository tasks, forget, an engine command with its output, cancelling what does not exist.
    let (code, out, err) = client(d, port, t, &["task", "repo1", "stats", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("stats") && out.contains("success"), "{out}");
    let (code, out, _) = client(d, port, t, &["task", "repo1", "unlock"]);
    assert_eq!((code, out.trim()), (0, "unlock done"));
    let (code, _, err) = client(d, port, t, &["task", "repo1", "defrag"]);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("unknown task"), "{err}");
    let (code, out, err) = client(d, port, t, &["forget", "plan1", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = client(d, port, t, &["run", "repo1", "--", "snapshots", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&snap) && out.contains("command") && out.contains("success"),
        "{out}"
    );
    let (code, _, err) = client(d, port, t, &["cancel", "999999"]);
    assert_eq!(code, 6, "{err}");

    // The real restic sees the plan's tag.
    let out = restic(&d.join("repo"))
        .args(["snapshots", "--json", "--no-lock"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("plan:plan1") && text.contains("created-by:e2e-host"),
        "{text}"
    );

    // Config: secrets redacted on the way out; an invalid config refused and nothing written.
    let (code, cfg, _) = client(d, port, t, &["config", "get"]);
    assert_eq!(code, 0);
    assert!(!cfg.contains("\"pw\"") && cfg.contains("********"), "{cfg}");
    let before = std::fs::read(d.join("config.json")).unwrap();
    let bad = cfg.replace("\"repo\": \"repo1\"", "\"repo\": \"nope\"");
    std::fs::write(d.join("bad.json"), bad).unwrap();
    let (code, _, err) = client(
        d,
        port,
        t,
        &["config", "set", d.join("bad.json").to_str().unwrap()],
    );
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("plans[0].repo"), "{err}");
    assert_eq!(std::fs::read(d.join("config.json")).unwrap(), before);
    std::fs::write(d.join("same.json"), &cfg).unwrap();
    let (code, out, err) = client(
        d,
        port,
        t,
        &["config", "set", d.join("same.json").to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("modno"), "{out}");
    assert!(
        String::from_utf8_lossy(&std::fs::read(d.join("config.json")).unwrap()).contains("\"pw\"")
    );

    // An open event stream does not hold the server up at shutdown.
    let mut follower = cairn(d);
    follower
        .env("CAIRN_SERVER", format!("http://127.0.0.1:{port}"))
        .env("CAIRN_TOKEN", &token);
    let mut follower = follower.args(["ops", "--follow"]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let out = terminate_within(child, Duration::from_secs(45));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let started = Instant::now();
    while follower.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the follower did not see the end"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM, then the exit status, failing if the process has not exited within `limit`.
fn terminate_within(mut child: Child, limit: Duration) -> std::process::Output {
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("cairn did not shut down within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_server_killed_mid_backup_recovers_on_restart() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let src = d.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let mut random = std::fs::File::open("/dev/urandom").unwrap();
    for i in 0..6 {
        let mut f = std::fs::File::create(src.join(format!("big{i}.bin"))).unwrap();
        std::io::copy(&mut std::io::Read::take(&mut random, 60_000_000), &mut f).unwrap();
    }
    write_config(d, &src, serde_json::json!({}), false);
    let port = free_port();
    let mut child = start(d, port);
    let mut setup = cairn(d);
    setup
        .env("CAIRN_SERVER", format!("http://127.0.0.1:{port}"))
        .env("CAIRN_PASSWORD", "pw1");
    let out = setup.args(["setup", "admin"]).output().unwrap();
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let t = Some(token.as_str());

    let (code, out, err) = client(d, port, t, &["backup", "plan1"]);
    assert_eq!(code, 0, "{out}{err}");
    let started = Instant::now();
    loop {
        let (_, ops, _) = client(d, port, t, &["ops", "--plan", "plan1"]);
        if ops
            .lines()
            .any(|l| l.contains("backup") && l.contains("inprogress"))
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the backup never started: {ops}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap();
    child.wait().unwrap();
    // The kernel ends restic with cairn (no orphan keeps the lock live).

    let child = start(d, port);
    let (_, ops, _) = client(d, port, t, &["ops", "--plan", "plan1"]);
    let line = ops
        .lines()
        .find(|l| l.contains("backup"))
        .unwrap_or_default()
        .to_string();
    assert!(
        line.contains("error")
            && line.contains("interrupted: cairn stopped while this was running"),
        "{ops}"
    );
    let deadline = Instant::now();
    while lock_count(&d.join("repo")) > 0 {
        if deadline.elapsed() > Duration::from_secs(30) {
            let locks = restic(&d.join("repo"))
                .args(["list", "locks", "--no-lock"])
                .output()
                .unwrap();
            let ps = std::process::Command::new("ps")
                .args(["-eo", "pid,ppid,stat,etime,args"])
                .output()
                .unwrap();
            let lock = String::from_utf8_lossy(&locks.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            let cat = restic(&d.join("repo"))
                .args(["cat", "lock", &lock, "--no-lock"])
                .output()
                .unwrap();
            panic!(
                "the stale lock was not removed: {}\n{}\n{}",
                String::from_utf8_lossy(&cat.stdout),
                String::from_utf8_lossy(&ps.stdout)
                    .lines()
                    .filter(|l| l.contains("restic"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                ops
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // The restarted server indexes the repository, and restic's snapshots command holds a shared lock
    // meanwhile: the check waits for it rather than fail on it.
    let deadline = std::time::Instant::now();
    let check = loop {
        let check = restic(&d.join("repo")).args(["check"]).output().unwrap();
        let locked = String::from_utf8_lossy(&check.stderr).contains("already locked");
        if check.status.success() || !locked || deadline.elapsed() > Duration::from_secs(30) {
            break check;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let (code, out, err) = client(d, port, t, &["backup", "plan1", "--wait"]);
    assert_eq!(code, 0, "the next backup succeeds: {out}{err}");
    terminate(child);
}
