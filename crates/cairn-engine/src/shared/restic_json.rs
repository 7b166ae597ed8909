//! restic's JSON output (0.14 through current) and its conversion to the v1 protobuf types.
use cairn_proto::v1::{
    BackupProgressError, BackupProgressStatusEntry, BackupProgressSummary, LsEntry, RepoStats,
    ResticSnapshot, SnapshotSummary,
};
use serde::Deserialize;

/// One line of `backup --json` (or `restore --json`) output.
#[derive(Debug, Deserialize)]
pub struct Message {
    /// Line kind: `status`, `error`, `summary`, `exit_error` or `verbose_status`.
    pub message_type: String,
    /// Fraction done, 0.0 to 1.0 (`status` lines); 0 when absent.
    #[serde(default)]
    pub percent_done: f64,
    /// Files found so far (backup) or in the restore set (restore); 0 when absent.
    #[serde(default)]
    pub total_files: i64,
    /// Files backed up so far (backup `status` lines); 0 when absent.
    #[serde(default)]
    pub files_done: i64,
    /// Bytes found so far (backup) or in the restore set (restore); 0 when absent.
    #[serde(default)]
    pub total_bytes: i64,
    /// Bytes backed up so far (backup `status` lines); 0 when absent.
    #[serde(default)]
    pub bytes_done: i64,
    /// Paths being read right now (backup `status` lines); absent or null when none.
    #[serde(default)]
    pub current_files: Option<Vec<String>>,
    // error
    /// The error of an `error` line: restic 0.14 writes the raw Go error value, newer releases
    /// `{"message": "..."}`; absent on other lines.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    /// What restic was doing when an `error` line's error occurred (e.g. `scan`, `archival`).
    #[serde(default)]
    pub during: String,
    /// Path an `error` line concerns (usually a file); empty when absent.
    #[serde(default)]
    pub item: String,
    // exit_error
    /// Error text of an `exit_error` line (fatal error, newer releases); empty when absent.
    #[serde(default)]
    pub message: String,
    // summary
    /// File, directory and blob counters of a backup `summary` line (flattened into the line).
    #[serde(flatten)]
    pub counts: Counts,
    /// Wall-clock duration of the backup in seconds (`summary` lines); 0 when absent.
    #[serde(default)]
    pub total_duration: f64,
    /// Hex id of the new snapshot (`summary` lines); absent when none was made (e.g. dry run).
    #[serde(default)]
    pub snapshot_id: Option<String>,
    // restore
    /// Seconds since the run started (restore `status`/`summary`, backup `status`); 0 if absent.
    #[serde(default)]
    pub seconds_elapsed: f64,
    /// Files restored so far (restore `status`/`summary` lines); 0 when absent.
    #[serde(default)]
    pub files_restored: i64,
    /// Bytes restored so far (restore `status`/`summary` lines); 0 when absent.
    #[serde(default)]
    pub bytes_restored: i64,
}

