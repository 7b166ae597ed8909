//! End to end with no restic installed: `cairn serve` falls back to the embedded engine (this binary,
//! re-run as `cairn engine-worker`) and backs up, browses, restores, forgets, prunes and checks through
//! it. The real restic, outside the server's PATH, then judges the repository.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use std::path::Path;
use support::*;
use tempfile::TempDir;

/// A PATH with the usual tools but no restic.
fn path_without_restic(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["sh", "env", "true"] {
        let _ = std::os::unix::fs::symlink(format!("/bin/{tool}"), bin.join(tool));
    }
    bin.display().to_string()
}

fn run(d: &Path, port: u16, args: &[&str]) -> String {
    let mut c = cairn(d);
    c.env("PATH", path_without_restic(d))
        .env("CAIRN_SERVER", format!("http://127.0.0.1:{port}"));
    let out = c.args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cairn {args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn serve_without_restic_backs_up_browses_restores_forgets_prunes_and_checks() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let src = d.join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(src.join("sub/b.bin"), vec![7u8; 300_000]).unwrap();
    let config = serde_json::json!({
        "version": 6, "modno": 1, "instance": "embedded-host",
        "repos": [{"id": "repo1", "uri": d.join("repo").display().to_string(),
                   "password": "pw", "autoInitialize": true,
                   "prunePolicy": {"maxUnusedPercent": 0}}],
        "plans": [{"id": "plan1", "repo": "repo1", "paths": [src.display().to_string()],
                   "schedule": {"disabled": true},
                   "retention": {"policyKeepLastN": 1}}],
        "auth": {"disabled": true},
    });
    std::fs::write(
        d.join("config.json"),
        serde_json::to_vec_pretty(&config).unwrap(),
    )
    .unwrap();
    let port = free_port();
    let mut child = cairn(d)
        .env("PATH", path_without_restic(d))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--config")
        .arg(d.join("config.json"))
        .arg("--data-dir")
        .arg(d.join("data"))
        .spawn()
        .unwrap();
    wait_healthy(&mut child, port);

    let out = run(d, port, &["backup", "plan1", "--wait"]);
    assert!(out.contains("success"), "{out}");
    std::fs::write(src.join("a.txt"), "alpha, changed\n").unwrap();
    run(d, port, &["backup", "plan1", "--wait"]);
    let out = run(d, port, &["snapshots", "repo1", "--plan", "plan1"]);
    assert!(out.contains("plan:plan1"), "{out}");
    let snap = last_snapshot(&out);

    // Browse one directory of the snapshot over the API.
    let body = format!(
        r#"{{"repoId":"repo1","snapshotId":"{snap}","path":"{}"}}"#,
        src.display()
    );
    let (status, listing) =
        http_post_json(port, "/v1.Backrest/ListSnapshotFiles", &body, "x:y").unwrap();
    assert_eq!(status, 200, "{listing}");
    assert!(
        listing.contains("a.txt") && listing.contains("\"sub\""),
        "{listing}"
    );

    let target = d.join("restored");
    let out = run(
        d,
        port,
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
    assert!(out.contains("success"), "{out}");
    assert_eq!(
        std::fs::read(target.join("src/a.txt")).unwrap(),
        b"alpha, changed\n"
    );
    assert_eq!(
        std::fs::read(target.join("src/sub/b.bin")).unwrap(),
        vec![7u8; 300_000]
    );

    let out = run(d, port, &["forget", "plan1", "--wait"]);
    assert!(out.contains("success"), "{out}");
    for task in ["prune", "check", "stats"] {
        let out = run(d, port, &["task", "repo1", task, "--wait"]);
        assert!(out.contains("success"), "{task}: {out}");
    }

    // Every operation records the engine that ran it.
    let (status, ops) = http_post_json(
        port,
        "/v1.Backrest/GetOperations",
        r#"{"selector":{"repoId":"repo1"}}"#,
        "x:y",
    )
    .unwrap();
    assert_eq!(status, 200, "{ops}");
    assert!(ops.contains("embedded"), "{ops}");
    assert!(!ops.contains("\"engine\":\"restic"), "{ops}");
    assert!(terminate(child).status.success());

    // The real restic judges: one snapshot left, every byte checks out.
    let out = restic(&d.join("repo"))
        .args(["check", "--read-data"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = restic(&d.join("repo"))
        .args(["snapshots", "--json", "--no-lock"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("\"id\"").count(), 1, "{text}");
}
