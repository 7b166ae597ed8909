//! The web UI on a long history: builds an operation log in which plan `plan-0` has 100,000
//! operations (2,000,000 in all over 20 plans and 4 repositories, so `repo-0` has 500,000;
//! `CAIRN_BENCH_OPS` overrides the total), serves it with the web UI on loopback, and runs
//! `webui/bench/history.ts` (through vite-node), which drives Debian's chromium through the plan and repository views and
//! prints how fast the tree appears, how many rows the DOM holds, frame times while scrolling and the
//! time to load older pages, and frame times while a running backup of plan-0 reports progress ten
//! times a second with ten pages of history loaded. Needs node with the UI's npm packages and chromium (as the tests do).
//! Run: `cargo bench -p cairn-server --bench webui_history`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failed unwrap stops the run; criterion's macros make undocumented items"
)]
#[path = "../../cairn-oplog/benches/common/mod.rs"]
mod common;
mod serve;

use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{BackupProgressEntry, BackupProgressStatusEntry, OperationStatus};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if std::env::var_os("CAIRN_BENCH_OPS").is_none() {
        // SAFETY: no other thread exists yet (the runtime starts below).
        unsafe { std::env::set_var("CAIRN_BENCH_OPS", "2000000") };
    }
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(run());
}

async fn run() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let total = common::total_ops();
    let (oplog, took) = common::build(&dir.path().join("oplog.sqlite"), total);
    println!(
        "{total} operations inserted in {took:.2?} ({} per plan)",
        total / common::PLANS
    );
    let base = serve::serve(dir.path(), oplog.clone(), common::PLANS).await;

    // A backup of plan-0 running throughout, reporting progress ten times a second, as a busy server
    // would while someone browses.
    let progress = tokio::spawn(report_progress(oplog));
    let webui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../webui");
    let status = tokio::process::Command::new("npx")
        .args(["vite-node", "bench/history.ts"])
        .env("CAIRN_BENCH_BASE", format!("{base}/"))
        .current_dir(&webui)
        .status()
        .await
        .expect("run npx (install Node.js and `npm ci` in webui/)");
    progress.abort();
    assert!(status.success(), "the browser benchmark failed");
}

/// Adds a running backup to plan-0 and updates its progress every 100 ms until aborted.
async fn report_progress(oplog: cairn_oplog::OpLog) {
    use cairn_proto::v1::__buffa::oneof::backup_progress_entry::Entry;
    let mut op = common::operation(0, 0, 0);
    op.status = OperationStatus::STATUS_INPROGRESS.into();
    op.unix_time_start_ms = now_ms();
    op.unix_time_end_ms = 0;
    oplog.add(&mut op).expect("add running backup");
    let total: i64 = 10 << 30;
    for tick in 1i64.. {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if let Some(Op::OperationBackup(b)) = op.op.as_mut() {
            b.last_status = BackupProgressEntry {
                entry: Some(Entry::Status(Box::new(BackupProgressStatusEntry {
                    percent_done: (tick % 1000) as f64 / 1000.0,
                    total_bytes: total,
                    bytes_done: total / 1000 * (tick % 1000),
                    total_files: 100_000,
                    files_done: tick % 100_000,
                    ..Default::default()
                }))),
                ..Default::default()
            }
            .into();
        }
        oplog.update(&mut op).expect("update progress");
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
