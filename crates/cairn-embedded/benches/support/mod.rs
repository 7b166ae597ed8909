//! What the tree benchmarks share: settings from the environment, a generated tree of small files in
//! directories of 100, a fresh repository with its engine, backups, and a runtime to run in.
#![allow(dead_code, reason = "each benchmark uses part of it")]
use cairn_embedded::{EmbeddedEngine, WorkerCommand};
use cairn_engine::{BackupRequest, Engine};
use cairn_proto::v1::Repo;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Files per directory of the generated tree.
pub const PER_DIR: usize = 100;

pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes `files` small files, `PER_DIR` to a directory, each at `path(src, i)`.
pub fn write_tree(src: &Path, files: usize, path: fn(&Path, usize) -> PathBuf) {
    for i in 0..files {
        let file = path(src, i);
        if i % PER_DIR == 0 {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        }
        std::fs::write(&file, format!("file {i} of the benchmark tree\n")).unwrap();
    }
}

/// A scratch folder (in `CAIRN_BENCH_DIR` when set), a repository in it and the embedded engine.
pub struct Bench {
    pub dir: tempfile::TempDir,
    pub src: PathBuf,
    pub repo: Repo,
    pub engine: EmbeddedEngine,
}

impl Bench {
    /// Creates the folder and the engine; the repository is initialised by `init`.
    pub fn new() -> Self {
        let base = std::env::var("CAIRN_BENCH_DIR")
            .unwrap_or_else(|_| std::env::temp_dir().display().to_string());
        let dir = tempfile::TempDir::new_in(base).unwrap();
        let repo = Repo {
            id: "bench".into(),
            uri: dir.path().join("repo").display().to_string(),
            password: "bench".into(),
            env: vec![format!(
                "XDG_CACHE_HOME={}",
                dir.path().join("cache").display()
            )],
            ..Repo::default()
        };
        let engine = EmbeddedEngine::new(WorkerCommand {
            program: env!("CARGO_BIN_EXE_cairn-engine-worker").into(),
            args: Vec::new(),
        });
        Self {
            src: dir.path().join("src"),
            dir,
            repo,
            engine,
        }
    }

    pub async fn init(&self) {
        self.engine.init(&self.repo).await.unwrap();
    }

    /// Backs up the source (from `parent` when given); the new snapshot's id.
    pub async fn backup(&self, parent: Option<&str>) -> String {
        let req = BackupRequest {
            paths: vec![self.src.to_string_lossy().into_owned()],
            parent: parent.map(str::to_string),
            ..BackupRequest::default()
        };
        self.engine
            .backup(&self.repo, &req, &|_| {}, &CancellationToken::new())
            .await
            .unwrap()
            .summary
            .snapshot_id
    }
}

/// The value at quantile `q` (0 to 1) of `values`.
pub fn percentile(values: &mut [Duration], q: f64) -> Duration {
    values.sort();
    let at = ((values.len() as f64 - 1.0) * q).round() as usize;
    values[at]
}

/// Runs a benchmark's body on a multi-threaded runtime; nothing for `cargo bench -- --list`.
pub fn main<F: std::future::Future<Output = ()>>(body: impl FnOnce() -> F) {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(body());
}
