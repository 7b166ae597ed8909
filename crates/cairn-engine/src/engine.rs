//! The `Engine` trait: everything the orchestrator and the API do to a repository, and the request and
//! result types that go with it. Progress and errors use the v1 protobuf types so they can be stored on
//! operations as they are.
use crate::error::Result;
use async_trait::async_trait;
use cairn_proto::v1::{
    BackupProgressError, BackupProgressStatusEntry, BackupProgressSummary, LsEntry, Repo,
    RepoStats, ResticSnapshot, RestoreProgressEntry, RetentionPolicy,
};
use std::path::PathBuf;
use tokio_util::sync::CancellationToken;

/// Which engine ran an operation, and its version (recorded on every operation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineInfo {
    pub name: &'static str,
    pub version: String,
}

/// What to back up and how.
#[derive(Clone, Debug, Default)]
pub struct BackupRequest {
    pub paths: Vec<String>,
    pub excludes: Vec<String>,
    pub iexcludes: Vec<String>,
    pub tags: Vec<String>,
    pub host: Option<String>,
    /// Parent snapshot for change detection; None lets the engine choose.
    pub parent: Option<String>,
    pub dry_run: bool,
    /// Add no snapshot when nothing changed since the parent (the outcome is then `skipped`).
    pub skip_if_unchanged: bool,
    /// Further engine flags (a plan's `backup_flags`).
    pub extra_flags: Vec<String>,
}

/// Something that happened during a backup.
#[derive(Clone, Debug, PartialEq)]
pub enum BackupEvent {
    Status(BackupProgressStatusEntry),
    Error(BackupProgressError),
}

/// How a backup ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackupOutcome {
    /// The summary; `snapshot_id` is the full 64-character id, empty for a dry run.
    pub summary: BackupProgressSummary,
    pub errors: Vec<BackupProgressError>,
    /// Some files could not be read: the snapshot was saved without them (a WARNING).
    pub partial: bool,
    /// `skip_if_unchanged` applied: nothing changed, so no snapshot was added.
    pub skipped: bool,
}

/// Which snapshots to list.
#[derive(Clone, Debug, Default)]
pub struct SnapshotFilter {
    /// Snapshots carrying all of these tags.
    pub tags: Vec<String>,
    pub host: Option<String>,
    pub paths: Vec<String>,
}

/// Which snapshots a retention policy applies to and how they are grouped.
#[derive(Clone, Debug, Default)]
pub struct ForgetScope {
    /// Only snapshots with all of these tags.
    pub tags: Vec<String>,
    /// restic's `--group-by` (`""` for one group, `"tags"`, `"host,paths"`, ...).
    pub group_by: String,
}

/// How much unused space prune may leave.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PruneLimit {
    Bytes(i64),
    Percent(f64),
}

/// How thoroughly to check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CheckMode {
    StructureOnly,
    ReadDataPercent(f64),
}

/// Archive formats for downloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    Tar,
    Zip,
}

/// A sink for a task's text output (prune, check, commands); called once per line.
pub type OutputSink<'a> = &'a (dyn Fn(&str) + Send + Sync);
/// A sink for backup progress.
pub type BackupSink<'a> = &'a (dyn Fn(BackupEvent) + Send + Sync);
/// A sink for restore progress.
pub type RestoreSink<'a> = &'a (dyn Fn(RestoreProgressEntry) + Send + Sync);

/// One repository engine. Every method takes the repository as configured (URI, password, env, flags).
#[async_trait]
pub trait Engine: Send + Sync {
    fn info(&self) -> EngineInfo;

    /// The repository's id (64 hex characters), or None if there is no repository at the URI.
    async fn repo_id(&self, repo: &Repo) -> Result<Option<String>>;

    /// Creates the repository if there is none; returns its id either way.
    async fn init(&self, repo: &Repo) -> Result<String>;

    async fn backup(
        &self,
        repo: &Repo,
        req: &BackupRequest,
        progress: BackupSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<BackupOutcome>;

    async fn snapshots(&self, repo: &Repo, filter: &SnapshotFilter) -> Result<Vec<ResticSnapshot>>;

    /// The entries of ONE directory of a snapshot (not the directory itself, not deeper levels).
    async fn ls(&self, repo: &Repo, snapshot: &str, dir: &str) -> Result<Vec<LsEntry>>;

    /// Restores `path` of a snapshot to `target/<basename of path>` (the whole snapshot for "/"), never
    /// writing outside `target`. Returns the final progress.
    async fn restore(
        &self,
        repo: &Repo,
        snapshot: &str,
        path: &str,
        target: &std::path::Path,
        progress: RestoreSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<RestoreProgressEntry>;

    /// Writes `path` of a snapshot as an archive to `out`.
    async fn dump(
        &self,
        repo: &Repo,
        snapshot: &str,
        path: &str,
        format: ArchiveFormat,
        out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> Result<()>;

    /// Applies a retention policy; returns the snapshots it removed.
    async fn forget(
        &self,
        repo: &Repo,
        policy: &RetentionPolicy,
        scope: &ForgetScope,
    ) -> Result<Vec<ResticSnapshot>>;

    /// Removes one snapshot.
    async fn forget_snapshot(&self, repo: &Repo, snapshot: &str) -> Result<()>;

    async fn prune(
        &self,
        repo: &Repo,
        limit: PruneLimit,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()>;

    async fn check(
        &self,
        repo: &Repo,
        mode: CheckMode,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()>;

    async fn stats(&self, repo: &Repo) -> Result<RepoStats>;

    /// Removes stale locks (locks of processes that no longer run).
    async fn unlock(&self, repo: &Repo) -> Result<()>;

    /// Runs an engine command given as arguments (e.g. `["snapshots", "--compact"]`); returns its exit
    /// code. Output lines go to `output`.
    async fn run_command(
        &self,
        repo: &Repo,
        args: &[String],
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<i32>;
}

/// Where a restore of `path` lands inside `target`.
pub fn restore_destination(target: &std::path::Path, path: &str) -> PathBuf {
    let base = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if base.is_empty() {
        target.to_path_buf()
    } else {
        target.join(base)
    }
}

/// The tags Backrest puts on every snapshot of a plan, so cairn and Backrest can share a repository and
/// index each other's snapshots.
pub fn snapshot_tags(plan_id: &str, instance_id: &str) -> Vec<String> {
    vec![
        format!("plan:{plan_id}"),
        format!("created-by:{instance_id}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_restore_destinations() {
        assert_eq!(
            snapshot_tags("home", "nas"),
            vec!["plan:home", "created-by:nas"]
        );
        let t = std::path::Path::new("/restore");
        assert_eq!(restore_destination(t, "/srv/data/"), t.join("data"));
        assert_eq!(restore_destination(t, "/"), t.to_path_buf());
    }
}
