//! Indexing a repository's snapshots into the log: every snapshot not yet indexed gets an
//! OperationIndexSnapshot (plan and instance from its `plan:` and `created-by:` tags, in the flow of
//! the backup that made it when that backup is in the log), and indexed snapshots the repository no
//! longer has are flagged as forgotten. Only the repository's index operations are read, never its
//! whole history.
use super::repo::prepare;
use super::search_update;
use crate::engines::engine_label;
use crate::orchestrator::UNASSOCIATED;
use crate::run::{Done, Failure, TaskCtx, TaskResult};
use crate::task_log::TaskLog;
use cairn_engine::SnapshotFilter;
use cairn_oplog::{OpKind, Query, Selector, new_log_id};
use cairn_proto::quoted;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationIndexSnapshot, OperationStatus, ResticSnapshot};
use std::collections::{HashMap, HashSet};

pub async fn run(ctx: &TaskCtx, repo_id: &str) -> TaskResult {
    let (repo, engine) = prepare(ctx, repo_id).await?;
    let mut snapshots = engine.snapshots(&repo, &SnapshotFilter::default()).await?;
    snapshots.sort_by_key(|s| s.unix_time_ms);
    let index_ops = ctx.inner.oplog.query(&Query::new(Selector {
        repo_guid: Some(repo.guid.clone()),
        kinds: vec![OpKind::IndexSnapshot],
        ..Selector::default()
    }))?;
    let indexed: HashMap<&str, &Operation> = index_ops
        .iter()
        .map(|o| (o.snapshot_id.as_str(), o))
        .collect();
    let present: HashSet<&str> = snapshots.iter().map(|s| s.id.as_str()).collect();
    let label = engine_label(engine.as_ref());
    let mut added = Vec::new();
    for s in snapshots
        .iter()
        .filter(|s| !indexed.contains_key(s.id.as_str()))
    {
        let mut op = index_op(ctx, &repo, s)?;
        op.engine = label.clone();
        added.push(op);
    }
    let mut forgotten = Vec::new();
    for op in &index_ops {
        if let Some(Op::OperationIndexSnapshot(i)) = &op.op
            && !i.forgot
            && !present.contains(op.snapshot_id.as_str())
        {
            let mut op = op.clone();
            if let Some(Op::OperationIndexSnapshot(i)) = op.op.as_mut() {
                i.forgot = true;
            }
            forgotten.push(op);
        }
    }
    let (new, gone) = (added.len(), forgotten.len());
    // The run's log is linked from each snapshot it indexed (the index task has no operation of its
    // own) and owned by the newest of them.
    let logref = (!added.is_empty()).then(|| new_log_id("t"));
    for op in &mut added {
        op.logref = logref.clone().unwrap_or_default();
    }
    ctx.inner.oplog.transact(|tx| {
        for op in &mut added {
            tx.add(op)?;
        }
        for op in &mut forgotten {
            tx.update(op)?;
        }
        Ok(())
    })?;
    tracing::info!(repo = %repo.id, new, forgotten = gone, "indexed snapshots");
    let searchable = search_line(ctx, &repo, &snapshots).await?;
    if let (Some(id), Some(newest)) = (logref, added.last()) {
        let mut lines = vec![format!(
            "indexed repository {}, engine {label}: {} snapshots, {new} new, {gone} no longer there",
            quoted(&repo.id),
            snapshots.len()
        )];
        lines.push(searchable);
        lines.extend(added.iter().map(|o| {
            format!(
                "new snapshot {} (plan {}, from {})",
                o.snapshot_id,
                quoted(&o.plan_id),
                quoted(&o.instance_id)
            )
        }));
        lines.extend(
            forgotten
                .iter()
                .map(|o| format!("snapshot {} is no longer in the repository", o.snapshot_id)),
        );
        write_log(ctx, &id, newest.id, &lines);
    }
    Ok(Done::success())
}

/// Updates the repository's search index and says how that went. Only a cancel fails the task: the
/// snapshots are in the log either way, and the next run picks up where this one stopped.
async fn search_line(
    ctx: &TaskCtx,
    repo: &cairn_proto::v1::Repo,
    snapshots: &[ResticSnapshot],
) -> Result<String, Failure> {
    match search_update::update(ctx, repo, snapshots).await {
        Ok(u) => {
            tracing::info!(repo = %repo.id, added = u.added, dropped = u.dropped, left = u.left, failed = u.failed.len(), "search index updated");
            let mut line = format!(
                "search index: {} snapshots added ({} entries changed), {} dropped, {} left for the next index task",
                u.added, u.changes, u.dropped, u.left
            );
            for failed in &u.failed {
                line.push_str(&format!("; not indexed, tried again next time: {failed}"));
            }
            Ok(line)
        }
        Err(Failure::Cancelled) => Err(Failure::Cancelled),
        Err(e) => {
            tracing::warn!(repo = %repo.id, error = %e, "search index not updated");
            Ok(format!("search index not updated: {e}"))
        }
    }
}

/// Writes the run's log; a failure is logged, never the task's.
fn write_log(ctx: &TaskCtx, id: &str, owner: i64, lines: &[String]) {
    match TaskLog::named(&ctx.inner.logs, id, owner) {
        Ok(log) => {
            let now = ctx.inner.now();
            lines.iter().for_each(|l| log.line(now, l));
            log.finish();
        }
        Err(e) => tracing::warn!(log = %id, error = %e, "cannot create the index log"),
    }
}

/// The index operation for one snapshot.
fn index_op(
    ctx: &TaskCtx,
    repo: &cairn_proto::v1::Repo,
    s: &ResticSnapshot,
) -> Result<Operation, Failure> {
    let tag = |prefix: &str| {
        s.tags
            .iter()
            .find_map(|t| t.strip_prefix(prefix))
            .unwrap_or(UNASSOCIATED)
            .to_string()
    };
    let backups = ctx.inner.oplog.query_meta(&Query::last_n(
        Selector {
            repo_guid: Some(repo.guid.clone()),
            snapshot_id: Some(s.id.clone()),
            kinds: vec![OpKind::Backup],
            ..Selector::default()
        },
        1,
    ))?;
    let duration_ms = s
        .summary
        .as_option()
        .map_or(0, |m| (m.total_duration * 1000.0) as i64);
    Ok(Operation {
        instance_id: tag("created-by:"),
        plan_id: tag("plan:"),
        repo_id: repo.id.clone(),
        repo_guid: repo.guid.clone(),
        snapshot_id: s.id.clone(),
        flow_id: backups.first().map_or(0, |b| b.flow_id),
        status: OperationStatus::STATUS_SUCCESS.into(),
        unix_time_start_ms: s.unix_time_ms,
        unix_time_end_ms: s.unix_time_ms + duration_ms,
        op: Some(Op::OperationIndexSnapshot(Box::new(
            OperationIndexSnapshot {
                snapshot: s.clone().into(),
                forgot: false,
                ..Default::default()
            },
        ))),
        ..Default::default()
    })
}
