//! restic's JSON output (0.14 through current) and its conversion to the v1 protobuf types.
use cairn_proto::v1::{
    BackupProgressError, BackupProgressStatusEntry, BackupProgressSummary, LsEntry, RepoStats,
    ResticSnapshot, SnapshotSummary,
};
use serde::Deserialize;

/// One line of `backup --json` (or `restore --json`) output.
#[derive(Debug, Deserialize)]
pub struct Message {
    pub message_type: String,
    #[serde(default)]
    pub percent_done: f64,
    #[serde(default)]
    pub total_files: i64,
    #[serde(default)]
    pub files_done: i64,
    #[serde(default)]
    pub total_bytes: i64,
    #[serde(default)]
    pub bytes_done: i64,
    #[serde(default)]
    pub current_files: Option<Vec<String>>,
    // error
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    #[serde(default)]
    pub during: String,
    #[serde(default)]
    pub item: String,
    // exit_error
    #[serde(default)]
    pub message: String,
    // summary
    #[serde(flatten)]
    pub counts: Counts,
    #[serde(default)]
    pub total_duration: f64,
    #[serde(default)]
    pub snapshot_id: Option<String>,
    // restore
    #[serde(default)]
    pub seconds_elapsed: f64,
    #[serde(default)]
    pub files_restored: i64,
    #[serde(default)]
    pub bytes_restored: i64,
}

impl Message {
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
    #[serde(default)]
    pub files_new: i64,
    #[serde(default)]
    pub files_changed: i64,
    #[serde(default)]
    pub files_unmodified: i64,
    #[serde(default)]
    pub dirs_new: i64,
    #[serde(default)]
    pub dirs_changed: i64,
    #[serde(default)]
    pub dirs_unmodified: i64,
    #[serde(default)]
    pub data_blobs: i64,
    #[serde(default)]
    pub tree_blobs: i64,
    #[serde(default)]
    pub data_added: i64,
    #[serde(default)]
    pub total_files_processed: i64,
    #[serde(default)]
    pub total_bytes_processed: i64,
}

/// A snapshot as `snapshots --json`, `forget --json` and `ls --json` print it.
#[derive(Debug, Deserialize)]
pub struct Snapshot {
    pub time: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub tree: String,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub summary: Option<Summary>,
}

/// The snapshot summary restic 0.17+ stores in each snapshot.
#[derive(Debug, Default, Deserialize)]
pub struct Summary {
    #[serde(default)]
    pub backup_start: String,
    #[serde(default)]
    pub backup_end: String,
    #[serde(flatten)]
    pub counts: Counts,
}

fn unix_ms(rfc3339: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.timestamp_millis())
}

impl Snapshot {
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
    #[serde(default)]
    pub struct_type: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub uid: i64,
    #[serde(default)]
    pub gid: i64,
    #[serde(default)]
    pub size: i64,
    #[serde(default)]
    pub mode: i64,
    #[serde(default)]
    pub mtime: String,
    #[serde(default)]
    pub atime: String,
    #[serde(default)]
    pub ctime: String,
}

impl Node {
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
    #[serde(default)]
    pub remove: Option<Vec<Snapshot>>,
}

/// `stats --json --mode=raw-data`.
#[derive(Debug, Deserialize)]
pub struct Stats {
    #[serde(default)]
    pub total_size: i64,
    #[serde(default)]
    pub total_uncompressed_size: i64,
    #[serde(default)]
    pub compression_ratio: f64,
    #[serde(default)]
    pub total_blob_count: i64,
    #[serde(default)]
    pub snapshots_count: i64,
}

impl Stats {
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
    pub id: String,
}

/// Parses one-shot JSON output, tolerating warning lines printed before it.
/// Empty output reads as JSON `null` (restic prints nothing when, e.g., forget matches no snapshot).
pub fn parse_tolerant<T: serde::de::DeserializeOwned>(stdout: &str) -> Result<T, String> {
    let mut rest = stdout.trim();
    if rest.is_empty() {
        rest = "null";
    }
    loop {
        match serde_json::from_str::<T>(rest) {
            Ok(v) => return Ok(v),
            Err(e) => match rest.split_once('\n') {
                Some((_, tail)) => rest = tail.trim_start(),
                None => return Err(e.to_string()),
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
