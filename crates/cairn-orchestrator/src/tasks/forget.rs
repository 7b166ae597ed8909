//! Forgetting snapshots: a plan's retention policy over the plan's snapshots (tagged `plan:<id>` and
//! `created-by:<instance>`, one group), the repository's forget policy over all its snapshots (grouped
//! by tags), or one snapshot by id. What was removed is recorded on the operation and the snapshots'
//! index operations are flagged as forgotten. Like Backrest, a plan whose older snapshots lack the
//! `created-by:` tag has its retention applied to all of the plan's snapshots.
use super::repo::prepare;
use crate::hooks::{Event, fire, on_error};
use crate::orchestrator::{find_repo, plan_and_repo};
use crate::run::{Done, Failure, TaskCtx, TaskResult};
use crate::task::{Task, priority};
use cairn_engine::{ForgetScope, snapshot_tags};
use cairn_oplog::{OpKind, Query, Selector};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::__buffa::oneof::retention_policy::Policy;
use cairn_proto::v1::hook::Condition;
use cairn_proto::v1::{OperationStatus, ResticSnapshot, RetentionPolicy};

const KEEPS_ALL: &str = "the retention policy keeps every snapshot; nothing was forgotten";

/// A plan's retention policy.
pub async fn plan(ctx: &TaskCtx, plan_id: &str) -> TaskResult {
    let (plan, repo) = plan_and_repo(&ctx.config, plan_id)?;
    let mut tags = snapshot_tags(&plan.id, &ctx.config.instance);
    if has_legacy_snapshots(ctx, &repo.guid, &plan.id)? {
        tags.retain(|t| t.starts_with("plan:"));
        tracing::warn!(
            plan = %plan.id,
            "some of this plan's snapshots have no created-by tag, so its retention applies to all snapshots tagged plan:{id}; to tag them, run: restic tag --tag plan:{id} --add created-by:{instance}",
            id = plan.id,
            instance = ctx.config.instance,
        );
    }
    let scope = ForgetScope {
        tags,
        group_by: String::new(),
    };
    let policy = plan.retention.as_option().cloned().unwrap_or_default();
    with_hooks(ctx, &repo.id, policy, scope).await
}

/// A mirror's retention, over the plan's snapshots in the mirror (tagged as in the plan's repository).
pub async fn mirror(ctx: &TaskCtx, plan_id: &str, mirror_id: &str) -> TaskResult {
    let (plan, _) = plan_and_repo(&ctx.config, plan_id)?;
    let policy = plan
        .mirrors
        .iter()
        .find(|m| m.repo == mirror_id)
        .and_then(|m| m.retention.as_option().cloned())
        .unwrap_or_default();
    let scope = ForgetScope {
        tags: snapshot_tags(&plan.id, &ctx.config.instance),
        group_by: String::new(),
    };
    with_hooks(ctx, mirror_id, policy, scope).await
}

/// Backrest's legacy compatibility: true when some live snapshot of the plan has no `created-by:` tag
/// (made before instances tagged their snapshots) and every tagged one was made by this instance. The
/// plan's retention then covers all its snapshots, not only the tagged ones.
fn has_legacy_snapshots(ctx: &TaskCtx, repo_guid: &str, plan_id: &str) -> Result<bool, Failure> {
    let selector = Selector {
        repo_guid: Some(repo_guid.into()),
        plan_id: Some(plan_id.into()),
        kinds: vec![OpKind::IndexSnapshot],
        ..Selector::default()
    };
    let own = format!("created-by:{}", ctx.config.instance);
    let (mut untagged, mut foreign) = (false, false);
    for op in ctx.inner.oplog.query(&Query::new(selector))? {
        let Some(Op::OperationIndexSnapshot(i)) = &op.op else {
            continue;
        };
        let Some(snap) = i.snapshot.as_option().filter(|_| !i.forgot) else {
            continue;
        };
        match snap.tags.iter().find(|t| t.starts_with("created-by:")) {
            None => untagged = true,
            Some(t) if *t != own => foreign = true,
            Some(_) => {}
        }
    }
    Ok(untagged && !foreign)
}

/// The repository's own forget policy; stats follow.
pub async fn scheduled(ctx: &TaskCtx, repo_id: &str) -> TaskResult {
    let repo = find_repo(&ctx.config, repo_id)?;
    let policy = repo
        .forget_policy
        .as_option()
        .and_then(|f| f.retention.as_option())
        .cloned()
        .unwrap_or_default();
    let scope = ForgetScope {
        tags: Vec::new(),
        group_by: "tags".into(),
    };
    let done = with_hooks(ctx, repo_id, policy, scope).await?;
    super::upkeep::stats_follow_up(ctx, repo_id)?;
    Ok(done)
}

