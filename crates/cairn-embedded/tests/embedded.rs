//! The conformance suite run against the embedded engine (rustic_core in a worker process); the real
//! `restic` binary judges what it writes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_conformance as conformance;

use cairn_embedded::{EmbeddedEngine, WorkerCommand};
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
    tag_files_exclude_what_restic_excludes,
    ls_lists_exactly_one_directory,
    restore_is_byte_identical_and_stays_inside_the_target,
    dump_streams_tar_and_zip_archives,
    backup_progress_arrives_at_least_twice_a_second,
    forget_applies_each_retention_kind,
    prune_frees_space_and_stats_report_it,
    prune_removes_what_interrupted_writes_left,
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

/// As for restic: unchanged needs ancestors that do not change during the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_if_unchanged_adds_no_snapshot_when_nothing_changed() {
    let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("skip-if-unchanged-embedded");
    std::fs::create_dir_all(&base).unwrap();
    let f = conformance::Fixture::new_in(&base);
    conformance::skip_if_unchanged_adds_no_snapshot_when_nothing_changed(&engine(), &f).await;
}

fn no_output(_: &str) {}

use conformance::{restic_ok, same_tree};

/// restic checks every byte of, lists and restores what the embedded engine writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restic_checks_lists_and_restores_what_it_writes() {
    let f = conformance::Fixture::new();
    conformance::restic_checks_lists_and_restores_what_it_wrote(&engine(), &f).await;
}

/// The embedded engine lists, checks and restores what restic wrote, in both repository formats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_reads_checks_and_restores_what_restic_wrote_in_format_1_and_2() {
    use cairn_engine::{CheckMode, Engine, SnapshotFilter};
    for version in ["1", "2"] {
        let f = conformance::Fixture::new();
        restic_ok(&f, &["init", "--repository-version", version]);
        restic_ok(
            &f,
            &["backup", f.src.to_str().unwrap(), "--tag", "by-restic"],
        );
        let e = engine();
        let snaps = e
            .snapshots(&f.repo, &SnapshotFilter::default())
            .await
            .unwrap();
        assert_eq!(snaps.len(), 1, "format {version}");
        assert_eq!(snaps[0].tags, vec!["by-restic"]);
        let cancel = tokio_util::sync::CancellationToken::new();
        e.check(
            &f.repo,
            CheckMode::ReadDataPercent(100.0),
            &no_output,
            &cancel,
        )
        .await
        .unwrap();
        let target = f.path("by-embedded");
        e.restore(
            &f.repo,
            &snaps[0].id,
            &f.snap(""),
            &target,
            &|_| {},
            &cancel,
        )
        .await
        .unwrap();
        same_tree(&f.src, &target.join("src"));
    }
}

/// Backups, forgets and prunes by both tools on one repository leave it clean for both checkers.
/// An engine derives a repository's key from the password once: later jobs open with the key it kept
/// while the key file the password opened exists, and removing that file revokes the kept key too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_derived_once_and_removing_its_key_file_revokes_it() {
    use cairn_engine::{Engine, SnapshotFilter};
    let f = conformance::Fixture::new();
    let e = engine();
    e.init(&f.repo).await.unwrap();
    let all = SnapshotFilter::default();
    e.snapshots(&f.repo, &all).await.unwrap();
    // Damage the only key file: the password cannot open it any more, only a kept key can.
    let keys = std::path::Path::new(&f.repo.uri).join("keys");
    let key_file = std::fs::read_dir(&keys)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let len = std::fs::metadata(&key_file).unwrap().len() as usize;
    std::fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    std::fs::write(&key_file, vec![b'x'; len]).unwrap();
    e.snapshots(&f.repo, &all)
        .await
        .expect("the kept key opens the repository");
    assert!(
        engine().snapshots(&f.repo, &all).await.is_err(),
        "a new engine has to derive the key from the damaged file"
    );
    std::fs::remove_file(&key_file).unwrap();
    assert!(
        e.snapshots(&f.repo, &all).await.is_err(),
        "with its key file gone the kept key is not used"
    );
}

