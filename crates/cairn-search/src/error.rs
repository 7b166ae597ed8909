//! What can go wrong with the search index.

/// A failure of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index file could not be read or written.
    #[error("search index: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The index file was written by a newer cairn.
    #[error(
        "search index {path} has schema version {found}, newer than this cairn's {known}; delete the file to rebuild it"
    )]
    Newer {
        /// The index file.
        path: String,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// The search pattern is not a valid glob.
    #[error("pattern {pattern:?} is not a valid glob: {reason}")]
    Pattern {
        /// The pattern as given.
        pattern: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A snapshot's changes could not be read from the repository; nothing of it was recorded.
    #[error("snapshot {snapshot} was not indexed: {reason}")]
    Incomplete {
        /// The snapshot.
        snapshot: String,
        /// What went wrong reading it.
        reason: String,
    },
    /// A base snapshot named for a new snapshot is not in the index.
    #[error("base snapshot {0} is not in the search index")]
    NoBase(String),
}

/// The result type of the search index.
pub type Result<T> = std::result::Result<T, SearchError>;
