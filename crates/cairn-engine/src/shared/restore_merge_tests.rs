//! Each overwrite policy, deletion and dry runs of the restore merge, checked file by file.
use super::*;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// A staged tree (the snapshot's) and a live one (the disk's), both under one temporary directory.
struct Trees {
    _dir: tempfile::TempDir,
    staged: PathBuf,
    live: PathBuf,
}

const OLD: SystemTime = SystemTime::UNIX_EPOCH;

fn at(secs: u64) -> SystemTime {
    OLD + Duration::from_secs(secs)
}

fn put(root: &Path, rel: &str, bytes: &str, mtime: SystemTime) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

/// Snapshot: same.txt (equal), edited.txt (newer, other bytes), older.txt (older, other bytes),
/// new.txt, sub/inner.txt. Live: same.txt, edited.txt, older.txt, extra.txt, gone/x.
fn trees() -> Trees {
    let dir = tempfile::tempdir().unwrap();
    let (staged, live) = (dir.path().join("staged"), dir.path().join("live"));
    put(&staged, "same.txt", "same", at(100));
    put(&live, "same.txt", "same", at(100));
    put(&staged, "edited.txt", "snapshot", at(200));
    put(&live, "edited.txt", "live!", at(100));
    put(&staged, "older.txt", "snapshot", at(100));
    put(&live, "older.txt", "live, newer", at(200));
    put(&staged, "new.txt", "new", at(100));
    put(&staged, "sub/inner.txt", "inner", at(100));
    put(&live, "extra.txt", "extra", at(100));
    put(&live, "gone/x", "x", at(100));
    Trees {
        _dir: dir,
        staged,
        live,
    }
}

fn run(t: &Trees, overwrite: Overwrite, delete: bool, dry_run: bool) -> (MergeReport, Vec<String>) {
    let opts = MergeOptions {
        overwrite,
        delete,
        dry_run,
        root_metadata: true,
    };
    let mut changes = Vec::new();
    let mut sink = |c: Change, p: &Path| {
        let rel = p.strip_prefix(&t.live).unwrap().display().to_string();
        changes.push(format!(
            "{}{rel}",
            if c == Change::Written { '+' } else { '-' }
        ));
    };
    let report = merge(&t.staged, &t.live, &opts, &|| false, &mut sink).unwrap();
    (report, changes)
}

fn read(t: &Trees, rel: &str) -> Option<String> {
    std::fs::read_to_string(t.live.join(rel)).ok()
}

#[test]
fn always_replaces_every_file_and_keeps_extras_without_delete() {
    let t = trees();
    let (r, changes) = run(&t, Overwrite::Always, false, false);
    assert_eq!(
        changes,
        [
            "+edited.txt",
            "+new.txt",
            "+older.txt",
            "+same.txt",
            "+sub",
            "+sub/inner.txt"
        ]
    );
    assert_eq!((r.written, r.kept, r.deleted), (6, 0, 0));
    assert_eq!(read(&t, "older.txt").as_deref(), Some("snapshot"));
    assert_eq!(read(&t, "sub/inner.txt").as_deref(), Some("inner"));
    assert_eq!(read(&t, "extra.txt").as_deref(), Some("extra"));
}

#[test]
fn if_changed_writes_only_what_differs() {
    let t = trees();
    let (r, changes) = run(&t, Overwrite::IfChanged, false, false);
    assert_eq!(
        changes,
        [
            "+edited.txt",
            "+new.txt",
            "+older.txt",
            "+sub",
            "+sub/inner.txt"
        ]
    );
    assert_eq!(r.kept, 1, "same.txt is equal");
    assert_eq!(read(&t, "edited.txt").as_deref(), Some("snapshot"));
}

#[test]
fn if_changed_sees_equal_sizes_with_other_bytes() {
    let t = trees();
    put(&t.live, "same.txt", "SAME", at(100));
    let (_, changes) = run(&t, Overwrite::IfChanged, false, false);
    assert!(changes.contains(&"+same.txt".to_string()));
    assert_eq!(read(&t, "same.txt").as_deref(), Some("same"));
}

