//! The conformance suite run against the restic engine (needs the `restic` binary: apt-get install restic).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_conformance as conformance;

use cairn_engine::{BackupRequest, Engine, ResticEngine, SnapshotFilter};

async fn engine() -> ResticEngine {
    ResticEngine::locate(None)
        .await
        .expect("restic 0.14+ must be installed for these tests (apt-get install restic)")
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                conformance::$name(&engine().await, &conformance::Fixture::new()).await;
            }
        )*
    };
}

conformance!(
    init_is_idempotent_and_reports_the_repo_id,
    backup_then_incremental_with_tags_and_progress,
    dry_run_writes_nothing,
    excludes_and_iexcludes_are_honoured,
    tag_files_exclude_what_restic_excludes,
    ls_lists_exactly_one_directory,
    restore_is_byte_identical_and_stays_inside_the_target,
    dump_streams_tar_and_zip_archives,
    backup_progress_arrives_at_least_twice_a_second,
    forget_applies_each_retention_kind,
    prune_frees_space_and_stats_report_it,
    packs_are_as_large_as_restic_makes_them,
    files_from_lists_and_parent_flags_choose_what_is_read,
    unsorted_and_nested_paths_make_sorted_trees,
    with_atime_keeps_access_times,
    check_passes_then_finds_a_corrupted_pack,
    a_rotating_check_reads_every_pack_once_in_n_runs,
    cancelling_a_backup_leaves_a_clean_unlocked_repository,
    cancelling_a_restore_leaves_a_clean_repository_and_no_staging,
    a_lock_held_by_another_process_is_a_clear_error_and_unlock_clears_stale_ones,
    run_command_streams_output_and_returns_the_exit_code,
);

/// The directories the skip tests work in, all made before either test starts: restic records the
/// source's ancestors, so one test making its directory in the shared tmp while the other ran between
/// two backups changed an ancestor and defeated the skip (seen on a clean CI checkout, where the
/// directories did not exist yet).
fn stable_base(name: &str) -> std::path::PathBuf {
    static BASES: std::sync::LazyLock<std::path::PathBuf> = std::sync::LazyLock::new(|| {
        let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("restic-skip");
        for name in ["skip-if-unchanged", "skip-future-parent"] {
            std::fs::create_dir_all(root.join(name)).unwrap();
        }
        root
    });
    let base = BASES.join(name);
    assert!(base.is_dir(), "{name} is not one of the stable bases");
    base
}

/// restic records the source's parent directories too, so "unchanged" needs ancestors that do not
/// change during the test: the target's tmp directory, not /tmp.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_if_unchanged_adds_no_snapshot_when_nothing_changed() {
    let f = conformance::Fixture::new_in(&stable_base("skip-if-unchanged"));
    conformance::skip_if_unchanged_adds_no_snapshot_when_nothing_changed(&engine().await, &f).await;
}

/// The cause of a flake once seen in skip_if_unchanged_adds_no_snapshot_when_nothing_changed: when
/// the newest snapshot is later than the clock (the clock was stepped back), restic left to choose
/// finds no parent, reads everything as new and makes a snapshot of an unchanged tree. Naming the
/// parent, as the orchestrator does, skips it whatever the clock says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_if_unchanged_holds_when_the_newest_snapshot_is_from_the_future() {
    let f = conformance::Fixture::new_in(&stable_base("skip-future-parent"));
    let engine = engine().await;
    engine.init(&f.repo).await.unwrap();
    let future = BackupRequest {
        extra_flags: vec!["--time".into(), "2099-01-01 00:00:00".into()],
        ..f.request()
    };
    let first = conformance::backup(&engine, &f, &future).await;
    let again = BackupRequest {
        skip_if_unchanged: true,
        parent: Some(first.summary.snapshot_id.clone()),
        ..f.request()
    };
    let second = conformance::backup(&engine, &f, &again).await;
    assert!(second.skipped, "{:?}", second.summary);
    let all = engine
        .snapshots(&f.repo, &SnapshotFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    // The cause itself: left to choose, restic finds no parent and reads everything as new.
    let unnamed = BackupRequest {
        parent: None,
        ..again
    };
    let third = conformance::backup(&engine, &f, &unnamed).await;
    assert!(
        !third.skipped && third.summary.files_new > 0,
        "{:?}",
        third.summary
    );
}

/// nice and ionice wrap the restic command when the repository asks for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_prefix_runs_restic_under_nice_and_ionice() {
    use cairn_proto::v1::CommandPrefix;
    use cairn_proto::v1::command_prefix::{CPUNiceLevel, IONiceLevel};
    let mut f = conformance::Fixture::new();
    f.repo.command_prefix = CommandPrefix {
        cpu_nice: CPUNiceLevel::CPU_LOW.into(),
        io_nice: IONiceLevel::IO_IDLE.into(),
        ..Default::default()
    }
    .into();
    let engine = engine().await;
    cairn_engine::Engine::init(&engine, &f.repo).await.unwrap();
    let out = conformance::backup(&engine, &f, &f.request()).await;
    assert_eq!(out.summary.snapshot_id.len(), 64);
    let lines = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = lines.clone();
    let args: Vec<String> = ["version"].iter().map(|s| s.to_string()).collect();
    let cancel = tokio_util::sync::CancellationToken::new();
    cairn_engine::Engine::run_command(
        &engine,
        &f.repo,
        &args,
        &move |l: &str| sink.lock().unwrap().push_str(l),
        &cancel,
    )
    .await
    .unwrap();
    assert!(lines.lock().unwrap().contains("restic"));
}

#[tokio::test]
async fn a_missing_restic_binary_says_how_to_install_it() {
    let err = ResticEngine::locate(Some(std::path::Path::new("/nonexistent/restic")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("apt-get install restic"), "{err}");
}

/// As root, mode 000 does not stop reads: run restic as `nobody` through a wrapper script, with the
/// fixture made accessible to that user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_makes_a_partial_backup() {
    use std::os::unix::fs::PermissionsExt;
    let f = conformance::Fixture::new();
    let root = unsafe { libc::geteuid() } == 0;
    let engine = if root {
        for entry in walk(f.dir.path()) {
            let mode = if entry.is_dir() { 0o777 } else { 0o666 };
            std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let wrapper = f.path("restic-as-nobody");
        std::fs::write(
            &wrapper,
            "#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups restic \"$@\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        ResticEngine::locate(Some(&wrapper)).await.unwrap()
    } else {
        engine().await
    };
    conformance::an_unreadable_file_makes_a_partial_backup(&engine, &f).await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
