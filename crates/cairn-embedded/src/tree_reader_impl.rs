//! The `TreeReader` trait for the embedded engine: a snapshot comparison is one worker job that reads
//! the trees with rustic_core and streams each differing entry back as a line of JSON; a path's history
//! is one job that answers with every version.
use super::EmbeddedEngine;
use super::client::Handlers;
use super::engine_impl::decode;
use super::flags::RunSettings;
use super::protocol::{Event, Task};
use async_trait::async_trait;
use cairn_engine::shared::snapshot_path::normalize_dir;
use cairn_engine::{DiffRequest, DiffSink, EngineError, Result, TreeReader};
use cairn_proto::cairn::v1::{DiffEntry, DiffTotals, FileVersion};
use cairn_proto::v1::Repo;
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
        let (job, env) = self.job(repo, task, RunSettings::default())?;
        let mut unreadable = None;
        let mut on_event = |e: Event| {
            let Event::Output(line) = e else { return };
            if !line.starts_with('{') {
                tracing::debug!("diff worker: {line}");
                return;
            }
            match serde_json::from_str::<DiffEntry>(&line) {
                Ok(d) => entry(d),
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
                command: "embedded diff".into(),
                reason,
            });
        }
        decode(value, "diff")
    }

    async fn history(&self, repo: &Repo, path: &str) -> Result<Vec<FileVersion>> {
        let task = Task::History {
            path: normalize_dir(path)?,
        };
        let none = CancellationToken::new();
        decode(self.simple(repo, task, None, &none).await?, "history")
    }
}
