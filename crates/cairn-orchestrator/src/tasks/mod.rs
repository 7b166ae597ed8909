//! What each task does. `run` dispatches a queued entry to its task.
mod backup;
mod check_rotation;
mod collect;
mod command;
mod forget;
mod index;
mod mirror;
pub(crate) mod output;
mod parent;
mod repo;
pub(crate) mod restore;
mod search_update;
mod upkeep;
pub(crate) mod verify;
mod verify_draw;

pub(crate) use command::run_command_flow;
pub(crate) use repo::ensure_guid;

use crate::run::{TaskCtx, TaskResult};
use crate::task::Task;

pub(crate) async fn run(ctx: &TaskCtx) -> TaskResult {
    match ctx.task().clone() {
        Task::Backup { plan_id, dry_run } => backup::run(ctx, &plan_id, dry_run).await,
        Task::IndexSnapshots { repo_id } => index::run(ctx, &repo_id).await,
        Task::ForgetPlan { plan_id } => forget::plan(ctx, &plan_id).await,
        Task::ScheduledForget { repo_id } => forget::scheduled(ctx, &repo_id).await,
        Task::ForgetSnapshot {
            repo_id,
            snapshot_id,
            ..
        } => forget::snapshot(ctx, &repo_id, &snapshot_id).await,
        Task::Prune { repo_id } => upkeep::prune(ctx, &repo_id).await,
        Task::Check { repo_id } => upkeep::check(ctx, &repo_id).await,
        Task::Stats { repo_id } => upkeep::stats(ctx, &repo_id).await,
        Task::Verify { repo_id } => verify::run(ctx, &repo_id).await,
        Task::Mirror {
            plan_id,
            repo_id,
            snapshot_id,
        } => mirror::run(ctx, &plan_id, &repo_id, &snapshot_id).await,
        Task::ForgetMirror { plan_id, repo_id } => forget::mirror(ctx, &plan_id, &repo_id).await,
        Task::Restore {
            repo_id,
            snapshot_id,
            spec,
            ..
        } => restore::run(ctx, &repo_id, &snapshot_id, &spec).await,
        Task::RunCommand { repo_id, command } => command::run(ctx, &repo_id, &command).await,
        Task::CollectGarbage => collect::run(ctx).await,
    }
}
