//! Hooks: when a task reaches a condition, the repository's hooks (in order) and then the plan's are
//! checked; a hook whose conditions include one of the batch's events fires once, for the first such
//! event. Each firing is an OperationRunHook in the parent's flow with its output in a log. A failed
//! hook's on-error policy decides what happens to the parent: IGNORE continues, CANCEL and FATAL stop
//! the remaining hooks and cancel or fail the task, the RETRY policies put the task back in the queue
//! (at most [`MAX_RETRIES`] times, then it fails).
mod actions;
mod command;
mod email;
mod error;
mod http;
mod shoutrrr;
mod vars;

pub use error::HookError;
pub use vars::HookVars;

use crate::orchestrator::SYSTEM_PLAN;
use crate::run::{Failure, TaskCtx};
use cairn_engine::BackupOutcome;
use cairn_oplog::new_log_id;
use cairn_proto::v1::__buffa::oneof::hook::Action;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::hook::{Condition, OnError};
use cairn_proto::v1::{Hook, Operation, OperationRunHook, OperationStatus};
use std::sync::Arc;
use std::time::Duration;

/// Retries a hook's RETRY policy may cause for one run before the run fails.
pub const MAX_RETRIES: u32 = 10;
/// The longest exponential backoff between retries.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long a hook command may run when the config does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);

/// Something that happened, with the error text when it is a failure.
#[derive(Clone, Debug)]
pub struct Event {
    pub condition: Condition,
    pub error: Option<String>,
}

impl Event {
    pub fn of(condition: Condition) -> Self {
        Event {
            condition,
            error: None,
        }
    }

    pub fn error(condition: Condition, error: &str) -> Self {
        Event {
            condition,
            error: Some(error.to_string()),
        }
    }
}

/// Fires the hooks matching a batch of events.
pub(crate) async fn fire(
    ctx: &TaskCtx,
    events: &[Event],
    outcome: Option<&BackupOutcome>,
) -> Result<(), Failure> {
    for (scope, hook) in hooks_in_scope(ctx) {
        let Some(event) = events
            .iter()
            .find(|e| hook.conditions.iter().any(|c| *c == e.condition))
        else {
            continue;
        };
        let name = format!("{} hook {scope}", handler_name(&hook));
        let vars = HookVars::new(ctx, event, outcome);
        if let Err(why) = run_hook(ctx, &name, &hook, event, &vars).await {
            apply_policy(ctx, &hook, &name, why)?;
        }
    }
    Ok(())
}

/// Passes a task's result on, first firing `conditions` (each carrying the error) when it failed
/// with an error (not when it was cancelled).
pub(crate) async fn on_error<T>(
    ctx: &TaskCtx,
    result: Result<T, Failure>,
    conditions: &[Condition],
) -> Result<T, Failure> {
    if let Err(Failure::Error(e)) = &result {
        let events: Vec<Event> = conditions.iter().map(|c| Event::error(*c, e)).collect();
        fire(ctx, &events, None).await?;
    }
    result
}

/// The hooks that apply to the running task: its repository's, then its plan's.
fn hooks_in_scope(ctx: &TaskCtx) -> Vec<(String, Hook)> {
    let (plan, repo) = ctx.configured_plan_and_repo();
    let mut out = Vec::new();
    if let Some(repo) = repo {
        for (i, h) in repo.hooks.iter().enumerate() {
            out.push((format!("repo/{}/hook/{i}", repo.id), h.clone()));
        }
    }
    if let Some(plan) = plan {
        for (i, h) in plan.hooks.iter().enumerate() {
            out.push((format!("plan/{}/hook/{i}", plan.id), h.clone()));
        }
    }
    out
}

/// The handler's name, as Backrest names hooks.
pub fn handler_name(hook: &Hook) -> &'static str {
    match &hook.action {
        Some(Action::ActionCommand(_)) => "command",
        Some(Action::ActionWebhook(_)) => "webhook",
        Some(Action::ActionDiscord(_)) => "discord",
        Some(Action::ActionGotify(_)) => "gotify",
        Some(Action::ActionSlack(_)) => "slack",
        Some(Action::ActionShoutrrr(_)) => "shoutrrr",
        Some(Action::ActionHealthchecks(_)) => "healthchecks",
        Some(Action::ActionTelegram(_)) => "telegram",
        Some(Action::ActionNtfy(_)) => "ntfy",
        Some(Action::ActionEmail(_)) => "email",
        None => "unknown",
    }
}

