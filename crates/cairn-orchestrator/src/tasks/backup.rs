//! A plan's backup: picks the plan's newest snapshot as parent (`parent.rs`), runs the engine's backup writing
//! progress to the operation about once a second, records errors, the summary and the snapshot id, and
//! queues the follow-ups (the plan's retention in the same flow, indexing the new snapshot).
use super::parent;
use super::repo::prepare;
use crate::hooks::{Event, fire, on_error};
use crate::orchestrator::plan_and_repo;
use crate::run::{Done, Failure, TaskCtx, TaskResult};
use crate::scheduler;
use crate::task::{ScheduleKey, Task, priority};
use cairn_engine::{BackupEvent, BackupOutcome, BackupRequest, snapshot_tags};
use cairn_proto::quoted;
use cairn_proto::v1::__buffa::oneof::backup_progress_entry::Entry as Progress;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::__buffa::oneof::retention_policy::Policy;
use cairn_proto::v1::hook::Condition;
use cairn_proto::v1::{BackupProgressEntry, BackupProgressError, Operation, OperationStatus, Plan};

/// Per-file errors kept on one backup operation (the count beyond is noted in the message).
pub const MAX_ERRORS: usize = 1000;

pub const PARTIAL: &str = "Partial backup, some files may not have been read completely.";
pub const DRY_RUN: &str = "Dry run backup, not saved in repo";
pub const SKIPPED: &str =
    "No snapshot added: nothing changed since the last snapshot (skip if unchanged).";

pub async fn run(ctx: &TaskCtx, plan_id: &str, dry_run: bool) -> TaskResult {
    let (plan, repo) = plan_and_repo(&ctx.config, plan_id)?;
    fire(ctx, &[Event::of(Condition::CONDITION_SNAPSHOT_START)], None).await?;
    let result = back_up(ctx, &plan, &repo.id, dry_run).await;
    if !dry_run {
        for key in [
            ScheduleKey::Prune(repo.id.clone()),
            ScheduleKey::Check(repo.id.clone()),
        ] {
            scheduler::schedule_next(&ctx.inner, &key)?;
        }
    }
    let errors = [
        Condition::CONDITION_SNAPSHOT_ERROR,
        Condition::CONDITION_ANY_ERROR,
        Condition::CONDITION_SNAPSHOT_END,
    ];
    let outcome = on_error(ctx, result, &errors).await?;
    let done = record(ctx, &outcome, dry_run)?;
    if !dry_run && !outcome.skipped {
        follow_ups(ctx, &plan, &repo)?;
        if !outcome.summary.snapshot_id.is_empty() {
            super::mirror::queue(ctx, &plan, &outcome.summary.snapshot_id)?;
        }
    }
    let mut events = Vec::new();
    if outcome.skipped {
        events.push(Event::of(Condition::CONDITION_SNAPSHOT_SKIPPED));
    }
    if outcome.partial {
        events.push(Event::error(
            Condition::CONDITION_SNAPSHOT_WARNING,
            &format!(
                "partial backup, {} files may not have been read completely.",
                outcome.errors.len()
            ),
        ));
    } else {
        events.push(Event::of(Condition::CONDITION_SNAPSHOT_SUCCESS));
    }
    events.push(Event::of(Condition::CONDITION_SNAPSHOT_END));
    fire(ctx, &events, Some(&outcome)).await?;
    Ok(done)
}

async fn back_up(
    ctx: &TaskCtx,
    plan: &Plan,
    repo_id: &str,
    dry_run: bool,
) -> Result<BackupOutcome, Failure> {
    let (repo, engine) = prepare(ctx, repo_id).await?;
    let tags = snapshot_tags(&plan.id, &ctx.config.instance);
    let logged = parent::from_log(ctx, &repo, &plan.id, &ctx.config.instance)?;
    let parent = match &logged {
        Some(p) => Some(p.clone()),
        None => parent::from_engine(engine.as_ref(), &repo, &tags).await?,
    };
    let mut req = BackupRequest {
        paths: plan.paths.clone(),
        excludes: plan.excludes.clone(),
        iexcludes: plan.iexcludes.clone(),
        tags: tags.clone(),
        host: None,
        parent,
        dry_run,
        skip_if_unchanged: plan.skip_if_unchanged,
        extra_flags: plan.backup_flags.clone(),
    };
    ctx.log(&format!(
        "backing up {} path(s){}",
        plan.paths.len(),
        req.parent
            .as_deref()
            .map_or(String::new(), |p| format!(", parent snapshot {p}"))
    ));
    let last_logged = parking_lot::Mutex::new(std::time::Instant::now());
    let sink = |event: BackupEvent| {
        log_event(ctx, &event, &last_logged);
        ctx.progress_op(|op| apply_event(op, event));
    };
    match engine.backup(&repo, &req, &sink, &ctx.cancel).await {
        Err(e) if logged.as_deref().is_some_and(|p| parent::names(&e, p)) => {
            tracing::warn!(plan = %plan.id, error = %e, "the parent snapshot the log names is gone; asking the engine for the plan's newest");
            req.parent = parent::from_engine(engine.as_ref(), &repo, &tags).await?;
            Ok(engine.backup(&repo, &req, &sink, &ctx.cancel).await?)
        }
        result => Ok(result?),
    }
}

