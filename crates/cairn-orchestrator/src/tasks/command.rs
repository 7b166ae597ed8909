//! A command typed by a person, run by the repository's engine at once (outside the queue, like a
//! terminal): output goes to a log (capped), `output_size_bytes` records how much there was, and
//! commands typed within half an hour of each other share a flow (a terminal session).
use super::output::OutputLog;
use super::repo::prepare;
use crate::hooks::on_error;
use crate::orchestrator::Inner;
use crate::run::{Done, Failure, TaskCtx, TaskResult};
use cairn_oplog::{OpKind, Query, Selector};
use cairn_proto::quoted;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::OperationStatus;
use cairn_proto::v1::hook::Condition;

/// Output kept per command.
pub const OUTPUT_LIMIT: u64 = 2 * 1024 * 1024;
/// Commands this close together share a flow.
const SESSION_MS: i64 = 30 * 60 * 1000;

pub async fn run(ctx: &TaskCtx, repo_id: &str, command: &str) -> TaskResult {
    let args = shlex::split(command)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            Failure::Error(format!(
                "cannot split {command} into arguments (unbalanced quotes?)",
                command = quoted(&command)
            ))
        })?;
    let (log, logref) = OutputLog::create(ctx, OUTPUT_LIMIT)?;
    ctx.update_op(|op| {
        if let Some(Op::OperationRunCommand(c)) = op.op.as_mut() {
            c.output_logref = logref;
        }
    })?;
    ctx.log(&format!("command: {}", quoted(command)));
    let sink = |line: &str| {
        log.line(line);
        ctx.log(line);
    };
    let result = async {
        let (repo, engine) = prepare(ctx, repo_id).await?;
        Ok::<_, Failure>(engine.run_command(&repo, &args, &sink, &ctx.cancel).await?)
    }
    .await;
    let size = log.len() as i64;
    log.finish();
    ctx.update_op(|op| {
        if let Some(Op::OperationRunCommand(c)) = op.op.as_mut() {
            c.output_size_bytes = size;
        }
    })?;
    match on_error(ctx, result, &[Condition::CONDITION_ANY_ERROR]).await? {
        0 => Ok(Done::success()),
        code => Ok(Done::with(
            OperationStatus::STATUS_ERROR,
            format!("the command exited with code {code}"),
        )),
    }
}

/// The flow a new command in a repository joins: the newest command's, if it started within the
/// session window.
pub(crate) fn run_command_flow(inner: &Inner, repo_guid: &str, now_ms: i64) -> i64 {
    let recent = inner.oplog.query_meta(&Query::last_n(
        Selector {
            repo_guid: Some(repo_guid.into()),
            kinds: vec![OpKind::RunCommand],
            ..Selector::default()
        },
        1,
    ));
    match recent {
        Ok(ops) => ops
            .first()
            .filter(|m| now_ms - m.unix_time_start_ms < SESSION_MS)
            .map_or(0, |m| m.flow_id),
        Err(_) => 0,
    }
}
