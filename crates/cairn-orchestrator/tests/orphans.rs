//! PENDING operations nobody queued: those a stopped process left are orphans, judged at start (the
//! next run of a schedule is adopted, others are cancelled), but a hub's copies of its clients'
//! operations belong to the clients, and one recorded after this orchestrator started is on its way
//! from another server of a shared database, so neither is touched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationStatus};
use serde_json::json;
use support::*;

/// A new PENDING backup (no id yet).
fn pending_backup() -> Operation {
    Operation {
        instance_id: "laptop".into(),
        repo_id: "nas".into(),
        repo_guid: "ab".repeat(32),
        plan_id: "home".into(),
        status: OperationStatus::STATUS_PENDING.into(),
        unix_time_start_ms: 1_800_000_000_000,
        op: Some(Op::OperationBackup(Box::default())),
        ..Default::default()
    }
}

fn config() -> serde_json::Value {
    json!({"version": 6, "instance": "hub", "auth": {"disabled": true}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hubs_copies_of_its_clients_pending_operations_are_left_alone() {
    let env = Env::new(config());
    let stored = env
        .orch
        .oplog()
        .transact(|tx| {
            let mut theirs = pending_backup();
            (theirs.id, theirs.modno, theirs.flow_id) = (4, 4, 4);
            tx.store_synced("ed25519.laptop", theirs)
        })
        .unwrap();
    env.orch.start().await.unwrap();
    env.orch.config_changed().await.unwrap();
    let op = env.orch.oplog().get(stored).unwrap().expect("still there");
    assert_eq!(op.status, OperationStatus::STATUS_PENDING);
    assert_eq!(op.unix_time_start_ms, 1_800_000_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_operation_recorded_after_start_is_not_an_orphan() {
    let env = Env::new(config());
    let mut before = pending_backup();
    env.orch.oplog().add(&mut before).unwrap();
    env.orch.start().await.unwrap();
    // One a stopped process left is an orphan: the next run of a plan that is gone, removed.
    assert!(env.orch.oplog().get(before.id).unwrap().is_none());
    // Recorded by another server, on its way to this one.
    let mut after = pending_backup();
    env.orch.oplog().add(&mut after).unwrap();
    env.orch.config_changed().await.unwrap();
    let kept = env.orch.oplog().get(after.id).unwrap().unwrap();
    assert_eq!(kept.status, OperationStatus::STATUS_PENDING);
}
