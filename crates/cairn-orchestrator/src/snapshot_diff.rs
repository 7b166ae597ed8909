//! Comparing two snapshots of a repository for the API and the CLI. Like browsing, it runs at once,
//! outside the task queue, and takes no lock.
use crate::error::Result;
use crate::orchestrator::{Orchestrator, find_repo};
use cairn_engine::{DiffRequest, DiffSink};
use cairn_proto::cairn::v1::DiffTotals;

/// The snapshots compared (full ids) and the totals of what differs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiffOutcome {
    /// The full id of the first snapshot.
    pub a: String,
    /// The full id of the second snapshot.
    pub b: String,
    /// Counts and bytes of everything that differs below the path.
    pub totals: DiffTotals,
}

impl Orchestrator {
    /// Sends each entry that differs from snapshot `a` to snapshot `b` under `path` ("" for the whole
    /// snapshot) to `entry`: with `recursive` every entry below it, else the entries of `path` itself.
    /// Snapshots may be named by unique prefixes.
    pub async fn diff_snapshots(
        &self,
        repo_id: &str,
        (a, b): (&str, &str),
        path: &str,
        recursive: bool,
        entry: DiffSink<'_>,
    ) -> Result<DiffOutcome> {
        let [a, b] = self.resolve_snapshots(repo_id, [a, b]).await?;
        let repo = find_repo(&self.inner.config.get(), repo_id)?;
        let req = DiffRequest {
            a: a.clone(),
            b: b.clone(),
            path: if path.is_empty() { "/" } else { path }.to_string(),
            recursive,
        };
        let totals = self
            .inner
            .engines
            .reader()?
            .diff(&repo, &req, entry)
            .await?;
        Ok(DiffOutcome { a, b, totals })
    }
}
