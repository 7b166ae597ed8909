//! Queueing tasks and keeping every recurring task's next run queued, each as a PENDING operation
//! (so the UI can show upcoming runs):
//! - a plan's backup by its schedule, anchored at its last run (see `schedule.rs`);
//! - a repository's prune and check by their policies, anchored at the last prune (check), and only
//!   once a backup has run since (no new data, nothing to prune or check);
//! - a repository's forget policy by its schedule;
//! - garbage collection daily (first run a second after start).
//!
//! After a restart, PENDING operations left in the log are adopted as the next run of the recurring
//! task they belong to (so a first run is not pushed back by restarts); any other PENDING operation
//! (a queued one-off request) becomes SYSTEM_CANCELLED with a message saying why.
use crate::error::{OrchestratorError, Result};
use crate::orchestrator::{Inner, SYSTEM_PLAN, State, find_repo, plan_and_repo};
use crate::queue::Entry;
use crate::schedule::next_run;
use crate::task::{ScheduleKey, Task};
use cairn_oplog::{OpKind, Order, Query, Selector};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{
    Config, Operation, OperationBackup, OperationCheck, OperationMirror, OperationPrune,
    OperationRunCommand, OperationStats, OperationStatus, OperationVerify, Repo, Schedule,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Garbage collection runs this long after the previous one.
const GC_INTERVAL: Duration = Duration::hours(24);
/// Operations decoded per page while looking for a task's last run.
const PAGE: u32 = 32;

/// Creates a task's operation (PENDING, starting at `run_at`) if it has one, and queues it. Returns
/// the operation id.
pub(crate) fn enqueue(
    inner: &Arc<Inner>,
    task: Task,
    run_at: DateTime<Utc>,
    priority: i32,
    flow_id: i64,
) -> Result<Option<i64>> {
    let config = inner.config.get();
    let repo = task_repo(&config, &task)?;
    let mut state = inner.state();
    let op_id = record(inner, &config, &task, repo.as_ref(), run_at, flow_id)?;
    let once = Once {
        run_at,
        priority,
        flow_id,
        op_id,
    };
    state.queue.push(entry(&config, task, repo.as_ref(), once));
    Ok(op_id)
}

/// Records the PENDING operation of a task that another server will queue (see `handoff`); returns
/// its id (None for a task without one).
pub(crate) fn record_pending(
    inner: &Inner,
    task: &Task,
    run_at: DateTime<Utc>,
    flow_id: i64,
) -> Result<Option<i64>> {
    let config = inner.config.get();
    let repo = task_repo(&config, task)?;
    record(inner, &config, task, repo.as_ref(), run_at, flow_id)
}

/// Queues, due now, a task another server handed over with its PENDING operation recorded.
pub(crate) fn push(
    inner: &Arc<Inner>,
    task: Task,
    priority: i32,
    flow_id: i64,
    op_id: Option<i64>,
) -> Result<()> {
    let config = inner.config.get();
    let repo = task_repo(&config, &task)?;
    let once = Once {
        run_at: inner.now(),
        priority,
        flow_id,
        op_id,
    };
    let entry = entry(&config, task, repo.as_ref(), once);
    inner.state().queue.push(entry);
    Ok(())
}

fn record(
    inner: &Inner,
    config: &Config,
    task: &Task,
    repo: Option<&Repo>,
    run_at: DateTime<Utc>,
    flow_id: i64,
) -> Result<Option<i64>> {
    match pending_op(config, task, repo, run_at, flow_id) {
        Some(mut op) => {
            inner.oplog.add(&mut op)?;
            Ok(Some(op.id))
        }
        None => Ok(None),
    }
}

/// When and how a task asked for once (not a recurring one) runs.
struct Once {
    run_at: DateTime<Utc>,
    priority: i32,
    flow_id: i64,
    op_id: Option<i64>,
}

/// The queue entry of a task asked for once.
fn entry(config: &Config, task: Task, repo: Option<&Repo>, once: Once) -> Entry {
    Entry {
        seq: 0,
        run_at: once.run_at,
        priority: once.priority,
        repo_id: lane(config, &task, repo),
        task,
        op_id: once.op_id,
        schedule: None,
        flow_id: once.flow_id,
        attempt: 0,
    }
}

/// Recomputes every recurring task's next run (at start, after a config change, after a clock jump).
pub(crate) fn reschedule_all(inner: &Arc<Inner>) -> Result<()> {
    let config = inner.config.get();
    let now = inner.now();
    let mut state = inner.state();
    let mut pending: HashMap<ScheduleKey, Operation> = HashMap::new();
    for e in state.queue.remove_scheduled() {
        if let (Some(k), Some(id)) = (e.schedule, e.op_id)
            && let Some(op) = inner.oplog.get(id)?
        {
            pending.insert(k, op);
        }
    }
    adopt_orphans(inner, &state, &mut pending, now)?;
    for key in desired_keys(&config) {
        if state.running_keys.contains(&key) {
            continue;
        }
        let existing = pending.remove(&key);
        if let Err(e) = schedule_key(inner, &mut state, &config, &key, existing, now) {
            tracing::error!(task = %key.task().name(None), error = %e, "cannot schedule");
        }
    }
    let stale: Vec<i64> = pending.values().map(|o| o.id).collect();
    if !stale.is_empty() {
        inner.oplog.delete(&stale)?;
    }
    Ok(())
}

/// Queues the next run of one recurring task, unless it is queued or running already.
pub(crate) fn schedule_next(inner: &Arc<Inner>, key: &ScheduleKey) -> Result<()> {
    let config = inner.config.get();
    if !desired_keys(&config).contains(key) {
        return Ok(());
    }
    let mut state = inner.state();
    if state.queue.has_schedule(key) || state.running_keys.contains(key) {
        return Ok(());
    }
    let now = inner.now();
    schedule_key(inner, &mut state, &config, key, None, now)
}

/// Deletes the hook operations an earlier attempt of `op` ran (before a retry).
pub(crate) fn delete_hook_ops(inner: &Inner, op: &Operation) -> Result<()> {
    let hooks = inner.oplog.query(&Query::new(Selector {
        flow_id: Some(op.flow_id),
        kinds: vec![OpKind::RunHook],
        ..Selector::default()
    }))?;
    let ids: Vec<i64> = hooks
        .iter()
        .filter(|h| matches!(&h.op, Some(Op::OperationRunHook(r)) if r.parent_op == op.id))
        .map(|h| h.id)
        .collect();
    inner.oplog.delete(&ids)?;
    Ok(())
}

/// PENDING operations nobody has queued (left by a previous process): each recurring task adopts its
/// own; the rest are marked SYSTEM_CANCELLED.
fn adopt_orphans(
    inner: &Inner,
    state: &State,
    pending: &mut HashMap<ScheduleKey, Operation>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut owned: HashSet<i64> = state
        .queue
        .entries()
        .iter()
        .filter_map(|e| e.op_id)
        .collect();
    owned.extend(state.running.keys());
    owned.extend(pending.values().map(|o| o.id));
    let upto = inner
        .orphans_upto
        .load(std::sync::atomic::Ordering::Acquire);
    let orphans = inner.oplog.unfinished()?.into_iter().filter(|o| {
        o.status == OperationStatus::STATUS_PENDING
            && o.original_instance_keyid.is_empty()
            && o.modno <= upto
            && !owned.contains(&o.id)
    });
    for mut op in orphans {
        match key_of(&op) {
            Some(k) if !pending.contains_key(&k) => {
                pending.insert(k, op);
            }
            _ => {
                op.status = OperationStatus::STATUS_SYSTEM_CANCELLED.into();
                op.display_message =
                    "not run: cairn restarted before this queued request started; request it again"
                        .into();
                op.unix_time_end_ms = now.timestamp_millis();
                inner.oplog.update(&mut op)?;
            }
        }
    }
    Ok(())
}

/// The recurring task a PENDING operation is the next run of, judged by its kind.
fn key_of(op: &Operation) -> Option<ScheduleKey> {
    match &op.op {
        Some(Op::OperationBackup(b)) if !b.dry_run => Some(ScheduleKey::Backup(op.plan_id.clone())),
        Some(Op::OperationPrune(_)) => Some(ScheduleKey::Prune(op.repo_id.clone())),
        Some(Op::OperationCheck(_)) => Some(ScheduleKey::Check(op.repo_id.clone())),
        Some(Op::OperationVerify(_)) => Some(ScheduleKey::Verify(op.repo_id.clone())),
        Some(Op::OperationForget(_)) if op.plan_id == SYSTEM_PLAN => {
            Some(ScheduleKey::Forget(op.repo_id.clone()))
        }
        _ => None,
    }
}

/// Every recurring task the config asks for. Repositories shared from another instance are that
/// instance's to maintain.
fn desired_keys(config: &Config) -> Vec<ScheduleKey> {
    let mut keys: Vec<ScheduleKey> = config
        .plans
        .iter()
        .map(|p| ScheduleKey::Backup(p.id.clone()))
        .collect();
    for repo in config
        .repos
        .iter()
        .filter(|r| r.origin_instance_id.is_empty())
    {
        keys.push(ScheduleKey::Prune(repo.id.clone()));
        keys.push(ScheduleKey::Check(repo.id.clone()));
        if repo.forget_policy.is_set() {
            keys.push(ScheduleKey::Forget(repo.id.clone()));
        }
        if repo.verify_policy.is_set() {
            keys.push(ScheduleKey::Verify(repo.id.clone()));
        }
    }
    keys.push(ScheduleKey::CollectGarbage);
    keys
}

/// Computes one recurring task's next run and queues it, reusing `existing` as its PENDING
/// operation; deletes `existing` when the task does not run.
fn schedule_key(
    inner: &Inner,
    state: &mut State,
    config: &Config,
    key: &ScheduleKey,
    existing: Option<Operation>,
    now: DateTime<Utc>,
) -> Result<()> {
    let task = key.task();
    let at = match key {
        ScheduleKey::CollectGarbage => Some(
            state
                .last_gc
                .map_or(now + Duration::seconds(1), |t| (t + GC_INTERVAL).max(now)),
        ),
        _ => next_time(inner, config, key, existing.as_ref(), now)?,
    };
    let Some(at) = at else {
        if let Some(op) = existing {
            inner.oplog.delete(&[op.id])?;
        }
        return Ok(());
    };
    let repo = task_repo(config, &task)?;
    let op_id = match (existing, pending_op(config, &task, repo.as_ref(), at, 0)) {
        (Some(mut old), Some(fresh)) => {
            old.unix_time_start_ms = fresh.unix_time_start_ms;
            old.repo_id = fresh.repo_id;
            old.repo_guid = fresh.repo_guid;
            old.instance_id = fresh.instance_id;
            old.display_message.clear();
            inner.oplog.update(&mut old)?;
            Some(old.id)
        }
        (None, Some(mut fresh)) => {
            inner.oplog.add(&mut fresh)?;
            Some(fresh.id)
        }
        (old, None) => {
            if let Some(o) = old {
                inner.oplog.delete(&[o.id])?;
            }
            None
        }
    };
    state.queue.push(Entry {
        seq: 0,
        run_at: at,
        priority: task.priority(),
        repo_id: repo.map(|r| r.id),
        task,
        op_id,
        schedule: Some(key.clone()),
        flow_id: 0,
        attempt: 0,
    });
    Ok(())
}

/// When a plan's backup or a repository's prune, check or forget runs next (None: not scheduled).
fn next_time(
    inner: &Inner,
    config: &Config,
    key: &ScheduleKey,
    existing: Option<&Operation>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let (schedule, last) = match key {
        ScheduleKey::Backup(plan_id) => {
            let (plan, repo) = plan_and_repo(config, plan_id)?;
            let selector = Selector {
                instance_id: Some(config.instance.clone()),
                repo_guid: Some(repo.guid.clone()),
                plan_id: Some(plan.id.clone()),
                kinds: vec![OpKind::Backup],
                ..Selector::default()
            };
            (
                plan.schedule.as_option().cloned(),
                LastRun::Found(last_run(inner, selector)?),
            )
        }
        ScheduleKey::Prune(repo_id)
        | ScheduleKey::Check(repo_id)
        | ScheduleKey::Forget(repo_id)
        | ScheduleKey::Verify(repo_id) => {
            let repo = find_repo(config, repo_id)?;
            (
                policy_schedule(&repo, key),
                policy_last_run(inner, config, &repo, key)?,
            )
        }
        ScheduleKey::CollectGarbage => return Ok(None),
    };
    let last = match last {
        LastRun::Postponed => return Ok(None),
        LastRun::Found(t) => t,
    };
    let due = next_run(schedule.as_ref(), last, now, &chrono::Local)?;
    // Never run before: keep the time an earlier process already promised (restarts do not push it).
    let due = match (due, last, existing) {
        (Some(d), None, Some(op)) if op.unix_time_start_ms > 0 => {
            let promised = DateTime::from_timestamp_millis(op.unix_time_start_ms).unwrap_or(d);
            Some(d.min(promised).max(now))
        }
        (d, _, _) => d,
    };
    Ok(due)
}

enum LastRun {
    /// Nothing to do until something changes (no backup since the last prune or check).
    Postponed,
    Found(Option<DateTime<Utc>>),
}

/// The schedule of the repository policy a recurring repository task follows.
fn policy_schedule(repo: &Repo, key: &ScheduleKey) -> Option<Schedule> {
    let schedule = match key {
        ScheduleKey::Prune(_) => repo.prune_policy.as_option().map(|p| &p.schedule),
        ScheduleKey::Check(_) => repo.check_policy.as_option().map(|p| &p.schedule),
        ScheduleKey::Forget(_) => repo.forget_policy.as_option().map(|p| &p.schedule),
        ScheduleKey::Verify(_) => repo.verify_policy.as_option().map(|p| &p.schedule),
        ScheduleKey::Backup(_) | ScheduleKey::CollectGarbage => None,
    };
    schedule.and_then(|s| s.as_option().cloned())
}

/// The last run a recurring repository task's next run is anchored at: prune and check wait for a
/// backup newer than their last run; a repository forget and a verification do not.
fn policy_last_run(
    inner: &Inner,
    config: &Config,
    repo: &Repo,
    key: &ScheduleKey,
) -> Result<LastRun> {
    let selector = match key {
        ScheduleKey::Prune(_) => return last_upkeep(inner, config, repo, OpKind::Prune),
        ScheduleKey::Check(_) => return last_upkeep(inner, config, repo, OpKind::Check),
        ScheduleKey::Forget(_) => Selector {
            repo_guid: Some(repo.guid.clone()),
            plan_id: Some(SYSTEM_PLAN.into()),
            kinds: vec![OpKind::Forget],
            ..Selector::default()
        },
        _ => Selector {
            instance_id: Some(config.instance.clone()),
            repo_guid: Some(repo.guid.clone()),
            kinds: vec![OpKind::Verify],
            ..Selector::default()
        },
    };
    Ok(LastRun::Found(last_run(inner, selector)?))
}

/// A repository's last prune or check; postponed while no backup has run since (or ever).
fn last_upkeep(inner: &Inner, config: &Config, repo: &Repo, kind: OpKind) -> Result<LastRun> {
    let upkeep = Selector {
        instance_id: Some(config.instance.clone()),
        repo_guid: Some(repo.guid.clone()),
        kinds: vec![kind],
        ..Selector::default()
    };
    let last = last_counted(inner, upkeep)?;
    let backups = Selector {
        repo_guid: Some(repo.guid.clone()),
        kinds: vec![OpKind::Backup],
        ..Selector::default()
    };
    let newest_backup = inner.oplog.query_meta(&Query::last_n(backups, 1))?;
    let Some(backup) = newest_backup.first() else {
        return Ok(LastRun::Postponed);
    };
    match last {
        Some(op) if op.id > backup.id => Ok(LastRun::Postponed),
        Some(op) => Ok(LastRun::Found(end_time(&op))),
        None => Ok(LastRun::Found(None)),
    }
}

/// The end of the newest run that counts among the selected operations.
pub(crate) fn last_run(inner: &Inner, selector: Selector) -> Result<Option<DateTime<Utc>>> {
    Ok(last_counted(inner, selector)?.as_ref().and_then(end_time))
}

/// The newest selected operation that counts as a run: finished, not system-cancelled, not a dry run.
fn last_counted(inner: &Inner, selector: Selector) -> Result<Option<Operation>> {
    let mut cursor = None;
    loop {
        let page = inner.oplog.query(&Query {
            selector: selector.clone(),
            order: Order::Descending,
            limit: Some(PAGE),
            cursor,
        })?;
        if let Some(op) = page.iter().find(|o| counts_as_run(o)) {
            return Ok(Some(op.clone()));
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => cursor = Some(last.id),
            _ => return Ok(None),
        }
    }
}

fn counts_as_run(op: &Operation) -> bool {
    let finished = !matches!(
        op.status.as_known(),
        Some(OperationStatus::STATUS_PENDING)
            | Some(OperationStatus::STATUS_INPROGRESS)
            | Some(OperationStatus::STATUS_SYSTEM_CANCELLED)
            | Some(OperationStatus::STATUS_UNKNOWN)
            | None
    );
    let dry = matches!(&op.op, Some(Op::OperationBackup(b)) if b.dry_run);
    finished && op.unix_time_end_ms > 0 && !dry
}

fn end_time(op: &Operation) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(op.unix_time_end_ms)
}

