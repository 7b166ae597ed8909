//! The error type of the operation log and the log store.
use std::path::PathBuf;

/// Everything that can go wrong reading or writing the operation log or the log store.
#[derive(Debug, thiserror::Error)]
pub enum OplogError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the operation log {0} is locked by another cairn process; stop it or pass a different --data-dir"
    )]
    Locked(PathBuf),
    #[error(
        "the operation log {path} has schema version {found}, newer than this cairn understands ({supported}); upgrade cairn"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("operation {id} is stored but cannot be decoded: {reason}")]
    Corrupt { id: i64, reason: String },
    #[error("operation {0} does not exist")]
    NotFound(i64),
    #[error("invalid operation: {0}")]
    Invalid(String),
    #[error("invalid selector: {0}")]
    InvalidSelector(String),
    #[error("log {0} does not exist, it may have expired")]
    LogNotFound(String),
    #[error("invalid log id {0:?}: use letters, digits, '-' and '_' only")]
    InvalidLogId(String),
}

impl OplogError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        OplogError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, OplogError>;
