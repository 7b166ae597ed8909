//! Restore verification (cairn's own): draws files from the repository's snapshots (see
//! `verify_draw`), restores each with the repository's engine into a scratch folder of its own, and
//! has the tree reader compare every restored byte with the content blob ids the snapshot recorded,
//! and the live file of the same path where it looks unchanged since. The scratch folder is removed
//! after each snapshot's files and at the end, whatever happened. A mismatch, or a file that cannot
//! be restored, makes the operation an ERROR naming them, which fires the check-error hooks.
use super::repo::prepare;
use super::verify_draw;
use crate::hooks::{Event, fire, on_error};
use crate::run::{Done, Failure, TaskCtx, TaskResult};
use cairn_engine::verify::{Draw, FileVerdict, Live, RestoredFile, SampledFile};
use cairn_engine::{Engine, EngineError, SnapshotFilter, TreeReader, restore_destination};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::hook::Condition;
use cairn_proto::v1::{OperationVerify, Repo, ResticSnapshot, VerifyMismatch};
use cairn_proto::{quoted, short_id};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;

/// Mismatches kept on the operation; the log lists every one.
const KEPT_MISMATCHES: usize = 100;

pub async fn run(ctx: &TaskCtx, repo_id: &str) -> TaskResult {
    fire(ctx, &[Event::of(Condition::CONDITION_CHECK_START)], None).await?;
    let result = verify(ctx, repo_id).await;
    let errors = [
        Condition::CONDITION_CHECK_ERROR,
        Condition::CONDITION_ANY_ERROR,
    ];
    let done = on_error(ctx, result, &errors).await?;
    fire(ctx, &[Event::of(Condition::CONDITION_CHECK_SUCCESS)], None).await?;
    Ok(done)
}

async fn verify(ctx: &TaskCtx, repo_id: &str) -> Result<Done, Failure> {
    let (repo, engine) = prepare(ctx, repo_id).await?;
    let policy = repo.verify_policy.as_option().cloned();
    let mut snaps = engine.snapshots(&repo, &SnapshotFilter::default()).await?;
    snaps.sort_by_key(|s| std::cmp::Reverse(s.unix_time_ms));
    let mut record = OperationVerify::default();
    verify_draw::describe(policy.as_ref(), &mut record);
    let mut rng = StdRng::from_entropy();
    let draws = verify_draw::draws(policy.as_ref(), snaps.len(), &mut rng);
    if draws.is_empty() {
        write(ctx, &record)?;
        return Ok(Done::with(
            cairn_proto::v1::OperationStatus::STATUS_SUCCESS,
            "nothing to verify: the repository has no snapshots yet",
        ));
    }
    let scratch = ctx
        .inner
        .scratch_dir
        .join(format!("verify-{}", ctx.op().map_or(0, |o| o.id)));
    let run = Run {
        ctx,
        repo: &repo,
        engine: engine.as_ref(),
        reader: ctx.inner.engines.reader()?,
        scratch: &scratch,
        live: !policy.as_ref().is_some_and(|p| p.skip_live),
    };
    for (i, draw) in draws {
        let Some(snap) = snaps.get(i) else { continue };
        let checked = run.snapshot(snap, draw, rng.r#gen(), &mut record).await;
        remove_scratch(&scratch).await;
        write(ctx, &record)?;
        checked?;
    }
    verdict(&record)
}

/// The operation's end: success, or an error naming the first mismatch.
fn verdict(record: &OperationVerify) -> Result<Done, Failure> {
    let Some(first) = record.mismatches.first() else {
        return Ok(Done::success());
    };
    let side = if first.live {
        "live file"
    } else {
        "restored copy"
    };
    Err(Failure::Error(format!(
        "{} of {} sampled files do not match their snapshot; the first is {} in snapshot {} ({side}): {}",
        record.mismatch_count,
        record.files_checked,
        quoted(&first.path),
        short_id(&first.snapshot_id),
        first.reason
    )))
}

fn write(ctx: &TaskCtx, record: &OperationVerify) -> Result<(), Failure> {
    ctx.update_op(|op| op.op = Some(Op::OperationVerify(Box::new(record.clone()))))?;
    Ok(())
}

/// One verification's fixed parts.
struct Run<'a> {
    ctx: &'a TaskCtx,
    repo: &'a Repo,
    engine: &'a dyn Engine,
    reader: std::sync::Arc<dyn TreeReader>,
    scratch: &'a Path,
    live: bool,
}

