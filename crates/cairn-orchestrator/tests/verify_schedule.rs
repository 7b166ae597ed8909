//! A repository's verify policy schedules restore verifications like its other policies: the next run
//! is a PENDING operation of cairn's verify kind, it runs when due with the policy's sample, records
//! what it compared, and queues the run after it; a verification left half done by a killed cairn
//! leaves no scratch files after the next start.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_oplog::OpKind;
use cairn_orchestrator::FakeClock;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationStatus};
use serde_json::json;
use std::sync::Arc;
use support::*;

fn pending_verify(ops: &[Operation]) -> Option<&Operation> {
    ops.iter().find(|o| {
        o.status.as_known() == Some(OperationStatus::STATUS_PENDING)
            && OpKind::of(o) == OpKind::Verify
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verify_policy_runs_on_its_schedule_and_queues_the_next_run() {
    use_built_worker();
    let start = chrono::Utc::now();
    let clock = Arc::new(FakeClock::at(start));
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let left_over = dir.path().join("scratch/verify-7/b.txt");
    std::fs::create_dir_all(left_over.parent().unwrap()).unwrap();
    std::fs::write(&left_over, "half restored").unwrap();
    let mut repo = repo_json("a", dir.path());
    repo["verifyPolicy"] = json!({"schedule": {"maxFrequencyHours": 24}, "files": 2});
    let cfg = json!({"version": 6, "instance": "test", "repos": [repo],
                     "plans": [plan_json("p", "a", &src)], "auth": {"disabled": true}});
    let env = Env::in_dir(dir, cfg, clock.clone());
    env.orch.start().await.unwrap();
    assert!(!left_over.exists(), "the scratch folder survived a start");
    env.wait(env.orch.backup_now("p", false).unwrap()).await;

    let ops = env.ops();
    let pending = pending_verify(&ops)
        .expect("a scheduled verification")
        .clone();
    let due = start + chrono::Duration::hours(24);
    assert_eq!(pending.unix_time_start_ms, due.timestamp_millis());

    clock.set(due + chrono::Duration::seconds(1));
    env.orch.poke();
    let op = env.wait(pending.id).await;
    assert_eq!(
        op.status.as_known(),
        Some(OperationStatus::STATUS_SUCCESS),
        "{op:#?}"
    );
    let Some(Op::OperationVerify(v)) = &op.op else {
        panic!("not a verification: {op:#?}");
    };
    // The source holds two files, both drawn, both unchanged on disk.
    assert_eq!(
        (v.files_checked, v.live_compared, v.mismatch_count),
        (2, 2, 0)
    );
    assert_eq!(v.bytes_checked, 100_006);
    assert_eq!(v.sample, "2 files, drawn across the snapshots");
    assert_eq!(v.snapshot_ids.len(), 1);
    let next = env
        .until("the next verification", |ops| pending_verify(ops).is_some())
        .await;
    let next = pending_verify(&next).unwrap();
    assert_eq!(
        next.unix_time_start_ms,
        op.unix_time_end_ms + 24 * 3_600_000
    );
}
