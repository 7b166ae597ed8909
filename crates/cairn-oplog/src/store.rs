//! The storage seam: what a database behind the operation log provides. [`crate::OpLog`] holds one
//! [`Store`] (SQLite in the data dir, or PostgreSQL for hubs on several processes) and keeps everything
//! else (validation, id and modno assignment, the event bus and its ordering) above it, so both stores
//! behave the same and one test suite runs against both.
use crate::error::Result;
use crate::events::Change;
use crate::lease::Lease;
use crate::oplog::KindCount;
use crate::row::OpMeta;
use crate::selector::{Query, Selector};
use crate::synced::{SyncedEntry, SyncedLookup};

/// One row to write in [`TxStore::write_rows`].
pub(crate) struct RowWrite<'a> {
    /// Insert a new row, else update the row with `meta.id`.
    pub insert: bool,
    /// The row's indexed columns.
    pub meta: OpMeta,
    /// The operation.
    pub op: &'a Operation,
    /// The operation, encoded.
    pub encoded: Vec<u8>,
    /// The peer's modno (for an update, None keeps the stored one).
    pub original_modno: Option<i64>,
}

impl<'a> RowWrite<'a> {
    /// The insert (or the update) of `op`'s row, its id, modno and flow set.
    pub(crate) fn new(insert: bool, op: &'a Operation, original_modno: Option<i64>) -> Self {
        Self {
            insert,
            meta: OpMeta::of(op),
            op,
            encoded: op.encode_to_vec(),
            original_modno,
        }
    }

    /// The statement that writes this row (both stores bind the same parameters to either).
    pub(crate) fn sql(&self) -> &'static str {
        if self.insert {
            crate::row::INSERT_SQL
        } else {
            crate::row::UPDATE_SQL
        }
    }
}
use buffa::Message;
use cairn_proto::v1::Operation;

/// The id and modno counters, advanced only by committed transactions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    pub next_id: i64,
    pub modno: i64,
}

/// The body of a write transaction: gets the transaction's statements and its counters (loaded when
/// the transaction began, saved when it commits).
pub(crate) type TxBody<'f> = dyn FnMut(&mut dyn TxStore, &mut Counters) -> Result<()> + 'f;

/// A database the operation log can live in.
pub(crate) trait Store: Send + Sync {
    /// Where the log lives, fit to show a user (a path, or a URL without its password).
    fn describe(&self) -> String;

    /// Runs `body` in one write transaction that no other writer (in this process or another)
    /// interleaves with; commits when it returns Ok (then calls `committed` before another writer
    /// may start), else rolls back and leaves the counters as they were.
    fn transact(&self, body: &mut TxBody<'_>, committed: &mut dyn FnMut()) -> Result<()>;

    /// The operations a query selects, decoded, in the query's order.
    fn query(&self, query: &Query) -> Result<Vec<Operation>>;

    /// The indexed columns of the operations a query selects.
    fn query_meta(&self, query: &Query) -> Result<Vec<OpMeta>>;

    /// Every PENDING or INPROGRESS operation, oldest first.
    fn unfinished(&self) -> Result<Vec<Operation>>;

    /// How many operations the selector matches.
    fn count(&self, selector: &Selector) -> Result<u64>;

    /// Operation counts per plan and kind.
    fn counts_by_plan_and_kind(&self) -> Result<Vec<KindCount>>;

    /// The highest modno committed so far.
    fn committed_modno(&self) -> Result<i64>;

    /// The id the next added operation gets (deleted ids are never reused).
    fn next_id(&self) -> Result<i64>;

    /// Forgets tombstones older than `before_modno` and raises the floor resumes are checked against.
    fn prune_tombstones(&self, before_modno: i64) -> Result<usize>;

    /// The modno below which deletions are forgotten.
    fn tombstone_floor(&self) -> Result<i64>;

    /// Up to `limit` matching changes with modno > `after`, in modno order, read from one snapshot.
    fn changes_after(&self, selector: &Selector, after: i64, limit: u32) -> Result<Vec<Change>>;

    /// The local id of the peer `keyid`'s operation `original_id`.
    fn synced_id(&self, keyid: &str, original_id: i64) -> Result<Option<i64>>;

    /// Every stored operation of the peer `keyid`, by its id on the peer.
    fn synced(&self, keyid: &str) -> Result<Vec<SyncedEntry>>;

    /// Stores `value` under `key`.
    fn kv_put(&self, key: &str, value: &[u8]) -> Result<()>;

    /// Removes `key`; false when it was not there.
    fn kv_delete(&self, key: &str) -> Result<bool>;

    /// Stores `new` under `key` if what is there is `expected` (None: nothing is there); false,
    /// writing nothing, when another writer changed it first.
    fn kv_replace(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool>;

    /// Every key starting with `prefix`, with its value, in key order.
    fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>>;

    /// Takes the lease `name` unless another holder has it.
    fn try_lease(&self, name: &str) -> Result<Option<Lease>>;

    /// The table of finished task logs shared by the servers of this database, if it has one.
    fn log_table(&self) -> Option<&dyn crate::logstore::LogTable> {
        None
    }

    /// The database's plan for a query, a line per step (tests prove every shape uses an index).
    #[cfg(test)]
    fn explain(&self, sql: &str, params: Vec<rusqlite::types::Value>) -> Result<Vec<String>>;
}

/// The statements of one open write transaction.
pub(crate) trait TxStore {
    /// Removes the row `id` and records its tombstone under `meta.modno`.
    fn delete(&mut self, id: i64, meta: &OpMeta) -> Result<()>;

    /// The encoded operation `id`.
    fn get(&mut self, id: i64) -> Result<Option<Vec<u8>>>;

    /// True when a row or a tombstone holds `modno`.
    fn modno_taken(&mut self, modno: i64) -> Result<bool>;

    /// A value of the metadata table.
    fn metadata(&mut self, key: &str) -> Result<Option<i64>>;

    /// Sets a value of the metadata table.
    fn set_metadata(&mut self, key: &str, value: i64) -> Result<()>;

    /// Where the peer `keyid`'s operations `original_ids` are stored (their local id and flow, by
    /// their id on the peer), and the local flows of its flows `original_flow_ids` that are stored.
    fn synced_lookup(
        &mut self,
        keyid: &str,
        original_ids: &[i64],
        original_flow_ids: &[i64],
    ) -> Result<SyncedLookup>;

    /// Writes rows (inserts and updates) in order; on PostgreSQL in one round of pipelined
    /// statements. An update that finds no row fails with [`crate::OplogError::NotFound`].
    fn write_rows(&mut self, rows: &[RowWrite<'_>]) -> Result<()>;

    /// Records the peer's modno of the stored row `id`.
    fn set_original_modno(&mut self, id: i64, original_modno: i64) -> Result<()>;
}
