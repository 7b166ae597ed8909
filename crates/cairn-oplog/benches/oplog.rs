//! Criterion benchmarks of the operation log at scale (default 1M operations; `CAIRN_BENCH_OPS`
//! overrides): batched inserts, one plan's last 100 operations, a flow lookup, and the fan-out of one
//! change to 100 subscribers.
//! Run: `cargo bench -p cairn-oplog --bench oplog`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failed unwrap stops the run; criterion's macros make undocumented items"
)]
mod common;

use cairn_oplog::{Delivery, OpLog, Query, Selector};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let total = common::total_ops();
    let (log, took) = common::build(&dir.path().join("oplog.sqlite"), total);
    eprintln!(
        "built {total} operations in {took:.2?} ({:.0} ops/s)",
        total as f64 / took.as_secs_f64()
    );

    let mut g = c.benchmark_group(format!("oplog_at_{total}"));
    g.throughput(Throughput::Elements(common::BATCH as u64));
    let mut n = total;
    g.bench_function("insert_1000_ops_one_tx", |b| {
        b.iter(|| {
            log.transact(|tx| {
                for _ in 0..common::BATCH {
                    tx.add(&mut common::operation(n, 2, 1))?;
                    n += 1;
                }
                Ok(())
            })
            .expect("insert")
        })
    });
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("plan_last_100", |b| {
        b.iter(|| {
            i += 1;
            let ops = log
                .query(&Query::last_n(Selector::plan(common::plan_id(i)), 100))
                .expect("query");
            black_box(ops.len())
        })
    });
    g.bench_function("flow_lookup", |b| {
        b.iter(|| {
            i += 7919;
            let flow = (i % (total / 3)) as i64 * 3 + 1;
            black_box(
                log.query(&Query::new(Selector::flow(flow)))
                    .expect("flow")
                    .len(),
            )
        })
    });
    g.finish();
    fan_out(c, &log);
}

/// One update delivered to 100 subscribers (half of them filtering on its plan, half on another).
fn fan_out(c: &mut Criterion, log: &OpLog) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut op = log.get(1).expect("get").expect("op 1 exists");
    let plan = op.plan_id.clone();
    c.bench_function("fan_out_one_change_to_100_subscribers", |b| {
        b.iter_batched(
            || {
                (0..100)
                    .map(|k| {
                        let p = if k % 2 == 0 {
                            plan.clone()
                        } else {
                            "elsewhere".into()
                        };
                        log.subscribe(Selector::plan(p), None).expect("subscribe")
                    })
                    .collect::<Vec<_>>()
            },
            |subs| {
                rt.block_on(async {
                    log.update(&mut op).expect("update");
                    let mut waits = Vec::new();
                    for (k, mut s) in subs.into_iter().enumerate() {
                        if k % 2 == 0 {
                            waits.push(tokio::spawn(async move {
                                matches!(s.next().await, Some(Delivery::Changes(_)))
                            }));
                        }
                    }
                    for w in waits {
                        assert!(w.await.expect("join"));
                    }
                })
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = group;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(group);