/// The embedded engine cuts files into the same chunks as restic (same polynomial, same cut points,
/// the 8 MiB limit included), so data restic already stored is not uploaded again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_chunks_as_restic_does_so_restics_data_is_not_uploaded_again() {
    let f = conformance::Fixture::new();
    let (by_restic, by_cairn) = (f.path("by-restic"), f.path("by-cairn"));
    std::fs::create_dir_all(&by_restic).unwrap();
    std::fs::write(
        by_restic.join("random.bin"),
        conformance::pseudo_random(5, 24 << 20),
    )
    .unwrap();
    std::fs::write(
        by_restic.join("small.bin"),
        conformance::pseudo_random(6, 300_000),
    )
    .unwrap();
    // A 64-byte pattern repeated: the rolling hash cycles without a cut, so chunks end at the limit.
    let pattern = conformance::pseudo_random(7, 64);
    std::fs::write(
        by_restic.join("repeated.bin"),
        pattern.repeat((20 << 20) / 64),
    )
    .unwrap();
    std::fs::write(by_restic.join("zeros.bin"), vec![0u8; 3 << 20]).unwrap();
    restic_ok(&f, &["init"]);
    restic_ok(&f, &["backup", by_restic.to_str().unwrap()]);
    // The same contents under other names and paths: no parent to match, every file is chunked anew.
    std::fs::create_dir_all(&by_cairn).unwrap();
    for name in ["random.bin", "small.bin", "repeated.bin", "zeros.bin"] {
        std::fs::copy(by_restic.join(name), by_cairn.join(format!("copy-{name}"))).unwrap();
    }
    let request = cairn_engine::BackupRequest {
        paths: vec![by_cairn.to_string_lossy().into_owned()],
        ..f.request()
    };
    let outcome = conformance::backup(&engine(), &f, &request).await;
    assert_eq!(outcome.summary.files_new, 4);
    assert_eq!(
        outcome.summary.data_blobs, 0,
        "every chunk should already be in the repository: {:?}",
        outcome.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_use_by_both_tools_leaves_both_checkers_clean() {
    use cairn_engine::{CheckMode, Engine, ForgetScope, PruneLimit};
    use cairn_proto::v1::__buffa::oneof::retention_policy::Policy;
    use cairn_proto::v1::RetentionPolicy;
    let f = conformance::Fixture::new();
    let e = engine();
    let cancel = tokio_util::sync::CancellationToken::new();
    restic_ok(&f, &["init"]);
    restic_ok(
        &f,
        &[
            "backup",
            f.src.to_str().unwrap(),
            "--host",
            "conformance-host",
        ],
    );
    std::fs::write(
        f.src.join("new.bin"),
        conformance::pseudo_random(3, 300_000),
    )
    .unwrap();
    conformance::backup(&e, &f, &f.request()).await;
    std::fs::remove_file(f.src.join("new.bin")).unwrap();
    restic_ok(
        &f,
        &[
            "backup",
            f.src.to_str().unwrap(),
            "--host",
            "conformance-host",
        ],
    );
    restic_ok(&f, &["forget", "--keep-last", "2", "--prune"]);
    std::fs::write(
        f.src.join("more.bin"),
        conformance::pseudo_random(4, 300_000),
    )
    .unwrap();
    conformance::backup(&e, &f, &f.request()).await;
    let keep_one = RetentionPolicy {
        policy: Some(Policy::PolicyKeepLastN(1)),
        ..Default::default()
    };
    e.forget(&f.repo, &keep_one, &ForgetScope::default())
        .await
        .unwrap();
    e.prune(&f.repo, PruneLimit::Percent(0.0), &no_output, &cancel)
        .await
        .unwrap();
    restic_ok(&f, &["check", "--read-data"]);
    e.check(
        &f.repo,
        CheckMode::ReadDataPercent(100.0),
        &no_output,
        &cancel,
    )
    .await
    .unwrap();
    let listed = restic_ok(&f, &["snapshots", "--json"]);
    assert_eq!(listed.matches("\"id\"").count(), 1, "{listed}");
}

/// As root, mode 000 does not stop reads: run the worker as `nobody`, with the fixture opened to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_makes_a_partial_backup() {
    use std::os::unix::fs::PermissionsExt;
    let f = conformance::Fixture::new();
    let e = if unsafe { libc::geteuid() } == 0 {
        open_to_everyone(f.dir.path());
        let wrapper = f.path("worker-as-nobody");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups {} \"$@\"\n",
                env!("CARGO_BIN_EXE_cairn-engine-worker")
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        EmbeddedEngine::new(WorkerCommand {
            program: wrapper,
            args: Vec::new(),
        })
    } else {
        engine()
    };
    conformance::an_unreadable_file_makes_a_partial_backup(&e, &f).await;
}

fn open_to_everyone(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if dir.is_dir() { 0o777 } else { 0o666 };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).unwrap();
    if dir.is_dir() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            open_to_everyone(&e.path());
        }
    }
}

/// 200 MB of incompressible data, so a backup runs long enough to be watched.
fn big_tree(f: &conformance::Fixture) {
    let dir = f.src.join("big");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..8 {
        std::fs::write(
            dir.join(format!("blob-{i}.bin")),
            conformance::pseudo_random(100 + i, 25_000_000),
        )
        .unwrap();
    }
}

