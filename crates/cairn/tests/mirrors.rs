//! Mirrors through a real server, with each engine: a plan mirrored to a local and an sftp repository
//! (a throwaway sshd on loopback) copies each new snapshot to both as operations of the backup's flow;
//! restic reads every byte of each mirror back (`check --read-data`) and finds the copies with their
//! `original`; a second copy adds only what changed; the local mirror's own retention keeps one
//! snapshot while the sftp mirror keeps all;
//! with the sftp server stopped the backup still succeeds and that mirror's operation is a WARNING
//! naming it, while the local mirror goes on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_conformance::sshd::Sshd;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;
use tempfile::TempDir;

/// The plan's mirror operations that have ended, as `cairn ops` lists them.
fn finished_mirrors(d: &Path, port: u16) -> Vec<String> {
    let (_, out, _) = client(d, port, None, &["ops", "--plan", "plan1", "--last", "100"]);
    out.lines()
        .filter(|l| l.contains(" mirror "))
        .filter(|l| {
            ["success", "warning", "error"]
                .iter()
                .any(|s| l.contains(&format!(" {s} ")))
        })
        .map(str::to_string)
        .collect()
}

/// Waits until `count` mirror operations have ended; returns their lines.
fn mirrors_done(d: &Path, port: u16, count: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let done = finished_mirrors(d, port);
        if done.len() >= count {
            return done;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "mirrors never finished: {done:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// restic on the sftp mirror, reaching the server as the repository does.
fn restic_sftp(sshd: &Sshd, path: &Path) -> Command {
    let mut c = Command::new("restic");
    c.env("RESTIC_REPOSITORY", sshd.uri(path))
        .env("RESTIC_PASSWORD", "pw")
        .env("XDG_CACHE_HOME", path.with_extension("cache"))
        .args(["-o", &sshd.sftp_command]);
    c
}

fn ok(mut c: Command, what: &str) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn snapshots(c: Command) -> Vec<serde_json::Value> {
    let mut c = c;
    c.args(["snapshots", "--json", "--no-lock"]);
    serde_json::from_str(&ok(c, "snapshots")).unwrap()
}

fn read_data(mut c: Command) {
    c.args(["check", "--read-data"]);
    ok(c, "check --read-data");
}

/// The size of a repository's pack files.
fn data_bytes(repo: &Path) -> u64 {
    let mut total = 0;
    let mut dirs = vec![repo.join("data")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                dirs.push(e.path());
            } else {
                total += e.metadata().unwrap().len();
            }
        }
    }
    total
}

fn mirrored(engine: &str) {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let src = d.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), "first\n").unwrap();
    std::fs::write(src.join("big.bin"), noise(3 << 20, 11)).unwrap();
    let mut sshd = Sshd::start(&d.join("ssh"));
    let local = d.join("mirror-local");
    let remote = d.join("mirror-sftp");
    let config = write_config(d, &src, serde_json::json!({"engine": engine}), true);
    let mut cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    let repos = cfg["repos"].as_array_mut().unwrap();
    repos.push(serde_json::json!({"id": "local-mirror", "uri": local.display().to_string(), "password": "pw",
                                  "autoInitialize": true, "engine": engine}));
    repos.push(serde_json::json!({"id": "sftp-mirror", "uri": sshd.uri(&remote), "password": "pw",
                                  "autoInitialize": true, "engine": engine, "flags": [sshd.repo_flag()]}));
    cfg["plans"][0]["mirrors"] = serde_json::json!([
        {"repo": "local-mirror", "retention": {"policyKeepLastN": 1}},
        {"repo": "sftp-mirror"},
    ]);
    std::fs::write(&config, serde_json::to_vec_pretty(&cfg).unwrap()).unwrap();
    let (child, port) = serve_with(d, &config, &d.join("data"));
    let backup = || {
        let (code, out, err) = client(d, port, None, &["backup", "plan1", "--wait"]);
        assert_eq!(code, 0, "{out}{err}");
    };

    backup();
    let done = mirrors_done(d, port, 2);
    assert!(done.iter().all(|l| l.contains(" success ")), "{done:?}");
    let first = last_snapshot(&client(d, port, None, &["snapshots", "repo1"]).1);
    read_data(restic(&local));
    read_data(restic_sftp(&sshd, &remote));
    let copy = &snapshots(restic(&local))[0];
    assert!(
        copy["original"].as_str().unwrap().starts_with(&first),
        "{copy}"
    );
    assert!(
        copy["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "plan:plan1"),
        "{copy}"
    );

    let stored = data_bytes(&local);
    std::fs::write(src.join("a.txt"), "second\n").unwrap();
    backup();
    mirrors_done(d, port, 4);
    // The second copy reads and writes only what changed: the 3 MiB file is not copied again.
    let grown = data_bytes(&local) - stored;
    assert!(grown < 256 << 10, "the second copy added {grown} bytes");
    // The local mirror's retention (keep the last one) runs after its copy, in the backup's flow.
    let start = Instant::now();
    while snapshots(restic(&local)).len() != 1 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the mirror's retention did not run"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(snapshots(restic_sftp(&sshd, &remote)).len(), 2);
    assert_eq!(snapshots(restic(&d.join("repo"))).len(), 2);
    read_data(restic_sftp(&sshd, &remote));

    sshd.stop();
    std::fs::write(src.join("a.txt"), "third\n").unwrap();
    backup();
    let done = mirrors_done(d, port, 6);
    let warned: Vec<&String> = done.iter().filter(|l| l.contains(" warning ")).collect();
    assert_eq!(warned.len(), 1, "{done:?}");
    assert!(
        warned[0].contains("mirror to repo \"sftp-mirror\" failed"),
        "{done:?}"
    );
    assert_eq!(
        done.iter().filter(|l| l.contains(" success ")).count(),
        5,
        "{done:?}"
    );
    assert_eq!(snapshots(restic(&d.join("repo"))).len(), 3);
    terminate(child);
}

#[test]
fn mirrors_with_the_embedded_engine() {
    mirrored("embedded");
}

#[test]
fn mirrors_with_restic() {
    mirrored("restic");
}
