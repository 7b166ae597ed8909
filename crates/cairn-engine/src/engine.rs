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
    /// The engine's kind: `"restic"` or `"embedded"`.
    pub name: &'static str,
    /// Its version: restic's (e.g. `0.17.3`), or cairn's and rustic_core's for the embedded engine.
    pub version: String,
}

/// What to back up and how.
#[derive(Clone, Debug, Default)]
pub struct BackupRequest {
    /// Files and directories to back up; each must exist.
    pub paths: Vec<String>,
    /// Exclude patterns (restic `--exclude`), matched case-sensitively.
    pub excludes: Vec<String>,
    /// Exclude patterns matched case-insensitively (restic `--iexclude`).
    pub iexcludes: Vec<String>,
    /// Tags to put on the new snapshot.
    pub tags: Vec<String>,
    /// Hostname to record on the snapshot; None for this machine's hostname.
    pub host: Option<String>,
    /// Parent snapshot for change detection; None lets the engine choose.
    pub parent: Option<String>,
    /// Only report what would be stored: nothing is saved and `snapshot_id` stays empty.
    pub dry_run: bool,
    /// Add no snapshot when nothing changed since the parent (the outcome is then `skipped`).
    pub skip_if_unchanged: bool,
    /// Further engine flags (a plan's `backup_flags`).
    pub extra_flags: Vec<String>,
}

/// Something that happened during a backup.
#[derive(Clone, Debug, PartialEq)]
pub enum BackupEvent {
    /// A periodic progress report (bytes and files done, files being read).
    Status(BackupProgressStatusEntry),
    /// A file or directory that could not be read; the backup goes on without it.
    Error(BackupProgressError),
}

/// How a backup ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackupOutcome {
    /// The summary; `snapshot_id` is the full 64-character id, empty for a dry run.
    pub summary: BackupProgressSummary,
    /// Items that could not be read, one entry each (the restic engine keeps the first 100).
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
    /// Only snapshots made on this host; None for any host.
    pub host: Option<String>,
    /// Only snapshots whose backed-up paths include all of these.
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
    /// At most this many bytes of unused space.
    Bytes(i64),
    /// At most this percentage (0 to 100) of the repository's size left unused.
    Percent(f64),
}

/// How thoroughly to check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CheckMode {
    /// Check the repository's structure and index without reading pack data.
    StructureOnly,
    /// Also read and verify this percentage (0 to 100) of the pack data.
    ReadDataPercent(f64),
    /// Also read and verify part `part` (1 to `of`) of the pack data split by pack id into `of` parts:
    /// the parts 1 to `of`, in separate runs, read every pack once (restic's `--read-data-subset=n/m`).
    ReadDataPart {
        /// Which part, from 1.
        part: u32,
        /// Into how many parts the packs are split.
        of: u32,
    },
}

/// What a dump writes: an archive of a path, or one file's contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// A tar archive.
    Tar,
    /// A zip archive.
    Zip,
    /// The contents of one regular file as they are (a download of a file gives the file itself).
    Plain,
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
    /// The engine's name and version, recorded on each operation it runs.
    fn info(&self) -> EngineInfo;

    /// The repository's id (64 hex characters), or None if there is no repository at the URI.
    async fn repo_id(&self, repo: &Repo) -> Result<Option<String>>;

    /// Creates the repository if there is none; returns its id either way.
    async fn init(&self, repo: &Repo) -> Result<String>;

    /// Backs up what `req` names, sending progress and per-item errors to `progress`; fails
    /// with `EngineError::Cancelled` once `cancel` fires.
    async fn backup(
        &self,
        repo: &Repo,
        req: &BackupRequest,
        progress: BackupSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<BackupOutcome>;

    /// The snapshots matching `filter`, oldest first.
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

    /// Removes data no snapshot uses, leaving at most `limit` unused; output lines go to `output`.
    async fn prune(
        &self,
        repo: &Repo,
        limit: PruneLimit,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()>;

    /// Verifies the repository as thoroughly as `mode` asks; Err if it finds a problem. Output
    /// lines go to `output`.
    async fn check(
        &self,
        repo: &Repo,
        mode: CheckMode,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()>;

    /// Copies `snapshots` of `from` into `repo` (restic's `copy`): a snapshot `repo` already holds is
    /// skipped, and only blobs it lacks are copied. Output lines go to `output`; answers with how many
    /// snapshots were copied.
    async fn copy(
        &self,
        from: &Repo,
        repo: &Repo,
        snapshots: &[String],
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<u32>;

    /// The repository's size, compression and blob and snapshot counts.
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
