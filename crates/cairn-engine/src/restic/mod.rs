//! The restic engine: drives the `restic` binary (0.14 or newer) with `--json` for everything cairn does
//! to a repository.
pub(crate) mod process;
mod tree_count;
mod version;

pub use version::Version;

use crate::engine::*;
use crate::error::{EngineError, Result};
use crate::retention::keep_flags;
use crate::shared::ls_cache::{LsCache, cached_ls};
use crate::shared::restic_json as json;
use crate::shared::restore_staging::Staging;
use crate::shared::snapshot_path::{normalize_dir, parent_of};
use async_trait::async_trait;
use cairn_proto::v1::{
    BackupProgressError, LsEntry, Repo, RepoStats, ResticSnapshot, RestoreProgressEntry,
    RetentionPolicy,
};
use json::{Message, Node, parse_tolerant};
use process::{capture, command, drive, failure};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;
use tree_count::count_tree;

/// The restic CLI engine.
#[derive(Clone)]
pub struct ResticEngine {
    bin: PathBuf,
    version: Version,
    ls_cache: std::sync::Arc<LsCache>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// restic's "no repository here" exit code (0.17+); older releases say so in words.
const EXIT_NO_REPO: i32 = 10;
/// Most backup errors kept on an operation (the count beyond that is still reported).
const MAX_ERRORS: usize = 100;

impl std::fmt::Debug for ResticEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResticEngine")
            .field("bin", &self.bin)
            .field("version", &self.version)
            .finish()
    }
}

