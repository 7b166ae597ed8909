//! Reading a repository for the API: listing snapshots, one directory of a snapshot, and archives of a
//! snapshot path for downloads. These run at once, outside the task queue, like Backrest's.
use crate::error::{OrchestratorError, Result};
use crate::orchestrator::{Orchestrator, find_repo};
use cairn_engine::shared::snapshot_path::parent_of;
use cairn_engine::{ArchiveFormat, SnapshotFilter, snapshot_tags};
use cairn_proto::quoted;
use cairn_proto::v1::{LsEntry, ResticSnapshot};

impl Orchestrator {
    /// The repository's snapshots, oldest first; with a plan, only that plan's snapshots made by this
    /// instance (tagged `plan:<id>` and `created-by:<instance>`).
    pub async fn list_snapshots(
        &self,
        repo_id: &str,
        plan_id: Option<&str>,
    ) -> Result<Vec<ResticSnapshot>> {
        let config = self.inner.config.get();
        let repo = find_repo(&config, repo_id)?;
        let filter = SnapshotFilter {
            tags: plan_id
                .map(|p| snapshot_tags(p, &config.instance))
                .unwrap_or_default(),
            ..SnapshotFilter::default()
        };
        let engine = self.inner.engines.for_repo(&repo).await?;
        Ok(engine.snapshots(&repo, &filter).await?)
    }

    /// The full id of a snapshot named by a unique prefix (restic prints 8-character short ids);
    /// operations record full ids only.
    pub async fn resolve_snapshot(&self, repo_id: &str, id: &str) -> Result<String> {
        crate::orchestrator::check_snapshot_id(id)?;
        if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(id.to_ascii_lowercase());
        }
        let snapshots = self.list_snapshots(repo_id, None).await?;
        let found: Vec<&ResticSnapshot> =
            snapshots.iter().filter(|s| s.id.starts_with(id)).collect();
        match found.as_slice() {
            [one] => Ok(one.id.clone()),
            [] => Err(OrchestratorError::Invalid(format!(
                "no snapshot {id} in repository {repo_id}",
                id = quoted(&id),
                repo_id = quoted(&repo_id)
            ))),
            _ => Err(OrchestratorError::Invalid(format!(
                "snapshot id {id} matches {} snapshots in repository {repo_id}; give more of it",
                found.len(),
                id = quoted(&id),
                repo_id = quoted(&repo_id)
            ))),
        }
    }

    /// The entries of one directory of a snapshot (no deeper levels).
    pub async fn list_snapshot_files(
        &self,
        repo_id: &str,
        snapshot_id: &str,
        dir: &str,
    ) -> Result<Vec<LsEntry>> {
        crate::orchestrator::check_snapshot_id(snapshot_id)?;
        let (repo, engine) = self.repo_engine(repo_id).await?;
        Ok(engine.ls(&repo, snapshot_id, dir).await?)
    }

    /// True if `path` names a regular file in the snapshot (found in its parent's listing, which the
    /// engines cache); false for a directory, a link or a path that is not there.
    pub async fn is_snapshot_file(
        &self,
        repo_id: &str,
        snapshot_id: &str,
        path: &str,
    ) -> Result<bool> {
        let path = path.trim_end_matches('/');
        if path.is_empty() {
            return Ok(false);
        }
        let entries = self
            .list_snapshot_files(repo_id, snapshot_id, parent_of(path))
            .await?;
        Ok(entries.iter().any(|e| e.path == path && e.r#type == "file"))
    }

    /// Writes `path` of a snapshot to `out` as a tar or zip archive, or a file's contents as they are.
    pub async fn dump(
        &self,
        repo_id: &str,
        snapshot_id: &str,
        path: &str,
        format: ArchiveFormat,
        out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> Result<()> {
        crate::orchestrator::check_snapshot_id(snapshot_id)?;
        let (repo, engine) = self.repo_engine(repo_id).await?;
        Ok(engine.dump(&repo, snapshot_id, path, format, out).await?)
    }
}