async fn with_hooks(
    ctx: &TaskCtx,
    repo_id: &str,
    policy: RetentionPolicy,
    scope: ForgetScope,
) -> TaskResult {
    fire(ctx, &[Event::of(Condition::CONDITION_FORGET_START)], None).await?;
    let errors = [
        Condition::CONDITION_FORGET_ERROR,
        Condition::CONDITION_ANY_ERROR,
    ];
    let done = on_error(ctx, apply(ctx, repo_id, policy, scope).await, &errors).await?;
    fire(ctx, &[Event::of(Condition::CONDITION_FORGET_SUCCESS)], None).await?;
    Ok(done)
}

async fn apply(
    ctx: &TaskCtx,
    repo_id: &str,
    policy: RetentionPolicy,
    scope: ForgetScope,
) -> TaskResult {
    ctx.update_op(|op| set_forget(op, Vec::new(), Some(policy.clone())))?;
    if matches!(policy.policy, None | Some(Policy::PolicyKeepAll(_))) {
        return Ok(Done::with(OperationStatus::STATUS_SUCCESS, KEEPS_ALL));
    }
    let (repo, engine) = prepare(ctx, repo_id).await?;
    ctx.log(&format!("retention policy: {}", policy_text(&policy)));
    let removed = engine.forget(&repo, &policy, &scope).await?;
    for s in &removed {
        ctx.log(&format!("removed snapshot {}", s.id));
    }
    let ids: Vec<String> = removed.iter().map(|s| s.id.clone()).collect();
    let count = removed.len();
    ctx.update_op(|op| set_forget(op, removed, None))?;
    mark_forgotten(ctx, &repo.guid, &ids)?;
    Ok(Done::with(
        OperationStatus::STATUS_SUCCESS,
        format!(
            "forgot {count} snapshot{}",
            if count == 1 { "" } else { "s" }
        ),
    ))
}

/// One snapshot, by id; indexing follows.
pub async fn snapshot(ctx: &TaskCtx, repo_id: &str, snapshot_id: &str) -> TaskResult {
    let (repo, engine) = prepare(ctx, repo_id).await?;
    ctx.log(&format!("removing snapshot {snapshot_id}"));
    let result = engine.forget_snapshot(&repo, snapshot_id).await;
    on_error(
        ctx,
        result.map_err(Failure::from),
        &[Condition::CONDITION_ANY_ERROR],
    )
    .await?;
    let snap = ResticSnapshot {
        id: snapshot_id.into(),
        ..Default::default()
    };
    ctx.update_op(|op| {
        op.snapshot_id = snapshot_id.into();
        set_forget(op, vec![snap], None);
    })?;
    mark_forgotten(ctx, &repo.guid, &[snapshot_id.to_string()])?;
    ctx.follow_up(
        Task::IndexSnapshots {
            repo_id: repo_id.into(),
        },
        priority::INDEX_SNAPSHOTS,
        0,
    )?;
    Ok(Done::with(
        OperationStatus::STATUS_SUCCESS,
        format!("forgot snapshot {}", cairn_proto::short_id(snapshot_id)),
    ))
}

/// A retention policy as the log shows it (its JSON form, which names every rule).
fn policy_text(policy: &RetentionPolicy) -> String {
    serde_json::to_string(policy).unwrap_or_else(|e| format!("(cannot be shown: {e})"))
}

fn set_forget(
    op: &mut cairn_proto::v1::Operation,
    removed: Vec<ResticSnapshot>,
    policy: Option<RetentionPolicy>,
) {
    if let Some(Op::OperationForget(f)) = op.op.as_mut() {
        if !removed.is_empty() {
            f.forget = removed;
        }
        if let Some(p) = policy {
            f.policy = p.into();
        }
    }
}

/// Flags the index operations of removed snapshots as forgotten.
fn mark_forgotten(ctx: &TaskCtx, repo_guid: &str, ids: &[String]) -> Result<(), Failure> {
    let mut changed = Vec::new();
    for id in ids {
        let selector = Selector {
            repo_guid: Some(repo_guid.into()),
            snapshot_id: Some(id.clone()),
            kinds: vec![OpKind::IndexSnapshot],
            ..Selector::default()
        };
        for mut op in ctx.inner.oplog.query(&Query::new(selector))? {
            if let Some(Op::OperationIndexSnapshot(i)) = op.op.as_mut()
                && !i.forgot
            {
                i.forgot = true;
                changed.push(op);
            }
        }
    }
    ctx.inner.oplog.transact(|tx| {
        for op in &mut changed {
            tx.update(op)?;
        }
        Ok(())
    })?;
    Ok(())
}