/// How often a backup's progress goes to its task log.
const LOG_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Writes an unreadable item, and progress every [`LOG_PROGRESS_EVERY`], to the task log.
fn log_event(ctx: &TaskCtx, event: &BackupEvent, last: &parking_lot::Mutex<std::time::Instant>) {
    match event {
        BackupEvent::Error(e) => ctx.log(&format!(
            "warning: cannot read {} ({}): {}",
            quoted(&e.item),
            e.during,
            e.message
        )),
        BackupEvent::Status(s) => {
            let mut last = last.lock();
            if last.elapsed() >= LOG_PROGRESS_EVERY {
                *last = std::time::Instant::now();
                ctx.log(&format!(
                    "progress: {:.0}%, {} of {} files, {} of {} bytes",
                    s.percent_done * 100.0,
                    s.files_done,
                    s.total_files,
                    s.bytes_done,
                    s.total_bytes
                ));
            }
        }
    }
}

/// Folds one progress event into the operation.
fn apply_event(op: &mut Operation, event: BackupEvent) {
    let Some(Op::OperationBackup(b)) = op.op.as_mut() else {
        return;
    };
    match event {
        BackupEvent::Status(mut status) => {
            // A status without current files keeps showing the previous ones.
            if status.current_file.is_empty()
                && let Some(Progress::Status(prev)) =
                    b.last_status.as_option().and_then(|e| e.entry.as_ref())
            {
                status.current_file = prev.current_file.clone();
            }
            b.last_status = BackupProgressEntry {
                entry: Some(Progress::Status(Box::new(status))),
                ..Default::default()
            }
            .into();
        }
        BackupEvent::Error(e) => add_error(&mut b.errors, e),
    }
}

fn add_error(errors: &mut Vec<BackupProgressError>, e: BackupProgressError) {
    if errors.len() < MAX_ERRORS && !errors.iter().any(|x| x.item == e.item) {
        errors.push(e);
    }
}

/// Writes the outcome to the operation; returns the final status and message.
fn record(ctx: &TaskCtx, outcome: &BackupOutcome, dry_run: bool) -> Result<Done, Failure> {
    let snapshot = if dry_run {
        String::new()
    } else {
        outcome.summary.snapshot_id.clone()
    };
    ctx.log(&summary_text(&outcome.summary, &snapshot));
    ctx.update_op(|op| {
        op.snapshot_id = snapshot.clone();
        if let Some(Op::OperationBackup(b)) = op.op.as_mut() {
            let mut summary = outcome.summary.clone();
            summary.snapshot_id = snapshot.clone();
            b.last_status = BackupProgressEntry {
                entry: Some(Progress::Summary(Box::new(summary))),
                ..Default::default()
            }
            .into();
            for e in &outcome.errors {
                add_error(&mut b.errors, e.clone());
            }
        }
    })?;
    Ok(if dry_run {
        Done::with(OperationStatus::STATUS_SUCCESS, DRY_RUN)
    } else if outcome.partial {
        let mut msg = PARTIAL.to_string();
        if outcome.errors.len() > MAX_ERRORS {
            msg.push_str(&format!(
                " {} errors; the first {MAX_ERRORS} are listed.",
                outcome.errors.len()
            ));
        }
        Done::with(OperationStatus::STATUS_WARNING, msg)
    } else if outcome.skipped {
        Done::with(OperationStatus::STATUS_SUCCESS, SKIPPED)
    } else {
        Done::success()
    })
}

/// A backup's summary as its task log shows it.
fn summary_text(s: &cairn_proto::v1::BackupProgressSummary, snapshot: &str) -> String {
    let made = if snapshot.is_empty() {
        "no snapshot written".to_string()
    } else {
        format!("snapshot {snapshot}")
    };
    format!(
        "{made}: files {} new, {} changed, {} unmodified; directories {} new, {} changed, {} unmodified; {} bytes added of {} processed in {:.1} s",
        s.files_new,
        s.files_changed,
        s.files_unmodified,
        s.dirs_new,
        s.dirs_changed,
        s.dirs_unmodified,
        s.data_added,
        s.total_bytes_processed,
        s.total_duration
    )
}

/// After a new snapshot: the plan's retention (in this flow) unless the repository's own forget
/// schedule handles retention, and indexing.
fn follow_ups(ctx: &TaskCtx, plan: &Plan, repo: &cairn_proto::v1::Repo) -> Result<(), Failure> {
    let repo_forgets = cairn_config::schedule_enabled(
        repo.forget_policy
            .as_option()
            .and_then(|f| f.schedule.as_option()),
    );
    let keeps_all = match plan.retention.as_option().and_then(|r| r.policy.as_ref()) {
        None | Some(Policy::PolicyKeepAll(_)) => true,
        Some(_) => false,
    };
    if !repo_forgets && !keeps_all {
        let task = Task::ForgetPlan {
            plan_id: plan.id.clone(),
        };
        ctx.follow_up(task, priority::FORGET, ctx.flow_id())?;
    }
    let index = Task::IndexSnapshots {
        repo_id: repo.id.clone(),
    };
    ctx.follow_up(index, priority::INDEX_SNAPSHOTS, 0)
}
