//! Restoring paths of a snapshot, one after another in one operation, with progress written to the
//! operation about once a second and the final progress kept. A path whose destination is free is
//! restored straight there; with an overwrite mode (or in a dry run) it is restored into a staging
//! directory beside its destination and merged over what exists (see `cairn_engine`'s
//! `restore_merge`), each change written to the operation's log.
use super::repo::prepare;
use crate::hooks::on_error;
use crate::restore_spec::RestoreSpec;
use crate::run::{Done, TaskCtx, TaskResult};
use cairn_engine::shared::restore_merge::{
    Change, MergeOptions, MergeReport, Overwrite, merge, remove_staging,
};
use cairn_engine::shared::restore_staging::{StagingKind, staging_name};
use cairn_engine::{Engine, EngineError, restore_destination};
use cairn_proto::quoted;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::hook::Condition;
use cairn_proto::v1::{
    Operation, OperationRestore, Repo, RestoreChanges, RestoreOverwrite, RestoreProgressEntry,
};
use std::path::{Path, PathBuf};

/// The most changes a restore writes to its log, one per line; the counts cover them all.
const LOGGED_CHANGES: usize = 10_000;

/// The operation record a restore starts with.
pub fn operation(spec: &RestoreSpec) -> OperationRestore {
    OperationRestore {
        path: spec.paths.first().cloned().unwrap_or_default(),
        target: spec
            .target
            .as_ref()
            .map(|t| t.display().to_string())
            .unwrap_or_default(),
        paths: if spec.paths.len() > 1 {
            spec.paths.clone()
        } else {
            Vec::new()
        },
        in_place: spec.in_place(),
        overwrite: overwrite_proto(spec.overwrite).into(),
        delete: spec.delete,
        dry_run: spec.dry_run,
        ..Default::default()
    }
}

/// The wire form of an overwrite mode.
pub fn overwrite_proto(o: Option<Overwrite>) -> RestoreOverwrite {
    match o {
        None => RestoreOverwrite::RESTORE_OVERWRITE_REFUSE,
        Some(Overwrite::Always) => RestoreOverwrite::RESTORE_OVERWRITE_ALWAYS,
        Some(Overwrite::IfChanged) => RestoreOverwrite::RESTORE_OVERWRITE_IF_CHANGED,
        Some(Overwrite::IfNewer) => RestoreOverwrite::RESTORE_OVERWRITE_IF_NEWER,
        Some(Overwrite::Never) => RestoreOverwrite::RESTORE_OVERWRITE_NEVER,
    }
}

pub async fn run(ctx: &TaskCtx, repo_id: &str, snapshot: &str, spec: &RestoreSpec) -> TaskResult {
    let result = async {
        let (repo, engine) = prepare(ctx, repo_id).await?;
        ctx.update_op(|op| op.snapshot_id = snapshot.into())?;
        let run = Run {
            ctx,
            repo: &repo,
            engine: engine.as_ref(),
            snapshot,
            spec,
        };
        // Every path and destination is checked before anything is restored, so a refusal changes
        // nothing.
        for (path, dest) in spec.destinations() {
            run.refuse_taken(&path, &dest)?;
            run.check_in_snapshot(&path).await?;
        }
        let mut total = RestoreProgressEntry::default();
        let mut changes = MergeReport::default();
        for (path, dest) in spec.destinations() {
            let (last, merged) = run.path(&path, &dest).await?;
            total = summed(&total, &last);
            changes = added(changes, merged);
        }
        run.finish(total, changes)?;
        Ok(Done::success())
    }
    .await;
    on_error(ctx, result, &[Condition::CONDITION_ANY_ERROR]).await
}

/// One restore operation's fixed parts.
struct Run<'a> {
    ctx: &'a TaskCtx,
    repo: &'a Repo,
    engine: &'a dyn Engine,
    snapshot: &'a str,
    spec: &'a RestoreSpec,
}

