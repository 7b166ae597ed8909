//! The conformance suite run against the embedded engine (rustic_core in a worker process); the real
//! `restic` binary judges what it writes.
mod conformance;

use cairn_engine::{EmbeddedEngine, WorkerCommand};
use std::time::Duration;

fn worker() -> WorkerCommand {
    WorkerCommand {
        program: env!("CARGO_BIN_EXE_cairn-engine-worker").into(),
        args: Vec::new(),
    }
}

/// restic 0.14 cannot wait for a lock, and the suite expects a held lock to fail at once; waiting is
/// tested on its own below.
fn engine() -> EmbeddedEngine {
    EmbeddedEngine::new(worker()).with_lock_wait(Duration::ZERO)
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                conformance::$name(&engine(), &conformance::Fixture::new()).await;
            }
        )*
    };
}

conformance!(
    init_is_idempotent_and_reports_the_repo_id,
    backup_then_incremental_with_tags_and_progress,
    dry_run_writes_nothing,
    excludes_and_iexcludes_are_honoured,
    ls_lists_exactly_one_directory,
    restore_is_byte_identical_and_stays_inside_the_target,
    dump_streams_tar_and_zip_archives,
    backup_progress_arrives_at_least_twice_a_second,
    forget_applies_each_retention_kind,
    prune_frees_space_and_stats_report_it,
    check_passes_then_finds_a_corrupted_pack,
    cancelling_a_backup_leaves_a_clean_unlocked_repository,
    cancelling_a_restore_leaves_a_clean_repository_and_no_staging,
    a_lock_held_by_another_process_is_a_clear_error_and_unlock_clears_stale_ones,
    run_command_streams_output_and_returns_the_exit_code,
);

/// As for restic: unchanged needs ancestors that do not change during the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_if_unchanged_adds_no_snapshot_when_nothing_changed() {
    let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("skip-if-unchanged-embedded");
    std::fs::create_dir_all(&base).unwrap();
    let f = conformance::Fixture::new_in(&base);
    conformance::skip_if_unchanged_adds_no_snapshot_when_nothing_changed(&engine(), &f).await;
}
