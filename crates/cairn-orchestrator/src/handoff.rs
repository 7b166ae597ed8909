//! Several servers on one database (a hub on PostgreSQL run as several `cairn serve` processes behind
//! one address): one of them runs the tasks (it holds the database's runner lease), the others serve
//! the API, the web UI and sync sessions. A task someone asks for on one of the others is recorded
//! there as a PENDING operation, so the caller gets its id at once, and handed to the runner through
//! the log's key/value table; the runner queues it as if asked itself. Requests left while no server
//! ran tasks are taken by the next one to start. Every server re-reads the config when the copy in the
//! database changes and applies it as it applies its own changes.
use crate::error::{OrchestratorError, Result};
use crate::orchestrator::{Inner, Orchestrator};
use crate::queue::Entry;
use crate::scheduler;
use crate::task::Task;
use cairn_oplog::ANY_KEY;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// The key/value entry that holds the config's text on a shared database.
pub const CONFIG_KEY: &str = "config";
/// Keys of handed-off requests: this prefix, then a time-ordered unique suffix.
const REQUEST_PREFIX: &str = "task-request:";

/// What a server that does not run tasks asks of the one that does.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Request {
    /// Queue a task; its PENDING operation (for a task that has one) is recorded already.
    Queue {
        task: Task,
        priority: i32,
        flow_id: i64,
        op_id: Option<i64>,
    },
    /// Run a typed command at once, outside the queue; its operation is recorded already.
    Direct {
        task: Task,
        flow_id: i64,
        op_id: i64,
    },
    /// Cancel a queued or running operation.
    Cancel { op_id: i64 },
}

/// Hands `request` to the server that runs tasks.
pub(crate) fn hand_off(inner: &Inner, request: &Request) -> Result<()> {
    let nanos = inner.now().timestamp_nanos_opt().unwrap_or_default().max(0);
    let key = format!("{REQUEST_PREFIX}{nanos:020}-{:016x}", rand::random::<u64>());
    let value = serde_json::to_vec(request)
        .map_err(|e| OrchestratorError::Invalid(format!("cannot encode the task request: {e}")))?;
    inner.oplog.kv_put(&key, &value)?;
    Ok(())
}

/// Takes every handed-off request, oldest first, and carries it out. Each is removed before it is
/// carried out, so a request is taken once even if two servers look at the same moment.
pub(crate) fn take_requests(orch: &Orchestrator) {
    let inner = &orch.inner;
    let requests = match inner.oplog.kv_scan(REQUEST_PREFIX) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the task requests other servers handed over");
            return;
        }
    };
    for (key, value) in requests {
        match inner.oplog.kv_delete(&key) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "cannot take a handed-over task request; will retry");
                return;
            }
        }
        match serde_json::from_slice::<Request>(&value) {
            Ok(request) => carry_out(orch, request),
            Err(e) => {
                tracing::error!(key, error = %e, "a handed-over task request cannot be read; dropped")
            }
        }
    }
}

fn carry_out(orch: &Orchestrator, request: Request) {
    let inner = &orch.inner;
    let (op_id, outcome) = match request {
        Request::Queue {
            task,
            priority,
            flow_id,
            op_id,
        } => (
            op_id,
            scheduler::push(inner, task, priority, flow_id, op_id),
        ),
        Request::Direct {
            task,
            flow_id,
            op_id,
        } => {
            spawn_direct(inner, task, flow_id, op_id);
            (Some(op_id), Ok(()))
        }
        Request::Cancel { op_id } => (None, orch.cancel(op_id)),
    };
    inner.wake.notify_one();
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "a task another server handed over cannot run");
        let op = op_id.and_then(|id| inner.oplog.get(id).ok().flatten());
        if let Some(op) = op {
            crate::reconcile::fail(inner, op, &format!("cannot run: {e}"));
        }
    }
}

/// Starts a typed command's run at once.
pub(crate) fn spawn_direct(inner: &Arc<Inner>, task: Task, flow_id: i64, op_id: i64) {
    let repo_id = task.own_repo_id().map(str::to_string);
    let entry = Entry {
        seq: 0,
        run_at: inner.now(),
        priority: crate::task::priority::INTERACTIVE,
        task,
        repo_id,
        op_id: Some(op_id),
        schedule: None,
        flow_id,
        attempt: 0,
    };
    let runner = inner.clone();
    inner
        .tasks
        .spawn(async move { crate::run::run_direct(&runner, entry).await });
}

/// Follows the database's key/value changes until shutdown: re-reads the config when its copy
/// changed, and on the server that runs tasks takes the requests handed to it.
pub(crate) async fn follow(orch: Orchestrator) {
    let mut changes = orch.inner.oplog.kv_changes();
    let shutdown = orch.shutting_down();
    loop {
        let key = tokio::select! {
            key = changes.recv() => key,
            () = shutdown.cancelled() => return,
        };
        let (config, requests) = match &key {
            Ok(k) if k == CONFIG_KEY => (true, false),
            Ok(k) if k.starts_with(REQUEST_PREFIX) => (false, true),
            Ok(k) if k == ANY_KEY => (true, true),
            Ok(_) => (false, false),
            Err(RecvError::Lagged(_)) => (true, true),
            Err(RecvError::Closed) => return,
        };
        if config {
            reload_config(&orch).await;
        }
        if requests && orch.runs_tasks() {
            take_requests(&orch);
        }
    }
}

/// Applies the database's copy of the config when another server changed it.
async fn reload_config(orch: &Orchestrator) {
    match orch.inner.config.reload_shared() {
        Ok(false) => {}
        Ok(true) => {
            tracing::info!("the config was changed on another server; applying it");
            if let Err(e) = orch.config_changed().await {
                tracing::error!(error = %e, "cannot apply the config another server saved");
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot read the config another server saved"),
    }
}
