//! The `Engine` trait for the embedded engine: each operation becomes one worker job; requests are
//! validated and paths checked here, before a worker starts, exactly as the restic engine checks them.
use super::EmbeddedEngine;
use super::client::Handlers;
use super::flags::{self, RunSettings, Scope};
use super::protocol::{BackupTask, DumpForm, Event, Job, ReadData, Task};
use async_trait::async_trait;
use cairn_engine::keep_flags;
use cairn_engine::shared::ls_cache::cached_ls;
use cairn_engine::shared::restore_staging::Staging;
use cairn_engine::shared::snapshot_path::normalize_dir;
use cairn_engine::*;
use cairn_engine::{EngineError, Result};
use cairn_proto::v1::{
    BackupProgressError, BackupProgressStatusEntry, BackupProgressSummary, LsEntry, Repo,
    RepoStats, ResticSnapshot, RestoreProgressEntry, RetentionPolicy,
};
use serde::de::DeserializeOwned;
use std::path::Path;
use tokio_util::sync::CancellationToken;

pub(super) fn decode<T: DeserializeOwned>(value: serde_json::Value, what: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|e| EngineError::Parse {
        command: format!("embedded {what}"),
        reason: e.to_string(),
    })
}

impl EmbeddedEngine {
    /// Runs a job whose only events are output lines.
    pub(super) async fn simple(
        &self,
        repo: &Repo,
        task: Task,
        output: Option<OutputSink<'_>>,
        cancel: &CancellationToken,
    ) -> Result<serde_json::Value> {
        let (job, env) = self.job(repo, task, RunSettings::default())?;
        self.run_job(&job, &env, output, cancel).await
    }

    /// Runs a built job, its output lines to `output`; answers with its result.
    async fn run_job(
        &self,
        job: &Job,
        env: &[(String, String)],
        output: Option<OutputSink<'_>>,
        cancel: &CancellationToken,
    ) -> Result<serde_json::Value> {
        let mut on_event = |e: Event| {
            if let (Event::Output(line), Some(out)) = (e, output) {
                out(&line);
            }
        };
        let handlers = Handlers {
            event: &mut on_event,
            data: None,
        };
        self.client.run(job, env, handlers, cancel).await
    }

    fn backup_task(&self, req: &BackupRequest) -> Result<(BackupTask, RunSettings)> {
        let extra = flags::parse(&req.extra_flags, Scope::Backup)?;
        let mut filter = extra.filter;
        filter.excludes.splice(0..0, req.excludes.iter().cloned());
        filter.iexcludes.splice(0..0, req.iexcludes.iter().cloned());
        let mut tags = req.tags.clone();
        tags.extend(extra.tags);
        let paths = [req.paths.clone(), extra.listed_paths].concat();
        if paths.is_empty() {
            return Err(EngineError::Invalid(
                "nothing to back up: no paths given, and no existing ones listed by --files-from"
                    .into(),
            ));
        }
        let task = BackupTask {
            paths,
            filter,
            tags,
            host: extra.host.or_else(|| req.host.clone()),
            parent: req.parent.clone(),
            time: extra.time,
            dry_run: req.dry_run,
            skip_if_unchanged: req.skip_if_unchanged,
            reading: extra.reading,
        };
        Ok((task, extra.run))
    }
}

#[async_trait]
impl Engine for EmbeddedEngine {
    fn info(&self) -> EngineInfo {
        EngineInfo {
            name: "embedded",
            version: format!("cairn {} (rustic_core 0.13)", env!("CARGO_PKG_VERSION")),
        }
    }

    async fn repo_id(&self, repo: &Repo) -> Result<Option<String>> {
        let none = CancellationToken::new();
        decode(
            self.simple(repo, Task::RepoId, None, &none).await?,
            "repo id",
        )
    }

    async fn init(&self, repo: &Repo) -> Result<String> {
        let none = CancellationToken::new();
        decode(self.simple(repo, Task::Init, None, &none).await?, "init")
    }