/// restic honours the embedded engine's locks, and the embedded engine waits for restic's lock
/// (up to its lock wait) instead of failing at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_are_honoured_both_ways_and_waited_for() {
    use cairn_engine::{BackupEvent, Engine, PruneLimit};
    let f = conformance::Fixture::new();
    let e = engine();
    e.init(&f.repo).await.unwrap();
    big_tree(&f);
    // A slow embedded backup holds a shared lock: restic's prune must refuse to run.
    let slow = cairn_engine::BackupRequest {
        extra_flags: vec!["--limit-upload".into(), "4096".into()],
        ..f.request()
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let started_tx = std::sync::Mutex::new(Some(started_tx));
    let sink = move |ev: BackupEvent| {
        if matches!(&ev, BackupEvent::Status(s) if s.bytes_done > 0)
            && let Some(tx) = started_tx.lock().unwrap().take()
        {
            let _ = tx.send(());
        }
    };
    let backup = e.backup(&f.repo, &slow, &sink, &cancel);
    let judge = async {
        started_rx.await.unwrap();
        let prune = f.restic(&["prune"]);
        let text = String::from_utf8_lossy(&prune.stderr).into_owned();
        cancel.cancel();
        (prune.status.success(), text)
    };
    let (result, (pruned, text)) = tokio::join!(backup, judge);
    assert!(
        !pruned && text.contains("locked"),
        "restic prune ran beside our backup: {text}"
    );
    assert!(matches!(result, Err(cairn_engine::EngineError::Cancelled)));
    assert_eq!(f.locks(), 0, "the cancelled backup's lock was removed");
    // A restic backup holds a lock; a waiting embedded prune runs once it is done.
    let mut other = std::process::Command::new("restic")
        .args(["backup", "--json", "--limit-upload", "20000"])
        .arg(&f.src)
        .env("RESTIC_REPOSITORY", &f.repo.uri)
        .env("RESTIC_PASSWORD", &f.repo.password)
        .env("XDG_CACHE_HOME", f.path("cache"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(other.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    let patient = EmbeddedEngine::new(worker()).with_lock_wait(Duration::from_secs(120));
    let none = tokio_util::sync::CancellationToken::new();
    patient
        .prune(&f.repo, PruneLimit::Percent(5.0), &no_output, &none)
        .await
        .unwrap();
    let status = other.wait().unwrap();
    assert!(status.success(), "restic's backup finished first");
}

/// A backend failure deep inside rustic_core (a pack gone during a restore) panics there; in the
/// worker that fails only the one operation, with a message, and the engine goes on working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_inside_rustic_fails_only_that_operation() {
    use cairn_engine::{Engine, EngineError, SnapshotFilter};
    let f = conformance::Fixture::new();
    let e = engine();
    e.init(&f.repo).await.unwrap();
    let snap = conformance::backup(&e, &f, &f.request())
        .await
        .summary
        .snapshot_id;
    for sub in std::fs::read_dir(f.path("repo/data")).unwrap().flatten() {
        for pack in std::fs::read_dir(sub.path()).unwrap().flatten() {
            std::fs::remove_file(pack.path()).unwrap();
        }
    }
    let cancel = tokio_util::sync::CancellationToken::new();
    let err = e
        .restore(
            &f.repo,
            &snap,
            &f.snap("/docs"),
            &f.path("out"),
            &|_| {},
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, EngineError::Command { .. }), "{err:?}");
    assert!(!err.to_string().is_empty());
    assert_eq!(
        std::fs::read_dir(f.path("out")).unwrap().count(),
        0,
        "no staging left"
    );
    assert_eq!(f.locks(), 0);
    assert_eq!(
        e.snapshots(&f.repo, &SnapshotFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A worker over its memory limit fails with a message that says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_over_its_memory_limit_says_so() {
    use cairn_engine::Engine;
    let f = conformance::Fixture::new();
    engine().init(&f.repo).await.unwrap();
    big_tree(&f);
    let small = EmbeddedEngine::new(worker()).with_memory_limit(24 << 20);
    let err = small
        .backup(
            &f.repo,
            &f.request(),
            &|_| {},
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("memory"), "{err}");
}

/// restic's backup flags are translated; the ones the engine cannot honour are refused by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_flags_are_translated_or_refused_by_name() {
    use cairn_engine::{Engine, EngineError};
    let f = conformance::Fixture::new();
    let e = engine();
    e.init(&f.repo).await.unwrap();
    std::fs::write(f.path("excludes"), "# logs\n*.log\n").unwrap();
    std::fs::create_dir_all(f.src.join("cache")).unwrap();
    std::fs::write(
        f.src.join("cache/CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55",
    )
    .unwrap();
    std::fs::create_dir_all(f.src.join("private")).unwrap();
    std::fs::write(f.src.join("private/.nobackup"), "").unwrap();
    std::fs::write(f.src.join("private/secret"), "left out").unwrap();
    std::fs::write(f.src.join("cache/blob"), "left out").unwrap();
    let req = cairn_engine::BackupRequest {
        extra_flags: [
            "--exclude-file",
            f.path("excludes").to_str().unwrap(),
            "--exclude-caches",
            "--exclude-if-present",
            ".nobackup",
            "--exclude-larger-than",
            "100k",
            "--tag",
            "extra",
            "--host",
            "flagged-host",
            "--compression",
            "max",
            "--no-scan",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        ..f.request()
    };
    let snap = conformance::backup(&e, &f, &req).await.summary.snapshot_id;
    let mut names: Vec<String> = e
        .ls(&f.repo, &snap, &f.snap(""))
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    names.sort();
    // As in restic, a tagged directory keeps itself and its tag file only.
    assert_eq!(names, ["a.txt", "cache", "docs", "logs", "private"]);
    for (dir, tag) in [("/cache", "CACHEDIR.TAG"), ("/private", ".nobackup")] {
        let inside = e.ls(&f.repo, &snap, &f.snap(dir)).await.unwrap();
        let inside: Vec<&str> = inside.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(inside, [tag], "{dir}");
    }
    let logs = e.ls(&f.repo, &snap, &f.snap("/logs")).await.unwrap();
    assert!(logs.is_empty(), "{logs:?}");
    let deep = e
        .ls(&f.repo, &snap, &f.snap("/docs/deep/er"))
        .await
        .unwrap();
    assert!(deep.is_empty(), "data.bin is over 100k: {deep:?}");
    let listed = restic_ok(&f, &["snapshots", "--json"]);
    assert!(
        listed.contains("flagged-host") && listed.contains("extra"),
        "{listed}"
    );
    let bad = cairn_engine::BackupRequest {
        extra_flags: vec!["--read-concurrency".into(), "4".into()],
        ..f.request()
    };
    let err = e
        .backup(
            &f.repo,
            &bad,
            &|_| {},
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EngineError::InvalidFlag(m) if m.contains("--read-concurrency")),
        "{err:?}"
    );
}

/// Bytes of the finished files under a directory (0 when it does not exist): the hidden temporary
/// files packs are written to before their rename are not uploaded data yet.
fn bytes_under(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => bytes_under(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// A backup killed halfway leaves its packs to the next run: the re-run uploads less than 60% of the
/// data, and both checkers find the repository clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_killed_halfway_leaves_its_uploads_to_the_next_run() {
    use cairn_engine::{Engine, EngineError};
    let f = conformance::Fixture::new();
    let e = engine();
    e.init(&f.repo).await.unwrap();
    let total: u64 = 64 << 20;
    let dir = f.src.join("half");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..4 {
        let data = conformance::pseudo_random(300 + i, (total / 4) as usize);
        std::fs::write(dir.join(format!("part-{i}.bin")), data).unwrap();
    }
    let data_dir = std::path::Path::new(&f.repo.uri).join("data");
    let journals = f.path("cache/cairn/embedded/journal");
    let slow = cairn_engine::BackupRequest {
        extra_flags: ["--pack-size", "4", "--limit-upload", "8192"]
            .map(String::from)
            .to_vec(),
        ..f.request()
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let killer = async {
        while bytes_under(&data_dir) < total / 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cancel.cancel();
    };
    let (killed, ()) = tokio::join!(e.backup(&f.repo, &slow, &|_| {}, &cancel), killer);
    assert!(matches!(killed, Err(EngineError::Cancelled)), "{killed:?}");
    let before = bytes_under(&data_dir);
    assert!(
        before >= total / 2 && before < total,
        "killed at {before} of {total}"
    );
    assert_eq!(
        walk_files(&journals).len(),
        1,
        "the killed run's journal stays"
    );

    let quick = cairn_engine::BackupRequest {
        extra_flags: ["--pack-size", "4"].map(String::from).to_vec(),
        ..f.request()
    };
    conformance::backup(&e, &f, &quick).await;
    let uploaded = bytes_under(&data_dir) - before;
    eprintln!("killed at {before} of {total} bytes; the re-run uploaded {uploaded}");
    assert!(
        uploaded * 10 < total * 6,
        "the re-run uploaded {uploaded} of {total} bytes"
    );
    assert!(walk_files(&journals).is_empty(), "journals are cleared");
    restic_ok(&f, &["check", "--read-data"]);
    let target = f.path("restored");
    restic_ok(
        &f,
        &["restore", "latest", "--target", target.to_str().unwrap()],
    );
    same_tree(&dir, &target.join(dir.strip_prefix("/").unwrap()));
}

/// Every file below a directory.
fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            if e.path().is_dir() {
                walk_files(&e.path())
            } else {
                vec![e.path()]
            }
        })
        .collect()
}
