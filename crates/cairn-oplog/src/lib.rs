//! cairn's operation log: every backup, index, forget, prune, check, stats, restore, hook run and command
//! is one `v1.Operation` row in SQLite, with indexed columns for every query the UI and API make, an
//! event bus that publishes each committed change with its modno, and a log store for task output.
mod backrest_files;
pub mod backrest_import;
mod error;
mod events;
mod kv;
pub mod logstore;
mod oplog;
mod row;
mod schema;
mod selector;
mod synced;
mod tx;

pub use backrest_files::holds_backrest_files;
pub use error::{OplogError, Result};
pub use events::{CHANNEL_CAPACITY, Change, ChangeKind, Delivery, Subscription};
pub use logstore::{FinishedLog, LogReader, LogStore, LogWriter, new_log_id};
pub use oplog::{KindCount, OpLog};
pub use row::{OpKind, OpMeta};
pub use schema::SCHEMA_VERSION;
pub use selector::{Order, Query, Selector};
pub use synced::SyncedEntry;
pub use tx::{Imported, Tx};

#[cfg(test)]
mod logstore_tests;
#[cfg(test)]
mod oplog_tests;
#[cfg(test)]
mod test_support;
