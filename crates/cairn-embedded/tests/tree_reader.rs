//! Reading snapshot trees (the `TreeReader`) on snapshots written by restic and by the embedded engine.
//! Comparing snapshots is judged by the real restic: every entry restic's `diff` reports as added,
//! removed, changed or of a new type is reported the same, and nothing else; level-by-level answers
//! agree with the full one. A path's history follows it being added, kept, changed, removed and
//! added again. The search index's changes from a base, applied to the base, rebuild the snapshot.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_conformance::{self as conformance, Fixture, restic_ok};
use cairn_embedded::{EmbeddedEngine, WorkerCommand};
use cairn_engine::{DiffRequest, Engine, TreeReader};
use cairn_proto::cairn::v1::{DiffEntry, DiffTotals, IndexChange};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Mutex;

fn engine() -> EmbeddedEngine {
    EmbeddedEngine::new(WorkerCommand {
        program: env!("CARGO_BIN_EXE_cairn-engine-worker").into(),
        args: Vec::new(),
    })
}

/// The first state: files to keep, change, remove and retype, a directory to remove, a link.
fn first_state(d: &Path) {
    std::fs::create_dir_all(d.join("gone_dir/deeper")).unwrap();
    std::fs::write(d.join("keep.txt"), "kept").unwrap();
    std::fs::write(d.join("change.txt"), "one").unwrap();
    std::fs::write(d.join("gone.txt"), "bye bye").unwrap();
    std::fs::write(d.join("gone_dir/a"), "aaaa").unwrap();
    std::fs::write(d.join("gone_dir/deeper/b"), "bbbbbb").unwrap();
    std::fs::write(d.join("to_dir"), "a file for now").unwrap();
    std::fs::write(d.join("mode_only.txt"), "same").unwrap();
    std::os::unix::fs::symlink("keep.txt", d.join("link")).unwrap();
}

