//! One path's versions across a repository's snapshots, for the API and the CLI. Like browsing, it
//! runs at once, outside the task queue, and takes no lock.
use crate::error::Result;
use crate::orchestrator::{Orchestrator, find_repo};
use cairn_proto::cairn::v1::FileVersion;

impl Orchestrator {
    /// Every version of `path` across the repository's snapshots, oldest first.
    pub async fn file_history(&self, repo_id: &str, path: &str) -> Result<Vec<FileVersion>> {
        let repo = find_repo(&self.inner.config.get(), repo_id)?;
        Ok(self.inner.engines.reader()?.history(&repo, path).await?)
    }
}