/// The repository whose serial lane a task waits in: the one it runs against, except a mirror copy,
/// which waits in its source's lane so that it never overlaps the source's forget, prune or check (it
/// holds a lock on the source, and restic 0.14 does not wait for locks).
fn lane(config: &Config, task: &Task, repo: Option<&Repo>) -> Option<String> {
    let source = match task {
        Task::Mirror { plan_id, .. } => plan_repo_id(config, plan_id),
        _ => None,
    };
    source.or_else(|| repo.map(|r| r.id.clone()))
}

/// The id of the repository a plan backs up to, if the plan exists.
fn plan_repo_id(config: &Config, plan_id: &str) -> Option<String> {
    config
        .plans
        .iter()
        .find(|p| p.id == plan_id)
        .map(|p| p.repo.clone())
}

/// The repository a task runs against (None for garbage collection).
pub(crate) fn task_repo(config: &Config, task: &Task) -> Result<Option<Repo>> {
    let repo = match task {
        Task::Backup { plan_id, .. } | Task::ForgetPlan { plan_id } => {
            Some(plan_and_repo(config, plan_id)?.1)
        }
        _ => task
            .own_repo_id()
            .map(|id| find_repo(config, id))
            .transpose()?,
    };
    match repo {
        Some(r) if r.guid.is_empty() => Err(OrchestratorError::RepoNotOpened(r.id)),
        other => Ok(other),
    }
}

