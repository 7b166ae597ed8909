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

    /// The plan a snapshot belongs to: as its index operation recorded it, or (not indexed yet) from its
    /// `plan:` tag; `_unassociated_` for a snapshot made outside any plan.
    pub async fn plan_of_snapshot(&self, repo_id: &str, snapshot_id: &str) -> Result<String> {
        let query = cairn_oplog::Query {
            limit: Some(1),
            ..cairn_oplog::Query::new(cairn_oplog::Selector {
                snapshot_id: Some(snapshot_id.to_string()),
                kinds: vec![cairn_oplog::OpKind::IndexSnapshot],
                ..cairn_oplog::Selector::all()
            })
        };
        if let Some(op) = self.inner.oplog.query_meta(&query)?.first() {
            return Ok(op.plan_id.clone());
        }
        let listed = self.list_snapshots(repo_id, None).await?;
        let tags = listed
            .iter()
            .find(|s| s.id == snapshot_id)
            .map(|s| s.tags.as_slice())
            .unwrap_or_default();
        Ok(tags
            .iter()
            .find_map(|t| t.strip_prefix("plan:"))
            .unwrap_or(crate::UNASSOCIATED)
            .to_string())
    }

    /// The full id of a snapshot named by a unique prefix (restic prints 8-character short ids);
    /// operations record full ids only.
    pub async fn resolve_snapshot(&self, repo_id: &str, id: &str) -> Result<String> {
        let [full] = self.resolve_snapshots(repo_id, [id]).await?;
        Ok(full)
    }

    /// The full ids of snapshots named by unique prefixes, from one listing of the repository (none
    /// when every id is full already).
    pub async fn resolve_snapshots<const N: usize>(
        &self,
        repo_id: &str,
        ids: [&str; N],
    ) -> Result<[String; N]> {
        for id in ids {
            crate::orchestrator::check_snapshot_id(id)?;
        }
        let listed = if ids.iter().all(|id| is_full_id(id)) {
            Vec::new()
        } else {
            self.list_snapshots(repo_id, None).await?
        };
        let mut full: [String; N] = std::array::from_fn(|_| String::new());
        for (slot, id) in full.iter_mut().zip(ids) {
            *slot = resolve_in(&listed, repo_id, id)?;
        }
        Ok(full)
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

fn is_full_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The full id `id` names among the listed snapshots (itself when it is full already).
fn resolve_in(listed: &[ResticSnapshot], repo_id: &str, id: &str) -> Result<String> {
    if is_full_id(id) {
        return Ok(id.to_ascii_lowercase());
    }
    let found: Vec<&ResticSnapshot> = listed.iter().filter(|s| s.id.starts_with(id)).collect();
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
