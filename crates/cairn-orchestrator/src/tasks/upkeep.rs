//! Repository upkeep: prune (by the repository's prune policy; stats follow unless they ran in the
//! last 24 hours), check (structure only, a read-data subset, or the next part of a rotating read-data
//! check), and stats. Prune and check output is streamed to a log the operation names.
use super::check_rotation;
use super::output::OutputLog;
use super::repo::prepare;
use crate::hooks::{Event, fire, on_error};
use crate::orchestrator::find_repo;
use crate::run::{Done, Failure, TaskCtx, TaskResult};
use crate::task::{Task, priority};
use cairn_engine::{CheckMode, PruneLimit};
use cairn_oplog::{OpKind, Selector};
use cairn_proto::v1::__buffa::oneof::check_policy::Mode;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::hook::Condition;
use cairn_proto::v1::{Operation, OperationStatus, Repo};

/// Output kept per prune or check operation.
const OUTPUT_LIMIT: u64 = 8 * 1024 * 1024;
/// Unused space prune leaves when the policy sets no limit (restic's default).
const DEFAULT_MAX_UNUSED_PERCENT: f64 = 5.0;

/// The two upkeep commands that write output.
#[derive(Clone, Copy)]
enum Upkeep {
    Prune(PruneLimit),
    Check(CheckMode),
}

impl Upkeep {
    /// Start, error and success conditions.
    fn conditions(self) -> [Condition; 3] {
        match self {
            Upkeep::Prune(_) => [
                Condition::CONDITION_PRUNE_START,
                Condition::CONDITION_PRUNE_ERROR,
                Condition::CONDITION_PRUNE_SUCCESS,
            ],
            Upkeep::Check(_) => [
                Condition::CONDITION_CHECK_START,
                Condition::CONDITION_CHECK_ERROR,
                Condition::CONDITION_CHECK_SUCCESS,
            ],
        }
    }

    fn set_logref(self, op: &mut Operation, logref: String) {
        match (self, op.op.as_mut()) {
            (Upkeep::Prune(_), Some(Op::OperationPrune(p))) => p.output_logref = logref,
            (Upkeep::Check(_), Some(Op::OperationCheck(c))) => c.output_logref = logref,
            _ => {}
        }
    }
}

pub async fn prune(ctx: &TaskCtx, repo_id: &str) -> TaskResult {
    let repo = find_repo(&ctx.config, repo_id)?;
    let done = upkeep(ctx, repo_id, Upkeep::Prune(prune_limit(&repo))).await?;
    stats_follow_up(ctx, repo_id)?;
    Ok(done)
}

/// Stats that ran this recently are not repeated after a prune or a repository forget (as Backrest).
const STATS_INTERVAL: chrono::Duration = chrono::Duration::hours(24);

/// Queues stats after a prune or a repository-level forget, unless stats ran in the last 24 hours
/// (stats asked for by a person always run).
pub(crate) fn stats_follow_up(ctx: &TaskCtx, repo_id: &str) -> Result<(), Failure> {
    let repo = find_repo(&ctx.config, repo_id)?;
    let recent = Selector {
        repo_guid: Some(repo.guid),
        kinds: vec![OpKind::Stats],
        ..Selector::default()
    };
    if let Some(last) = crate::scheduler::last_run(&ctx.inner, recent)?
        && ctx.inner.now() - last < STATS_INTERVAL
    {
        return Ok(());
    }
    let task = Task::Stats {
        repo_id: repo_id.into(),
    };
    ctx.follow_up(task, priority::STATS, 0)
}

pub async fn check(ctx: &TaskCtx, repo_id: &str) -> TaskResult {
    let repo = find_repo(&ctx.config, repo_id)?;
    let mode = match repo.check_policy.as_option().and_then(|c| c.mode.as_ref()) {
        Some(Mode::ReadDataSubsetPercent(p)) if *p > 0.0 => CheckMode::ReadDataPercent(*p),
        Some(Mode::ReadDataRotation(parts)) => {
            check_rotation::next(&ctx.inner.oplog, &repo.guid, *parts)?
        }
        _ => CheckMode::StructureOnly,
    };
    if let CheckMode::ReadDataPart { part, of } = mode {
        ctx.log(&format!(
            "reading part {part} of {of} of the pack data (each check reads the next part)"
        ));
    }
    let done = upkeep(ctx, repo_id, Upkeep::Check(mode)).await?;
    if let CheckMode::ReadDataPart { part, .. } = mode
        && done.status == OperationStatus::STATUS_SUCCESS
    {
        check_rotation::done(&ctx.inner.oplog, &repo.guid, part)?;
    }
    Ok(done)
}

pub async fn stats(ctx: &TaskCtx, repo_id: &str) -> TaskResult {
    let result = async {
        let (repo, engine) = prepare(ctx, repo_id).await?;
        let stats = engine.stats(&repo).await?;
        ctx.log(&format!(
            "{} snapshots, {} blobs, {} bytes stored ({} uncompressed, ratio {:.2})",
            stats.snapshot_count,
            stats.total_blob_count,
            stats.total_size,
            stats.total_uncompressed_size,
            stats.compression_ratio
        ));
        ctx.update_op(|op| {
            if let Some(Op::OperationStats(s)) = op.op.as_mut() {
                s.stats = stats.into();
            }
        })?;
        Ok(Done::success())
    }
    .await;
    on_error(ctx, result, &[Condition::CONDITION_ANY_ERROR]).await
}

fn prune_limit(repo: &Repo) -> PruneLimit {
    match repo.prune_policy.as_option() {
        Some(p) if p.max_unused_percent > 0.0 => PruneLimit::Percent(p.max_unused_percent),
        Some(p) if p.max_unused_bytes > 0 => PruneLimit::Bytes(p.max_unused_bytes),
        _ => PruneLimit::Percent(DEFAULT_MAX_UNUSED_PERCENT),
    }
}

/// Runs prune or check with its output in a log and its start, error and success hooks.
async fn upkeep(ctx: &TaskCtx, repo_id: &str, kind: Upkeep) -> TaskResult {
    let [start, error, success] = kind.conditions();
    fire(ctx, &[Event::of(start)], None).await?;
    let (log, logref) = OutputLog::create(ctx, OUTPUT_LIMIT)?;
    ctx.update_op(|op| kind.set_logref(op, logref))?;
    let sink = |line: &str| {
        log.line(line);
        ctx.log(line);
    };
    let result = async {
        let (repo, engine) = prepare(ctx, repo_id).await?;
        match kind {
            Upkeep::Prune(limit) => engine.prune(&repo, limit, &sink, &ctx.cancel).await?,
            Upkeep::Check(mode) => engine.check(&repo, mode, &sink, &ctx.cancel).await?,
        }
        Ok::<_, Failure>(())
    }
    .await;
    log.finish();
    on_error(ctx, result, &[error, Condition::CONDITION_ANY_ERROR]).await?;
    fire(ctx, &[Event::of(success)], None).await?;
    Ok(Done::success())
}