impl Message {
    /// Converts a `status` line to a backup progress entry.
    pub fn status(&self) -> BackupProgressStatusEntry {
        BackupProgressStatusEntry {
            percent_done: self.percent_done,
            total_files: self.total_files,
            total_bytes: self.total_bytes,
            files_done: self.files_done,
            bytes_done: self.bytes_done,
            current_file: self.current_files.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    /// restic 0.14 writes the Go error value (often `{}` or an object of fields); newer releases write
    /// `{"message": "..."}`.
    pub fn error(&self) -> BackupProgressError {
        let message = match &self.error {
            Some(serde_json::Value::Object(m)) => m
                .get("message")
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .or_else(|| {
                    m.get("Err").map(|e| {
                        format!(
                            "{} {}: {e}",
                            m.get("Op").and_then(|v| v.as_str()).unwrap_or(""),
                            self.item
                        )
                    })
                })
                .unwrap_or_else(|| serde_json::Value::Object(m.clone()).to_string()),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => self.message.clone(),
        };
        BackupProgressError {
            item: self.item.clone(),
            during: self.during.clone(),
            message,
            ..Default::default()
        }
    }

    /// Converts a `summary` line to the backup summary (snapshot id empty when none was made).
    pub fn summary(&self) -> BackupProgressSummary {
        let c = &self.counts;
        BackupProgressSummary {
            files_new: c.files_new,
            files_changed: c.files_changed,
            files_unmodified: c.files_unmodified,
            dirs_new: c.dirs_new,
            dirs_changed: c.dirs_changed,
            dirs_unmodified: c.dirs_unmodified,
            data_blobs: c.data_blobs,
            tree_blobs: c.tree_blobs,
            data_added: c.data_added,
            total_files_processed: c.total_files_processed,
            total_bytes_processed: c.total_bytes_processed,
            total_duration: self.total_duration,
            snapshot_id: self.snapshot_id.clone().unwrap_or_default(),
            ..Default::default()
        }
    }
}

/// The file, directory and blob counters restic reports in backup summaries and snapshot summaries.
#[derive(Debug, Default, Deserialize)]
pub struct Counts {
    /// Files not present in the parent snapshot.
    #[serde(default)]
    pub files_new: i64,
    /// Files that changed since the parent snapshot.
    #[serde(default)]
    pub files_changed: i64,
    /// Files unchanged since the parent snapshot.
    #[serde(default)]
    pub files_unmodified: i64,
    /// Directories not present in the parent snapshot.
    #[serde(default)]
    pub dirs_new: i64,
    /// Directories that changed since the parent snapshot.
    #[serde(default)]
    pub dirs_changed: i64,
    /// Directories unchanged since the parent snapshot.
    #[serde(default)]
    pub dirs_unmodified: i64,
    /// Data blobs added to the repository.
    #[serde(default)]
    pub data_blobs: i64,
    /// Tree blobs added to the repository.
    #[serde(default)]
    pub tree_blobs: i64,
    /// Bytes of new data added to the repository, before compression.
    #[serde(default)]
    pub data_added: i64,
    /// Files the backup read, changed or not.
    #[serde(default)]
    pub total_files_processed: i64,
    /// Bytes the backup read, changed or not.
    #[serde(default)]
    pub total_bytes_processed: i64,
}

/// A snapshot as `snapshots --json`, `forget --json` and `ls --json` print it.
#[derive(Debug, Deserialize)]
pub struct Snapshot {
    /// Snapshot time (when the backup started), RFC 3339 with nanoseconds and zone offset.
    pub time: String,
    /// Hex id of the parent snapshot; absent for a snapshot without one.
    #[serde(default)]
    pub parent: Option<String>,
    /// Hex id of the snapshot's root tree blob.
    #[serde(default)]
    pub tree: String,
    /// Paths the backup was given.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Hostname of the machine that was backed up.
    #[serde(default)]
    pub hostname: String,
    /// User the backup ran as.
    #[serde(default)]
    pub username: String,
    /// Snapshot tags; absent or null when it has none.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Full hex id of the snapshot (64 digits); empty when absent.
    #[serde(default)]
    pub id: String,
    /// Backup statistics; absent for snapshots made before restic 0.17.
    #[serde(default)]
    pub summary: Option<Summary>,
}

/// The snapshot summary restic 0.17+ stores in each snapshot.
#[derive(Debug, Default, Deserialize)]
pub struct Summary {
    /// When the backup started, RFC 3339.
    #[serde(default)]
    pub backup_start: String,
    /// When the backup finished, RFC 3339.
    #[serde(default)]
    pub backup_end: String,
    /// File, directory and blob counters of the backup (flattened into the summary).
    #[serde(flatten)]
    pub counts: Counts,
}

fn unix_ms(rfc3339: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.timestamp_millis())
}

impl Snapshot {
    /// Converts to the protobuf snapshot: `time` becomes Unix milliseconds (0 if unparseable), the
    /// summary's duration comes from `backup_start`/`backup_end`.
    pub fn to_proto(&self) -> ResticSnapshot {
        let summary = self.summary.as_ref().map(|s| {
            let duration = match (unix_ms(&s.backup_start), unix_ms(&s.backup_end)) {
                (Some(a), Some(b)) => (b - a) as f64 / 1000.0,
                _ => 0.0,
            };
            let c = &s.counts;
            SnapshotSummary {
                files_new: c.files_new,
                files_changed: c.files_changed,
                files_unmodified: c.files_unmodified,
                dirs_new: c.dirs_new,
                dirs_changed: c.dirs_changed,
                dirs_unmodified: c.dirs_unmodified,
                data_blobs: c.data_blobs,
                tree_blobs: c.tree_blobs,
                data_added: c.data_added,
                total_files_processed: c.total_files_processed,
                total_bytes_processed: c.total_bytes_processed,
                total_duration: duration,
                ..Default::default()
            }
        });
        ResticSnapshot {
            id: self.id.clone(),
            unix_time_ms: unix_ms(&self.time).unwrap_or(0),
            hostname: self.hostname.clone(),
            username: self.username.clone(),
            tree: self.tree.clone(),
            parent: self.parent.clone().unwrap_or_default(),
            paths: self.paths.clone(),
            tags: self.tags.clone().unwrap_or_default(),
            summary: summary.map(Into::into).unwrap_or_default(),
            ..Default::default()
        }
    }
}

/// One node of `ls --json`.
#[derive(Debug, Deserialize)]
pub struct Node {
    /// `"node"` for an entry, `"snapshot"` on the leading snapshot line (deprecated, still sent).
    #[serde(default)]
    pub struct_type: String,
    /// Base name of the entry.
    #[serde(default)]
    pub name: String,
    /// restic's `type`: `file`, `dir`, `symlink`, `dev`, `chardev`, `fifo` or `socket`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Absolute path of the entry inside the snapshot.
    #[serde(default)]
    pub path: String,
    /// Numeric owner user id.
    #[serde(default)]
    pub uid: i64,
    /// Numeric owner group id.
    #[serde(default)]
    pub gid: i64,
    /// Size in bytes; absent (0) for directories and other non-files.
    #[serde(default)]
    pub size: i64,
    /// Go `os.FileMode` as a number: permission bits plus Go's type bits (e.g. 1<<31 for a dir).
    #[serde(default)]
    pub mode: i64,
    /// Modification time, RFC 3339.
    #[serde(default)]
    pub mtime: String,
    /// Access time, RFC 3339.
    #[serde(default)]
    pub atime: String,
    /// Change time (inode change), RFC 3339.
    #[serde(default)]
    pub ctime: String,
}

impl Node {
    /// Converts to the protobuf `ls` entry.
    pub fn to_proto(&self) -> LsEntry {
        LsEntry {
            name: self.name.clone(),
            r#type: self.kind.clone(),
            path: self.path.clone(),
            uid: self.uid,
            gid: self.gid,
            size: self.size,
            mode: self.mode,
            mtime: self.mtime.clone(),
            atime: self.atime.clone(),
            ctime: self.ctime.clone(),
            ..Default::default()
        }
    }
}

/// One group of `forget --json`.
#[derive(Debug, Deserialize)]
pub struct ForgetGroup {
    /// Snapshots the policy removes from this group; absent or null when none.
    #[serde(default)]
    pub remove: Option<Vec<Snapshot>>,
}

/// `stats --json --mode=raw-data`.
#[derive(Debug, Deserialize)]
pub struct Stats {
    /// Bytes the counted snapshots' blobs take as stored (compressed and encrypted).
    #[serde(default)]
    pub total_size: i64,
    /// Bytes those blobs take before compression; absent (0) for repository format version 1.
    #[serde(default)]
    pub total_uncompressed_size: i64,
    /// Uncompressed over stored size of the compressed blobs; absent (0) when none is compressed.
    #[serde(default)]
    pub compression_ratio: f64,
    /// Number of distinct blobs the counted snapshots reference.
    #[serde(default)]
    pub total_blob_count: i64,
    /// Number of snapshots counted (all of them, as cairn runs it).
    #[serde(default)]
    pub snapshots_count: i64,
}

impl Stats {
    /// Converts to the protobuf repository statistics.
    pub fn to_proto(&self) -> RepoStats {
        RepoStats {
            total_size: self.total_size,
            total_uncompressed_size: self.total_uncompressed_size,
            compression_ratio: self.compression_ratio,
            total_blob_count: self.total_blob_count,
            snapshot_count: self.snapshots_count,
            ..Default::default()
        }
    }
}

/// `cat config`.
#[derive(Debug, Deserialize)]
pub struct RepoConfig {
    /// Repository id, 64 hex digits.
    pub id: String,
}

/// Parses one-shot JSON output, tolerating warning lines printed before it.
/// Empty output reads as JSON `null` (restic prints nothing when, e.g., forget matches no snapshot).
/// The error is the decoder's on the last line tried.
pub fn parse_tolerant<T: serde::de::DeserializeOwned>(
    stdout: &str,
) -> Result<T, serde_json::Error> {
    let mut rest = stdout.trim();
    if rest.is_empty() {
        rest = "null";
    }
    loop {
        match serde_json::from_str::<T>(rest) {
            Ok(v) => return Ok(v),
            Err(e) => match rest.split_once('\n') {
                Some((_, tail)) => rest = tail.trim_start(),
                None => return Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_restic_0_14_and_newer_error_shapes() {
        let old: Message = serde_json::from_str(
            r#"{"message_type":"error","error":{"Op":"open","Path":"/x","Err":13},"during":"archival","item":"/x"}"#,
        )
        .unwrap();
        assert_eq!(old.error().item, "/x");
        assert!(old.error().message.contains("open /x"));
        let new: Message = serde_json::from_str(
            r#"{"message_type":"error","error":{"message":"permission denied"},"during":"scan","item":"/y"}"#,
        )
        .unwrap();
        assert_eq!(new.error().message, "permission denied");
    }

    #[test]
    fn snapshots_convert_with_and_without_summaries() {
        let s: Snapshot = serde_json::from_str(
            r#"{"time":"2024-01-02T03:04:05.5Z","tree":"t","paths":["/a"],"hostname":"h","username":"u","id":"abc",
               "summary":{"backup_start":"2024-01-02T03:04:00Z","backup_end":"2024-01-02T03:04:05.5Z","files_new":2}}"#,
        )
        .unwrap();
        let p = s.to_proto();
        assert_eq!(p.unix_time_ms, 1_704_164_645_500);
        assert_eq!(p.summary.as_option().unwrap().total_duration, 5.5);
        assert!(p.tags.is_empty());
    }

    #[test]
    fn tolerant_parse_skips_leading_warnings() {
        let v: Stats = parse_tolerant("warning: something\n{\"total_size\": 5}").unwrap();
        assert_eq!(v.total_size, 5);
        assert!(parse_tolerant::<Stats>("nothing here").is_err());
    }
}