impl Run<'_> {
    /// Draws files from one snapshot, restores and compares them, adding what was found to `record`.
    async fn snapshot(
        &self,
        snap: &ResticSnapshot,
        draw: Draw,
        seed: u64,
        record: &mut OperationVerify,
    ) -> Result<(), Failure> {
        let files = self
            .cancellable(self.reader.sample_files(self.repo, &snap.id, draw, seed))
            .await?;
        record.snapshot_ids.push(snap.id.clone());
        let taken = chrono::DateTime::from_timestamp_millis(snap.unix_time_ms)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        self.ctx.log(&format!(
            "snapshot {} taken {taken}: {} files drawn",
            short_id(&snap.id),
            files.len()
        ));
        let mut restored = Vec::new();
        for (n, file) in files.iter().enumerate() {
            match self
                .restore(&snap.id, file, &self.scratch.join(n.to_string()))
                .await
            {
                Ok(copy) => restored.push(copy),
                Err(EngineError::Cancelled) => return Err(Failure::Cancelled),
                Err(e) => add(
                    self.ctx,
                    record,
                    &snap.id,
                    FileVerdict {
                        path: file.path.clone(),
                        bytes: file.size,
                        restored: Some(format!("could not be restored: {e}")),
                        live: Live::NotCompared,
                    },
                ),
            }
        }
        let verdicts = self
            .cancellable(
                self.reader
                    .verify_files(self.repo, &snap.id, &restored, self.live),
            )
            .await?;
        for v in verdicts {
            add(self.ctx, record, &snap.id, v);
        }
        Ok(())
    }

    /// Restores one file into `into` (a folder of its own); where its copy is.
    async fn restore(
        &self,
        snapshot: &str,
        file: &SampledFile,
        into: &Path,
    ) -> Result<RestoredFile, EngineError> {
        tokio::fs::create_dir_all(into)
            .await
            .map_err(|e| EngineError::io(into, e))?;
        let progress = |_| {};
        self.engine
            .restore(
                self.repo,
                snapshot,
                &file.path,
                into,
                &progress,
                &self.ctx.cancel,
            )
            .await?;
        Ok(RestoredFile {
            path: file.path.clone(),
            restored: restore_destination(into, &file.path),
        })
    }

    /// Runs a tree reader job, ended early by a cancel request.
    async fn cancellable<T>(
        &self,
        job: impl Future<Output = cairn_engine::Result<T>>,
    ) -> Result<T, Failure> {
        tokio::select! {
            done = job => Ok(done?),
            () = self.ctx.cancel.cancelled() => Err(Failure::Cancelled),
        }
    }
}

/// Adds one file's verdict to the record and the log.
fn add(ctx: &TaskCtx, record: &mut OperationVerify, snapshot: &str, v: FileVerdict) {
    record.files_checked += 1;
    record.bytes_checked += i64::try_from(v.bytes).unwrap_or(i64::MAX);
    if matches!(v.live, Live::Same | Live::Differs(_)) {
        record.live_compared += 1;
    }
    let mut mismatch = |reason: &str, live: bool| {
        record.mismatch_count += 1;
        let side = if live { "live file" } else { "restored copy" };
        ctx.log(&format!("MISMATCH {} ({side}): {reason}", quoted(&v.path)));
        if record.mismatches.len() < KEPT_MISMATCHES {
            record.mismatches.push(VerifyMismatch {
                snapshot_id: snapshot.to_string(),
                path: v.path.clone(),
                reason: reason.to_string(),
                live,
                ..VerifyMismatch::default()
            });
        }
    };
    if let Some(reason) = &v.restored {
        mismatch(reason, false);
    }
    if let Live::Differs(reason) = &v.live {
        mismatch(reason, true);
    }
    if v.restored.is_none() && !matches!(v.live, Live::Differs(_)) {
        let live = match v.live {
            Live::Same => "the live file matches too",
            Live::Changed => "the live file changed since",
            _ => "the live file was not compared",
        };
        ctx.log(&format!(
            "ok {} ({} bytes; {live})",
            quoted(&v.path),
            v.bytes
        ));
    }
}

/// Removes a scratch folder and what it holds; it may be absent.
pub(crate) async fn remove_scratch(dir: &Path) {
    if let Err(e) = tokio::fs::remove_dir_all(dir).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), error = %e, "removing a verification's scratch folder failed");
    }
}