impl Run<'_> {
    /// Restores one path to `dest`; returns its final progress and what its merge changed.
    async fn path(
        &self,
        path: &str,
        dest: &Path,
    ) -> crate::Result<(RestoreProgressEntry, MergeReport)> {
        self.ctx.log(&format!(
            "restoring {} of snapshot {} to {}",
            quoted(path),
            self.snapshot,
            quoted(&dest.display().to_string())
        ));
        if !self.spec.merges() {
            let into = self.engine_target(dest);
            let last = self.restore_into(path, &into).await?;
            return Ok((last, MergeReport::default()));
        }
        let stage = Stage::beside(dest, self.spec.dry_run).await?;
        let result = self.staged(path, dest, &stage.dir).await;
        stage.remove().await;
        result
    }

    /// Without an overwrite mode a destination that exists is refused, with or without a dry run (so
    /// the preview says what the run would).
    fn refuse_taken(&self, path: &str, dest: &Path) -> crate::Result<()> {
        if self.spec.overwrite.is_some() || free(path, dest) {
            return Ok(());
        }
        let fix = if self.spec.in_place() {
            "restore it with an overwrite mode (always, if-changed, if-newer or never)"
        } else {
            "choose another target, or an overwrite mode to restore over it"
        };
        Err(crate::OrchestratorError::Invalid(format!(
            "{} already exists; {fix}",
            dest.display()
        )))
    }

    /// Refuses a path the snapshot does not hold, naming it (the engines would otherwise restore
    /// nothing, or fail on a staging path).
    async fn check_in_snapshot(&self, path: &str) -> crate::Result<()> {
        if path == "/" {
            return Ok(());
        }
        let parent = cairn_engine::shared::snapshot_path::parent_of(path);
        let name = path.rsplit('/').next().unwrap_or_default();
        let listed = self.engine.ls(self.repo, self.snapshot, parent).await?;
        if listed.iter().any(|e| e.name == name) {
            return Ok(());
        }
        Err(crate::OrchestratorError::Invalid(format!(
            "{} is not in snapshot {}; browse the snapshot to find the path",
            quoted(path),
            self.snapshot
        )))
    }

    /// Where the engine is pointed so that `path` lands at `dest` (it adds the base name).
    fn engine_target(&self, dest: &Path) -> PathBuf {
        match &self.spec.target {
            Some(t) => t.clone(),
            None => dest.parent().map(Path::to_path_buf).unwrap_or_default(),
        }
    }

    async fn staged(
        &self,
        path: &str,
        dest: &Path,
        stage: &Path,
    ) -> crate::Result<(RestoreProgressEntry, MergeReport)> {
        let last = self.restore_into(path, stage).await?;
        let opts = MergeOptions {
            overwrite: self.spec.overwrite.unwrap_or(Overwrite::Never),
            delete: self.spec.delete,
            dry_run: self.spec.dry_run,
            // A whole snapshot is staged in the staging directory itself, which is no entry of it.
            root_metadata: path != "/",
        };
        let (from, to) = (restore_destination(stage, path), dest.to_path_buf());
        let cancel = self.ctx.cancel.clone();
        let (report, lines, more) = tokio::task::spawn_blocking(move || {
            let mut lines = Vec::new();
            let mut more = 0usize;
            let mut sink = |c: Change, p: &Path| {
                if lines.len() < LOGGED_CHANGES {
                    lines.push(change_line(c, p));
                } else {
                    more += 1;
                }
            };
            let report = merge(&from, &to, &opts, &|| cancel.is_cancelled(), &mut sink);
            (report, lines, more)
        })
        .await
        .map_err(|e| EngineError::io(dest, std::io::Error::other(e)))?;
        for line in &lines {
            self.ctx.log(line);
        }
        if more > 0 {
            self.ctx.log(&format!("… and {more} more changes"));
        }
        Ok((last, report?))
    }

    async fn restore_into(&self, path: &str, into: &Path) -> crate::Result<RestoreProgressEntry> {
        let sink = |p: RestoreProgressEntry| self.ctx.progress_op(|op| set_status(op, p));
        Ok(self
            .engine
            .restore(
                self.repo,
                self.snapshot,
                path,
                into,
                &sink,
                &self.ctx.cancel,
            )
            .await?)
    }

    fn finish(&self, total: RestoreProgressEntry, changes: MergeReport) -> crate::Result<()> {
        let merged = self.spec.merges();
        let (write, delete) = if self.spec.dry_run {
            ("to write", "to delete")
        } else {
            ("written", "deleted")
        };
        if merged {
            self.ctx.log(&format!(
                "entries {write}: {}, kept as they were: {}, {delete}: {} (staged {} files, {} bytes)",
                changes.written,
                changes.kept,
                changes.deleted,
                total.files_restored,
                total.bytes_restored
            ));
        } else {
            self.ctx.log(&format!(
                "restored {} of {} files, {} of {} bytes in {:.1} s",
                total.files_restored,
                total.total_files,
                total.bytes_restored,
                total.total_bytes,
                total.seconds_elapsed
            ));
        }
        self.ctx.update_op(|op| {
            set_status(op, total);
            if merged && let Some(Op::OperationRestore(r)) = op.op.as_mut() {
                r.changes = RestoreChanges {
                    written: count(changes.written),
                    kept: count(changes.kept),
                    deleted: count(changes.deleted),
                    ..Default::default()
                }
                .into();
            }
        })?;
        Ok(())
    }
}