    async fn backup(
        &self,
        repo: &Repo,
        req: &BackupRequest,
        progress: BackupSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<BackupOutcome> {
        for p in &req.paths {
            if tokio::fs::symlink_metadata(p).await.is_err() {
                return Err(EngineError::Invalid(format!(
                    "backup path {p} does not exist or cannot be read"
                )));
            }
        }
        let (task, extra) = self.backup_task(req)?;
        let (job, env) = self.job(repo, Task::Backup(task), extra)?;
        let mut on_event = |e: Event| match e {
            Event::BackupStatus(v) => {
                if let Ok(s) = serde_json::from_value::<BackupProgressStatusEntry>(v) {
                    progress(BackupEvent::Status(s));
                }
            }
            Event::BackupError(v) => {
                if let Ok(e) = serde_json::from_value::<BackupProgressError>(v) {
                    progress(BackupEvent::Error(e));
                }
            }
            _ => {}
        };
        let handlers = Handlers {
            event: &mut on_event,
            data: None,
        };
        let done = self.client.run(&job, &env, handlers, cancel).await?;
        outcome(done)
    }

    async fn snapshots(&self, repo: &Repo, filter: &SnapshotFilter) -> Result<Vec<ResticSnapshot>> {
        let task = Task::Snapshots {
            tags: filter.tags.clone(),
            host: filter.host.clone(),
            paths: filter.paths.clone(),
        };
        let none = CancellationToken::new();
        decode(self.simple(repo, task, None, &none).await?, "snapshots")
    }

    async fn ls(&self, repo: &Repo, snapshot: &str, dir: &str) -> Result<Vec<LsEntry>> {
        let dir = normalize_dir(dir)?;
        let task = Task::Ls {
            snapshot: snapshot.to_string(),
            dir: dir.clone(),
        };
        let none = CancellationToken::new();
        let list = async { decode(self.simple(repo, task, None, &none).await?, "ls") };
        cached_ls(&self.ls_cache, &repo.uri, snapshot, &dir, list).await
    }

    async fn restore(
        &self,
        repo: &Repo,
        snapshot: &str,
        path: &str,
        target: &Path,
        progress: RestoreSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<RestoreProgressEntry> {
        let staging = Staging::prepare(target, path).await?;
        let path = staging.path.clone();
        let task = Task::Restore {
            snapshot: snapshot.to_string(),
            path: path.clone(),
            target: staging.dir.clone(),
        };
        let (job, env) = self.job(repo, task, RunSettings::default())?;
        let mut on_event = |e: Event| {
            if let Event::RestoreProgress(v) = e
                && let Ok(p) = serde_json::from_value::<RestoreProgressEntry>(v)
            {
                progress(p);
            }
        };
        let handlers = Handlers {
            event: &mut on_event,
            data: None,
        };
        let done = match self.client.run(&job, &env, handlers, cancel).await {
            Ok(v) => v,
            Err(e) => {
                staging.abandon().await;
                return Err(e);
            }
        };
        // The worker restores the path as its base name below its target.
        staging
            .finish(&restore_destination(&staging.dir, &path))
            .await?;
        decode(done, "restore")
    }

    async fn dump(
        &self,
        repo: &Repo,
        snapshot: &str,
        path: &str,
        format: ArchiveFormat,
        out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> Result<()> {
        let task = Task::Dump {
            snapshot: snapshot.to_string(),
            path: normalize_dir(path)?,
            form: match format {
                ArchiveFormat::Tar => DumpForm::Tar,
                ArchiveFormat::Zip => DumpForm::Zip,
                ArchiveFormat::Plain => DumpForm::Plain,
            },
        };
        let (job, env) = self.job(repo, task, RunSettings::default())?;
        let mut ignore = |_: Event| {};
        let handlers = Handlers {
            event: &mut ignore,
            data: Some(out),
        };
        self.client
            .run(&job, &env, handlers, &CancellationToken::new())
            .await?;
        Ok(())
    }

    async fn forget(
        &self,
        repo: &Repo,
        policy: &RetentionPolicy,
        scope: &ForgetScope,
    ) -> Result<Vec<ResticSnapshot>> {
        let Some(keep) = keep_flags(policy)? else {
            return Ok(Vec::new());
        };
        let task = Task::Forget {
            keep,
            tags: scope.tags.clone(),
            group_by: scope.group_by.clone(),
        };
        let none = CancellationToken::new();
        decode(self.simple(repo, task, None, &none).await?, "forget")
    }

    async fn forget_snapshot(&self, repo: &Repo, snapshot: &str) -> Result<()> {
        let task = Task::ForgetSnapshot {
            snapshot: snapshot.to_string(),
        };
        self.simple(repo, task, None, &CancellationToken::new())
            .await
            .map(drop)
    }

    async fn prune(
        &self,
        repo: &Repo,
        limit: PruneLimit,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let task = match limit {
            PruneLimit::Bytes(b) => Task::Prune {
                max_unused_bytes: Some(b),
                max_unused_percent: None,
            },
            PruneLimit::Percent(p) => Task::Prune {
                max_unused_bytes: None,
                max_unused_percent: Some(p),
            },
        };
        self.simple(repo, task, Some(output), cancel)
            .await
            .map(drop)
    }

    async fn check(
        &self,
        repo: &Repo,
        mode: CheckMode,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let read_data = match mode {
            CheckMode::StructureOnly => None,
            CheckMode::ReadDataPercent(p) => Some(ReadData::Percent(p)),
            CheckMode::ReadDataPart { part, of } => Some(ReadData::Part { part, of }),
        };
        self.simple(repo, Task::Check { read_data }, Some(output), cancel)
            .await
            .map(drop)
    }

    async fn copy(
        &self,
        from: &Repo,
        repo: &Repo,
        snapshots: &[String],
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        let (source, from_env) = self.job(from, Task::Stats, RunSettings::default())?;
        let task = Task::Copy {
            source: Box::new(source),
            snapshots: snapshots.to_vec(),
        };
        let (job, to_env) = self.job(repo, task, RunSettings::default())?;
        let env = cairn_engine::shared::copy_env::merged(&to_env, &from_env, &repo.id, &from.id)?;
        let value = self.run_job(&job, &env, Some(output), cancel).await?;
        Ok(value
            .get("copied")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0))
    }

    async fn stats(&self, repo: &Repo) -> Result<RepoStats> {
        let none = CancellationToken::new();
        decode(self.simple(repo, Task::Stats, None, &none).await?, "stats")
    }

    async fn unlock(&self, repo: &Repo) -> Result<()> {
        self.simple(repo, Task::Unlock, None, &CancellationToken::new())
            .await
            .map(drop)
    }

    async fn run_command(
        &self,
        repo: &Repo,
        args: &[String],
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<i32> {
        super::console::run(self, repo, args, output, cancel).await
    }
}

/// A backup job's result.
fn outcome(done: serde_json::Value) -> Result<BackupOutcome> {
    #[derive(serde::Deserialize)]
    struct Raw {
        summary: serde_json::Value,
        errors: Vec<serde_json::Value>,
        partial: bool,
        skipped: bool,
    }
    let raw: Raw = decode(done, "backup")?;
    let summary: BackupProgressSummary = decode(raw.summary, "backup summary")?;
    let errors = raw
        .errors
        .into_iter()
        .map(|e| decode(e, "backup error"))
        .collect::<Result<Vec<BackupProgressError>>>()?;
    Ok(BackupOutcome {
        summary,
        errors,
        partial: raw.partial,
        skipped: raw.skipped,
    })
}