impl ResticEngine {
    /// Finds restic: `explicit` (CAIRN_RESTIC_COMMAND), else `restic` on PATH; checks its version.
    pub async fn locate(explicit: Option<&Path>) -> Result<Self> {
        let bin = explicit
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("restic"));
        let out = tokio::process::Command::new(&bin)
            .arg("version")
            .output()
            .await
            .map_err(|e| EngineError::ResticNotFound(format!("{}: {e}", bin.display())))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = Version::parse(&text).ok_or_else(|| {
            EngineError::ResticNotFound(format!(
                "{} did not report a restic version",
                bin.display()
            ))
        })?;
        if version < Version::MINIMUM {
            return Err(EngineError::ResticTooOld {
                found: version.to_string(),
            });
        }
        Ok(Self {
            bin,
            version,
            ls_cache: Default::default(),
        })
    }

    /// The version of the restic binary this engine drives.
    pub fn version(&self) -> Version {
        self.version
    }

    fn command(&self, repo: &Repo, args: &[String]) -> Result<(tokio::process::Command, String)> {
        command(&self.bin, repo, args, self.version.sftp_args())
    }

    /// Runs a command whose output does not matter; Ok on exit code 0.
    async fn succeed(&self, repo: &Repo, args: Vec<String>) -> Result<()> {
        let (cmd, display) = self.command(repo, &args)?;
        let done = capture(cmd, &display, None).await?;
        if done.code != 0 {
            return Err(failure(&display, done.code, &done.stderr));
        }
        Ok(())
    }

    /// Runs a one-shot command and parses its JSON output.
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        repo: &Repo,
        args: Vec<String>,
    ) -> Result<T> {
        let (cmd, display) = self.command(repo, &args)?;
        let done = capture(cmd, &display, None).await?;
        if done.code != 0 {
            return Err(failure(
                &display,
                done.code,
                &format!("{}{}", done.stderr, done.stdout),
            ));
        }
        parse_tolerant(&done.stdout).map_err(|e| EngineError::Parse {
            command: display,
            reason: e.to_string(),
        })
    }

    /// Runs a command streaming its lines to `output`; Ok on exit code 0. Cancelling unlocks after.
    async fn streamed(
        &self,
        repo: &Repo,
        args: Vec<String>,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let (code, stderr_tail) = self.streamed_code(repo, &args, output, cancel).await?;
        if code != 0 {
            let (_, display) = self.command(repo, &args)?;
            return Err(failure(&display, code, &stderr_tail));
        }
        Ok(())
    }

    /// Streams every line to `output`; returns the exit code and the last lines restic wrote to stderr
    /// (what its error classification needs).
    async fn streamed_code(
        &self,
        repo: &Repo,
        args: &[String],
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<(i32, String)> {
        let (cmd, display) = self.command(repo, args)?;
        let mut tail: std::collections::VecDeque<String> = std::collections::VecDeque::new();
        let result = drive(
            cmd,
            &display,
            &mut |is_err, line| {
                if is_err {
                    if tail.len() == 20 {
                        tail.pop_front();
                    }
                    tail.push_back(line.to_string());
                }
                output(line)
            },
            Some(cancel),
        )
        .await;
        let code = self.after_cancel(repo, result).await?;
        Ok((code, Vec::from(tail).join("\n")))
    }

    /// On cancellation, removes the lock the killed restic may have left.
    async fn after_cancel<T>(&self, repo: &Repo, result: Result<T>) -> Result<T> {
        if matches!(result, Err(EngineError::Cancelled))
            && let Err(e) = self.unlock(repo).await
        {
            tracing::warn!(repo = %repo.id, error = %e, "unlock after cancellation failed");
        }
        result
    }

    /// The full id of a snapshot given by a unique prefix (restic 0.14 reports short ids).
    async fn full_id(&self, repo: &Repo, short: &str) -> Result<String> {
        if short.len() == 64 {
            return Ok(short.to_string());
        }
        if let Some(id) = local_snapshot_id(&repo.uri, short).await {
            return Ok(id);
        }
        let found: Vec<json::Snapshot> = self
            .json(repo, strings(&["snapshots", "--json", short]))
            .await?;
        found
            .into_iter()
            .map(|s| s.id)
            .find(|id| id.starts_with(short))
            .ok_or_else(|| EngineError::Parse {
                command: "snapshots".into(),
                reason: format!("snapshot {short} not found after backup"),
            })
    }

    /// One directory of a snapshot straight from restic (`ls` prints the directory and its children).
    async fn ls_uncached(&self, repo: &Repo, snapshot: &str, dir: &str) -> Result<Vec<LsEntry>> {
        let dir = dir.to_string();
        let args = vec![
            "ls".into(),
            "--json".into(),
            "--no-lock".into(),
            snapshot.to_string(),
            dir.clone(),
        ];
        let (cmd, display) = self.command(repo, &args)?;
        let mut entries = Vec::new();
        let mut other = String::new();
        let code = drive(
            cmd,
            &display,
            &mut |is_err, line| match serde_json::from_str::<Node>(line) {
                Ok(n) if !is_err && n.struct_type == "node" && parent_of(&n.path) == dir => {
                    entries.push(n.to_proto())
                }
                Ok(_) => {}
                Err(_) => {
                    other.push_str(line);
                    other.push('\n');
                }
            },
            None,
        )
        .await?;
        if code != 0 {
            return Err(failure(&display, code, &other));
        }
        Ok(entries)
    }

    fn backup_args(&self, req: &BackupRequest) -> Vec<String> {
        let mut args = strings(&["backup", "--json"]);
        args.extend(req.paths.iter().cloned());
        for (flag, values) in [
            ("--tag", &req.tags),
            ("--exclude", &req.excludes),
            ("--iexclude", &req.iexcludes),
        ] {
            for v in values {
                args.extend([flag.to_string(), v.clone()]);
            }
        }
        if let Some(h) = &req.host {
            args.extend(["--host".to_string(), h.clone()]);
        }
        if let Some(p) = &req.parent {
            args.extend(["--parent".to_string(), p.clone()]);
        }
        args.extend(req.extra_flags.iter().cloned());
        if req.dry_run {
            args.push("--dry-run".into());
        }
        if req.skip_if_unchanged && self.version.skip_if_unchanged() {
            args.push("--skip-if-unchanged".into());
        }
        args
    }

    /// restic before 0.17 cannot skip: forget the snapshot it just made if nothing changed.
    async fn skip_unchanged(
        &self,
        repo: &Repo,
        summary: &mut cairn_proto::v1::BackupProgressSummary,
    ) -> Result<bool> {
        if self.version.skip_if_unchanged() {
            return Ok(summary.snapshot_id.is_empty());
        }
        let unchanged = summary.files_new == 0
            && summary.files_changed == 0
            && summary.dirs_new == 0
            && summary.dirs_changed == 0
            && summary.files_unmodified + summary.dirs_unmodified > 0;
        if unchanged && !summary.snapshot_id.is_empty() {
            self.forget_snapshot(repo, &summary.snapshot_id).await?;
            summary.snapshot_id.clear();
        }
        Ok(unchanged)
    }
}

/// What a backup's output said so far.
#[derive(Default)]
struct BackupState {
    summary: Option<Message>,
    errors: Vec<BackupProgressError>,
    dropped_errors: usize,
    current_files: Vec<String>,
    exit_error: Option<String>,
    other: Vec<String>,
}

