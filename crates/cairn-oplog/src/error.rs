//! The error type of the operation log and the log store.
use cairn_proto::quoted;
use std::path::PathBuf;

/// Everything that can go wrong reading or writing the operation log or the log store.
#[derive(Debug, thiserror::Error)]
pub enum OplogError {
    /// SQLite failed (opening, migrating, querying or committing).
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (connecting, migrating, querying or committing).
    #[error("postgresql: {}", with_causes(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The PostgreSQL store cannot be used as configured (a bad URL, no free connection); holds why.
    #[error("postgresql: {0}")]
    Database(String),
    /// A file or directory of the operation log or log store could not be created, read or written.
    #[error("I/O on {path}: {source}")]
    Io {
        /// The file or directory the failed I/O was on.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the operation log's lock file; holds the log's path.
    #[error(
        "the operation log {0} is locked by another cairn process; stop it or pass a different --data-dir"
    )]
    Locked(PathBuf),
    /// The database has a schema version newer than this build can read (a newer cairn wrote it).
    #[error(
        "the operation log {path} has schema version {found}, newer than this cairn understands ({supported}); upgrade cairn"
    )]
    SchemaTooNew {
        /// The operation log database (a file, or a database URL without its password).
        path: PathBuf,
        /// The schema version stored in the database (`PRAGMA user_version`).
        found: i64,
        /// The newest schema version this build understands ([`crate::SCHEMA_VERSION`]).
        supported: i64,
    },
    /// A stored operation's encoded record cannot be decoded.
    #[error("operation {id} is stored but cannot be decoded: {reason}")]
    Corrupt {
        /// The id of the operation that cannot be decoded.
        id: i64,
        /// The decoder's error.
        reason: String,
    },
    /// An update named an operation id that is not in the log; holds the id.
    #[error("operation {0} does not exist")]
    NotFound(i64),
    /// An operation lacks a required field or has a bad one (e.g. a new one with an id); holds why.
    #[error("invalid operation: {0}")]
    Invalid(String),
    /// A selector cannot be applied; holds why.
    #[error("invalid selector: {0}")]
    InvalidSelector(String),
    /// No live or finished log has this id (it may have been removed on expiry); holds the id.
    #[error("log {0} does not exist, it may have expired")]
    LogNotFound(String),
    /// A log id is empty, over 128 bytes, or has characters other than letters, digits, - and _.
    #[error("invalid log id {}: use letters, digits, '-' and '_' only", quoted(.0))]
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

/// An error with its causes, which the driver's own text leaves out (the server's message, the
/// TLS handshake's reason).
pub(crate) fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, OplogError>;
