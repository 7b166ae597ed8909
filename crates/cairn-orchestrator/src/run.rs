//! Running one queued entry: the operation's lifecycle (PENDING → INPROGRESS → SUCCESS, WARNING, ERROR,
//! USER_CANCELLED or SYSTEM_CANCELLED, each with times and a message for people), cancellation, retries,
//! and queueing a recurring task's next run when it ends.
use crate::engines::engine_label;
use crate::orchestrator::{Inner, Running};
use crate::queue::Entry;
use crate::scheduler;
use crate::task::Task;
use crate::task_log::TaskLog;
use crate::tasks;
use cairn_engine::{Engine, EngineError};
use cairn_oplog::OplogError;
use cairn_proto::v1::{Config, Operation, OperationStatus, Plan, Repo};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Progress is written to the log at most this often.
pub const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

/// How a task ended well.
#[derive(Debug)]
pub struct Done {
    pub status: OperationStatus,
    /// Replaces the operation's message when set.
    pub message: Option<String>,
}

impl Done {
    pub fn success() -> Self {
        Done {
            status: OperationStatus::STATUS_SUCCESS,
            message: None,
        }
    }

    pub fn with(status: OperationStatus, message: impl Into<String>) -> Self {
        Done {
            status,
            message: Some(message.into()),
        }
    }
}

/// How a task ended badly.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Stopped by a cancel request or shutdown (the runner tells which).
    #[error("cancelled")]
    Cancelled,
    /// Ended by a hook whose on-error policy is CANCEL.
    #[error("cancelled by a hook: {0}")]
    CancelledByHook(String),
    #[error("{0}")]
    Error(String),
    /// A hook asked for the run to be tried again after `delay`.
    #[error("{reason}; to be tried again in {} s", .delay.as_secs())]
    Retry { delay: Duration, reason: String },
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Cancelled => Failure::Cancelled,
            other => Failure::Error(other.to_string()),
        }
    }
}

impl From<OplogError> for Failure {
    fn from(e: OplogError) -> Self {
        Failure::Error(format!("operation log: {e}"))
    }
}

impl From<cairn_search::SearchError> for Failure {
    fn from(e: cairn_search::SearchError) -> Self {
        Failure::Error(e.to_string())
    }
}

impl From<crate::error::OrchestratorError> for Failure {
    fn from(e: crate::error::OrchestratorError) -> Self {
        match e {
            crate::error::OrchestratorError::Engine(e) => e.into(),
            other => Failure::Error(other.to_string()),
        }
    }
}

pub type TaskResult = std::result::Result<Done, Failure>;

/// What a task sees while it runs.
pub(crate) struct TaskCtx {
    pub inner: Arc<Inner>,
    pub entry: Entry,
    /// The config as it was when the run started.
    pub config: Arc<Config>,
    pub cancel: CancellationToken,
    op: Mutex<Option<Operation>>,
    last_write: Mutex<Instant>,
    /// The operation's task log (None without an operation, or when it could not be created).
    log: Option<TaskLog>,
}

impl TaskCtx {
    pub fn task(&self) -> &Task {
        &self.entry.task
    }

    pub fn now_ms(&self) -> i64 {
        self.inner.now().timestamp_millis()
    }

    /// The run's operation as it is now (None for tasks without one).
    pub fn op(&self) -> Option<Operation> {
        self.op.lock().clone()
    }

    /// Changes the operation and writes it to the log now.
    pub fn update_op(&self, f: impl FnOnce(&mut Operation)) -> Result<(), OplogError> {
        let mut guard = self.op.lock();
        let Some(op) = guard.as_mut() else {
            return Ok(());
        };
        f(op);
        self.inner.oplog.update(op)?;
        *self.last_write.lock() = Instant::now();
        Ok(())
    }

    /// Changes the operation; writes it only if the last write was at least [`PROGRESS_INTERVAL`] ago.
    pub fn progress_op(&self, f: impl FnOnce(&mut Operation)) {
        let mut guard = self.op.lock();
        let Some(op) = guard.as_mut() else { return };
        f(op);
        let mut last = self.last_write.lock();
        if last.elapsed() >= PROGRESS_INTERVAL {
            match self.inner.oplog.update(op) {
                Ok(()) => *last = Instant::now(),
                Err(e) => tracing::warn!(error = %e, "writing progress failed"),
            }
        }
    }

    /// Writes `text` to the operation's task log.
    pub fn log(&self, text: &str) {
        if let Some(log) = &self.log {
            log.line(self.inner.now(), text);
        }
    }

    /// The repository's engine; records it on the operation and in its log.
    pub async fn engine(&self, repo: &Repo) -> Result<Arc<dyn Engine>, Failure> {
        let engine = self.inner.engines.for_repo(repo).await?;
        let label = engine_label(engine.as_ref());
        // The id, not the URI: a URI may carry credentials.
        self.log(&format!(
            "repository {}, engine {label}",
            cairn_proto::quoted(&repo.id)
        ));
        self.update_op(|op| op.engine = label)?;
        Ok(engine)
    }

