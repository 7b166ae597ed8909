//! How fast `cairn import-backrest` brings a Backrest history over: builds a Backrest-format history
//! of `CAIRN_BENCH_OPS` operations (default 100,000; every type, with task and output logs), then
//! imports it into a fresh cairn history three times and prints the median rate.
//! Run: `cargo bench -p cairn-oplog --features fixtures --bench backrest_import`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failed unwrap stops the run"
)]
use cairn_oplog::backrest_import::{fixture, import, source::BackrestSource};
use cairn_oplog::{LogStore, OpLog};
use std::time::{Duration, Instant};

fn main() {
    let n: usize = std::env::var("CAIRN_BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let src = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let facts = fixture::write(src.path(), 6, n).unwrap();
    println!(
        "built a Backrest history of {} operations and {} logs in {:.1} s",
        facts.operations,
        facts.logs + facts.expired_logs,
        t.elapsed().as_secs_f64()
    );
    let mut runs: Vec<Duration> = (0..3)
        .map(|_| {
            let dst = tempfile::tempdir().unwrap();
            let scratch = tempfile::tempdir().unwrap();
            let oplog = OpLog::open(dst.path().join("oplog.sqlite")).unwrap();
            let logs = LogStore::open(dst.path().join("tasklogs")).unwrap();
            let t = Instant::now();
            let source = BackrestSource::open(src.path(), scratch.path()).unwrap();
            let summary = import(&source, &oplog, &logs, 1_800_000_000, &mut |_| {}).unwrap();
            let took = t.elapsed();
            assert_eq!(summary.added, facts.operations);
            assert_eq!(summary.logs_added, facts.logs);
            took
        })
        .collect();
    runs.sort();
    let median = runs[1];
    println!(
        "import (operations and logs): median {:.2} s of 3 runs, {:.0} operations/s",
        median.as_secs_f64(),
        n as f64 / median.as_secs_f64()
    );
}