/// The PENDING operation recording a task's run, for tasks that have one.
pub(crate) fn pending_op(
    config: &Config,
    task: &Task,
    repo: Option<&Repo>,
    run_at: DateTime<Utc>,
    flow_id: i64,
) -> Option<Operation> {
    let op = match task {
        Task::Backup { dry_run, .. } => Op::OperationBackup(Box::new(OperationBackup {
            dry_run: *dry_run,
            ..Default::default()
        })),
        Task::ForgetPlan { .. }
        | Task::ScheduledForget { .. }
        | Task::ForgetSnapshot { .. }
        | Task::ForgetMirror { .. } => Op::OperationForget(Box::default()),
        Task::Mirror {
            plan_id,
            snapshot_id,
            ..
        } => Op::OperationMirror(Box::new(OperationMirror {
            source_repo_id: plan_repo_id(config, plan_id).unwrap_or_default(),
            snapshot_ids: vec![snapshot_id.clone()],
            ..OperationMirror::default()
        })),
        Task::Prune { .. } => Op::OperationPrune(Box::<OperationPrune>::default()),
        Task::Check { .. } => Op::OperationCheck(Box::<OperationCheck>::default()),
        Task::Stats { .. } => Op::OperationStats(Box::<OperationStats>::default()),
        Task::Verify { .. } => Op::OperationVerify(Box::<OperationVerify>::default()),
        Task::Restore { spec, .. } => {
            Op::OperationRestore(Box::new(crate::tasks::restore::operation(spec)))
        }
        Task::RunCommand { command, .. } => {
            Op::OperationRunCommand(Box::new(OperationRunCommand {
                command: command.clone(),
                ..Default::default()
            }))
        }
        Task::IndexSnapshots { .. } | Task::CollectGarbage => return None,
    };
    Some(Operation {
        instance_id: config.instance.clone(),
        repo_id: repo.map(|r| r.id.clone()).unwrap_or_default(),
        repo_guid: repo.map(|r| r.guid.clone()).unwrap_or_default(),
        plan_id: task.plan_id().unwrap_or(SYSTEM_PLAN).to_string(),
        status: OperationStatus::STATUS_PENDING.into(),
        unix_time_start_ms: run_at.timestamp_millis(),
        flow_id,
        op: Some(op),
        ..Default::default()
    })
}