    /// Queues a follow-up task in this run's flow (or its own flow for `flow_id` 0).
    pub fn follow_up(&self, task: Task, priority: i32, flow_id: i64) -> Result<(), Failure> {
        scheduler::enqueue(&self.inner, task, self.inner.now(), priority, flow_id)?;
        self.inner.wake.notify_one();
        Ok(())
    }

    /// The task's plan and repository as configured when the run started (either may be absent:
    /// repository tasks have no plan, garbage collection neither).
    pub fn configured_plan_and_repo(&self) -> (Option<&Plan>, Option<&Repo>) {
        let task = self.task();
        let plan = task
            .plan_id()
            .and_then(|id| self.config.plans.iter().find(|p| p.id == id));
        let repo_id = task.own_repo_id().or(plan.map(|p| p.repo.as_str()));
        let repo = repo_id.and_then(|id| self.config.repos.iter().find(|r| r.id == id));
        (plan, repo)
    }

    /// The flow this run's operation belongs to.
    pub fn flow_id(&self) -> i64 {
        self.op().map_or(0, |o| o.flow_id)
    }
}

/// Runs a taken queue entry to its end and frees its repository lane.
pub(crate) async fn run_entry(inner: &Arc<Inner>, entry: Entry) {
    let repo = entry.repo_id.clone();
    let key = entry.schedule.clone();
    if let Some(k) = &key {
        inner.state().running_keys.insert(k.clone());
    }
    let retry = run_guarded(inner, &entry).await;
    {
        let mut state = inner.state();
        state.queue.finished(repo.as_deref());
        if let Some(k) = &key {
            state.running_keys.remove(k);
        }
        if let Some(delay) = retry {
            let mut again = entry.clone();
            again.run_at = inner.now() + chrono::Duration::from_std(delay).unwrap_or_default();
            again.attempt += 1;
            state.queue.push(again);
            return;
        }
    }
    if matches!(entry.task, Task::CollectGarbage) {
        inner.state().last_gc = Some(inner.now());
    }
    if let Some(k) = key
        && let Err(e) = scheduler::schedule_next(inner, &k)
    {
        tracing::error!(task = %k.task().name(None), error = %e, "scheduling the next run failed");
    }
}

/// Runs an entry at once, outside the queue (commands typed by a person).
pub(crate) async fn run_direct(inner: &Arc<Inner>, entry: Entry) {
    run_guarded(inner, &entry).await;
}

/// Runs the task once; a failure to write its operation, or a panic inside it, ends the operation as
/// ERROR (instead of leaving it running and its repository's lane taken) and is logged.
async fn run_guarded(inner: &Arc<Inner>, entry: &Entry) -> Option<Duration> {
    use futures::FutureExt;
    let message = match std::panic::AssertUnwindSafe(run_once(inner, entry))
        .catch_unwind()
        .await
    {
        Ok(Ok(retry)) => return retry,
        Ok(Err(e)) => format!("cairn could not record this operation: {e}"),
        Err(panic) => {
            let what = crate::hooks::panic_text(panic.as_ref());
            if let Some(id) = entry.op_id {
                inner.state().running.remove(&id);
            }
            format!("cairn failed internally while running this (a bug; please report it): {what}")
        }
    };
    record_failure(inner, entry, &message);
    None
}

/// Logs a task that failed outside its own error handling and ends its operation as ERROR; when the
/// log refuses that write too (a full disk), the failure is kept and written once it takes writes
/// again, and waiters are told at once, so the operation is never left running.
fn record_failure(inner: &Arc<Inner>, entry: &Entry, message: &str) {
    tracing::error!(task = %entry.task.name(None), error = %message, "a task failed outside its own error handling");
    let Some(Ok(Some(op))) = entry.op_id.map(|id| inner.oplog.get(id)) else {
        return;
    };
    if crate::is_final(&op) {
        return;
    }
    crate::reconcile::fail(inner, op, message);
}

