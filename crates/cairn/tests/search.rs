//! `cairn find` through a real server, on repositories written by each engine and by plain restic: a
//! file changed between snapshots has two versions, a removed and re-added file is found in the
//! snapshots that hold it, globs and sizes filter, and a forgotten snapshot is dropped from the search
//! index by the next index task.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use std::path::Path;
use support::*;
use tempfile::TempDir;

/// The lines `cairn find` printed for one path.
fn versions_of<'a>(out: &'a str, path: &Path) -> Vec<&'a str> {
    let prefix = format!("{}  ", path.display());
    out.lines().filter(|l| l.starts_with(&prefix)).collect()
}

fn snapshots_in(line: &str) -> usize {
    line.split("  ")
        .find_map(|part| part.split_once(" snapshot(s)").map(|(n, _)| n))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no snapshot count in {line}"))
}

/// Runs restic on the test's repository, which must succeed.
fn restic_ok(d: &Path, args: &[&str]) {
    let out = restic(&d.join("repo")).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "restic {args:?}: {err}");
}

/// Waits until the search index holds `count` snapshots and none is pending. An index task asked
/// for while another runs is folded into it, so the test follows what `cairn find` reports.
fn indexed(d: &Path, port: u16, count: usize) {
    let want = format!("in {count} indexed snapshot(s)");
    for _ in 0..300 {
        let (_, _, err) = client(d, port, None, &["find", "repo1", "zz-no-such-name"]);
        if err.contains(&want) && !err.contains("not indexed yet") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the search index never held {count} snapshots");
}

fn search_across_snapshots(engine: &str) {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let src = d.join("src");
    std::fs::create_dir_all(src.join("docs")).unwrap();
    std::fs::create_dir_all(src.join("photos")).unwrap();
    let report = src.join("docs/Report-2024.txt");
    let notes = src.join("docs/notes.md");
    let first_photo = src.join("photos/IMG_0001.JPG");
    let second_photo = src.join("photos/img_0002.jpg");
    std::fs::write(&report, "first draft\n").unwrap();
    std::fs::write(&notes, "notes\n").unwrap();
    std::fs::write(&first_photo, vec![7u8; 4096]).unwrap();
    let config = write_config(d, &src, serde_json::json!({"engine": engine}), true);
    let (child, port) = serve_with(d, &config, &d.join("data"));
    let run = |args: &[&str]| {
        let (code, out, err) = client(d, port, None, args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        out
    };

    run(&["backup", "plan1", "--wait"]);
    let first = last_snapshot(&run(&["snapshots", "repo1"]));
    std::fs::write(&report, "final version, longer\n").unwrap();
    std::fs::remove_file(&notes).unwrap();
    std::fs::write(&second_photo, "tiny").unwrap();
    run(&["backup", "plan1", "--wait"]);
    // A third snapshot written by restic itself, with the notes back.
    std::fs::write(&notes, "notes\n").unwrap();
    restic_ok(
        d,
        &["backup", "--host", "other-host", src.to_str().unwrap()],
    );
    run(&["task", "repo1", "index"]);
    indexed(d, port, 3);
    let found = run(&["find", "repo1", "report"]);
    let lines = versions_of(&found, &report);
    assert_eq!(lines.len(), 2, "{found}");
    assert_eq!(snapshots_in(lines[0]), 1, "{found}");
    assert_eq!(snapshots_in(lines[1]), 2, "{found}");
    assert!(lines[0].contains(&first[..8]), "{found}");

    let found = run(&["find", "repo1", "*.JPG"]);
    let total: usize = versions_of(&found, &first_photo)
        .iter()
        .map(|l| snapshots_in(l))
        .sum();
    assert_eq!(total, 3, "{found}");
    assert_eq!(versions_of(&found, &second_photo).len(), 1, "{found}");
    let notes_total: usize = versions_of(&run(&["find", "repo1", "NOTES"]), &notes)
        .iter()
        .map(|l| snapshots_in(l))
        .sum();
    assert_eq!(notes_total, 2);

    let big = run(&["find", "repo1", "img", "--min-size", "1K"]);
    assert_eq!(versions_of(&big, &first_photo).len(), 1, "{big}");
    assert!(versions_of(&big, &second_photo).is_empty(), "{big}");

    let (code, _, err) = client(d, port, None, &["find", "repo1", "[oops"]);
    assert_ne!(code, 0);
    assert!(err.contains("not a valid glob"), "{err}");

    // Forgotten through cairn's queue, which orders it after the index tasks still running (restic 0.14
    // cannot wait for their locks).
    run(&["forget", "plan1", "--snapshot", &first, "--wait"]);
    run(&["task", "repo1", "index"]);
    indexed(d, port, 2);
    let found = run(&["find", "repo1", "report"]);
    let lines = versions_of(&found, &report);
    assert_eq!(lines.len(), 1, "{found}");
    assert_eq!(snapshots_in(lines[0]), 2, "{found}");
    terminate(child);
}

#[test]
fn search_with_the_embedded_engine() {
    search_across_snapshots("embedded");
}

#[test]
fn search_with_restic() {
    search_across_snapshots("restic");
}
