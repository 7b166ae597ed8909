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
mod support;

use cairn_embedded::EmbeddedEngine;
use cairn_engine::{DiffRequest, Engine, SnapshotFilter, TreeReader};
use cairn_proto::v1::Repo;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{Bench, PER_DIR, env_number, write_tree};

fn file_path(src: &Path, i: usize) -> PathBuf {
    src.join(format!("d{:04}", i / PER_DIR))
        .join(format!("f{:03}", i % PER_DIR))
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
    support::main(run);
}

async fn run() {
    let files = env_number("CAIRN_BENCH_FILES", 100_000);
    let runs = env_number("CAIRN_BENCH_RUNS", 5);
    let bench = Bench::new();
    let (src, repo, engine) = (&bench.src, &bench.repo, &bench.engine);
    write_tree(src, files, file_path);
    bench.init().await;
    let started = Instant::now();
    let a = bench.backup(None).await;
    eprintln!(
        "first backup of {files} files: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let changed = churn(src, files);
    let b = bench.backup(None).await;
    engine
        .snapshots(repo, &SnapshotFilter::default())
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
        timed(runs, || diff(engine, repo, request("/", false, &b))).await;
    let changed_dir = format!("{root}/d0000");
    let (dir_level, dir_entries) = timed(runs, || {
        diff(engine, repo, request(&changed_dir, false, &b))
    })
    .await;
    let (full, all_entries) = timed(runs, || diff(engine, repo, request("/", true, &b))).await;
    let (same, _) = timed(runs, || diff(engine, repo, request("/", true, &a))).await;
    let one_file = file_path(src, 5).display().to_string();
    let (history, versions) = timed(runs, || async {
        engine.history(repo, &one_file).await.unwrap().len()
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
