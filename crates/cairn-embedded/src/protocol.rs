//! The typed protocol between cairn and its engine worker. cairn writes one `Job` (JSON) to the worker's
//! stdin and closes it; the worker answers on stdout with frames: a tag byte, a big-endian u32 length and
//! the payload. Tag 0 carries an `Event` as JSON, tag 1 raw archive bytes (dumps). The password travels
//! only in the job, never on a command line or in the environment.
use super::flags::{Reading, RunSettings, SourceFilter};
use super::location::Location;
use cairn_engine::verify::{Draw, RestoredFile};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;

/// How much pack data a check reads besides the structure: a percentage, or one part of the packs split by id.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadData {
    Percent(f64),
    Part { part: u32, of: u32 },
}

/// What a dump writes, as restic's `dump` does: an archive, or one file's contents as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DumpForm {
    Tar,
    Zip,
    Plain,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Job {
    pub location: Location,
    pub password: String,
    pub run: RunSettings,
    /// Where rustic_core may keep its cache; None for no cache.
    pub cache_dir: Option<PathBuf>,
    /// How long to wait for another process's conflicting lock.
    pub lock_wait_ms: u64,
    /// The master key an earlier job on this repository reported, to open it without key derivation.
    #[serde(default)]
    pub known_key: Option<KnownKey>,
    pub task: Task,
}

/// A repository's master key as a worker found it with the password, handed back so that later jobs on
/// the same repository skip the password's key derivation (scrypt, about half a second). It is used only
/// while the key file the password opened still exists, so removing that key revokes it as it revokes
/// the password. It lives in the server's memory and the worker's pipes only.
#[derive(Clone, Serialize, Deserialize)]
pub struct KnownKey {
    /// The id of the key file the password opened.
    pub key_file: String,
    pub master: rustic_core::repofile::MasterKey,
}

impl fmt::Debug for KnownKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnownKey")
            .field("key_file", &self.key_file)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Task {
    RepoId,
    Init,
    Backup(BackupTask),
    Snapshots {
        tags: Vec<String>,
        host: Option<String>,
        paths: Vec<String>,
    },
    Ls {
        snapshot: String,
        dir: String,
    },
    /// Compares two snapshots under a path; each differing entry is an output line of JSON.
    Diff {
        a: String,
        b: String,
        path: String,
        recursive: bool,
    },
    /// One path's versions across every snapshot.
    History {
        path: String,
    },
    /// The entries of a snapshot that differ from a base snapshot (all of them without one), for the
    /// search index; each is an output line of JSON.
    IndexChanges {
        base: Option<String>,
        snapshot: String,
    },
    /// Snapshots of the source repository copied into this job's repository (a plan's mirror).
    Copy {
        source: Box<Job>,
        snapshots: Vec<String>,
    },
    /// Regular files of a snapshot drawn at random, for a restore verification.
    SampleFiles {
        snapshot: String,
        draw: Draw,
        seed: u64,
    },
    /// Restored copies (and live files) compared with a snapshot's content blob ids.
    VerifyFiles {
        snapshot: String,
        files: Vec<RestoredFile>,
        live: bool,
    },
    Restore {
        snapshot: String,
        path: String,
        target: PathBuf,
    },
    Dump {
        snapshot: String,
        path: String,
        form: DumpForm,
    },
    Forget {
        /// restic's `--keep-*` flags with their values.
        keep: Vec<String>,
        tags: Vec<String>,
        group_by: String,
    },
    ForgetSnapshot {
        snapshot: String,
    },
    Prune {
        max_unused_bytes: Option<i64>,
        max_unused_percent: Option<f64>,
    },
    Check {
        read_data: Option<ReadData>,
    },
    Stats,
    Unlock,
    /// Removes a lock a killed worker left (no password needed).
    RemoveLock {
        name: String,
    },
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BackupTask {
    pub paths: Vec<String>,
    pub filter: SourceFilter,
    pub tags: Vec<String>,
    pub host: Option<String>,
    pub parent: Option<String>,
    /// restic's `--time` for the snapshot.
    pub time: Option<String>,
    pub dry_run: bool,
    pub skip_if_unchanged: bool,
    #[serde(default)]
    pub reading: Reading,
}

/// Why a job failed, so cairn can map it to the engine error restic's would give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailKind {
    NoRepository,
    WrongPassword,
    Locked,
    Invalid,
    Panic,
    Other,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Event {
    /// The worker now holds this lock file (cairn removes it if it has to kill the worker).
    Lock(String),
    /// The master key the password opened, for cairn to hand to later jobs (see `KnownKey`).
    Key(KnownKey),
    /// A line of text output (prune, check, unlock).
    Output(String),
    /// Protobuf messages in their JSON form.
    BackupStatus(serde_json::Value),
    BackupError(serde_json::Value),
    RestoreProgress(serde_json::Value),
    /// The job's result.
    Done(serde_json::Value),
    Failed {
        kind: FailKind,
        message: String,
    },
}

pub const TAG_EVENT: u8 = 0;
pub const TAG_DATA: u8 = 1;
/// The largest frame either side accepts.
pub const MAX_FRAME: u32 = 64 << 20;

pub fn write_frame(out: &mut impl Write, tag: u8, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|l| *l <= MAX_FRAME)
        .ok_or_else(|| io::Error::other("frame too large"))?;
    let mut head = [0u8; 5];
    head[0] = tag;
    head[1..].copy_from_slice(&len.to_be_bytes());
    out.write_all(&head)?;
    out.write_all(payload)?;
    out.flush()
}

pub fn write_event(out: &mut impl Write, event: &Event) -> io::Result<()> {
    let json = serde_json::to_vec(event).map_err(io::Error::other)?;
    write_frame(out, TAG_EVENT, &json)
}

/// Parses a frame header: the tag and the payload length.
pub fn parse_head(head: [u8; 5]) -> io::Result<(u8, usize)> {
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    if len > MAX_FRAME || head[0] > TAG_DATA {
        return Err(io::Error::other(format!(
            "the engine worker sent a bad frame (tag {}, length {len})",
            head[0]
        )));
    }
    Ok((head[0], len as usize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Reads one frame (blocking); None at a clean end of stream.
    pub fn read_frame(input: &mut impl Read) -> io::Result<Option<(u8, Vec<u8>)>> {
        let mut head = [0u8; 5];
        match input.read_exact(&mut head) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other?,
        }
        let (tag, len) = parse_head(head)?;
        let mut payload = vec![0u8; len];
        input.read_exact(&mut payload)?;
        Ok(Some((tag, payload)))
    }

    #[test]
    fn frames_round_trip_and_bad_ones_are_refused() {
        let mut buf = Vec::new();
        write_event(&mut buf, &Event::Lock("ab".into())).unwrap();
        write_frame(&mut buf, TAG_DATA, b"raw").unwrap();
        let mut r = &buf[..];
        let (tag, p) = read_frame(&mut r).unwrap().unwrap();
        assert_eq!(tag, TAG_EVENT);
        assert!(matches!(serde_json::from_slice(&p).unwrap(), Event::Lock(n) if n == "ab"));
        assert_eq!(
            read_frame(&mut r).unwrap().unwrap(),
            (TAG_DATA, b"raw".to_vec())
        );
        assert!(read_frame(&mut r).unwrap().is_none());
        assert!(parse_head([7, 0, 0, 0, 1]).is_err());
        assert!(parse_head([0, 255, 255, 255, 255]).is_err());
    }
}
