//! No operation stays INPROGRESS without a live task: one that the log shows running while nothing
//! runs it (its end was lost) is ended as ERROR by the reconciliation pass within a minute, while a
//! task that really runs is left alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_orchestrator::reconcile::{LOST, RECONCILE_EVERY};
use cairn_proto::v1::{Operation, OperationStatus};
use serde_json::json;
use std::time::{Duration, Instant};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_running_without_a_task_is_ended_within_a_minute() {
    let env = Env::new(json!({"version": 6, "instance": "test", "auth": {"disabled": true}}));
    env.orch.start().await.unwrap();
    let mut op = Operation {
        instance_id: "test".into(),
        repo_id: "r".into(),
        repo_guid: "g".into(),
        plan_id: "p".into(),
        status: OperationStatus::STATUS_INPROGRESS.into(),
        unix_time_start_ms: 1_700_000_000_000,
        ..Default::default()
    };
    env.orch.oplog().add(&mut op).unwrap();
    let started = Instant::now();
    loop {
        let now = env.orch.oplog().get(op.id).unwrap().unwrap();
        if now.status == OperationStatus::STATUS_ERROR {
            assert_eq!(now.display_message, LOST);
            assert!(now.unix_time_end_ms > 0);
            break;
        }
        assert!(
            started.elapsed() < RECONCILE_EVERY * 3,
            "still running after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(started.elapsed() < Duration::from_secs(60));
}