/// Runs one hook as its own operation; Err carries what went wrong.
async fn run_hook(
    ctx: &TaskCtx,
    name: &str,
    hook: &Hook,
    event: &Event,
    vars: &HookVars,
) -> Result<(), HookError> {
    let parent = ctx.op();
    let logref = new_log_id("t");
    let mut op = Operation {
        instance_id: ctx.config.instance.clone(),
        repo_id: parent
            .as_ref()
            .map(|p| p.repo_id.clone())
            .unwrap_or_default(),
        repo_guid: parent
            .as_ref()
            .map(|p| p.repo_guid.clone())
            .unwrap_or_default(),
        plan_id: ctx.task().plan_id().unwrap_or(SYSTEM_PLAN).to_string(),
        flow_id: parent.as_ref().map_or(0, |p| p.flow_id),
        status: OperationStatus::STATUS_INPROGRESS.into(),
        unix_time_start_ms: ctx.now_ms(),
        display_message: format!(
            "running {name} triggered by {}",
            buffa::Enumeration::proto_name(&event.condition)
        ),
        logref: logref.clone(),
        op: Some(Op::OperationRunHook(Box::new(OperationRunHook {
            parent_op: parent.as_ref().map_or(0, |p| p.id),
            name: name.to_string(),
            condition: event.condition.into(),
            ..Default::default()
        }))),
        ..Default::default()
    };
    ctx.inner.oplog.add(&mut op)?;
    ctx.inner.state().live_hooks.insert(op.id);
    let result = deliver_contained(ctx, hook, vars, &logref, op.id).await;
    match &result {
        Ok(()) => op.status = OperationStatus::STATUS_SUCCESS.into(),
        Err(e) => {
            op.status = OperationStatus::STATUS_ERROR.into();
            op.display_message = format!("{name} failed: {e}");
        }
    }
    op.unix_time_end_ms = ctx.now_ms();
    let written = crate::reconcile::write_or_keep(&ctx.inner, &mut op);
    ctx.inner.state().live_hooks.remove(&op.id);
    written?;
    result
}

/// Delivers a hook with its log, on a task of its own so that a panic anywhere in an action is this
/// hook's error and nothing else's.
async fn deliver_contained(
    ctx: &TaskCtx,
    hook: &Hook,
    vars: &HookVars,
    logref: &str,
    op_id: i64,
) -> Result<(), HookError> {
    let log = ctx
        .inner
        .logs
        .create(logref, op_id, None)
        .map_err(HookError::Log)?;
    let log = Arc::new(parking_lot::Mutex::new(log));
    let (hook, vars, cancel) = (hook.clone(), vars.clone(), ctx.cancel.clone());
    let timeout = hook_timeout(ctx);
    let log2 = log.clone();
    let delivery =
        tokio::spawn(async move { actions::deliver(&hook, &vars, &log2, &cancel, timeout).await });
    let result = match delivery.await {
        Ok(r) => r,
        Err(e) if e.is_panic() => Err(HookError::Panicked(panic_text(e.into_panic().as_ref()))),
        Err(e) => Err(HookError::Stopped(e.to_string())),
    };
    if let Ok(l) = Arc::try_unwrap(log).map(|m| m.into_inner())
        && let Err(e) = l.finish()
    {
        tracing::warn!(error = %e, "finishing a hook log failed");
    }
    result
}

/// What a panic said.
pub(crate) fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

fn hook_timeout(ctx: &TaskCtx) -> Duration {
    match ctx.config.cairn.as_option().map(|s| s.hook_timeout_seconds) {
        Some(s) if s > 0 => Duration::from_secs(s as u64),
        _ => DEFAULT_TIMEOUT,
    }
}

/// What a failed hook does to its task.
fn apply_policy(ctx: &TaskCtx, hook: &Hook, name: &str, why: HookError) -> Result<(), Failure> {
    let attempt = ctx.entry.attempt;
    let retry = |delay: Duration| {
        if attempt >= MAX_RETRIES {
            Failure::Error(format!(
                "{name} failed: {why} (gave up after {MAX_RETRIES} retries)"
            ))
        } else {
            Failure::Retry {
                delay,
                reason: format!("{name} failed: {why}"),
            }
        }
    };
    match hook.on_error.as_known().unwrap_or(OnError::ON_ERROR_IGNORE) {
        OnError::ON_ERROR_IGNORE => Ok(()),
        OnError::ON_ERROR_CANCEL => Err(Failure::CancelledByHook(format!("{name} failed: {why}"))),
        OnError::ON_ERROR_FATAL => Err(Failure::Error(format!("{name} failed: {why}"))),
        OnError::ON_ERROR_RETRY_1MINUTE => Err(retry(Duration::from_secs(60))),
        OnError::ON_ERROR_RETRY_10MINUTES => Err(retry(Duration::from_secs(600))),
        OnError::ON_ERROR_RETRY_EXPONENTIAL_BACKOFF => Err(retry(backoff(attempt))),
    }
}

/// 10 s, 20 s, 40 s, ... doubling per attempt, at most an hour.
pub fn backoff(attempt: u32) -> Duration {
    let secs = 10u64.saturating_mul(1u64 << attempt.min(20));
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(10));
        assert_eq!(backoff(1), Duration::from_secs(20));
        assert_eq!(backoff(5), Duration::from_secs(320));
        assert_eq!(backoff(9), MAX_BACKOFF);
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
