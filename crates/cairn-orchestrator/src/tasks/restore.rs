//! Restoring a path of a snapshot into a target directory, with progress written to the operation about
//! once a second and the final progress kept.
use super::repo::prepare;
use crate::hooks::on_error;
use crate::run::{Done, TaskCtx, TaskResult};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::hook::Condition;
use cairn_proto::v1::{Operation, RestoreProgressEntry};
use std::path::Path;

pub async fn run(
    ctx: &TaskCtx,
    repo_id: &str,
    snapshot: &str,
    path: &str,
    target: &Path,
) -> TaskResult {
    let result = async {
        let (repo, engine) = prepare(ctx, repo_id).await?;
        ctx.update_op(|op| op.snapshot_id = snapshot.into())?;
        ctx.log(&format!(
            "restoring {} of snapshot {snapshot} to {}",
            cairn_proto::quoted(path),
            cairn_proto::quoted(&target.display().to_string())
        ));
        let sink = |p: RestoreProgressEntry| ctx.progress_op(|op| set_status(op, p));
        let last = engine
            .restore(&repo, snapshot, path, target, &sink, &ctx.cancel)
            .await?;
        ctx.log(&format!(
            "restored {} of {} files, {} of {} bytes in {:.1} s",
            last.files_restored,
            last.total_files,
            last.bytes_restored,
            last.total_bytes,
            last.seconds_elapsed
        ));
        ctx.update_op(|op| set_status(op, last))?;
        Ok(Done::success())
    }
    .await;
    on_error(ctx, result, &[Condition::CONDITION_ANY_ERROR]).await
}

fn set_status(op: &mut Operation, p: RestoreProgressEntry) {
    if let Some(Op::OperationRestore(r)) = op.op.as_mut() {
        r.last_status = p.into();
    }
}
