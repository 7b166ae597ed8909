//! Mirrors (cairn's own): after a backup, its new snapshot is copied to each repository the plan names
//! as a mirror, by the mirror's engine (restic's `copy`, or the embedded engine's copy job, which reads
//! and writes only the blobs the mirror lacks). Each copy is its own operation in the backup's flow; a
//! mirror's retention then runs as a forget operation on the mirror, and the mirror is indexed. A copy
//! that fails does not fail the backup: its operation is a WARNING naming the mirror and the reason,
//! and the plan's snapshot-warning hooks fire.
use super::repo::prepare;
use crate::hooks::{Event, fire};
use crate::orchestrator::{find_repo, plan_and_repo};
use crate::run::{Done, Failure, TaskCtx, TaskResult};
use crate::task::{Task, priority};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::__buffa::oneof::retention_policy::Policy;
use cairn_proto::v1::hook::Condition;
use cairn_proto::v1::{OperationStatus, Plan};
use cairn_proto::{quoted, short_id};

/// Queues a copy of `snapshot_id` to each of the plan's mirrors, in the running backup's flow.
pub(crate) fn queue(ctx: &TaskCtx, plan: &Plan, snapshot_id: &str) -> Result<(), Failure> {
    for mirror in &plan.mirrors {
        let task = Task::Mirror {
            plan_id: plan.id.clone(),
            repo_id: mirror.repo.clone(),
            snapshot_id: snapshot_id.to_string(),
        };
        ctx.follow_up(task, priority::DEFAULT, ctx.flow_id())?;
    }
    Ok(())
}

pub async fn run(ctx: &TaskCtx, plan_id: &str, mirror_id: &str, snapshot_id: &str) -> TaskResult {
    match copy(ctx, plan_id, mirror_id, snapshot_id).await {
        Err(Failure::Error(reason)) => {
            let message = format!(
                "mirror to repo {} failed; the backup itself succeeded: {reason}",
                quoted(&mirror_id)
            );
            ctx.log(&message);
            let warning = Event::error(Condition::CONDITION_SNAPSHOT_WARNING, &message);
            fire(ctx, &[warning], None).await?;
            Ok(Done::with(OperationStatus::STATUS_WARNING, message))
        }
        other => other,
    }
}

async fn copy(ctx: &TaskCtx, plan_id: &str, mirror_id: &str, snapshot_id: &str) -> TaskResult {
    let (plan, source) = plan_and_repo(&ctx.config, plan_id)?;
    let Some(mirror) = plan.mirrors.iter().find(|m| m.repo == mirror_id) else {
        return Err(Failure::Error(format!(
            "repo {} is no longer a mirror of plan {}",
            quoted(&mirror_id),
            quoted(&plan_id)
        )));
    };
    let source = find_repo(&ctx.config, &source.id)?;
    let (repo, engine) = prepare(ctx, mirror_id).await?;
    ctx.log(&format!(
        "copying snapshot {snapshot_id} of repo {} to repo {}",
        quoted(&source.id),
        quoted(&repo.id)
    ));
    let sink = |line: &str| ctx.log(line);
    let ids = [snapshot_id.to_string()];
    let copied = engine
        .copy(&source, &repo, &ids, &sink, &ctx.cancel)
        .await?;
    ctx.update_op(|op| {
        if let Some(Op::OperationMirror(m)) = op.op.as_mut() {
            m.copied = i32::try_from(copied).unwrap_or(i32::MAX);
        }
    })?;
    let keeps_all = matches!(
        mirror.retention.as_option().and_then(|r| r.policy.as_ref()),
        None | Some(Policy::PolicyKeepAll(_))
    );
    if !keeps_all {
        let forget = Task::ForgetMirror {
            plan_id: plan_id.into(),
            repo_id: mirror_id.into(),
        };
        ctx.follow_up(forget, priority::FORGET, ctx.flow_id())?;
    }
    let index = Task::IndexSnapshots {
        repo_id: mirror_id.into(),
    };
    ctx.follow_up(index, priority::INDEX_SNAPSHOTS, 0)?;
    let short = short_id(snapshot_id);
    let said = if copied == 0 {
        format!("snapshot {short} is in repo {} already", quoted(&mirror_id))
    } else {
        format!("copied snapshot {short} to repo {}", quoted(&mirror_id))
    };
    Ok(Done::with(OperationStatus::STATUS_SUCCESS, said))
}
