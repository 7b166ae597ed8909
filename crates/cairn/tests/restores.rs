//! `cairn restore` with the embedded engine through a real server: several `--path`s into a target
//! (recorded under the snapshot's plan when no `--plan` is given),
//! then in place over edited live files with `--dry-run` (printing exactly what the real run then
//! does), `--overwrite if-changed --delete`, and the refusals: an existing destination without an
//! overwrite mode, `--delete` alone, and paths that try to leave the snapshot.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use support::*;
use tempfile::TempDir;

/// The lines of a restore's log that name a change (`+ path`, `- path`).
fn changes(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.split_once(' ').map(|(_, rest)| rest))
        .filter(|l| l.starts_with("+ ") || l.starts_with("- "))
        .map(str::to_string)
        .collect()
}

#[test]
fn several_paths_in_place_overwrite_delete_and_dry_run() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let src = d.join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::create_dir_all(src.join("other")).unwrap();
    std::fs::write(src.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(src.join("sub/b.txt"), vec![3u8; 50_000]).unwrap();
    std::fs::write(src.join("other/c.txt"), "gamma\n").unwrap();
    let config = write_config(d, &src, serde_json::json!({"engine": "embedded"}), true);
    let (child, port) = serve_with(d, &config, &d.join("data"));
    let run = |args: &[&str]| client(d, port, None, args);

    let (code, out, err) = run(&["backup", "plan1", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = run(&["snapshots", "repo1"]);
    let snap = last_snapshot(&out);
    let p = |rel: &str| src.join(rel).display().to_string();

    let target = d.join("restored");
    let (code, out, err) = run(&[
        "restore",
        "repo1",
        &snap,
        "--path",
        &p("a.txt"),
        "--path",
        &p("sub"),
        "--target",
        target.to_str().unwrap(),
        "--wait",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(std::fs::read(target.join("a.txt")).unwrap(), b"alpha\n");
    assert_eq!(
        std::fs::read(target.join("sub/b.txt")).unwrap(),
        vec![3u8; 50_000]
    );
    assert!(!target.join("other").exists());
    // Without --plan the restore is recorded under the snapshot's plan.
    let (_, ops, _) = run(&["ops", "--plan", "plan1"]);
    assert!(
        ops.lines()
            .any(|l| l.contains("restore") && l.contains("success")),
        "{ops}"
    );

    std::fs::write(src.join("a.txt"), "edited\n").unwrap();
    std::fs::write(src.join("sub/extra.txt"), "new since the snapshot\n").unwrap();
    let in_place = |extra: &[&str]| {
        let mut args = vec!["restore", "repo1", &snap, "--plan", "plan1", "--in-place"];
        let (a, sub) = (p("a.txt"), p("sub"));
        let owned = [a, sub];
        for path in &owned {
            args.extend(["--path", path.as_str()]);
        }
        args.extend(extra);
        let (code, out, err) = run(&args);
        (code, out, err)
    };
    let (code, _, err) = in_place(&["--wait"]);
    assert_eq!(code, 1, "an existing destination is refused: {err}");
    assert!(err.contains("already exists"), "{err}");

    let (code, preview, err) = in_place(&["--overwrite", "if-changed", "--delete", "--dry-run"]);
    assert_eq!(code, 0, "{preview}{err}");
    let planned = changes(&preview);
    assert_eq!(
        planned,
        vec![
            format!("+ \"{}\"", p("a.txt")),
            format!("- \"{}\"", p("sub/extra.txt")),
        ],
        "{preview}"
    );
    assert_eq!(std::fs::read(src.join("a.txt")).unwrap(), b"edited\n");
    assert!(src.join("sub/extra.txt").exists());

    let (code, applied, err) = in_place(&["--overwrite", "if-changed", "--delete"]);
    assert_eq!(code, 0, "{applied}{err}");
    assert_eq!(changes(&applied), planned);
    assert_eq!(std::fs::read(src.join("a.txt")).unwrap(), b"alpha\n");
    assert!(!src.join("sub/extra.txt").exists());
    assert_eq!(std::fs::read(src.join("other/c.txt")).unwrap(), b"gamma\n");

    let (code, _, err) = run(&[
        "restore",
        "repo1",
        &snap,
        "--plan",
        "plan1",
        "--in-place",
        "--delete",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("--overwrite"), "{err}");
    let (code, _, err) = run(&[
        "restore",
        "repo1",
        &snap,
        "--in-place",
        "--path",
        "/../etc",
        "--overwrite",
        "always",
    ]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains(".."), "{err}");
    terminate(child);
}
