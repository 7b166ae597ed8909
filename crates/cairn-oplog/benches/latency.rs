//! Latency percentiles of the operation log's hot queries at scale (default 1M operations;
//! `CAIRN_BENCH_OPS` overrides). Prints p50/p99/max per query shape and fails if a p99 exceeds 5 ms.
//! Run: `cargo bench -p cairn-oplog --bench latency`. On PostgreSQL: `CAIRN_BENCH_DATABASE_URL=postgres://...`
//! (an empty database), or `CAIRN_BENCH_POSTGRES=1 cargo bench -p cairn-oplog --features pg-test-server
//! --bench latency` for a throwaway server from Debian's binaries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failed unwrap stops the run; criterion's macros make undocumented items"
)]
mod common;

use cairn_oplog::{Delivery, OpLog, Query, Selector};
use std::time::{Duration, Instant};

const SAMPLES: usize = 2000;
const TARGET_P99: Duration = Duration::from_millis(5);

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99), v[v.len() - 1])
}

fn measure(name: &str, mut f: impl FnMut(usize)) -> Duration {
    for i in 0..50 {
        f(i);
    }
    let samples: Vec<Duration> = (0..SAMPLES)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    let (p50, p99, max) = percentiles(samples);
    println!("{name:<44} p50 {p50:>10.2?}  p99 {p99:>10.2?}  max {max:>10.2?}");
    p99
}

/// Where the benchmark's log lives, and the server to keep running while it does.
fn location(dir: &std::path::Path) -> (String, Option<Box<dyn std::any::Any>>) {
    if let Ok(url) = std::env::var("CAIRN_BENCH_DATABASE_URL") {
        return (url, None);
    }
    #[cfg(feature = "pg-test-server")]
    if std::env::var_os("CAIRN_BENCH_POSTGRES").is_some() {
        let server = cairn_oplog::pg_test_server::TestPostgres::start();
        let url = server.fresh_database();
        return (url, Some(Box::new(server)));
    }
    (dir.join("oplog.sqlite").display().to_string(), None)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` probes harness-less benches
    }
    let dir = tempfile::TempDir::new().expect("tempdir");
    let total = common::total_ops();
    let (location, _server) = location(dir.path());
    let log = OpLog::open_location(&location).expect("open bench oplog");
    println!("operation log: {}", log.describe());
    let (log, took) = common::fill(log, total);
    println!(
        "insert {total} operations (1000 per transaction): {took:.2?} ({:.0} ops/s)",
        total as f64 / took.as_secs_f64()
    );
    let flows = total / 3;
    let mut worst = Vec::new();
    worst.push(measure("plan: last 100 operations", |i| {
        let ops = log
            .query(&Query::last_n(Selector::plan(common::plan_id(i)), 100))
            .expect("query");
        assert_eq!(ops.len(), 100);
    }));
    worst.push(measure("repo+plan: last 100 operations", |i| {
        let mut s = Selector::plan(common::plan_id(i));
        s.repo_guid = Some(format!("{:064x}", (i % common::PLANS) % 4));
        assert_eq!(log.query(&Query::last_n(s, 100)).expect("query").len(), 100);
    }));
    worst.push(measure("fleet dashboard: a plan's last 100 backups", |i| {
        let s = Selector {
            original_instance_keyid: Some(String::new()),
            plan_id: Some(common::plan_id(i)),
            kinds: vec![cairn_oplog::OpKind::Backup],
            ..Selector::default()
        };
        assert_eq!(log.query(&Query::last_n(s, 100)).expect("query").len(), 100);
    }));
    worst.push(measure("flow lookup (3 operations)", |i| {
        let flow = ((i * 7919) % flows) as i64 * 3 + 1;
        assert_eq!(
            log.query(&Query::new(Selector::flow(flow)))
                .expect("flow")
                .len(),
            3
        );
    }));
    worst.push(measure("snapshot id lookup", |i| {
        let mut s = Selector::all();
        s.snapshot_id = Some(format!("{:064x}", (i * 104_729) % flows));
        assert_eq!(log.query(&Query::new(s)).expect("snapshot").len(), 1);
    }));
    worst.push(measure(
        "page of 100 by cursor (plan, older than id)",
        |i| {
            let q = Query {
                cursor: Some((total - (i * 97) % (total / 2)) as i64),
                ..Query::last_n(Selector::plan(common::plan_id(i)), 100)
            };
            std::hint::black_box(log.query_meta(&q).expect("page"));
        },
    ));
    let mut n = total;
    worst.push(measure("add one operation (own transaction)", |_| {
        log.add(&mut common::operation(n, 2, 1)).expect("add");
        n += 1;
    }));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut op = log.get(1).expect("get").expect("op 1");
    let mut subs: Vec<_> = (0..100)
        .map(|k| {
            log.subscribe(
                Selector::plan(if k % 2 == 0 {
                    op.plan_id.clone()
                } else {
                    "elsewhere".into()
                }),
                None,
            )
            .expect("sub")
        })
        .collect();
    worst.push(measure("one change fanned out to 100 subscribers", |_| {
        log.update(&mut op).expect("update");
        rt.block_on(async {
            for s in subs.iter_mut().step_by(2) {
                assert!(matches!(s.next().await, Some(Delivery::Changes(_))));
            }
        });
    }));
    let max_p99 = worst.into_iter().max().unwrap_or_default();
    println!("worst p99 {max_p99:.2?} (target {TARGET_P99:?})");
    if total >= 1_000_000 && max_p99 > TARGET_P99 {
        eprintln!("p99 target missed");
        // exit skips destructors: the throwaway PostgreSQL server is stopped first.
        drop(_server);
        std::process::exit(1);
    }
}
