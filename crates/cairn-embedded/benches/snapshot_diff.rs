//! Comparing snapshots and following a file, at the scale issue 19 names: a tree of 100,000 small files
//! (1,000 directories of 100) backed up by the embedded engine, then 1% of it changed (half the changed
//! files rewritten, a quarter removed, a quarter added) and backed up again. Times, each the median of
//! `CAIRN_BENCH_RUNS` runs (default 5), measured around the `TreeReader` call as a server makes it (the
//! repository's key already derived, so the worker's start, the repository's opening and the index load
//! are counted):
//! - the root level of the comparison (what the web UI asks first), with the totals of all changes;
//! - one changed directory's level;
//! - the full recursive comparison (what `cairn diff` asks), every change listed;
//! - the same snapshot against itself (nothing read below the root);
//! - one file's history across both snapshots.
//!
//! Run: `cargo bench -p cairn-embedded --bench snapshot_diff`
//! `CAIRN_BENCH_FILES` sets the tree's size (default 100,000), `CAIRN_BENCH_DIR` where it is written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failed unwrap stops the run"
)]
use cairn_embedded::{EmbeddedEngine, WorkerCommand};
use cairn_engine::{BackupRequest, DiffRequest, Engine, SnapshotFilter, TreeReader};
use cairn_proto::v1::Repo;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const PER_DIR: usize = 100;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn file_path(src: &Path, i: usize) -> std::path::PathBuf {
    src.join(format!("d{:04}", i / PER_DIR))
        .join(format!("f{:03}", i % PER_DIR))
}

fn write_tree(src: &Path, files: usize) {
    for i in 0..files {
        let path = file_path(src, i);
        if i % PER_DIR == 0 {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        }
        std::fs::write(&path, format!("file {i} of the benchmark tree\n")).unwrap();
    }
}

/// Changes 1% of the files: of every 100th file, those at 0 and 2 (mod 400) are rewritten, 1 removed,
/// and one new file is added next to each 3.
fn churn(src: &Path, files: usize) -> usize {
    let mut changed = 0;
    for i in (0..files).step_by(100) {
        let path = file_path(src, i);
        match (i / 100) % 4 {
            0 | 2 => std::fs::write(&path, format!("file {i}, rewritten\n")).unwrap(),
            1 => std::fs::remove_file(&path).unwrap(),
            _ => std::fs::write(path.with_file_name("added"), "new\n").unwrap(),
        }
        changed += 1;
    }
    changed
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

async fn timed<F, Fut, T>(runs: usize, mut f: F) -> (Duration, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f().await);
        times.push(start.elapsed());
    }
    (median(times), last.unwrap())
}

async fn backup(engine: &EmbeddedEngine, repo: &Repo, src: &Path) -> String {
    let req = BackupRequest {
        paths: vec![src.to_string_lossy().into_owned()],
        ..BackupRequest::default()
    };
    engine
        .backup(repo, &req, &|_| {}, &CancellationToken::new())
        .await
        .unwrap()
        .summary
        .snapshot_id
}

async fn diff(engine: &EmbeddedEngine, repo: &Repo, req: DiffRequest) -> usize {
    let seen = AtomicUsize::new(0);
    engine
        .diff(repo, &req, &|_| {
            seen.fetch_add(1, Ordering::Relaxed);
        })
        .await
        .unwrap();
    seen.into_inner()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}

async fn run() {
    let files = env_number("CAIRN_BENCH_FILES", 100_000);
    let runs = env_number("CAIRN_BENCH_RUNS", 5);
    let base = std::env::var("CAIRN_BENCH_DIR")
        .unwrap_or_else(|_| std::env::temp_dir().display().to_string());
    let dir = tempfile::TempDir::new_in(base).unwrap();
    let src = dir.path().join("src");
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
    write_tree(&src, files);
    engine.init(&repo).await.unwrap();
    let started = Instant::now();
    let a = backup(&engine, &repo, &src).await;
    eprintln!(
        "first backup of {files} files: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let changed = churn(&src, files);
    let b = backup(&engine, &repo, &src).await;
    engine
        .snapshots(&repo, &SnapshotFilter::default())
        .await
        .unwrap();

    let root = src.display().to_string();
    let request = |path: &str, recursive: bool, to: &str| DiffRequest {
        a: a.clone(),
        b: to.to_string(),
        path: path.to_string(),
        recursive,
    };
    let (root_level, root_entries) =
        timed(runs, || diff(&engine, &repo, request("/", false, &b))).await;
    let changed_dir = format!("{root}/d0000");
    let (dir_level, dir_entries) = timed(runs, || {
        diff(&engine, &repo, request(&changed_dir, false, &b))
    })
    .await;
    let (full, all_entries) = timed(runs, || diff(&engine, &repo, request("/", true, &b))).await;
    let (same, _) = timed(runs, || diff(&engine, &repo, request("/", true, &a))).await;
    let one_file = file_path(&src, 5).display().to_string();
    let (history, versions) = timed(runs, || async {
        engine.history(&repo, &one_file).await.unwrap().len()
    })
    .await;

    println!(
        "{files} files in {} directories, {changed} changed ({runs} runs, medians)",
        files / PER_DIR
    );
    println!("| step | time | entries |");
    println!("|---|---|---|");
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    println!(
        "| root level, with the totals of every change | {} | {root_entries} |",
        ms(root_level)
    );
    println!(
        "| one changed directory's level | {} | {dir_entries} |",
        ms(dir_level)
    );
    println!(
        "| every change, recursively | {} | {all_entries} |",
        ms(full)
    );
    println!("| a snapshot against itself | {} | 0 |", ms(same));
    println!("| one file's history | {} | {versions} |", ms(history));
}
