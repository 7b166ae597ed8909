//! Keeping the operation log true when storage fails. An operation's final state that cannot be
//! written (disk full, read-only, I/O error) is kept in memory and written again with backoff until it
//! lands, and whoever waits for the operation is told at once. A reconciliation pass, at least every
//! [`RECONCILE_EVERY`], ends as ERROR any operation the log shows running that no live task or hook is
//! running, so nothing stays INPROGRESS without a task behind it.
use crate::orchestrator::Inner;
use cairn_oplog::OplogError;
use cairn_proto::v1::{Operation, OperationStatus};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// How often running operations are checked against live tasks.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(20);
/// The first wait before writing kept operations again; it doubles up to [`RECONCILE_EVERY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The message an operation gets when no task was running it.
pub const LOST: &str = "cairn lost track of this operation: no task was running it any more (its end could not be recorded when it happened)";

/// Writes an operation's new state; when the log refuses, keeps it to be written later and wakes the
/// waiters, then returns the error.
pub(crate) fn write_or_keep(inner: &Inner, op: &mut Operation) -> Result<(), OplogError> {
    match inner.oplog.update(op) {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::error!(op = op.id, error = %e, "cannot write the operation; keeping it to write when the log takes writes again");
            inner
                .state()
                .unwritten
                .insert(op.id, (op.clone(), e.to_string()));
            inner.unwritten_changed.notify_waiters();
            Err(e)
        }
    }
}

/// Ends `op` as ERROR with `message` (kept in memory if it cannot be written now).
pub(crate) fn fail(inner: &Inner, mut op: Operation, message: &str) {
    op.status = OperationStatus::STATUS_ERROR.into();
    op.display_message = message.to_string();
    op.unix_time_end_ms = inner.now().timestamp_millis();
    let _ = write_or_keep(inner, &mut op);
}

/// Runs until shutdown: writes kept operations (backing off while the log refuses) and reconciles.
pub(crate) async fn run(inner: Arc<Inner>) {
    let mut retry = FIRST_RETRY;
    let mut suspects = HashSet::new();
    let mut since_reconcile = Duration::ZERO;
    loop {
        let wait = if inner.state().unwritten.is_empty() {
            RECONCILE_EVERY
        } else {
            retry
        };
        tokio::select! {
            _ = inner.shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        since_reconcile += wait;
        retry = if flush(&inner) {
            FIRST_RETRY
        } else {
            (retry * 2).min(RECONCILE_EVERY)
        };
        if since_reconcile >= RECONCILE_EVERY {
            since_reconcile = Duration::ZERO;
            suspects = reconcile(&inner, &suspects);
        }
    }
}

/// Writes the kept operations; true when none is left.
pub(crate) fn flush(inner: &Inner) -> bool {
    let kept: Vec<Operation> = inner
        .state()
        .unwritten
        .values()
        .map(|(op, _)| op.clone())
        .collect();
    for mut op in kept {
        match inner.oplog.update(&mut op) {
            Ok(()) => {
                tracing::info!(
                    op = op.id,
                    "wrote the operation kept while the log refused writes"
                );
                inner.state().unwritten.remove(&op.id);
            }
            Err(OplogError::NotFound(_)) => {
                inner.state().unwritten.remove(&op.id);
            }
            Err(e) => {
                tracing::warn!(op = op.id, error = %e, "the operation log still refuses writes");
                return false;
            }
        }
    }
    inner.state().unwritten.is_empty()
}

/// Ends as ERROR the running operations that were already orphans at the previous pass (two passes,
/// so a task that has just written its operation but not yet registered is never mistaken for one);
/// returns this pass's orphans.
fn reconcile(inner: &Inner, suspects: &HashSet<i64>) -> HashSet<i64> {
    let unfinished = match inner.oplog.unfinished() {
        Ok(ops) => ops,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read running operations to reconcile them");
            return HashSet::new();
        }
    };
    let mut orphans = HashSet::new();
    for op in unfinished {
        if op.status != OperationStatus::STATUS_INPROGRESS
            || !op.original_instance_keyid.is_empty()
            || is_alive(inner, op.id)
        {
            continue;
        }
        if suspects.contains(&op.id) {
            tracing::error!(
                op = op.id,
                "an operation was running with no task behind it; ending it as ERROR"
            );
            fail(inner, op, LOST);
        } else {
            orphans.insert(op.id);
        }
    }
    orphans
}

fn is_alive(inner: &Inner, id: i64) -> bool {
    let state = inner.state();
    state.running.contains_key(&id)
        || state.live_hooks.contains(&id)
        || state.unwritten.contains_key(&id)
}
