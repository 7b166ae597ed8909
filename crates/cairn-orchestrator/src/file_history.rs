//! One path's versions across a repository's snapshots, for the API and the CLI. Like browsing, it
//! runs at once, outside the task queue, and takes no lock.
use crate::error::Result;
use crate::orchestrator::{Orchestrator, find_repo};
use cairn_proto::cairn::v1::FileVersion;
use std::collections::HashMap;

impl Orchestrator {
    /// Every version of `path` across the repository's snapshots, oldest first, each with the id of
    /// the operation that indexed its snapshot (what a download of the version names).
    pub async fn file_history(&self, repo_id: &str, path: &str) -> Result<Vec<FileVersion>> {
        let repo = find_repo(&self.inner.config.get(), repo_id)?;
        let mut versions = self.inner.engines.reader()?.history(&repo, path).await?;
        let query = cairn_oplog::Query::new(cairn_oplog::Selector {
            repo_guid: Some(repo.guid.clone()),
            kinds: vec![cairn_oplog::OpKind::IndexSnapshot],
            ..cairn_oplog::Selector::all()
        });
        let indexed: HashMap<String, i64> = self
            .inner
            .oplog
            .query_meta(&query)?
            .into_iter()
            .map(|op| (op.snapshot_id, op.id))
            .collect();
        for v in &mut versions {
            v.index_op_id = indexed.get(&v.snapshot_id).copied().unwrap_or(0);
        }
        Ok(versions)
    }
}
