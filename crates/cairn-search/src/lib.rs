//! The search index of one repository: every path that any of its snapshots holds, each snapshot
//! stored as its changes from a base snapshot (its parent, usually), so that a backup that changed 1%
//! of a tree adds 1% of it to the index and trees shared between snapshots are recorded once. Queries
//! match names (a substring or a glob), then follow only the matching paths through every snapshot.
//! One SQLite file per repository; the index can always be rebuilt from the repository.
mod error;
mod find;
mod forget;
mod ingest;
mod kind;
mod pattern;
mod schema;
mod search_index;

pub use error::{Result, SearchError};
pub use find::Find;
pub use ingest::NewSnapshot;
pub use search_index::{Feed, IndexedSnapshot, SearchIndex};
