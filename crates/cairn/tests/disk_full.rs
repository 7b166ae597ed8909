//! A data directory that fills up during a task (a small tmpfs, filled by the plan's start hook):
//! the blocking Backup RPC answers with a clear error within seconds instead of never, the server
//! keeps serving reads, the operation is recorded as ERROR once space is back, and the next backup
//! succeeds. Both engines. Needs root to mount the tmpfs (CI and the test script run as root).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;
use tempfile::TempDir;

/// A tmpfs mounted for the test's life.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Self {
        std::fs::create_dir_all(path).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs and needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(path.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn ops(port: u16) -> Vec<serde_json::Value> {
    let (code, body) = http_post_json(
        port,
        "/v1.Backrest/GetOperations",
        r#"{"selector":{}}"#,
        "x:y",
    )
    .unwrap();
    assert_eq!(code, 200, "reads are served while the disk is full: {body}");
    // The body may come in one HTTP/1.1 chunk.
    let json = &body[body.find('{').unwrap()..=body.rfind('}').unwrap()];
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["operations"].as_array().cloned().unwrap_or_default()
}

fn full_disk_ends_the_task_cleanly(engine: &str) {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let _tmpfs = Tmpfs::mount(&data, "24m");
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for i in 0..20 {
        std::fs::write(src.join(format!("f{i}")), vec![i as u8; 50_000]).unwrap();
    }
    let filler = data.join("filler");
    let fill = format!(
        "dd if=/dev/zero of={} bs=64k 2>/dev/null; true",
        filler.display()
    );
    let plan = |id: &str, hooks: serde_json::Value| {
        json!({"id": id, "repo": "r", "paths": [src.display().to_string()],
            "schedule": {"disabled": true}, "hooks": hooks})
    };
    let config = dir.path().join("config.json");
    let cfg = json!({"version": 6, "instance": "full", "auth": {"disabled": true},
    "repos": [{"id": "r", "uri": dir.path().join("repo").display().to_string(), "password": "pw",
        "autoInitialize": true, "engine": engine}],
    "plans": [
        plan("fill", json!([{"conditions": ["CONDITION_SNAPSHOT_START"], "actionCommand": {"command": fill}}])),
        plan("ok", json!([])),
    ]});
    std::fs::write(&config, cfg.to_string()).unwrap();
    let (child, port) = serve_with(dir.path(), &config, &data);

    let started = Instant::now();
    let (code, body) =
        http_post_json(port, "/v1.Backrest/Backup", r#"{"value":"fill"}"#, "x:y").unwrap();
    assert_ne!(code, 200, "{body}");
    assert!(body.contains("could not be recorded"), "{code} {body}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "answered after {:?}",
        started.elapsed()
    );
    assert!(!ops(port).is_empty());

    std::fs::remove_file(&filler).unwrap();
    let start = Instant::now();
    loop {
        let ops = ops(port);
        let fill: Vec<_> = ops.iter().filter(|o| o["planId"] == "fill").collect();
        let running = ops.iter().any(|o| o["status"] == "STATUS_INPROGRESS");
        if !running
            && fill
                .iter()
                .any(|o| o["status"] == "STATUS_ERROR" && o.get("operationBackup").is_some())
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the failure was not recorded: {ops:#?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let (code, body) =
        http_post_json(port, "/v1.Backrest/Backup", r#"{"value":"ok"}"#, "x:y").unwrap();
    assert_eq!(
        code, 200,
        "the next backup succeeds once space is back: {body}"
    );
    assert!(terminate(child).status.success());
}

#[test]
fn a_full_disk_during_a_restic_backup_ends_it_cleanly() {
    full_disk_ends_the_task_cleanly("restic");
}

#[test]
fn a_full_disk_during_an_embedded_backup_ends_it_cleanly() {
    full_disk_ends_the_task_cleanly("embedded");
}
