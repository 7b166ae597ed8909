//! cairn's operation log: every backup, index, forget, prune, check, stats, restore, hook run and command
//! is one `v1.Operation` row in SQLite (or PostgreSQL, for hubs on several processes), with indexed columns for every query the UI and API make, an
//! event bus that publishes each committed change with its modno, and a log store for task output.
mod backrest_files;
pub mod backrest_import;
mod check;
mod copy;
mod error;
mod events;
mod kv;
mod lease;
pub mod logstore;
mod oplog;
mod postgres;
mod publisher;
mod row;
mod selector;
mod sqlite;
mod store;
mod synced;
mod tx;

pub use backrest_files::holds_backrest_files;
pub use check::CheckReport;
pub use copy::CopyReport;
pub use error::{OplogError, Result};
pub use events::{CHANNEL_CAPACITY, Change, ChangeKind, Delivery, Subscription};
pub use lease::Lease;
pub use logstore::{FinishedLog, LogBodies, LogReader, LogStore, LogWriter, new_log_id};
pub use oplog::{ANY_KEY, KindCount, OpLog, is_database_url};
pub use row::{OpKind, OpMeta};
pub use selector::{Order, Query, Selector};
pub use sqlite::lock_process;
pub use sqlite::schema::SCHEMA_VERSION;
pub use synced::SyncedEntry;
pub use tx::{Imported, Tx};

#[cfg(any(test, feature = "pg-test-server"))]
pub mod pg_test_server;

#[cfg(test)]
mod logstore_tests;
#[cfg(test)]
mod oplog_tests;
#[cfg(test)]
mod test_support;
