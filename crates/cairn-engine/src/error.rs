//! Errors of the repository engines, each saying what failed and, where it can, what to do.
use std::path::PathBuf;

/// What can go wrong in a repository engine operation.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The restic binary could not be run or did not report a version; holds why.
    #[error(
        "restic was not found ({0}); install it (Debian/Ubuntu: `apt-get install restic`, macOS: `brew install restic`) or set CAIRN_RESTIC_COMMAND to its path"
    )]
    ResticNotFound(String),
    /// The restic binary found is older than 0.14.
    #[error("restic {found} is too old; cairn needs restic 0.14 or newer")]
    ResticTooOld {
        /// The version it reported.
        found: String,
    },
    /// There is no repository at the given location (the path or URI it holds).
    #[error("there is no repository at {0}; initialise it first")]
    RepoNotFound(String),
    /// Another process holds a conflicting lock; holds the engine's description of the lock.
    #[error("the repository is locked by another process: {0}")]
    Locked(String),
    /// The password opens none of the repository's keys.
    #[error("wrong password or no key found for the repository")]
    WrongPassword,
    /// The operation was stopped through its cancellation token.
    #[error("the operation was cancelled")]
    Cancelled,
    /// An engine command failed for any other reason (restic exited non-zero, or the embedded
    /// engine's worker failed or was lost).
    #[error("{command} failed with exit code {code}: {output}")]
    Command {
        /// What failed: restic's command line, or `cairn engine-worker` / `embedded engine`.
        command: String,
        /// Its exit code (-1 when contact with the embedded engine's worker was lost).
        code: i32,
        /// Its error output (trimmed, and truncated when long), or the worker's failure message.
        output: String,
    },
    /// The engine's output could not be understood.
    #[error("cannot read restic's output of {command}: {reason}")]
    Parse {
        /// The command whose output it was.
        command: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The request or repository settings are invalid (e.g. a bad env entry, path or flag).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A flag the engine does not understand or will not take (a typo, a flag of another command, or
    /// one the embedded engine does not support), named with what to do.
    #[error("invalid or unsupported flag: {0}")]
    InvalidFlag(String),
    /// The repository's storage could not be reached (connection refused, name not resolved, timeout).
    #[error("cannot reach the repository's storage: {0}; check the address and the network")]
    Network(String),
    /// The repository's storage refused the credentials (HTTP 401/403, access denied).
    #[error(
        "the repository's storage refused the credentials: {0}; check the keys in the repository's env"
    )]
    StorageAuth(String),
    /// Repository data failed its integrity check (a damaged pack, index or file).
    #[error(
        "the repository's data is damaged: {0}; run check with read-data, then repair with restic"
    )]
    Corrupt(String),
    /// A resource ran out: memory (the embedded worker's limit) or disk space.
    #[error("{0}")]
    ResourceLimit(String),
    /// Local I/O failed, e.g. starting a program or reading or writing a file.
    #[error("I/O on {path}: {source}")]
    Io {
        /// The file, directory or program the I/O was on.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl EngineError {
    /// An I/O failure on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io {
            path: path.into(),
            source,
        }
    }
}

/// The result of engine operations.
pub type Result<T> = std::result::Result<T, EngineError>;
