//! The conformance suite run against the restic engine (needs the `restic` binary: apt-get install restic).
mod conformance;

use cairn_engine::ResticEngine;

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
    ls_lists_exactly_one_directory,
    restore_is_byte_identical_and_stays_inside_the_target,
    dump_streams_an_archive,
    forget_applies_each_retention_kind,
    prune_frees_space_and_stats_report_it,
    check_passes_then_finds_a_corrupted_pack,
    cancelling_a_backup_leaves_a_clean_unlocked_repository,
    cancelling_a_restore_leaves_a_clean_repository_and_no_staging,
    a_lock_held_by_another_process_is_a_clear_error_and_unlock_clears_stale_ones,
    run_command_streams_output_and_returns_the_exit_code,
);

#[tokio::test]
async fn engine_selection_finds_restic_and_explains_what_is_missing() {
    use cairn_engine::{EngineChoice, select};
    let auto = select(EngineChoice::Auto, None).await.unwrap();
    assert_eq!(auto.info().name, "restic");
    assert!(auto.info().version.starts_with("0."));
    let missing = std::path::Path::new("/nonexistent/restic");
    let err = select(EngineChoice::Restic, Some(missing))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("apt-get install restic"), "{err}");
    let err = select(EngineChoice::Auto, Some(missing))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("apt-get install restic") && err.contains("embedded engine"),
        "{err}"
    );
    let err = select(EngineChoice::Embedded, None)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not part of this build yet"), "{err}");
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
