//! Backup, DoRepoTask, Forget, Cancel and RunCommand: requests to the orchestrator's queue.
use crate::errors::{self, invalid};
use crate::state::Shared;
use cairn_orchestrator::{Task, is_final};
use cairn_proto::quoted;
use cairn_proto::v1::OperationStatus;
use cairn_proto::v1::do_repo_task_request::Task as RepoTask;
use connectrpc::ConnectError;

/// Runs a backup now and waits for it to finish (Backrest's Backup blocks); a failed or cancelled
/// backup is an error naming why.
pub async fn backup(s: &Shared, plan_id: &str, dry_run: bool) -> Result<(), ConnectError> {
    if plan_id.is_empty() {
        return Err(invalid("value", "name the plan to back up"));
    }
    let id = s.orch.backup_now(plan_id, dry_run).map_err(errors::orch)?;
    let op = s.orch.wait(id).await.map_err(errors::orch)?;
    debug_assert!(is_final(&op));
    match op.status.as_known() {
        Some(OperationStatus::STATUS_ERROR) => Err(ConnectError::unknown(format!(
            "backup of plan {plan_id} failed (operation {id}): {}",
            op.display_message,
            plan_id = quoted(&plan_id)
        ))),
        Some(OperationStatus::STATUS_USER_CANCELLED | OperationStatus::STATUS_SYSTEM_CANCELLED) => {
            Err(ConnectError::canceled(format!(
                "backup of plan {plan_id} was cancelled (operation {id}): {}",
                op.display_message,
                plan_id = quoted(&plan_id)
            )))
        }
        _ => Ok(()),
    }
}

pub async fn repo_task(
    s: &Shared,
    repo_id: &str,
    task: Option<RepoTask>,
) -> Result<i64, ConnectError> {
    let repo_id = repo_id.to_string();
    let task = match task {
        Some(RepoTask::TASK_INDEX_SNAPSHOTS) => Task::IndexSnapshots { repo_id },
        Some(RepoTask::TASK_PRUNE) => Task::Prune { repo_id },
        Some(RepoTask::TASK_CHECK) => Task::Check { repo_id },
        Some(RepoTask::TASK_STATS) => Task::Stats { repo_id },
        Some(RepoTask::TASK_FORGET) => Task::ScheduledForget { repo_id },
        Some(RepoTask::TASK_VERIFY) => Task::Verify { repo_id },
        Some(RepoTask::TASK_UNLOCK) => {
            s.orch.unlock(&repo_id).await.map_err(errors::orch)?;
            return Ok(0);
        }
        Some(RepoTask::TASK_NONE) | None => {
            return Err(invalid(
                "task",
                "name a task: TASK_INDEX_SNAPSHOTS, TASK_PRUNE, TASK_CHECK, TASK_STATS, TASK_UNLOCK, TASK_FORGET or TASK_VERIFY",
            ));
        }
    };
    s.orch.repo_task(task).map_err(errors::orch)
}

pub async fn forget(
    s: &Shared,
    repo_id: &str,
    plan_id: &str,
    snapshot_id: &str,
) -> Result<i64, ConnectError> {
    if plan_id.is_empty() {
        return Err(invalid(
            "plan_id",
            "name the plan whose snapshots to forget",
        ));
    }
    if snapshot_id.is_empty() {
        return s.orch.forget_now(plan_id).map_err(errors::orch);
    }
    let repo_id = if repo_id.is_empty() {
        s.orch.plan(plan_id).map_err(errors::orch)?.1.id
    } else {
        repo_id.to_string()
    };
    let snapshot_id = s
        .orch
        .resolve_snapshot(&repo_id, snapshot_id)
        .await
        .map_err(errors::orch)?;
    s.orch
        .forget_snapshot(&repo_id, plan_id, &snapshot_id)
        .map_err(errors::orch)
}

pub fn cancel(s: &Shared, op_id: i64) -> Result<(), ConnectError> {
    s.orch.cancel(op_id).map_err(errors::orch)
}

pub fn run_command(s: &Shared, repo_id: &str, command: &str) -> Result<i64, ConnectError> {
    s.orch.run_command(repo_id, command).map_err(errors::orch)
}
