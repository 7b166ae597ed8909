//! Builds a deterministic operation log for the benchmarks: 20 plans over 4 repos, flows of three
//! operations (backup, index snapshot, hook) one minute apart, the newest ending now (so views of the
//! last 30 days have data), inserted 1000 per transaction.
use cairn_oplog::OpLog;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::*;
use std::path::Path;
use std::time::{Duration, Instant};

pub const PLANS: usize = 20;
pub const BATCH: usize = 1000;

pub fn plan_id(i: usize) -> String {
    format!("plan-{}", i % PLANS)
}

/// When flow 0 starts: one minute per flow before now, for the configured number of operations.
fn base_ms() -> i64 {
    static BASE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        now - (total_ops() as i64 / 3 + 1) * 60_000
    })
}

/// One operation of flow `n`: position 0 backup, 1 index snapshot, 2 hook.
pub fn operation(n: usize, position: usize, flow_id: i64) -> Operation {
    let plan = n % PLANS;
    let repo = plan % 4;
    let op = match position {
        0 => Op::OperationBackup(Box::new(OperationBackup {
            last_status: BackupProgressEntry {
                entry: Some(
                    cairn_proto::v1::__buffa::oneof::backup_progress_entry::Entry::Summary(
                        Box::new(BackupProgressSummary {
                            files_new: 12,
                            data_added: 1 << 20,
                            total_duration: 30.5,
                            ..Default::default()
                        }),
                    ),
                ),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        })),
        1 => Op::OperationIndexSnapshot(Box::new(OperationIndexSnapshot {
            snapshot: ResticSnapshot {
                id: format!("{n:064x}"),
                paths: vec!["/home".into()],
                ..Default::default()
            }
            .into(),
            ..Default::default()
        })),
        _ => Op::OperationRunHook(Box::new(OperationRunHook {
            name: "command hook".into(),
            ..Default::default()
        })),
    };
    Operation {
        flow_id,
        repo_id: format!("repo-{repo}"),
        repo_guid: format!("{repo:064x}"),
        plan_id: plan_id(n),
        instance_id: "bench".into(),
        status: OperationStatus::STATUS_SUCCESS.into(),
        unix_time_start_ms: base_ms() + n as i64 * 60_000,
        unix_time_end_ms: base_ms() + n as i64 * 60_000 + 30_000,
        snapshot_id: if position == 1 {
            format!("{n:064x}")
        } else {
            String::new()
        },
        op: Some(op),
        ..Default::default()
    }
}

/// Fills a new log at `path` with `total` operations; returns it and the time the inserts took.
#[allow(
    dead_code,
    reason = "each bench includes this module; the latency bench opens its own log"
)]
pub fn build(path: &Path, total: usize) -> (OpLog, Duration) {
    fill(OpLog::open(path).expect("open bench oplog"), total)
}

/// Fills `log` (new and empty) with `total` operations; returns it and the time the inserts took.
pub fn fill(log: OpLog, total: usize) -> (OpLog, Duration) {
    let start = Instant::now();
    let mut n = 0;
    while n * 3 < total {
        log.transact(|tx| {
            for _ in 0..BATCH / 3 {
                let mut backup = operation(n, 0, 0);
                tx.add(&mut backup)?;
                for position in 1..3 {
                    tx.add(&mut operation(n, position, backup.id))?;
                }
                n += 1;
            }
            Ok(())
        })
        .expect("insert batch");
    }
    (log, start.elapsed())
}

/// Operations to build, from `CAIRN_BENCH_OPS` (default one million).
pub fn total_ops() -> usize {
    std::env::var("CAIRN_BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}
