//! The daily garbage collection: old history by the configured limits (Backrest's by default), the
//! task logs of what it removed, and expired logs.
use crate::gc::{GcPolicy, collect_garbage};
use crate::run::{Done, Failure, TaskCtx, TaskResult};

pub async fn run(ctx: &TaskCtx) -> TaskResult {
    let policy = GcPolicy::from_settings(ctx.config.cairn.as_option());
    let keyids: Vec<String> = ctx
        .config
        .multihost
        .as_option()
        .map(|m| {
            m.authorized_clients
                .iter()
                .map(|p| p.keyid.clone())
                .collect()
        })
        .unwrap_or_default();
    let (log, logs, now) = (
        ctx.inner.oplog.clone(),
        ctx.inner.logs.clone(),
        ctx.inner.now(),
    );
    let report = tokio::task::spawn_blocking(move || {
        let report = collect_garbage(&log, Some(&logs), &policy, now, &keyids)?;
        logs.expire(now.timestamp_millis())?;
        Ok::<_, cairn_oplog::OplogError>(report)
    })
    .await
    .map_err(|e| Failure::Error(format!("garbage collection stopped: {e}")))??;
    tracing::info!(deleted = report.deleted.len(), "collected garbage");
    Ok(Done::success())
}
