//! The engine conformance suite: what every engine must do, against real repositories on disk. Each
//! check takes the engine under test; cairn-engine's `tests/restic.rs` runs them for the restic engine
//! and cairn-embedded's `tests/embedded.rs` and `tests/backends.rs` for the embedded engine. The real
//! `restic` binary is the independent judge where one is needed. Test support only: its checks panic on
//! failure, as tests do.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support: every item is a check or a fixture for tests, and a failed unwrap is a failed check"
)]
#![allow(dead_code)]
pub mod balancer;
pub mod moto;
pub mod sshd;
pub mod test_ca;

use cairn_engine::*;
use cairn_proto::v1::__buffa::oneof::retention_policy::Policy;
use cairn_proto::v1::retention_policy::TimeBucketedCounts;
use cairn_proto::v1::{Repo, RetentionPolicy};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

/// A scratch directory with a source tree and a repository location.
pub struct Fixture {
    pub dir: TempDir,
    pub repo: Repo,
    pub src: PathBuf,
    /// Extra restic arguments the judge needs to reach the repository (the repo's flags, split).
    pub judge_flags: Vec<String>,
    /// Where the judge reaches the repository when restic cannot use the engine's URI (a bridge).
    pub judge_uri: Option<String>,
    /// Environment the judge needs beside the repo's (credentials restic cannot find the engine's way).
    pub judge_env: Vec<(String, String)>,
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixture {
    /// A local repository in a fresh directory.
    pub fn new() -> Self {
        Self::with_uri_fn(|dir| dir.join("repo").to_string_lossy().into_owned())
    }

    /// A local repository in a fresh directory under `base` (a place whose ancestors do not change
    /// while the test runs, unlike /tmp under parallel tests).
    pub fn new_in(base: &Path) -> Self {
        Self::build(TempDir::new_in(base).unwrap(), |dir| {
            dir.join("repo").to_string_lossy().into_owned()
        })
    }

    /// A repository reached through `uri(dir)`; the backend must keep its files in `dir/repo`.
    pub fn with_uri_fn(uri: impl FnOnce(&Path) -> String) -> Self {
        Self::build(TempDir::new().unwrap(), uri)
    }

    fn build(dir: TempDir, uri: impl FnOnce(&Path) -> String) -> Self {
        let src = dir.path().join("src");
        write_tree(&src);
        let repo = Repo {
            id: "conformance".into(),
            uri: uri(dir.path()),
            password: "correct horse".into(),
            env: vec![format!(
                "XDG_CACHE_HOME={}",
                dir.path().join("cache").display()
            )],
            ..Repo::default()
        };
        Fixture {
            dir,
            repo,
            src,
            judge_flags: Vec::new(),
            judge_uri: None,
            judge_env: Vec::new(),
        }
    }

    /// The source tree's path inside snapshots (restic keeps absolute paths), plus `rel`.
    pub fn snap(&self, rel: &str) -> String {
        format!("{}{rel}", self.src.display())
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn request(&self) -> BackupRequest {
        BackupRequest {
            paths: vec![self.src.to_string_lossy().into_owned()],
            tags: snapshot_tags("conf", "test"),
            host: Some("conformance-host".into()),
            ..BackupRequest::default()
        }
    }

    /// The real restic, run against this fixture's repository (the independent judge).
    pub fn restic(&self, args: &[&str]) -> std::process::Output {
        Command::new("restic")
            .args(args)
            .args(&self.judge_flags)
            .envs(self.repo.env.iter().filter_map(|e| e.split_once('=')))
            .envs(self.judge_env.iter().map(|(k, v)| (k, v)))
            .env("RESTIC_REPOSITORY", self.judge_repository())
            .env("RESTIC_PASSWORD", &self.repo.password)
            .env("XDG_CACHE_HOME", self.path("cache"))
            .output()
            .expect("restic is installed (apt-get install restic)")
    }

    /// The repository URI the judge uses.
    pub fn judge_repository(&self) -> &str {
        self.judge_uri.as_deref().unwrap_or(&self.repo.uri)
    }

    pub fn locks(&self) -> usize {
        String::from_utf8_lossy(&self.restic(&["list", "locks", "--no-lock"]).stdout)
            .lines()
            .count()
    }
}

/// A small tree with nested directories, text, binary, an excluded log, and mixed-case names.
pub fn write_tree(root: &Path) {
    std::fs::create_dir_all(root.join("docs/deep/er")).unwrap();
    std::fs::create_dir_all(root.join("logs")).unwrap();
    std::fs::write(root.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(root.join("docs/report.md"), "# report\n".repeat(100)).unwrap();
    std::fs::write(
        root.join("docs/deep/er/data.bin"),
        pseudo_random(1, 200_000),
    )
    .unwrap();
    std::fs::write(root.join("logs/app.log"), "log line\n".repeat(50)).unwrap();
    std::fs::write(root.join("docs/Thumbs.DB"), "thumbs").unwrap();
}

/// Deterministic incompressible bytes.
pub fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn events() -> (
    Arc<Mutex<Vec<BackupEvent>>>,
    impl Fn(BackupEvent) + Send + Sync,
) {
    let store = Arc::new(Mutex::new(Vec::new()));
    let sink = store.clone();
    (store, move |e| sink.lock().unwrap().push(e))
}

fn no_output(_: &str) {}

pub async fn backup(engine: &dyn Engine, f: &Fixture, req: &BackupRequest) -> BackupOutcome {
    engine
        .backup(&f.repo, req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap()
}

/// A prune that must succeed, and the lines it streamed.
async fn prune(engine: &dyn Engine, f: &Fixture, limit: PruneLimit) -> Vec<String> {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    engine
        .prune(
            &f.repo,
            limit,
            &move |l: &str| sink.lock().unwrap().push(l.to_string()),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    lines.lock().unwrap().clone()
}

fn names(entries: &[cairn_proto::v1::LsEntry]) -> Vec<String> {
    let mut n: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    n.sort();
    n
}

/// The judge's output of `restic args`, which must succeed.
pub fn restic_ok(f: &Fixture, args: &[&str]) -> String {
    let out = f.restic(args);
    assert!(
        out.status.success(),
        "restic {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// restic checks every byte of, lists (with the user) and restores what the engine wrote.
pub async fn restic_checks_lists_and_restores_what_it_wrote(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let snap = backup(engine, f, &f.request()).await.summary.snapshot_id;
    restic_ok(f, &["check", "--read-data"]);
    let listed = restic_ok(f, &["snapshots", "--json"]);
    assert!(
        listed.contains(&snap) && listed.contains("plan:conf"),
        "{listed}"
    );
    assert!(
        listed.contains("\"username\""),
        "the snapshot records its user: {listed}"
    );
    let target = f.path("by-restic");
    restic_ok(f, &["restore", &snap, "--target", target.to_str().unwrap()]);
    same_tree(&f.src, &target.join(f.src.strip_prefix("/").unwrap()));
}

/// `diff -r` finds the two trees' files identical.
pub fn same_tree(a: &Path, b: &Path) {
    let diff = Command::new("diff")
        .arg("-r")
        .arg(a)
        .arg(b)
        .output()
        .unwrap();
    assert!(
        diff.status.success(),
        "{}",
        String::from_utf8_lossy(&diff.stdout)
    );
}

pub async fn init_is_idempotent_and_reports_the_repo_id(engine: &dyn Engine, f: &Fixture) {
    assert_eq!(engine.repo_id(&f.repo).await.unwrap(), None);
    let id = engine.init(&f.repo).await.unwrap();
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(engine.repo_id(&f.repo).await.unwrap(), Some(id.clone()));
    assert_eq!(
        engine.init(&f.repo).await.unwrap(),
        id,
        "init of an existing repository keeps it"
    );
    let wrong = Repo {
        password: "wrong".into(),
        ..f.repo.clone()
    };
    assert!(matches!(
        engine.snapshots(&wrong, &SnapshotFilter::default()).await,
        Err(EngineError::WrongPassword)
    ));
}

pub async fn backup_then_incremental_with_tags_and_progress(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let (seen, sink) = events();
    let first = engine
        .backup(&f.repo, &f.request(), &sink, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(first.summary.snapshot_id.len(), 64, "full snapshot id");
    assert_eq!(first.summary.files_new, 5);
    assert!(!first.partial && first.errors.is_empty());
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, BackupEvent::Status(_))),
        "progress reported"
    );
    std::fs::write(f.src.join("a.txt"), "alpha changed\n").unwrap();
    let second = backup(engine, f, &f.request()).await;
    assert_eq!(
        (
            second.summary.files_new,
            second.summary.files_changed,
            second.summary.files_unmodified
        ),
        (0, 1, 4)
    );
    let snaps = engine
        .snapshots(
            &f.repo,
            &SnapshotFilter {
                tags: vec!["plan:conf".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[1].id, second.summary.snapshot_id);
    assert_eq!(snaps[1].hostname, "conformance-host");
    assert!(snaps[1].tags.contains(&"created-by:test".to_string()));
    assert!(snaps[1].unix_time_ms >= snaps[0].unix_time_ms);
    let other = engine
        .snapshots(
            &f.repo,
            &SnapshotFilter {
                tags: vec!["plan:other".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(other.is_empty());
    let by_host = SnapshotFilter {
        host: Some("conformance-host".into()),
        ..Default::default()
    };
    assert_eq!(engine.snapshots(&f.repo, &by_host).await.unwrap().len(), 2);
    let elsewhere = SnapshotFilter {
        host: Some("elsewhere".into()),
        ..Default::default()
    };
    assert!(
        engine
            .snapshots(&f.repo, &elsewhere)
            .await
            .unwrap()
            .is_empty()
    );
    let by_path = SnapshotFilter {
        paths: vec![f.snap("")],
        ..Default::default()
    };
    assert_eq!(engine.snapshots(&f.repo, &by_path).await.unwrap().len(), 2);
    let other_path = SnapshotFilter {
        paths: vec!["/nowhere".into()],
        ..Default::default()
    };
    assert!(
        engine
            .snapshots(&f.repo, &other_path)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn dry_run_writes_nothing(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let out = backup(
        engine,
        f,
        &BackupRequest {
            dry_run: true,
            ..f.request()
        },
    )
    .await;
    assert!(out.summary.snapshot_id.is_empty());
    assert_eq!(
        out.summary.files_new, 5,
        "a dry run still reports what it would do"
    );
    assert!(
        engine
            .snapshots(&f.repo, &SnapshotFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(packs(f).is_empty(), "no data written");
}

pub async fn excludes_and_iexcludes_are_honoured(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let req = BackupRequest {
        excludes: vec!["*.log".into()],
        iexcludes: vec!["thumbs.db".into()],
        ..f.request()
    };
    let out = backup(engine, f, &req).await;
    let snap = out.summary.snapshot_id;
    assert_eq!(
        names(&engine.ls(&f.repo, &snap, &f.snap("/logs")).await.unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&engine.ls(&f.repo, &snap, &f.snap("/docs")).await.unwrap()),
        vec!["deep", "report.md"]
    );
}

/// restic's tag files: a directory holding `CACHEDIR.TAG` with the cache signature (`--exclude-caches`)
/// or a named file starting with a given header (`--exclude-if-present name:header`) keeps itself and
/// the tag file, nothing else; a tag file without the right header tags nothing.
pub async fn tag_files_exclude_what_restic_excludes(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let put = |path: &str, text: &str| {
        let p = f.src.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    put(
        "cache/CACHEDIR.TAG",
        "Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n",
    );
    put("cache/sub/kept-out", "x");
    put("cache/kept-out", "x");
    put(
        "fake/CACHEDIR.TAG",
        "Signature: of something else, not a cache\n",
    );
    put("fake/kept", "x");
    put("marked/.nobackup", "NOBACKUP please\n");
    put("marked/deep/kept-out", "x");
    put("wrong/.nobackup", "other header\n");
    put("wrong/kept", "x");
    let req = BackupRequest {
        extra_flags: vec![
            "--exclude-caches".into(),
            "--exclude-if-present".into(),
            ".nobackup:NOBACKUP".into(),
        ],
        ..f.request()
    };
    let snap = backup(engine, f, &req).await.summary.snapshot_id;
    let ls = async |dir: &str| names(&engine.ls(&f.repo, &snap, &f.snap(dir)).await.unwrap());
    assert_eq!(ls("/cache").await, vec!["CACHEDIR.TAG"]);
    assert_eq!(ls("/fake").await, vec!["CACHEDIR.TAG", "kept"]);
    assert_eq!(ls("/marked").await, vec![".nobackup"]);
    assert_eq!(ls("/wrong").await, vec![".nobackup", "kept"]);
    assert!(ls("/").await.contains(&"docs".to_string()));

    // A backup path inside a tagged directory is left out as well. (restic keeps the empty directories
    // above it in the snapshot, the embedded engine does not: either way the file is not there.)
    let inside = BackupRequest {
        paths: vec![f.snap("/cache/kept-out")],
        ..req
    };
    let snap = backup(engine, f, &inside).await.summary.snapshot_id;
    match engine.ls(&f.repo, &snap, &f.snap("/cache")).await {
        Ok(listed) => assert_eq!(names(&listed), Vec::<String>::new()),
        Err(e) => assert!(e.to_string().contains("is not in snapshot"), "{e}"),
    }
}

pub async fn ls_lists_exactly_one_directory(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let snap = backup(engine, f, &f.request()).await.summary.snapshot_id;
    let first = f
        .src
        .components()
        .nth(1)
        .unwrap()
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        names(&engine.ls(&f.repo, &snap, "/").await.unwrap()),
        vec![first]
    );
    let top = engine.ls(&f.repo, &snap, &f.snap("/")).await.unwrap();
    assert_eq!(
        engine.ls(&f.repo, &snap, &f.snap("")).await.unwrap(),
        top,
        "browsing back gives the same listing"
    );
    assert_eq!(names(&top), vec!["a.txt", "docs", "logs"]);
    let a = top.iter().find(|e| e.name == "a.txt").unwrap();
    assert_eq!(
        (a.r#type.as_str(), a.size, a.path.clone()),
        ("file", 6, f.snap("/a.txt"))
    );
    assert!(!a.mtime.is_empty());
    assert_eq!(
        names(
            &engine
                .ls(&f.repo, &snap, &f.snap("/docs/deep/er"))
                .await
                .unwrap()
        ),
        vec!["data.bin"]
    );
    assert!(matches!(
        engine.ls(&f.repo, &snap, "src").await,
        Err(EngineError::Invalid(_))
    ));
}

/// Every file and directory below `restored` has the mode and modification time of its original.
fn same_modes_and_times(original: &Path, restored: &Path) {
    for entry in std::fs::read_dir(original).unwrap().flatten() {
        let copy = restored.join(entry.file_name());
        let (a, b) = (
            std::fs::symlink_metadata(entry.path()).unwrap(),
            std::fs::symlink_metadata(&copy).unwrap(),
        );
        if a.file_type().is_symlink() {
            continue;
        }
        assert_eq!(
            a.permissions().mode(),
            b.permissions().mode(),
            "mode of {}",
            copy.display()
        );
        if a.is_dir() {
            same_modes_and_times(&entry.path(), &copy);
        }
        assert_eq!(
            a.modified().unwrap(),
            b.modified().unwrap(),
            "modification time of {}",
            copy.display()
        );
    }
}

pub async fn restore_is_byte_identical_and_stays_inside_the_target(
    engine: &dyn Engine,
    f: &Fixture,
) {
    engine.init(&f.repo).await.unwrap();
    // A read-only file with an old modification time: both must come back as they were.
    let report = f.src.join("docs/report.md");
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_500_000_000);
    std::fs::File::options()
        .write(true)
        .open(&report)
        .unwrap()
        .set_modified(old)
        .unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o444)).unwrap();
    let snap = backup(engine, f, &f.request()).await.summary.snapshot_id;
    let target = f.path("restore");
    let done = engine
        .restore(
            &f.repo,
            &snap,
            &f.snap(""),
            &target,
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(done.message_type, "summary");
    assert_eq!(done.files_restored, 5);
    same_tree(&f.src, &target.join("src"));
    same_modes_and_times(&f.src, &target.join("src"));
    let names: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["src"], "no staging left behind");
    engine
        .restore(
            &f.repo,
            &snap,
            &f.snap("/docs/report.md"),
            &target,
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(target.join("report.md")).unwrap(),
        std::fs::read(f.src.join("docs/report.md")).unwrap()
    );
    let again = engine
        .restore(
            &f.repo,
            &snap,
            &f.snap(""),
            &target,
            &|_| {},
            &CancellationToken::new(),
        )
        .await;
    assert!(matches!(again, Err(EngineError::Invalid(m)) if m.contains("already exists")));
    let escape = engine
        .restore(
            &f.repo,
            &snap,
            &f.snap("/../../etc"),
            &target,
            &|_| {},
            &CancellationToken::new(),
        )
        .await;
    assert!(matches!(escape, Err(EngineError::Invalid(_))));
    // Two restores into one target at the same time keep out of each other's way.
    let shared = f.path("shared-target");
    let (docs, a) = (f.snap("/docs"), f.snap("/a.txt"));
    let cancel = CancellationToken::new();
    let (r1, r2) = tokio::join!(
        engine.restore(&f.repo, &snap, &docs, &shared, &|_| {}, &cancel),
        engine.restore(&f.repo, &snap, &a, &shared, &|_| {}, &cancel),
    );
    r1.unwrap();
    r2.unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&shared)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["a.txt", "docs"]);
}

pub async fn dump_streams_tar_and_zip_archives(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let snap = backup(engine, f, &f.request()).await.summary.snapshot_id;
    // Each format is listed by an independent reader: GNU tar, and Python's zipfile.
    let zip_list =
        "import sys, zipfile; print(chr(10).join(zipfile.ZipFile(sys.argv[1]).namelist()))";
    let formats: [(ArchiveFormat, &str, &[u8], Vec<&str>); 2] = [
        (ArchiveFormat::Tar, "docs.tar", b"", vec!["tar", "-tf"]),
        (
            ArchiveFormat::Zip,
            "docs.zip",
            b"PK\x03\x04",
            vec!["python3", "-c", zip_list],
        ),
    ];
    for (format, name, magic, lister) in formats {
        let mut archive = Vec::new();
        engine
            .dump(&f.repo, &snap, &f.snap("/docs"), format, &mut archive)
            .await
            .unwrap();
        assert!(archive.starts_with(magic), "{format:?} magic");
        let path = f.path(name);
        std::fs::write(&path, &archive).unwrap();
        let out = Command::new(lister[0])
            .args(&lister[1..])
            .arg(&path)
            .output()
            .unwrap();
        let names = String::from_utf8_lossy(&out.stdout);
        assert!(
            names.contains("report.md") && names.contains("data.bin"),
            "{format:?}: {names}"
        );
    }
    // A file dumped plain is the file itself, as `restic dump` gives it without --archive.
    for rel in ["/docs/report.md", "/docs/deep/er/data.bin"] {
        let mut bytes = Vec::new();
        engine
            .dump(
                &f.repo,
                &snap,
                &f.snap(rel),
                ArchiveFormat::Plain,
                &mut bytes,
            )
            .await
            .unwrap();
        let original = std::fs::read(f.src.join(rel.trim_start_matches('/'))).unwrap();
        assert!(
            bytes == original,
            "{rel}: {} bytes, not the file's {}",
            bytes.len(),
            original.len()
        );
    }
}

pub async fn backup_progress_arrives_at_least_twice_a_second(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    big_tree(f);
    let (seen, sink) = events();
    let start = std::time::Instant::now();
    engine
        .backup(&f.repo, &f.request(), &sink, &CancellationToken::new())
        .await
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let statuses = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, BackupEvent::Status(_)))
        .count();
    // restic reports at RESTIC_PROGRESS_FPS=2: one update per half second, less the first and last.
    let expected = ((secs * 2.0).floor() - 1.0).max(1.0);
    assert!(
        statuses as f64 >= expected,
        "{statuses} status updates in {secs:.2}s"
    );
}

fn bucketed(b: TimeBucketedCounts) -> RetentionPolicy {
    RetentionPolicy {
        policy: Some(Policy::PolicyTimeBucketed(Box::new(b))),
        ..Default::default()
    }
}

pub async fn forget_applies_each_retention_kind(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    for day in 1..=10 {
        let req = BackupRequest {
            extra_flags: vec!["--time".into(), format!("2024-01-{day:02} 12:00:00")],
            ..f.request()
        };
        backup(engine, f, &req).await;
    }
    let scope = ForgetScope {
        tags: vec!["plan:conf".into()],
        group_by: String::new(),
    };
    let keep_all = RetentionPolicy {
        policy: Some(Policy::PolicyKeepAll(true)),
        ..Default::default()
    };
    assert!(
        engine
            .forget(&f.repo, &keep_all, &scope)
            .await
            .unwrap()
            .is_empty()
    );
    let removed = engine
        .forget(
            &f.repo,
            &bucketed(TimeBucketedCounts {
                daily: 6,
                ..Default::default()
            }),
            &scope,
        )
        .await
        .unwrap();
    assert_eq!(removed.len(), 4, "daily 6 of 10 days");
    let keep_last = RetentionPolicy {
        policy: Some(Policy::PolicyKeepLastN(2)),
        ..Default::default()
    };
    let removed = engine.forget(&f.repo, &keep_last, &scope).await.unwrap();
    assert_eq!(removed.len(), 4);
    let left = engine
        .snapshots(&f.repo, &SnapshotFilter::default())
        .await
        .unwrap();
    let days: Vec<String> = left
        .iter()
        .map(|s| {
            chrono::DateTime::from_timestamp_millis(s.unix_time_ms)
                .unwrap()
                .format("%d")
                .to_string()
        })
        .collect();
    assert_eq!(days, vec!["09", "10"]);
    let other_scope = ForgetScope {
        tags: vec!["plan:none".into()],
        group_by: String::new(),
    };
    assert!(
        engine
            .forget(&f.repo, &keep_last, &other_scope)
            .await
            .unwrap()
            .is_empty(),
        "scope by tag"
    );
    engine.forget_snapshot(&f.repo, &left[0].id).await.unwrap();
    assert_eq!(
        engine
            .snapshots(&f.repo, &SnapshotFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn prune_frees_space_and_stats_report_it(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    std::fs::write(f.src.join("big.bin"), pseudo_random(7, 4_000_000)).unwrap();
    let first = backup(engine, f, &f.request()).await;
    std::fs::remove_file(f.src.join("big.bin")).unwrap();
    backup(engine, f, &f.request()).await;
    let before = engine.stats(&f.repo).await.unwrap();
    assert_eq!(before.snapshot_count, 2);
    assert!(before.total_size > 4_000_000);
    engine
        .forget_snapshot(&f.repo, &first.summary.snapshot_id)
        .await
        .unwrap();
    let lines = prune(engine, f, PruneLimit::Percent(0.0)).await;
    assert!(!lines.is_empty(), "prune output streamed");
    let after = engine.stats(&f.repo).await.unwrap();
    assert_eq!(after.snapshot_count, 1);
    assert!(
        after.total_size < before.total_size - 3_000_000,
        "{} -> {}",
        before.total_size,
        after.total_size
    );
}

/// The temporary files of writes a kill cut short (`.<name>.tmp-<tag>` beside where the file was going,
/// which the embedded engine's local and sftp storages write before renaming) are removed by prune,
/// which holds the exclusive lock; other hidden files, and lock files being written, are not touched.
pub async fn prune_removes_what_interrupted_writes_left(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    backup(engine, f, &f.request()).await;
    let repo = f.path("repo");
    let pack = format!(".{}.tmp-4242", "ab".repeat(32));
    let planted = [
        repo.join("data/ab").join(&pack),
        repo.join(".config.tmp-77"),
        repo.join("snapshots")
            .join(format!(".{}.tmp-1", "cd".repeat(32))),
    ];
    for path in &planted {
        std::fs::write(path, pseudo_random(3, 5_000)).unwrap();
    }
    let unrelated = repo.join("data/.not-a-temporary-file");
    std::fs::write(&unrelated, "x").unwrap();
    // Another process may be writing its lock file even now, to learn that it must wait.
    let lock_being_written = repo
        .join("locks")
        .join(format!(".{}.tmp-9", "ef".repeat(32)));
    std::fs::write(&lock_being_written, "x").unwrap();
    let said = prune(engine, f, PruneLimit::Percent(5.0)).await.join("\n");
    assert!(
        said.contains("removed 3 temporary files left by interrupted writes"),
        "{said}"
    );
    for path in &planted {
        assert!(!path.exists(), "{} is still there", path.display());
    }
    assert!(
        unrelated.exists(),
        "prune removed a file that was not its own"
    );
    assert!(
        lock_being_written.exists(),
        "prune removed a lock being written"
    );
    restic_ok(f, &["check"]);
}

pub async fn check_passes_then_finds_a_corrupted_pack(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    backup(engine, f, &f.request()).await;
    engine
        .check(
            &f.repo,
            CheckMode::ReadDataPercent(100.0),
            &no_output,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    engine
        .check(
            &f.repo,
            CheckMode::StructureOnly,
            &no_output,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let pack = largest_pack(f);
    let mut bytes = std::fs::read(&pack).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&pack, bytes).unwrap();
    let err = engine
        .check(
            &f.repo,
            CheckMode::ReadDataPercent(100.0),
            &no_output,
            &CancellationToken::new(),
        )
        .await;
    assert!(matches!(err, Err(EngineError::Corrupt(_))), "{err:?}");
}

/// A check rotating through the pack data in three parts reads every pack exactly once in three runs:
/// with one pack corrupted, exactly one of the parts finds it.
pub async fn a_rotating_check_reads_every_pack_once_in_n_runs(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    backup(engine, f, &f.request()).await;
    let part = |part| CheckMode::ReadDataPart { part, of: 3 };
    for n in 1..=3 {
        let clean = engine
            .check(&f.repo, part(n), &no_output, &CancellationToken::new())
            .await;
        assert!(clean.is_ok(), "part {n} of a sound repository: {clean:?}");
    }
    let pack = largest_pack(f);
    let mut bytes = std::fs::read(&pack).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&pack, bytes).unwrap();
    let mut found = Vec::new();
    for n in 1..=3 {
        match engine
            .check(&f.repo, part(n), &no_output, &CancellationToken::new())
            .await
        {
            Ok(()) => {}
            Err(EngineError::Corrupt(_)) => found.push(n),
            Err(other) => panic!("part {n}: {other:?}"),
        }
    }
    assert_eq!(
        found.len(),
        1,
        "the corrupted pack was found by parts {found:?}"
    );
}

/// `--files-from` (patterns), `--files-from-verbatim` and `--files-from-raw` choose what is backed up, as
/// restic reads them (comments, globs, a pattern matching nothing skipped), in whatever order and with
/// repeats, and the trees stay sorted; `--force` drops the parent, and `--parent` picks it over the one
/// cairn passes (the plan's latest); `--ignore-inode` is accepted. restic judges the snapshots.
pub async fn files_from_lists_and_parent_flags_choose_what_is_read(
    engine: &dyn Engine,
    f: &Fixture,
) {
    engine.init(&f.repo).await.unwrap();
    let src = f.src.to_string_lossy().into_owned();
    let lists = [
        (
            "--files-from",
            "patterns",
            format!("# docs\n  {src}/docs/*.md \n{src}/none-*\n"),
        ),
        (
            "--files-from-verbatim",
            "verbatim",
            format!("{src}/a.txt\n\n{src}/docs/report.md\n"),
        ),
        ("--files-from-raw", "raw", format!("{src}/logs\0")),
    ];
    let mut list_flags = Vec::new();
    for (flag, name, text) in lists {
        std::fs::write(f.path(name), text).unwrap();
        list_flags.extend([
            flag.to_string(),
            f.path(name).to_string_lossy().into_owned(),
        ]);
    }
    let request = |more: &[&str], parent: Option<&str>| BackupRequest {
        paths: Vec::new(),
        parent: parent.map(str::to_string),
        extra_flags: [
            list_flags.clone(),
            more.iter().map(|m| m.to_string()).collect(),
        ]
        .concat(),
        ..f.request()
    };
    let first = backup(engine, f, &request(&["--ignore-inode"], None))
        .await
        .summary
        .snapshot_id;
    let listed = restic_ok(f, &["ls", &first]);
    for kept in ["docs/report.md", "a.txt", "logs/app.log"] {
        assert!(
            listed.contains(&format!("{src}/{kept}\n")),
            "{kept}: {listed}"
        );
    }
    for left in ["docs/Thumbs.DB", "docs/deep"] {
        assert!(
            !listed.contains(&format!("{src}/{left}")),
            "{left}: {listed}"
        );
    }
    let top: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{src}/")))
        .filter(|rest| !rest.contains('/'))
        .collect();
    assert_eq!(top, ["a.txt", "docs", "logs"], "entries once each, sorted");
    let forced = backup(engine, f, &request(&["--force"], Some(&first)))
        .await
        .summary
        .snapshot_id;
    let named = backup(engine, f, &request(&["--parent", &first], Some(&forced)))
        .await
        .summary
        .snapshot_id;
    let snapshots: serde_json::Value =
        serde_json::from_str(&restic_ok(f, &["snapshots", "--json"])).unwrap();
    let field = |id: &str, key: &str| {
        let all = snapshots.as_array().unwrap();
        all.iter()
            .find(|s| s["id"] == id)
            .map(|s| s[key].clone())
            .unwrap()
    };
    assert!(
        field(&forced, "parent").is_null(),
        "--force reads without a parent"
    );
    assert_eq!(field(&named, "parent"), first.as_str(), "--parent wins");
    let missing = request(&["--parent", "0123abcd"], None);
    let err = engine
        .backup(&f.repo, &missing, &|_| {}, &CancellationToken::new())
        .await;
    assert!(
        err.is_err(),
        "a --parent that names no snapshot stops the backup, as in restic"
    );
    restic_ok(f, &["check"]);
}

/// A plan's paths in any order, one inside another, give trees restic reads: entries sorted, once each.
pub async fn unsorted_and_nested_paths_make_sorted_trees(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let src = f.src.to_string_lossy().into_owned();
    let req = BackupRequest {
        paths: ["logs", "docs/report.md", "a.txt", "logs/app.log"]
            .map(|p| format!("{src}/{p}"))
            .to_vec(),
        ..f.request()
    };
    let snap = backup(engine, f, &req).await.summary.snapshot_id;
    let listed = restic_ok(f, &["ls", &snap]);
    let under_src: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{src}/")))
        .collect();
    assert_eq!(
        under_src,
        ["a.txt", "docs", "docs/report.md", "logs", "logs/app.log"],
        "{listed}"
    );
    let target = f.path("restored");
    restic_ok(
        f,
        &[
            "restore",
            &snap,
            "--target",
            target.to_str().unwrap(),
            "--include",
            &format!("{src}/logs"),
        ],
    );
    assert!(
        target
            .join(src.trim_start_matches('/'))
            .join("logs/app.log")
            .is_file()
    );
    restic_ok(f, &["check"]);
}

/// Without `--with-atime` a file's access time is stored as its modification time, as restic does; with
/// it, the access time the file had before any backup (backups read files without updating their access
/// times, as restic does with O_NOATIME; the embedded engine's first backup used to update it).
pub async fn with_atime_keeps_access_times(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let file = f.src.join("a.txt");
    let touch = |flag: &str, when: &str| {
        let ok = Command::new("touch")
            .args([flag, "-d", when])
            .arg(&file)
            .status()
            .unwrap();
        assert!(ok.success());
    };
    touch("-m", "2000-01-02 03:04:05");
    touch("-a", "2001-02-03 04:05:06");
    let atime_of = |snap: &str| {
        let listed = restic_ok(f, &["ls", "--json", snap, &file.to_string_lossy()]);
        let node = listed
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["name"] == "a.txt")
            .unwrap_or_else(|| panic!("a.txt in {listed}"));
        node["atime"].as_str().unwrap_or_default().to_string()
    };
    let plain = backup(engine, f, &f.request()).await.summary.snapshot_id;
    assert!(
        atime_of(&plain).starts_with("2000-01-02T03:04:05"),
        "{}",
        atime_of(&plain)
    );
    let req = BackupRequest {
        extra_flags: vec!["--with-atime".into(), "--force".into()],
        ..f.request()
    };
    let kept = backup(engine, f, &req).await.summary.snapshot_id;
    assert!(
        atime_of(&kept).starts_with("2001-02-03T04:05:06"),
        "{}",
        atime_of(&kept)
    );
}

/// The pack files of a local repository's `data/` (in its two-hex-digit subdirectories), with their sizes.
fn packs(f: &Fixture) -> std::collections::BTreeMap<PathBuf, u64> {
    let mut out = std::collections::BTreeMap::new();
    for sub in std::fs::read_dir(f.path("repo/data")).unwrap().flatten() {
        for e in std::fs::read_dir(sub.path()).unwrap().flatten() {
            out.insert(e.path(), e.metadata().unwrap().len());
        }
    }
    out
}

fn largest_pack(f: &Fixture) -> PathBuf {
    let all = packs(f);
    let (path, _) = all.iter().max_by_key(|(_, len)| **len).unwrap();
    path.clone()
}

/// Packs are as large as restic makes them: 16 MiB unless `RESTIC_PACK_SIZE` (or `--pack-size`) sets
/// another size, and a size restic refuses is refused. restic 0.14 closes a pack once it holds the size,
/// so it may exceed it by up to one chunk (8 MiB at most); newer ones close it just before.
pub async fn packs_are_as_large_as_restic_makes_them(engine: &dyn Engine, f: &Fixture) {
    const MIB: u64 = 1 << 20;
    // An empty value hides one the machine may have exported, for restic and cairn alike.
    let with_pack_size = |value: &str| Repo {
        env: [
            f.repo.env.clone(),
            vec![format!("RESTIC_PACK_SIZE={value}")],
        ]
        .concat(),
        ..f.repo.clone()
    };
    let cancel = CancellationToken::new();
    engine.init(&f.repo).await.unwrap();
    std::fs::write(f.src.join("big.bin"), pseudo_random(11, 40 << 20)).unwrap();
    engine
        .backup(&with_pack_size(""), &f.request(), &|_| {}, &cancel)
        .await
        .unwrap();
    let first = packs(f);
    let largest = first.values().max().copied().unwrap_or_default();
    assert!(
        (12 * MIB..25 * MIB).contains(&largest) && first.len() >= 2,
        "default packs: {first:?}"
    );
    std::fs::write(f.src.join("more.bin"), pseudo_random(12, 20 << 20)).unwrap();
    engine
        .backup(&with_pack_size("4"), &f.request(), &|_| {}, &cancel)
        .await
        .unwrap();
    let new: Vec<u64> = packs(f)
        .into_iter()
        .filter(|(p, _)| !first.contains_key(p))
        .map(|(_, len)| len)
        .collect();
    assert!(
        new.len() >= 3 && new.iter().all(|len| *len < 13 * MIB),
        "RESTIC_PACK_SIZE=4 packs: {new:?}"
    );
    let refused = BackupRequest {
        extra_flags: vec!["--pack-size".into(), "2".into()],
        ..f.request()
    };
    let err = engine.backup(&f.repo, &refused, &|_| {}, &cancel).await;
    assert!(
        matches!(&err, Err(e) if e.to_string().contains("4 MiB") || e.to_string().contains("in MiB, from 4")),
        "{err:?}"
    );
    restic_ok(f, &["check"]);
}

/// Big enough that a backup or restore is still running when it is cancelled.
fn big_tree(f: &Fixture) {
    let dir = f.src.join("big");
    std::fs::create_dir_all(&dir).unwrap();
    let mut random = std::fs::File::open("/dev/urandom").unwrap();
    for i in 0..8 {
        let mut out = std::fs::File::create(dir.join(format!("blob-{i}.bin"))).unwrap();
        std::io::copy(&mut std::io::Read::take(&mut random, 25_000_000), &mut out).unwrap();
    }
}

pub async fn cancelling_a_backup_leaves_a_clean_unlocked_repository(
    engine: &dyn Engine,
    f: &Fixture,
) {
    engine.init(&f.repo).await.unwrap();
    big_tree(f);
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let sink = move |e: BackupEvent| {
        if matches!(&e, BackupEvent::Status(s) if s.bytes_done > 0) {
            trigger.cancel();
        }
    };
    let res = engine.backup(&f.repo, &f.request(), &sink, &cancel).await;
    assert!(matches!(res, Err(EngineError::Cancelled)), "{res:?}");
    assert_eq!(f.locks(), 0, "no lock left behind");
    assert!(f.restic(&["check"]).status.success(), "restic check passes");
    assert!(
        engine
            .snapshots(&f.repo, &SnapshotFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    backup(engine, f, &f.request()).await;
}

pub async fn cancelling_a_restore_leaves_a_clean_repository_and_no_staging(
    engine: &dyn Engine,
    f: &Fixture,
) {
    engine.init(&f.repo).await.unwrap();
    big_tree(f);
    let snap = backup(engine, f, &f.request()).await.summary.snapshot_id;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let target = f.path("restore");
    let res = engine
        .restore(&f.repo, &snap, &f.snap("/big"), &target, &|_| {}, &cancel)
        .await;
    assert!(matches!(res, Err(EngineError::Cancelled)), "{res:?}");
    assert_eq!(
        std::fs::read_dir(&target).unwrap().count(),
        0,
        "staging removed"
    );
    assert_eq!(f.locks(), 0);
    assert!(f.restic(&["check"]).status.success());
}

pub async fn a_lock_held_by_another_process_is_a_clear_error_and_unlock_clears_stale_ones(
    engine: &dyn Engine,
    f: &Fixture,
) {
    engine.init(&f.repo).await.unwrap();
    big_tree(f);
    // A restic backup in another process holds a lock; kill it so the lock goes stale.
    let mut other = Command::new("restic")
        .args(["backup", "--json"])
        .arg(&f.src)
        .args(&f.judge_flags)
        .envs(f.repo.env.iter().filter_map(|e| e.split_once('=')))
        .env("RESTIC_REPOSITORY", f.judge_repository())
        .env("RESTIC_PASSWORD", &f.repo.password)
        .env("XDG_CACHE_HOME", f.path("cache"))
        .env("RESTIC_PROGRESS_FPS", "10")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(other.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    let err = engine
        .prune(
            &f.repo,
            PruneLimit::Percent(5.0),
            &no_output,
            &CancellationToken::new(),
        )
        .await;
    assert!(
        matches!(err, Err(EngineError::Locked(_))),
        "prune must not run beside a backup: {err:?}"
    );
    other.kill().unwrap();
    other.wait().unwrap();
    assert_eq!(f.locks(), 1, "the killed process left its lock");
    engine.unlock(&f.repo).await.unwrap();
    assert_eq!(f.locks(), 0, "the stale lock was removed");
    engine
        .prune(
            &f.repo,
            PruneLimit::Percent(5.0),
            &no_output,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
}

pub async fn run_command_streams_output_and_returns_the_exit_code(
    engine: &dyn Engine,
    f: &Fixture,
) {
    engine.init(&f.repo).await.unwrap();
    backup(engine, f, &f.request()).await;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let args: Vec<String> = ["snapshots", "--compact"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let code = engine
        .run_command(
            &f.repo,
            &args,
            &move |l: &str| sink.lock().unwrap().push(l.to_string()),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(code, 0);
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("conformance-host"))
    );
    let bad: Vec<String> = vec!["no-such-command".into()];
    assert_ne!(
        engine
            .run_command(&f.repo, &bad, &no_output, &CancellationToken::new())
            .await
            .unwrap(),
        0
    );
}

/// An unreadable file is reported as an error and the backup is partial (a WARNING), with the
/// snapshot saved. `unprivileged` is the engine to use for a user that cannot read mode-000 files
/// (root reads everything, so as root the tests run restic as `nobody`).
pub async fn an_unreadable_file_makes_a_partial_backup(engine: &dyn Engine, f: &Fixture) {
    engine.init(&f.repo).await.unwrap();
    let secret = f.src.join("docs/secret.txt");
    std::fs::write(&secret, "hidden").unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let (seen, sink) = events();
    let out = engine
        .backup(&f.repo, &f.request(), &sink, &CancellationToken::new())
        .await
        .unwrap();
    assert!(out.partial, "exit code 3 is a partial backup");
    assert_eq!(
        out.summary.snapshot_id.len(),
        64,
        "the snapshot is still saved"
    );
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].item, secret.to_string_lossy());
    assert!(!out.errors[0].message.is_empty());
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, BackupEvent::Error(_)))
    );
}

pub async fn skip_if_unchanged_adds_no_snapshot_when_nothing_changed(
    engine: &dyn Engine,
    f: &Fixture,
) {
    engine.init(&f.repo).await.unwrap();
    let req = BackupRequest {
        skip_if_unchanged: true,
        ..f.request()
    };
    let first = backup(engine, f, &req).await;
    assert!(
        !first.skipped && first.summary.snapshot_id.len() == 64,
        "a first backup is never skipped"
    );
    // Later runs name the newest snapshot as parent, as the orchestrator's backups do. Left to choose,
    // restic takes the newest snapshot older than the run's start, so a clock stepped back (a VM
    // syncing its time) made it find none, read everything as new and not skip: the flake once seen.
    let req = BackupRequest {
        parent: Some(first.summary.snapshot_id.clone()),
        ..req
    };
    let second = backup(engine, f, &req).await;
    assert!(second.skipped && second.summary.snapshot_id.is_empty());
    assert_eq!(
        engine
            .snapshots(&f.repo, &SnapshotFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
    std::fs::write(f.src.join("a.txt"), "changed\n").unwrap();
    let third = backup(engine, f, &req).await;
    assert!(!third.skipped);
    assert_eq!(
        engine
            .snapshots(&f.repo, &SnapshotFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
}