impl BackupState {
    fn line(&mut self, line: &str, progress: BackupSink<'_>) {
        let Ok(m) = serde_json::from_str::<Message>(line) else {
            if self.other.len() < 50 {
                self.other.push(line.to_string());
            }
            return;
        };
        match m.message_type.as_str() {
            "status" => {
                let mut s = m.status();
                if s.current_file.is_empty() {
                    s.current_file = self.current_files.clone();
                } else {
                    self.current_files = s.current_file.clone();
                }
                progress(BackupEvent::Status(s));
            }
            "error" => {
                let e = m.error();
                if !self.errors.iter().any(|x| x.item == e.item) {
                    if self.errors.len() < MAX_ERRORS {
                        self.errors.push(e.clone());
                    } else {
                        self.dropped_errors += 1;
                    }
                }
                progress(BackupEvent::Error(e));
            }
            "summary" => self.summary = Some(m),
            "exit_error" => self.exit_error = Some(m.message),
            _ => {}
        }
    }
}

#[async_trait]
impl Engine for ResticEngine {
    fn info(&self) -> EngineInfo {
        EngineInfo {
            name: "restic",
            version: self.version.to_string(),
        }
    }

    async fn repo_id(&self, repo: &Repo) -> Result<Option<String>> {
        let args = strings(&["cat", "config"]);
        let (cmd, display) = self.command(repo, &args)?;
        let done = capture(cmd, &display, None).await?;
        if done.code == EXIT_NO_REPO {
            return Ok(None);
        }
        if done.code != 0 {
            return match failure(&display, done.code, &done.stderr) {
                EngineError::RepoNotFound(_) => Ok(None),
                other => Err(other),
            };
        }
        let config: json::RepoConfig =
            parse_tolerant(&done.stdout).map_err(|e| EngineError::Parse {
                command: display,
                reason: e.to_string(),
            })?;
        Ok(Some(config.id))
    }

    async fn init(&self, repo: &Repo) -> Result<String> {
        if let Some(id) = self.repo_id(repo).await? {
            return Ok(id);
        }
        let args = strings(&["init"]);
        let (cmd, display) = self.command(repo, &args)?;
        let done = capture(cmd, &display, None).await?;
        let text = format!("{}{}", done.stderr, done.stdout);
        if done.code != 0
            && !text.contains("already initialized")
            && !text.contains("config file already exists")
        {
            return Err(failure(&display, done.code, &text));
        }
        self.repo_id(repo)
            .await?
            .ok_or_else(|| EngineError::RepoNotFound(repo.uri.clone()))
    }

