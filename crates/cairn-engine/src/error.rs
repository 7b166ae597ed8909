//! Errors of the repository engines, each saying what failed and, where it can, what to do.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "restic was not found ({0}); install it (Debian/Ubuntu: `apt-get install restic`, macOS: `brew install restic`) or set CAIRN_RESTIC_COMMAND to its path"
    )]
    ResticNotFound(String),
    #[error("restic {found} is too old; cairn needs restic 0.14 or newer")]
    ResticTooOld { found: String },
    #[error("there is no repository at {0}; initialise it first")]
    RepoNotFound(String),
    #[error("the repository is locked by another process: {0}")]
    Locked(String),
    #[error("wrong password or no key found for the repository")]
    WrongPassword,
    #[error("the operation was cancelled")]
    Cancelled,
    #[error("{command} failed with exit code {code}: {output}")]
    Command {
        command: String,
        code: i32,
        output: String,
    },
    #[error("cannot read restic's output of {command}: {reason}")]
    Parse { command: String, reason: String },
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl EngineError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;