/// A staging directory beside a destination (so the merge's renames stay on one file system), or for
/// a dry run, beside its nearest existing ancestor (a dry run creates no directories).
struct Stage {
    dir: PathBuf,
}

impl Stage {
    async fn beside(dest: &Path, dry_run: bool) -> crate::Result<Stage> {
        if !dry_run {
            let parent = dest.parent().unwrap_or(Path::new("/"));
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| EngineError::io(parent, e))?;
        }
        let dir = staging_parent(dest).join(staging_name(StagingKind::Merge));
        tokio::fs::create_dir(&dir)
            .await
            .map_err(|e| EngineError::io(&dir, e))?;
        Ok(Stage { dir })
    }

    async fn remove(&self) {
        let dir = self.dir.clone();
        let removed = tokio::task::spawn_blocking(move || remove_staging(&dir)).await;
        if let Ok(Err(e)) = removed {
            tracing::warn!(dir = %self.dir.display(), error = %e, "cannot remove a restore's staging directory");
        }
    }
}

/// The folder a merge stages in for `dest`: its parent, or (a dry run, which creates no folders, whose
/// destination's folder is missing) the nearest existing ancestor. Start-up recovery looks there too.
pub(crate) fn staging_parent(dest: &Path) -> PathBuf {
    let parent = dest.parent().unwrap_or(Path::new("/"));
    parent
        .ancestors()
        .find(|d| d.is_dir())
        .unwrap_or(Path::new("/"))
        .to_path_buf()
}

/// Whether a plain restore may write `dest`: nothing is there, or (for the whole snapshot, which lands
/// in the target itself) an empty directory.
fn free(path: &str, dest: &Path) -> bool {
    match std::fs::read_dir(dest) {
        Ok(mut entries) => path == "/" && entries.next().is_none(),
        Err(_) => dest.symlink_metadata().is_err(),
    }
}

fn change_line(c: Change, p: &Path) -> String {
    let mark = match c {
        Change::Written => '+',
        Change::Deleted => '-',
    };
    format!("{mark} {}", quoted(&p.display().to_string()))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn added(a: MergeReport, b: MergeReport) -> MergeReport {
    MergeReport {
        written: a.written + b.written,
        kept: a.kept + b.kept,
        deleted: a.deleted + b.deleted,
    }
}

/// The progress of several restores in a row, as one.
fn summed(a: &RestoreProgressEntry, b: &RestoreProgressEntry) -> RestoreProgressEntry {
    RestoreProgressEntry {
        message_type: b.message_type.clone(),
        seconds_elapsed: a.seconds_elapsed + b.seconds_elapsed,
        total_bytes: a.total_bytes + b.total_bytes,
        bytes_restored: a.bytes_restored + b.bytes_restored,
        total_files: a.total_files + b.total_files,
        files_restored: a.files_restored + b.files_restored,
        percent_done: b.percent_done,
        ..Default::default()
    }
}

fn set_status(op: &mut Operation, p: RestoreProgressEntry) {
    if let Some(Op::OperationRestore(r)) = op.op.as_mut() {
        r.last_status = p.into();
    }
}
