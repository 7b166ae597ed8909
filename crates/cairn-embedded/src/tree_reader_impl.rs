//! The `TreeReader` trait for the embedded engine: a snapshot comparison is one worker job that reads
//! the trees with rustic_core and streams each differing entry back as a line of JSON; a path's history
//! is one job that answers with every version; the search index's changes stream like a comparison; a
//! verification's draw and its comparison are one job each.
use super::EmbeddedEngine;
use super::client::Handlers;
use super::engine_impl::decode;
use super::flags::RunSettings;
use super::protocol::{Event, Task};
use async_trait::async_trait;
use cairn_engine::shared::snapshot_path::normalize_dir;
use cairn_engine::verify::{Draw, FileVerdict, RestoredFile, SampledFile};
use cairn_engine::{ChangeSink, DiffRequest, DiffSink, EngineError, Result, TreeReader};
use cairn_proto::cairn::v1::{DiffTotals, FileVersion};
use cairn_proto::v1::Repo;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

#[async_trait]
impl TreeReader for EmbeddedEngine {
    async fn diff(
        &self,
        repo: &Repo,
        req: &DiffRequest,
        entry: DiffSink<'_>,
    ) -> Result<DiffTotals> {
        let task = Task::Diff {
            a: req.a.clone(),
            b: req.b.clone(),
            path: normalize_dir(&req.path)?,
            recursive: req.recursive,
        };
        let value = self.streamed(repo, task, "diff", entry).await?;
        decode(value, "diff")
    }

    async fn history(&self, repo: &Repo, path: &str) -> Result<Vec<FileVersion>> {
        let task = Task::History {
            path: normalize_dir(path)?,
        };
        let none = CancellationToken::new();
        decode(self.simple(repo, task, None, &none).await?, "history")
    }

    async fn index_changes(
        &self,
        repo: &Repo,
        base: Option<&str>,
        snapshot: &str,
        change: ChangeSink<'_>,
    ) -> Result<u64> {
        let task = Task::IndexChanges {
            base: base.map(str::to_string),
            snapshot: snapshot.to_string(),
        };
        let value = self.streamed(repo, task, "index", change).await?;
        Ok(value.get("changes").and_then(|v| v.as_u64()).unwrap_or(0))
    }

    async fn sample_files(
        &self,
        repo: &Repo,
        snapshot: &str,
        draw: Draw,
        seed: u64,
    ) -> Result<Vec<SampledFile>> {
        let task = Task::SampleFiles {
            snapshot: snapshot.to_string(),
            draw,
            seed,
        };
        let none = CancellationToken::new();
        decode(self.simple(repo, task, None, &none).await?, "sample")
    }

    async fn verify_files(
        &self,
        repo: &Repo,
        snapshot: &str,
        files: &[RestoredFile],
        live: bool,
    ) -> Result<Vec<FileVerdict>> {
        let task = Task::VerifyFiles {
            snapshot: snapshot.to_string(),
            files: files.to_vec(),
            live,
        };
        let none = CancellationToken::new();
        decode(self.simple(repo, task, None, &none).await?, "verify")
    }
}

impl EmbeddedEngine {
    /// Runs a job whose output lines are JSON records, each handed to `sink` as it arrives; answers
    /// with the job's result.
    async fn streamed<T: DeserializeOwned>(
        &self,
        repo: &Repo,
        task: Task,
        what: &str,
        sink: &(dyn Fn(T) + Send + Sync),
    ) -> Result<serde_json::Value> {
        let (job, env) = self.job(repo, task, RunSettings::default())?;
        let mut unreadable = None;
        let mut on_event = |e: Event| {
            let Event::Output(line) = e else { return };
            if !line.starts_with('{') {
                tracing::debug!("{what} worker: {line}");
                return;
            }
            match serde_json::from_str::<T>(&line) {
                Ok(record) => sink(record),
                Err(e) => unreadable = Some(e.to_string()),
            }
        };
        let handlers = Handlers {
            event: &mut on_event,
            data: None,
        };
        let value = self
            .client
            .run(&job, &env, handlers, &CancellationToken::new())
            .await?;
        if let Some(reason) = unreadable {
            return Err(EngineError::Parse {
                command: format!("embedded {what}"),
                reason,
            });
        }
        Ok(value)
    }
}