/// The second state: every kind of change restic's diff reports.
fn second_state(d: &Path) {
    std::fs::write(d.join("change.txt"), "two, and longer").unwrap();
    std::fs::remove_file(d.join("gone.txt")).unwrap();
    std::fs::remove_dir_all(d.join("gone_dir")).unwrap();
    std::fs::create_dir_all(d.join("new_dir/inner")).unwrap();
    std::fs::write(d.join("new_dir/x"), "xx").unwrap();
    std::fs::write(d.join("new_dir/inner/y"), "yyy").unwrap();
    std::fs::write(d.join("new.txt"), "fresh").unwrap();
    std::fs::remove_file(d.join("to_dir")).unwrap();
    std::fs::create_dir(d.join("to_dir")).unwrap();
    std::fs::write(d.join("to_dir/inside"), "i").unwrap();
    std::fs::remove_file(d.join("link")).unwrap();
    std::os::unix::fs::symlink("change.txt", d.join("link")).unwrap();
    let file = d.join("mode_only.txt");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// restic's changes as (kind, path): "T" or "M" when restic's marker holds them, else "+" or "-".
fn restic_changes(f: &Fixture, a: &str, b: &str) -> BTreeSet<(String, String)> {
    let out = restic_ok(f, &["diff", "--json", "--no-lock", a, b]);
    out.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message_type"] == "change")
        .filter_map(|v| {
            let marker = v["modifier"].as_str()?;
            let kind = ["T", "M", "+", "-"]
                .into_iter()
                .find(|k| marker.contains(k))?;
            let path = v["path"].as_str()?.trim_end_matches('/').to_string();
            Some((kind.to_string(), path))
        })
        .collect()
}

async fn diff(f: &Fixture, req: DiffRequest) -> (Vec<DiffEntry>, DiffTotals) {
    let seen = Mutex::new(Vec::new());
    let totals = engine()
        .diff(&f.repo, &req, &|e| seen.lock().unwrap().push(e))
        .await
        .unwrap();
    (seen.into_inner().unwrap(), totals)
}

fn request(a: &str, b: &str, path: &str, recursive: bool) -> DiffRequest {
    DiffRequest {
        a: a.into(),
        b: b.into(),
        path: path.into(),
        recursive,
    }
}

/// A new repository, made by restic or by the embedded engine.
async fn init(f: &Fixture, by_restic: bool) {
    if by_restic {
        restic_ok(f, &["init"]);
    } else {
        engine().init(&f.repo).await.unwrap();
    }
}

/// Backs the fixture's source up with restic or the embedded engine; returns the snapshot's id.
async fn snapshot(f: &Fixture, by_restic: bool) -> String {
    let e = engine();
    if by_restic {
        restic_ok(f, &["backup", "--json", f.src.to_str().unwrap()]);
    } else {
        conformance::backup(&e, f, &f.request()).await;
    }
    let list = e
        .snapshots(&f.repo, &cairn_engine::SnapshotFilter::default())
        .await
        .unwrap();
    list.last().unwrap().id.clone()
}

async fn judged_by_restic(by_restic: bool) {
    let f = Fixture::new();
    init(&f, by_restic).await;
    first_state(&f.src.join("d"));
    let a = snapshot(&f, by_restic).await;
    second_state(&f.src.join("d"));
    let b = snapshot(&f, by_restic).await;
    let d = f.snap("/d");

    // The full comparison reports exactly what restic's does (short ids work too).
    let (all, totals) = diff(&f, request(&a[..8], &b[..8], "/", true)).await;
    let ours: BTreeSet<(String, String)> = all
        .iter()
        .filter(|e| ["+", "-", "M", "T"].contains(&e.change.as_str()))
        .map(|e| (e.change.clone(), e.path.clone()))
        .collect();
    // restic 0.14 does not list what a directory that replaced a file holds; cairn does, as an
    // added directory's content is listed.
    let retyped: Vec<String> = ours
        .iter()
        .filter(|(k, _)| k == "T")
        .map(|(_, p)| format!("{p}/"))
        .collect();
    let judged: BTreeSet<(String, String)> = ours
        .iter()
        .filter(|(_, p)| !retyped.iter().any(|t| p.starts_with(t)))
        .cloned()
        .collect();
    assert_eq!(judged, restic_changes(&f, &a, &b));
    assert!(ours.contains(&("+".into(), format!("{d}/to_dir/inside"))));
    for kind in ["+", "-", "M", "T"] {
        assert!(ours.iter().any(|(k, _)| k == kind), "no {kind} in {ours:?}");
    }
    let mode = all
        .iter()
        .find(|e| e.path == format!("{d}/mode_only.txt"))
        .unwrap();
    // chmod changes the inode's ctime too.
    assert_eq!(mode.change, "U");
    assert_eq!(mode.metadata, vec!["mode".to_string(), "ctime".to_string()]);
    let link = all.iter().find(|e| e.path == format!("{d}/link")).unwrap();
    assert!(link.metadata.contains(&"target".to_string()), "{link:?}");
    let dir_first = all
        .iter()
        .position(|e| e.path == format!("{d}/new_dir"))
        .unwrap();
    let child = all
        .iter()
        .position(|e| e.path == format!("{d}/new_dir/x"))
        .unwrap();
    assert!(dir_first < child, "a directory comes before what it holds");

    // Counts and bytes: file sizes of what was added, removed and changed.
    assert_eq!(
        (
            totals.files_added,
            totals.files_removed,
            totals.files_changed
        ),
        (4, 4, 1),
        "{totals:?}"
    );
    assert_eq!(
        (totals.dirs_added, totals.dirs_removed),
        (3, 2),
        "{totals:?}"
    );
    assert_eq!(totals.bytes_added, 2 + 3 + 5 + 1 + 15, "{totals:?}");
    assert_eq!(totals.bytes_removed, 7 + 4 + 6 + 14 + 3, "{totals:?}");

    // One level: the entries of the directory itself, each directory with the totals below it, and
    // totals equal to the full comparison's.
    let (level, level_totals) = diff(&f, request(&a, &b, &d, false)).await;
    assert_eq!(level_totals, diff(&f, request(&a, &b, &d, true)).await.1);
    assert_eq!(level_totals.files_added, totals.files_added);
    assert!(
        level
            .iter()
            .all(|e| e.path.matches('/').count() == d.matches('/').count() + 1)
    );
    let gone = level
        .iter()
        .find(|e| e.path.ends_with("/gone_dir"))
        .unwrap();
    let inside = gone.inside.as_option().unwrap();
    assert_eq!(
        (
            gone.change.as_str(),
            inside.files_removed,
            inside.bytes_removed
        ),
        ("-", 2, 10)
    );
    assert!(level.iter().all(|e| !e.path.ends_with("/keep.txt")));

    // A path that is in one snapshot only, a file, and a path in neither.
    let (one, _) = diff(&f, request(&a, &b, &format!("{d}/new.txt"), false)).await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].change, "+");
    let unchanged = diff(&f, request(&a, &b, &format!("{d}/keep.txt"), true)).await;
    assert!(unchanged.0.is_empty() && unchanged.1 == DiffTotals::default());
    let err = engine()
        .diff(&f.repo, &request(&a, &b, "/no/such/path", false), &|_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("/no/such/path"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diff_of_restics_snapshots_matches_restics_diff() {
    judged_by_restic(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diff_of_embedded_snapshots_matches_restics_diff() {
    judged_by_restic(false).await;
}

/// A file added, kept, changed, removed, absent again and added back: each snapshot's version says so.
async fn history_follows_a_file(by_restic: bool) {
    let f = Fixture::new();
    init(&f, by_restic).await;
    let dir = f.src.join("h");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("file");
    let steps: [Option<&str>; 7] = [
        None,
        Some("v1"),
        Some("v1"),
        Some("v2, longer"),
        None,
        None,
        Some("v1"),
    ];
    let mut ids = Vec::new();
    for content in steps {
        match content {
            Some(c) => std::fs::write(&file, c).unwrap(),
            None => drop(std::fs::remove_file(&file)),
        }
        ids.push(snapshot(&f, by_restic).await);
    }
    let versions = engine().history(&f.repo, &f.snap("/h/file")).await.unwrap();
    let seen: Vec<(&str, &str)> = versions
        .iter()
        .map(|v| (v.snapshot_id.as_str(), v.change.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (ids[1].as_str(), "+"),
            (ids[2].as_str(), ""),
            (ids[3].as_str(), "M"),
            (ids[4].as_str(), "-"),
            (ids[6].as_str(), "+"),
        ]
    );
    let sizes: Vec<i64> = versions
        .iter()
        .map(|v| v.entry.as_option().map_or(-1, |e| e.size))
        .collect();
    assert_eq!(sizes, vec![2, 2, 10, -1, 2]);
    assert!(
        versions
            .windows(2)
            .all(|w| w[0].snapshot_time_ms <= w[1].snapshot_time_ms)
    );
    let err = engine()
        .history(&f.repo, &f.snap("/h/never"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("in no snapshot"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_of_a_file_in_restics_snapshots() {
    history_follows_a_file(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_of_a_file_in_embedded_snapshots() {
    history_follows_a_file(false).await;
}

/// Every entry of a snapshot as the search index records it: path → (type, size, mtime, content).
type Entries = std::collections::BTreeMap<String, (String, i64, i64, u32)>;

async fn index_changes(f: &Fixture, base: Option<&str>, snapshot: &str) -> Vec<IndexChange> {
    let seen = Mutex::new(Vec::new());
    let sent = engine()
        .index_changes(&f.repo, base, snapshot, &|c| seen.lock().unwrap().push(c))
        .await
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(sent, seen.len() as u64);
    seen
}

fn apply(entries: &mut Entries, changes: Vec<IndexChange>) {
    for c in changes {
        if c.r#type.is_empty() {
            assert!(
                entries.remove(&c.path).is_some(),
                "{} gone but never there",
                c.path
            );
        } else {
            entries.insert(c.path, (c.r#type, c.size, c.mtime_ms, c.content));
        }
    }
}

/// The search index's changes: a snapshot's changes from its base, applied to the base's entries, give
/// exactly the snapshot's entries (removed directories take what they held with them, a file that
/// became a directory brings its content), and an unchanged entry is never sent.
async fn index_changes_rebuild_the_snapshot(by_restic: bool) {
    let f = Fixture::new();
    init(&f, by_restic).await;
    first_state(&f.src.join("d"));
    let a = snapshot(&f, by_restic).await;
    second_state(&f.src.join("d"));
    let b = snapshot(&f, by_restic).await;
    let d = f.snap("/d");

    let mut entries = Entries::new();
    apply(&mut entries, index_changes(&f, None, &a).await);
    assert!(entries.contains_key(&format!("{d}/gone_dir/deeper/b")));
    let delta = index_changes(&f, Some(&a), &b).await;
    let sent: BTreeSet<&str> = delta.iter().map(|c| c.path.as_str()).collect();
    assert!(!sent.contains(format!("{d}/keep.txt").as_str()), "{sent:?}");
    assert!(sent.contains(format!("{d}/gone_dir/deeper/b").as_str()));
    assert!(sent.contains(format!("{d}/to_dir/inside").as_str()));
    apply(&mut entries, delta);
    let mut full = Entries::new();
    apply(&mut full, index_changes(&f, None, &b).await);
    assert_eq!(entries, full);
    assert_eq!(full[&format!("{d}/to_dir")].0, "dir");
    assert_ne!(
        full[&format!("{d}/link")].3,
        0,
        "a link's target is fingerprinted"
    );
    assert!(index_changes(&f, Some(&b), &b).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_changes_of_restics_snapshots() {
    index_changes_rebuild_the_snapshot(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_changes_of_embedded_snapshots() {
    index_changes_rebuild_the_snapshot(false).await;
}
