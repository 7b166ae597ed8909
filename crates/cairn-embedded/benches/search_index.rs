//! The search index at the scale issue 19 names: a tree of 100,000 files (1,000 directories of 100)
//! backed up 100 times by the embedded engine, 1% of the files changed between snapshots (half of the
//! changed ones rewritten, a quarter removed, a quarter added, one per directory, so that every
//! directory's tree changes each time: the worst case for trees shared between snapshots). Each
//! snapshot is added to the index as the index task adds it (the worker reads its changes from its
//! parent). Reported:
//! - the time to index the first (full) snapshot, and each following one (median, p99, max);
//! - the index file's size against the repository's metadata (tree blobs as stored, index files and
//!   snapshot files; measured with `restic cat index`, so restic must be installed);
//! - substring searches that each match about ten files across all snapshots (p50, p99), a glob, and
//!   a search matching nothing.
//!
//! Run: `cargo bench -p cairn-embedded --bench search_index`
//! `CAIRN_BENCH_FILES` (default 100,000), `CAIRN_BENCH_SNAPSHOTS` (default 100), `CAIRN_BENCH_QUERIES`
//! (default 200) and `CAIRN_BENCH_DIR` (where the tree and repository are written) change the run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failed unwrap stops the run"
)]
mod support;

use cairn_embedded::EmbeddedEngine;
use cairn_engine::TreeReader;
use cairn_proto::v1::Repo;
use cairn_search::{Feed, Find, NewSnapshot, SearchIndex};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Bench, PER_DIR, env_number, percentile, write_tree};

fn file_path(src: &Path, i: usize) -> PathBuf {
    src.join(format!("d{:04}", i / PER_DIR))
        .join(format!("file{i:06}.dat"))
}

/// Round `round`'s 1%: one file per directory, at an offset that moves each round.
fn churn(src: &Path, files: usize, round: usize) {
    for dir in 0..files / PER_DIR {
        let i = dir * PER_DIR + (round * 37 + dir) % PER_DIR;
        let path = file_path(src, i);
        match (dir + round) % 4 {
            0 | 2 => std::fs::write(&path, format!("file {i}, round {round}\n")).unwrap(),
            1 => {
                let _ = std::fs::remove_file(&path);
            }
            _ => std::fs::write(
                path.with_file_name(format!("new{round:03}-{dir:04}.txt")),
                "new\n",
            )
            .unwrap(),
        }
    }
}

/// Reads a snapshot's changes and writes them to the index, as the index task does.
async fn index(
    engine: &EmbeddedEngine,
    repo: &Repo,
    search: &std::sync::Arc<SearchIndex>,
    id: &str,
    base: Option<&str>,
    time_ms: i64,
) -> Duration {
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Feed>(4096);
    let end = tx.clone();
    let snap = NewSnapshot {
        id: id.to_string(),
        time_ms,
        base: base.map(str::to_string),
    };
    let writer = {
        let search = search.clone();
        tokio::task::spawn_blocking(move || search.add(&snap, rx))
    };
    let sent = engine
        .index_changes(repo, base, id, &move |c| {
            let _ = tx.send(Feed::Change(c));
        })
        .await
        .unwrap();
    end.send(Feed::End(sent)).unwrap();
    drop(end);
    writer.await.unwrap().unwrap();
    started.elapsed()
}

/// Bytes of the repository's metadata: tree blobs as stored, index files and snapshot files.
fn metadata_bytes(repo: &Path) -> u64 {
    let restic = |args: &[&str]| {
        let out = Command::new("restic")
            .args(["--repo", repo.to_str().unwrap(), "--no-lock", "--no-cache"])
            .args(args)
            .env("RESTIC_PASSWORD", "bench")
            .output()
            .expect("restic must be installed to measure the repository's metadata");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let mut trees = 0u64;
    for id in restic(&["list", "index"]).lines() {
        let index: serde_json::Value =
            serde_json::from_str(&restic(&["cat", "index", id])).unwrap();
        for pack in index["packs"].as_array().unwrap() {
            for blob in pack["blobs"].as_array().unwrap() {
                if blob["type"] == "tree" {
                    trees += blob["length"].as_u64().unwrap();
                }
            }
        }
    }
    trees + dir_bytes(&repo.join("index")) + dir_bytes(&repo.join("snapshots"))
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

fn main() {
    support::main(run);
}

async fn run() {
    let files = env_number("CAIRN_BENCH_FILES", 100_000);
    let snapshots = env_number("CAIRN_BENCH_SNAPSHOTS", 100);
    let queries = env_number("CAIRN_BENCH_QUERIES", 200);
    let bench = Bench::new();
    let (src, repo, engine) = (&bench.src, &bench.repo, &bench.engine);
    let repo_dir = bench.dir.path().join("repo");
    let index_file = bench.dir.path().join("search.sqlite");
    let search = std::sync::Arc::new(SearchIndex::open(&index_file).unwrap());
    write_tree(src, files, file_path);
    bench.init().await;

    let mut parent = bench.backup(None).await;
    let full = index(engine, repo, &search, &parent, None, 0).await;
    let mut deltas = Vec::new();
    let started = Instant::now();
    for round in 1..snapshots {
        churn(src, files, round);
        let id = bench.backup(Some(&parent)).await;
        deltas.push(index(engine, repo, &search, &id, Some(&parent), round as i64).await);
        parent = id;
        if round % 10 == 0 {
            eprintln!(
                "{round} snapshots in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }

    let mut times = Vec::new();
    let mut matched = 0;
    for q in 0..queries {
        let n = (q * 7919) % (files / 10);
        let find = Find {
            pattern: format!("file{n:05}"),
            ..Find::default()
        };
        let t = Instant::now();
        let found = search.find(&find).unwrap();
        times.push(t.elapsed());
        matched += found.paths.len();
    }
    let glob = Find {
        pattern: "new0*-000?.TXT".into(),
        ..Find::default()
    };
    let t = Instant::now();
    let globbed = search.find(&glob).unwrap().paths.len();
    let glob_time = t.elapsed();
    let t = Instant::now();
    search
        .find(&Find {
            pattern: "no-such-name".into(),
            ..Find::default()
        })
        .unwrap();
    let none_time = t.elapsed();

    // Closing the index folds its write-ahead log into the file.
    drop(search);
    let index_bytes = std::fs::metadata(&index_file).unwrap().len();
    let meta = metadata_bytes(&repo_dir);
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{files} files in {} directories, {snapshots} snapshots, 1% changed between them",
        files / PER_DIR
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| indexing the first snapshot (every entry) | {} |",
        ms(full)
    );
    println!(
        "| indexing one new snapshot, median | {} |",
        ms(percentile(&mut deltas, 0.5))
    );
    println!(
        "| indexing one new snapshot, p99 | {} |",
        ms(percentile(&mut deltas, 0.99))
    );
    println!(
        "| indexing one new snapshot, max | {} |",
        ms(percentile(&mut deltas, 1.0))
    );
    println!(
        "| substring search, p50 ({queries} queries, {:.1} paths each) | {} |",
        matched as f64 / queries as f64,
        ms(percentile(&mut times, 0.5))
    );
    println!(
        "| substring search, p99 | {} |",
        ms(percentile(&mut times, 0.99))
    );
    println!("| glob search ({globbed} paths) | {} |", ms(glob_time));
    println!("| search matching nothing | {} |", ms(none_time));
    println!(
        "| index size / repository metadata | {:.1} MiB / {:.1} MiB = {:.1}% |",
        index_bytes as f64 / 1048576.0,
        meta as f64 / 1048576.0,
        index_bytes as f64 * 100.0 / meta as f64
    );
}