    async fn backup(
        &self,
        repo: &Repo,
        req: &BackupRequest,
        progress: BackupSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<BackupOutcome> {
        if req.paths.is_empty() && req.extra_flags.is_empty() {
            return Err(EngineError::Invalid(
                "nothing to back up: no paths given".into(),
            ));
        }
        for p in &req.paths {
            if tokio::fs::symlink_metadata(p).await.is_err() {
                return Err(EngineError::Invalid(format!(
                    "backup path {p} does not exist or cannot be read"
                )));
            }
        }
        let args = self.backup_args(req);
        let (mut cmd, display) = self.command(repo, &args)?;
        cmd.env("RESTIC_PROGRESS_FPS", "2");
        let mut state = BackupState::default();
        let result = drive(
            cmd,
            &display,
            &mut |_, line| state.line(line, progress),
            Some(cancel),
        )
        .await;
        let code = self.after_cancel(repo, result).await?;
        if code != 0 && code != 3 {
            let output = state
                .exit_error
                .clone()
                .unwrap_or_else(|| state.other.join("\n"));
            return Err(failure(&display, code, &output));
        }
        let mut summary = state
            .summary
            .as_ref()
            .map(Message::summary)
            .ok_or_else(|| EngineError::Parse {
                command: display.clone(),
                reason: "no summary in restic's output".into(),
            })?;
        let mut skipped = false;
        if req.dry_run {
            // restic 0.14 reports the id the snapshot would have had; nothing was saved.
            summary.snapshot_id.clear();
        } else {
            if !summary.snapshot_id.is_empty() {
                summary.snapshot_id = self.full_id(repo, &summary.snapshot_id).await?;
            }
            if req.skip_if_unchanged {
                skipped = self.skip_unchanged(repo, &mut summary).await?;
            }
        }
        if state.dropped_errors > 0 {
            tracing::warn!(repo = %repo.id, dropped = state.dropped_errors, "more backup errors than kept");
        }
        Ok(BackupOutcome {
            summary,
            errors: state.errors,
            partial: code == 3,
            skipped,
        })
    }

    async fn snapshots(&self, repo: &Repo, filter: &SnapshotFilter) -> Result<Vec<ResticSnapshot>> {
        let mut args = strings(&["snapshots", "--json"]);
        if !filter.tags.is_empty() {
            args.extend(["--tag".to_string(), filter.tags.join(",")]);
        }
        if let Some(h) = &filter.host {
            args.extend(["--host".to_string(), h.clone()]);
        }
        for p in &filter.paths {
            args.extend(["--path".to_string(), p.clone()]);
        }
        let list: Option<Vec<json::Snapshot>> = self.json(repo, args).await?;
        let mut out: Vec<ResticSnapshot> = list
            .unwrap_or_default()
            .iter()
            .map(json::Snapshot::to_proto)
            .collect();
        out.sort_by_key(|s| s.unix_time_ms);
        Ok(out)
    }

    async fn ls(&self, repo: &Repo, snapshot: &str, dir: &str) -> Result<Vec<LsEntry>> {
        let dir = normalize_dir(dir)?;
        let list = self.ls_uncached(repo, snapshot, &dir);
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
        let mut args = vec![
            "restore".to_string(),
            snapshot.to_string(),
            "--target".into(),
            staging.dir.to_string_lossy().into_owned(),
        ];
        if path != "/" {
            args.extend(["--include".to_string(), path.clone()]);
        }
        if self.version.restore_json() {
            args.push("--json".into());
        }
        let (cmd, display) = self.command(repo, &args)?;
        let mut last = RestoreProgressEntry::default();
        let mut other = String::new();
        let result = drive(
            cmd,
            &display,
            &mut |_, line| match serde_json::from_str::<Message>(line) {
                Ok(m) if m.message_type == "status" || m.message_type == "summary" => {
                    last = restore_entry(&m);
                    progress(last.clone());
                }
                _ => {
                    other.push_str(line);
                    other.push('\n');
                }
            },
            Some(cancel),
        )
        .await;
        let code = self.after_cancel(repo, result).await;
        let code = match code {
            Ok(c) => c,
            Err(e) => {
                staging.abandon().await;
                return Err(e);
            }
        };
        if code != 0 {
            staging.abandon().await;
            return Err(failure(&display, code, &other));
        }
        // restic restores the path whole below its target.
        let restored = staging.dir.join(path.trim_start_matches('/'));
        staging.finish(&restored).await?;
        if last.message_type != "summary" {
            last = measured_summary(&staging.destination).await;
            progress(last.clone());
        }
        Ok(last)
    }

    async fn dump(
        &self,
        repo: &Repo,
        snapshot: &str,
        path: &str,
        format: ArchiveFormat,
        out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> Result<()> {
        let path = normalize_dir(path)?;
        // Without --archive, restic dumps a file as it is (and a directory as tar).
        let mut args: Vec<String> = vec!["dump".into()];
        match format {
            ArchiveFormat::Tar => args.extend(["--archive".into(), "tar".into()]),
            ArchiveFormat::Zip => args.extend(["--archive".into(), "zip".into()]),
            ArchiveFormat::Plain => {}
        }
        args.extend([snapshot.to_string(), path]);
        let (mut cmd, display) = self.command(repo, &args)?;
        let mut child = cmd.spawn().map_err(|e| EngineError::io(&display, e))?;
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| EngineError::Invalid("no stdout".into()))?;
        let mut stderr = child
            .stderr
            .take()
            .ok_or_else(|| EngineError::Invalid("no stderr".into()))?;
        let err_task = tokio::spawn(async move {
            let mut s = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut s).await;
            s
        });
        tokio::io::copy(&mut stdout, out)
            .await
            .map_err(|e| EngineError::io(&display, e))?;
        let status = child
            .wait()
            .await
            .map_err(|e| EngineError::io(&display, e))?;
        let err_text = err_task.await.unwrap_or_default();
        match status.code() {
            Some(0) => Ok(()),
            code => Err(failure(&display, code.unwrap_or(-1), &err_text)),
        }
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
        let mut args = strings(&["forget", "--json"]);
        args.extend(keep);
        args.extend(["--group-by".to_string(), scope.group_by.clone()]);
        if !scope.tags.is_empty() {
            args.extend(["--tag".to_string(), scope.tags.join(",")]);
        }
        let groups: Option<Vec<json::ForgetGroup>> = self.json(repo, args).await?;
        Ok(groups
            .unwrap_or_default()
            .iter()
            .flat_map(|g| g.remove.iter().flatten())
            .map(json::Snapshot::to_proto)
            .collect())
    }