/// Runs the task once; returns the retry delay when it is to run again.
async fn run_once(inner: &Arc<Inner>, entry: &Entry) -> Result<Option<Duration>, OplogError> {
    let cancel = inner.shutdown.child_token();
    let mut op = None;
    let mut log = None;
    if let Some(id) = entry.op_id {
        let Some(mut stored) = inner.oplog.get(id)? else {
            tracing::info!(
                op = id,
                "the operation was deleted while queued; not running it"
            );
            return Ok(None);
        };
        if entry.attempt > 0 {
            if let Err(e) = scheduler::delete_hook_ops(inner, &stored) {
                tracing::warn!(op = id, error = %e, "could not remove the previous attempt's hook operations");
            }
            stored.display_message = format!("running after {} retries", entry.attempt);
        } else {
            stored.display_message.clear();
        }
        stored.status = OperationStatus::STATUS_INPROGRESS.into();
        stored.unix_time_start_ms = inner.now().timestamp_millis();
        stored.unix_time_end_ms = 0;
        log = TaskLog::start(&inner.logs, &mut stored);
        // Registered before it is written, so reconciliation never sees it running without a task.
        inner.state().running.insert(
            id,
            Running {
                cancel: cancel.clone(),
                requested: None,
            },
        );
        if let Err(e) = inner.oplog.update(&mut stored) {
            inner.state().running.remove(&id);
            return Err(e);
        }
        op = Some(stored);
    }
    let ctx = TaskCtx {
        inner: inner.clone(),
        entry: entry.clone(),
        config: Arc::new(inner.config.get()),
        cancel: cancel.clone(),
        op: Mutex::new(op),
        last_write: Mutex::new(Instant::now()),
        log,
    };
    ctx.log(&starting(entry));
    let result = tasks::run(&ctx).await;
    // No longer cancellable from here on: the final status is about to be written.
    let requested = entry
        .op_id
        .and_then(|id| inner.state().running.remove(&id).and_then(|r| r.requested));
    let (status, message, retry) = outcome(result, requested, inner.shutdown.is_cancelled());
    if let Some(log) = &ctx.log {
        log.end(inner.now(), status, message.as_deref(), retry);
    }
    ctx.update_op(|op| {
        op.status = status.into();
        op.unix_time_end_ms = inner.now().timestamp_millis();
        if let Some(m) = message.clone() {
            op.display_message = m;
        }
        if let Some(delay) = retry {
            op.unix_time_end_ms = 0;
            op.unix_time_start_ms = inner.now().timestamp_millis() + delay.as_millis() as i64;
        }
    })?;
    if ctx.op().is_none()
        && let Some(m) = message.filter(|_| status != OperationStatus::STATUS_SUCCESS)
    {
        tracing::warn!(task = %entry.task.name(None), "{m}");
    }
    Ok(retry)
}

/// The task log's first line: what runs, and which attempt this is.
fn starting(entry: &Entry) -> String {
    let name = entry.task.name(None);
    match entry.attempt {
        0 => format!("starting {name}"),
        n => format!("starting {name} (retry {n})"),
    }
}

/// The final status, message and retry delay of a run.
fn outcome(
    result: TaskResult,
    requested: Option<OperationStatus>,
    shutting_down: bool,
) -> (OperationStatus, Option<String>, Option<Duration>) {
    match result {
        Ok(done) => (done.status, done.message, None),
        Err(Failure::Cancelled) => match requested {
            Some(s) => (s, Some("cancelled by user request".into()), None),
            None if shutting_down => (
                OperationStatus::STATUS_SYSTEM_CANCELLED,
                Some("cancelled because cairn was shutting down; the next scheduled run will go ahead".into()),
                None,
            ),
            None => (
                OperationStatus::STATUS_ERROR,
                Some("the engine reported the operation as cancelled".into()),
                None,
            ),
        },
        Err(Failure::CancelledByHook(why)) => (
            OperationStatus::STATUS_USER_CANCELLED,
            Some(format!("cancelled by a hook: {why}")),
            None,
        ),
        Err(Failure::Error(e)) => (OperationStatus::STATUS_ERROR, Some(e), None),
        Err(Failure::Retry { delay, reason }) => (
            OperationStatus::STATUS_PENDING,
            Some(format!(
                "waiting for retry, current backoff delay: {}s ({reason})",
                delay.as_secs()
            )),
            Some(delay),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_say_what_happened() {
        let (s, m, _) = outcome(
            Err(Failure::Cancelled),
            Some(OperationStatus::STATUS_USER_CANCELLED),
            false,
        );
        assert_eq!(s, OperationStatus::STATUS_USER_CANCELLED);
        assert_eq!(m.unwrap(), "cancelled by user request");
        let (s, _, _) = outcome(Err(Failure::Cancelled), None, true);
        assert_eq!(s, OperationStatus::STATUS_SYSTEM_CANCELLED);
        let (s, m, r) = outcome(
            Err(Failure::Retry {
                delay: Duration::from_secs(60),
                reason: "hook failed".into(),
            }),
            None,
            false,
        );
        assert_eq!(s, OperationStatus::STATUS_PENDING);
        assert_eq!(r, Some(Duration::from_secs(60)));
        assert!(m.unwrap().contains("60s"));
        let (s, m, _) = outcome(
            Ok(Done::with(OperationStatus::STATUS_WARNING, "partial")),
            None,
            false,
        );
        assert_eq!(
            (s, m.as_deref()),
            (OperationStatus::STATUS_WARNING, Some("partial"))
        );
    }
}
