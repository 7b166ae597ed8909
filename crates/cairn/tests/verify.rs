//! `cairn verify` through a real server, with each engine: a repository without snapshots has nothing
//! to verify; after a backup every sampled file is restored and matches, and the unchanged live files
//! are compared too; a live file altered behind its unchanged size and modification time is a
//! mismatch of the live side; a corrupted pack is a mismatch of the restored side; each mismatch fails
//! the operation, fires the check-error hook and leaves no scratch files behind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use std::fs::{File, FileTimes};
use std::path::{Path, PathBuf};
use support::*;
use tempfile::TempDir;

/// Overwrites `path` with `bytes` and puts its modification time back.
fn rewrite_keeping_mtime(path: &Path, bytes: &[u8]) {
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    std::fs::write(path, bytes).unwrap();
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_times(FileTimes::new().set_modified(mtime))
        .unwrap();
}

/// Flips bytes in the middle of the repository's largest pack (the big file's data).
fn corrupt_largest_pack(repo: &Path) -> PathBuf {
    let mut packs: Vec<(u64, PathBuf)> = walk(&repo.join("data"))
        .into_iter()
        .map(|p| (std::fs::metadata(&p).unwrap().len(), p))
        .collect();
    packs.sort();
    let (len, pack) = packs.pop().expect("a pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    let middle = (len / 2) as usize;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0xff;
    }
    std::fs::write(&pack, bytes).unwrap();
    pack
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn verify_finds_what_differs(engine: &str) {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let src = d.join("src");
    std::fs::create_dir_all(src.join("docs")).unwrap();
    let big = src.join("big.bin");
    let note = src.join("docs/note.txt");
    std::fs::write(&big, noise(6 << 20, 7)).unwrap();
    std::fs::write(&note, "a note that will rot\n").unwrap();
    for i in 0..4 {
        std::fs::write(
            src.join(format!("docs/small-{i}.txt")),
            format!("small file {i}\n"),
        )
        .unwrap();
    }
    let marker = d.join("hook-fired");
    let repo_extra = serde_json::json!({
        "engine": engine,
        "verifyPolicy": {"schedule": {"disabled": true}, "files": 50},
        "hooks": [{"conditions": ["CONDITION_CHECK_ERROR"],
                   "actionCommand": {"command": format!("echo verify failed >> {}", marker.display())}}],
    });
    let config = write_config(d, &src, repo_extra, true);
    let data = d.join("data");
    let (child, port) = serve_with(d, &config, &data);
    let verify = || client(d, port, None, &["verify", "repo1", "--wait"]);

    let (code, out, err) = verify();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("verify") && out.contains(": 0 files"), "{out}");

    let (code, out, err) = client(d, port, None, &["backup", "plan1", "--wait"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = verify();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(": 6 files") && out.contains("6 compared with the live file, 0 mismatched"),
        "{out}"
    );
    assert!(!marker.exists());

    rewrite_keeping_mtime(&note, b"a note that did rot!\n");
    let (code, out, err) = verify();
    assert_ne!(code, 0, "{out}{err}");
    let live: Vec<&str> = out.lines().filter(|l| l.starts_with("mismatch ")).collect();
    assert_eq!(live.len(), 1, "{out}");
    assert!(
        live[0].contains(&format!(
            "{} (live): bytes 0 to 21 do not hash",
            note.display()
        )),
        "{out}"
    );
    assert!(err.contains("1 of 6 sampled files do not match"), "{err}");
    assert!(
        std::fs::read_to_string(&marker)
            .unwrap()
            .contains("verify failed")
    );

    rewrite_keeping_mtime(&note, b"a note that will rot\n");
    corrupt_largest_pack(&d.join("repo"));
    let (code, out, err) = verify();
    assert_ne!(code, 0, "{out}{err}");
    let restored: Vec<&str> = out.lines().filter(|l| l.starts_with("mismatch ")).collect();
    assert!(
        restored
            .iter()
            .any(|l| l.contains(&format!("{} (restored)", big.display()))),
        "{out}"
    );
    assert!(restored.iter().all(|l| !l.contains("(live)")), "{out}");
    assert_eq!(std::fs::read_to_string(&marker).unwrap().lines().count(), 2);

    let scratch = data.join("scratch");
    let left = if scratch.exists() {
        walk(&scratch)
    } else {
        Vec::new()
    };
    assert!(left.is_empty(), "scratch files left behind: {left:?}");
    terminate(child);
}

#[test]
fn verify_with_the_embedded_engine() {
    verify_finds_what_differs("embedded");
}

#[test]
fn verify_with_restic() {
    verify_finds_what_differs("restic");
}