#[test]
fn if_newer_keeps_live_files_that_are_newer() {
    let t = trees();
    let (r, changes) = run(&t, Overwrite::IfNewer, false, false);
    assert_eq!(
        changes,
        ["+edited.txt", "+new.txt", "+sub", "+sub/inner.txt"]
    );
    assert_eq!(r.kept, 2, "same.txt (same time) and older.txt");
    assert_eq!(read(&t, "older.txt").as_deref(), Some("live, newer"));
}

#[test]
fn never_only_adds_what_is_missing() {
    let t = trees();
    let (r, changes) = run(&t, Overwrite::Never, false, false);
    assert_eq!(changes, ["+new.txt", "+sub", "+sub/inner.txt"]);
    assert_eq!(r.kept, 3);
    assert_eq!(read(&t, "edited.txt").as_deref(), Some("live!"));
}

#[test]
fn delete_removes_what_the_snapshot_does_not_hold() {
    let t = trees();
    let (r, changes) = run(&t, Overwrite::IfChanged, true, false);
    assert!(changes.contains(&"-extra.txt".to_string()));
    assert!(changes.contains(&"-gone".to_string()));
    assert_eq!(r.deleted, 2);
    assert!(!t.live.join("extra.txt").exists() && !t.live.join("gone").exists());
}

#[test]
fn a_dry_run_reports_the_same_and_changes_nothing() {
    let t = trees();
    let (preview, planned) = run(&t, Overwrite::IfChanged, true, true);
    assert_eq!(read(&t, "edited.txt").as_deref(), Some("live!"));
    assert!(t.live.join("extra.txt").exists() && !t.live.join("new.txt").exists());
    assert!(
        t.staged.join("new.txt").exists(),
        "the staged tree is untouched"
    );
    let (done, applied) = run(&t, Overwrite::IfChanged, true, false);
    assert_eq!((preview, planned), (done, applied));
}

#[test]
fn a_live_link_is_replaced_never_written_through() {
    let t = trees();
    let outside = t._dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, t.live.join("sub")).unwrap();
    let (_, changes) = run(&t, Overwrite::Always, false, false);
    assert!(changes.contains(&"+sub/inner.txt".to_string()));
    assert!(
        std::fs::read_dir(&outside).unwrap().next().is_none(),
        "nothing was written where the link pointed"
    );
    let sub = std::fs::symlink_metadata(t.live.join("sub")).unwrap();
    assert!(sub.is_dir() && !sub.file_type().is_symlink());
    assert_eq!(read(&t, "sub/inner.txt").as_deref(), Some("inner"));
}

