//! What a restore verification asks of a tree reader and what it gets back: files drawn at random from
//! one snapshot, and, for files restored into a scratch directory, whether their bytes (and those of the
//! live file of the same path) hash to the content blob ids the snapshot recorded.
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How files are drawn from one snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Draw {
    /// This many regular files, each equally likely (all of them when there are fewer).
    Files(u32),
    /// Each regular file with this probability (0 to 1), so about that share of the bytes.
    Share(f64),
}

/// The most files one draw answers with, whatever it asks for.
pub const MAX_DRAWN: usize = 1000;

/// A regular file a draw picked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampledFile {
    /// Its absolute path in the snapshot.
    pub path: String,
    /// Its size as the snapshot recorded it.
    pub size: u64,
}

/// A file of a snapshot and where its restored copy is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoredFile {
    /// Its absolute path in the snapshot.
    pub path: String,
    /// The restored copy on this machine.
    pub restored: PathBuf,
}

/// How the live file of a sampled path compares with the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Live {
    /// Not compared: comparing live files was not asked for, or there is no regular file there.
    NotCompared,
    /// Its size or modification time differs from the snapshot's, so it was changed since.
    Changed,
    /// Same size and time, and every byte hashes to the snapshot's blob ids.
    Same,
    /// Same size and time, but its bytes differ: the disk's copy was altered or has rotted.
    Differs(String),
}

/// What one restored file's comparison found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileVerdict {
    /// Its absolute path in the snapshot.
    pub path: String,
    /// The bytes compared (the snapshot's size of the file).
    pub bytes: u64,
    /// Why the restored copy does not match, if it does not.
    pub restored: Option<String>,
    /// How the live file of the same path compares.
    pub live: Live,
}