    async fn forget_snapshot(&self, repo: &Repo, snapshot: &str) -> Result<()> {
        self.succeed(repo, vec!["forget".to_string(), snapshot.to_string()])
            .await
    }

    async fn prune(
        &self,
        repo: &Repo,
        limit: PruneLimit,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let max = match limit {
            PruneLimit::Bytes(b) => format!("{b}B"),
            PruneLimit::Percent(p) => format!("{p}%"),
        };
        self.streamed(
            repo,
            vec!["prune".into(), "--max-unused".into(), max],
            output,
            cancel,
        )
        .await
    }

    async fn check(
        &self,
        repo: &Repo,
        mode: CheckMode,
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let mut args = strings(&["check"]);
        match mode {
            CheckMode::StructureOnly => {}
            CheckMode::ReadDataPercent(p) => args.push(format!("--read-data-subset={p:.4}%")),
            CheckMode::ReadDataPart { part, of } => {
                args.push(format!("--read-data-subset={part}/{of}"))
            }
        }
        self.streamed(repo, args, output, cancel).await
    }

    async fn copy(
        &self,
        from: &Repo,
        repo: &Repo,
        snapshots: &[String],
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        let mirror = crate::shared::copy_env::restic_copy_repo(from, repo)?;
        let mut args = strings(&["copy"]);
        args.extend(snapshots.iter().cloned());
        let copied = std::sync::atomic::AtomicU32::new(0);
        let count = |line: &str| {
            if line.starts_with("snapshot ") && line.ends_with(" saved") {
                copied.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            output(line);
        };
        self.streamed(&mirror, args, &count, cancel).await?;
        Ok(copied.into_inner())
    }

    async fn stats(&self, repo: &Repo) -> Result<RepoStats> {
        let stats: json::Stats = self
            .json(repo, strings(&["stats", "--json", "--mode=raw-data"]))
            .await?;
        Ok(stats.to_proto())
    }

    async fn unlock(&self, repo: &Repo) -> Result<()> {
        self.succeed(repo, strings(&["unlock"])).await
    }

    async fn run_command(
        &self,
        repo: &Repo,
        args: &[String],
        output: OutputSink<'_>,
        cancel: &CancellationToken,
    ) -> Result<i32> {
        if args.is_empty() {
            return Err(EngineError::Invalid("no command given".into()));
        }
        Ok(self.streamed_code(repo, args, output, cancel).await?.0)
    }
}

/// For a repository on a local path, the full id of the snapshot file whose name starts with `short`
/// (saves a restic run, and its key derivation, per backup on restic releases that print short ids).
async fn local_snapshot_id(uri: &str, short: &str) -> Option<String> {
    let local = uri.strip_prefix("local:").unwrap_or(uri);
    if !local.starts_with('/') || short.is_empty() {
        return None;
    }
    let mut dir = tokio::fs::read_dir(Path::new(local).join("snapshots"))
        .await
        .ok()?;
    let mut found = None;
    while let Ok(Some(entry)) = dir.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.len() == 64 && name.starts_with(short) {
            if found.is_some() {
                return None; // ambiguous: let restic decide
            }
            found = Some(name);
        }
    }
    found
}

fn restore_entry(m: &Message) -> RestoreProgressEntry {
    RestoreProgressEntry {
        message_type: m.message_type.clone(),
        seconds_elapsed: m.seconds_elapsed,
        total_bytes: m.total_bytes,
        bytes_restored: m.bytes_restored,
        total_files: m.total_files,
        files_restored: m.files_restored,
        percent_done: m.percent_done,
        ..Default::default()
    }
}

/// A summary measured from what was restored (for restic releases without restore progress).
async fn measured_summary(root: &Path) -> RestoreProgressEntry {
    let root = root.to_path_buf();
    let (files, bytes) = tokio::task::spawn_blocking(move || count_tree(&root))
        .await
        .unwrap_or((0, 0));
    RestoreProgressEntry {
        message_type: "summary".into(),
        total_bytes: bytes,
        bytes_restored: bytes,
        total_files: files,
        files_restored: files,
        percent_done: 1.0,
        ..Default::default()
    }
}