#[test]
fn never_keeps_a_live_link_where_the_snapshot_has_a_directory() {
    let t = trees();
    let outside = t._dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, t.live.join("sub")).unwrap();
    run(&t, Overwrite::Never, false, false);
    assert!(
        std::fs::symlink_metadata(t.live.join("sub"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_dir(&outside).unwrap().next().is_none());
}

#[test]
fn links_compare_by_target() {
    let t = trees();
    std::os::unix::fs::symlink("a", t.staged.join("link")).unwrap();
    std::os::unix::fs::symlink("a", t.live.join("link")).unwrap();
    let (_, changes) = run(&t, Overwrite::IfChanged, false, true);
    assert!(!changes.contains(&"+link".to_string()));
    std::fs::remove_file(t.live.join("link")).unwrap();
    std::os::unix::fs::symlink("b", t.live.join("link")).unwrap();
    let (_, changes) = run(&t, Overwrite::IfChanged, false, false);
    assert!(changes.contains(&"+link".to_string()));
    assert_eq!(
        std::fs::read_link(t.live.join("link")).unwrap(),
        PathBuf::from("a")
    );
}

#[test]
fn a_missing_destination_is_the_staged_tree_moved_into_place() {
    let t = trees();
    let dest = t._dir.path().join("fresh");
    let opts = MergeOptions {
        overwrite: Overwrite::Never,
        delete: true,
        dry_run: false,
        root_metadata: true,
    };
    let r = merge(&t.staged, &dest, &opts, &|| false, &mut |_, _| {}).unwrap();
    assert_eq!(r.written, 7, "the directory and its six entries");
    assert_eq!(
        std::fs::read_to_string(dest.join("sub/inner.txt")).unwrap(),
        "inner"
    );
}

#[test]
fn cancelling_stops_the_merge() {
    let t = trees();
    let opts = MergeOptions {
        overwrite: Overwrite::Always,
        delete: false,
        dry_run: false,
        root_metadata: true,
    };
    let err = merge(&t.staged, &t.live, &opts, &|| true, &mut |_, _| {}).unwrap_err();
    assert!(matches!(err, EngineError::Cancelled));
}

#[test]
fn a_live_directory_replaced_by_a_file_is_reported_as_deleted() {
    let t = trees();
    put(&t.live, "new.txt/inside", "live", at(100));
    let (preview, planned) = run(&t, Overwrite::Always, false, true);
    assert!(planned.contains(&"-new.txt".to_string()), "{planned:?}");
    let (done, applied) = run(&t, Overwrite::Always, false, false);
    assert_eq!((preview, planned), (done, applied));
    assert_eq!(read(&t, "new.txt").as_deref(), Some("new"));
    assert!(
        std::fs::read_dir(&t.live).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".cairn")),
        "nothing is left aside"
    );
}

#[test]
fn read_only_directories_of_the_snapshot_are_merged_and_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let t = trees();
    put(
        &t.staged,
        "locked/inner.txt",
        "in a read-only folder",
        at(100),
    );
    put(&t.staged, "sub/deeper/x.txt", "x", at(100));
    put(&t.live, "sub/live.txt", "live", at(100));
    for d in ["locked", "sub/deeper", "sub"] {
        std::fs::set_permissions(t.staged.join(d), std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    run(&t, Overwrite::Always, false, false);
    assert_eq!(
        read(&t, "locked/inner.txt").as_deref(),
        Some("in a read-only folder")
    );
    assert_eq!(read(&t, "sub/deeper/x.txt").as_deref(), Some("x"));
    for d in ["locked", "sub/deeper", "sub"] {
        let mode = std::fs::metadata(t.live.join(d))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o555, "{d}");
    }
    for d in ["locked", "sub/deeper", "sub"] {
        std::fs::set_permissions(t.live.join(d), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_staging_root_gives_the_destination_none_of_its_metadata() {
    use std::os::unix::fs::PermissionsExt;
    let t = trees();
    std::fs::set_permissions(&t.live, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&t.staged, std::fs::Permissions::from_mode(0o755)).unwrap();
    let opts = MergeOptions {
        overwrite: Overwrite::Always,
        delete: false,
        dry_run: false,
        root_metadata: false,
    };
    merge(&t.staged, &t.live, &opts, &|| false, &mut |_, _| {}).unwrap();
    let mode = std::fs::metadata(&t.live).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn a_copy_to_another_file_system_keeps_kinds_modes_and_times() {
    use std::os::unix::fs::PermissionsExt;
    let t = trees();
    std::os::unix::fs::symlink("same.txt", t.staged.join("link")).unwrap();
    std::fs::set_permissions(
        t.staged.join("new.txt"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    let to = t._dir.path().join("copied");
    copy_tree(&t.staged, &to).unwrap();
    assert_eq!(
        std::fs::read_link(to.join("link")).unwrap(),
        PathBuf::from("same.txt")
    );
    assert_eq!(
        std::fs::read_to_string(to.join("sub/inner.txt")).unwrap(),
        "inner"
    );
    let meta = std::fs::metadata(to.join("new.txt")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o444);
    assert_eq!(meta.modified().unwrap(), at(100));
}
