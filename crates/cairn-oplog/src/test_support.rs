//! Builders shared by this crate's unit tests.
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationBackup, OperationStatus};

/// A valid backup operation for `plan` in repo `repo`.
pub fn backup_op(repo: &str, plan: &str) -> Operation {
    Operation {
        repo_id: repo.to_string(),
        repo_guid: format!("guid-{repo}"),
        plan_id: plan.to_string(),
        instance_id: "test-instance".to_string(),
        status: OperationStatus::STATUS_PENDING.into(),
        unix_time_start_ms: 1_700_000_000_000,
        op: Some(Op::OperationBackup(Box::default())),
        ..Operation::default()
    }
}

/// A backup operation that is dry-run, to tell updates apart.
pub fn with_dry_run(mut op: Operation) -> Operation {
    op.op = Some(Op::OperationBackup(Box::new(OperationBackup {
        dry_run: true,
        ..OperationBackup::default()
    })));
    op
}
