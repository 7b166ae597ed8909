//! The operation log handle: one [`Store`] (SQLite in the data dir, or PostgreSQL shared by several
//! processes) with validation, id and modno assignment and the event bus above it.
//!
//! All methods are synchronous and fast (indexed); async callers with long scans should use
//! `spawn_blocking`.
use crate::error::{OplogError, Result};
use crate::events::{Change, ChangeKind, Delivery, Subscription};
use crate::postgres::{Notice, PgStore};
use crate::publisher::Publisher;
use crate::row::{OpKind, OpMeta};
use crate::selector::{Query, Selector};
use crate::sqlite::SqliteStore;
use crate::store::Store;
use crate::tx::Tx;
use buffa::Message;
use cairn_proto::v1::Operation;
use rusqlite::types::Value;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::broadcast;

/// A shared handle to one operation log; clones refer to the same database.
#[derive(Clone)]
pub struct OpLog {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    store: Arc<dyn Store>,
    sqlite: Option<Arc<SqliteStore>>,
    publisher: Publisher,
    /// Keys of the key/value entries written (by any process), `*` for "any may have changed".
    kv_changes: broadcast::Sender<String>,
}

impl Inner {
    /// Handles what the database listener heard: other processes' commits go onto the event bus,
    /// key/value writes to their watchers.
    fn noticed(&self, notices: &[Notice]) {
        let store = self.store.as_ref();
        let reconnected = notices.contains(&Notice::Reconnected);
        let newest = notices
            .iter()
            .filter_map(|n| match n {
                Notice::Committed(m) => Some(*m),
                _ => None,
            })
            .max();
        let target = match (reconnected, newest) {
            (true, _) => store.committed_modno().map(Some),
            (false, modno) => Ok(modno),
        };
        let caught_up = target.and_then(|t| match t {
            Some(modno) => self.publisher.catch_up(store, modno),
            None => Ok(()),
        });
        if let Err(e) = caught_up {
            tracing::warn!(error = %e, "reading another process's changes failed");
        }
        if reconnected {
            let _ = self.kv_changes.send(ANY_KEY.to_string());
        }
        for n in notices {
            if let Notice::Kv(key) = n {
                let _ = self.kv_changes.send(key.clone());
            }
        }
    }
}

/// The key a key/value watcher gets when any entry may have changed (a listener reconnected).
pub const ANY_KEY: &str = "*";

/// The number of operations of one kind in one plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindCount {
    /// The plan the counted operations belong to.
    pub plan_id: String,
    /// The kind of the counted operations.
    pub kind: OpKind,
    /// How many operations of this kind the plan has in the log.
    pub count: u64,
}

pub(crate) fn decode(id: i64, blob: &[u8]) -> Result<Operation> {
    Operation::decode_from_slice(blob).map_err(|e| OplogError::Corrupt {
        id,
        reason: e.to_string(),
    })
}

impl OpLog {
    /// Opens (creating if needed) the SQLite operation log at `path`, migrating its schema. Fails
    /// with [`OplogError::Locked`] if another process holds it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let store = Arc::new(SqliteStore::open(path.as_ref())?);
        Self::over(store.clone(), Some(store))
    }

    /// Connects to the operation log in the PostgreSQL database at `url` (`postgres://...`),
    /// migrating its schema. Any number of processes may share it: each one's subscribers see every
    /// process's changes, in modno order.
    pub fn connect(url: &str) -> Result<Self> {
        let store = PgStore::connect(url)?;
        let log = Self::over(store.clone(), None)?;
        let weak = Arc::downgrade(&log.inner);
        store.listen(move |notices| {
            let Some(inner) = weak.upgrade() else {
                return false;
            };
            inner.noticed(&notices);
            true
        })?;
        Ok(log)
    }

    /// Opens the log `location` names: a `postgres://` or `postgresql://` URL, else a SQLite file.
    pub fn open_location(location: &str) -> Result<Self> {
        if is_database_url(location) {
            Self::connect(location)
        } else {
            Self::open(location)
        }
    }

    fn over(store: Arc<dyn Store>, sqlite: Option<Arc<SqliteStore>>) -> Result<Self> {
        let publisher = Publisher::new(store.committed_modno()?);
        let (kv_changes, _) = broadcast::channel(256);
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                sqlite,
                publisher,
                kv_changes,
            }),
        })
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The keys of key/value entries as they are written, by this process or (on PostgreSQL) any
    /// other; [`ANY_KEY`] when any may have changed. A receiver that lags should re-read all.
    pub fn kv_changes(&self) -> broadcast::Receiver<String> {
        self.inner.kv_changes.subscribe()
    }

    /// Tells this process's key/value watchers of a write it made (on PostgreSQL the database's
    /// notice does, for every process).
    pub(crate) fn kv_written(&self, key: &str) {
        if self.inner.sqlite.is_some() {
            let _ = self.inner.kv_changes.send(key.to_string());
        }
    }

    /// The SQLite file this log was opened from; None for a PostgreSQL log.
    pub fn path(&self) -> Option<&Path> {
        self.inner.sqlite.as_deref().map(SqliteStore::path)
    }

    /// Where this log lives, fit to show a user (a path, or a database URL without its password).
    pub fn describe(&self) -> String {
        self.store().describe()
    }

    /// Runs `f` in one write transaction. On success the changes commit and are published as one
    /// event batch; on error nothing is written and the id and modno counters are unchanged.
    pub fn transact<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut value = None;
        let changes = std::cell::RefCell::new(Vec::new());
        let mut published = Ok(());
        let inner = &self.inner;
        inner.store.transact(
            &mut |store, counters| {
                let f = f.take().ok_or_else(|| {
                    OplogError::Invalid("a transaction body ran twice".to_string())
                })?;
                let mut tx = Tx {
                    store,
                    counters,
                    changes: Vec::new(),
                };
                value = Some(f(&mut tx)?);
                *changes.borrow_mut() = tx.changes;
                Ok(())
            },
            &mut || {
                published = inner
                    .publisher
                    .committed(inner.store.as_ref(), changes.take());
            },
        )?;
        if let Err(e) = published {
            tracing::warn!(error = %e, "publishing committed changes failed; subscribers catch up");
        }
        value.ok_or_else(|| OplogError::Invalid("a transaction body did not run".to_string()))
    }

    /// Adds one operation; see [`Tx::add`].
    pub fn add(&self, op: &mut Operation) -> Result<()> {
        self.transact(|tx| tx.add(op))
    }

    /// Updates one operation; see [`Tx::update`].
    pub fn update(&self, op: &mut Operation) -> Result<()> {
        self.transact(|tx| tx.update(op))
    }

    /// Deletes operations by id, returning those that existed.
    pub fn delete(&self, ids: &[i64]) -> Result<Vec<Operation>> {
        self.transact(|tx| {
            let mut out = Vec::new();
            for id in ids {
                out.extend(tx.delete(*id)?);
            }
            Ok(out)
        })
    }

    /// Deletes every operation the selector matches, in batches of bounded size; returns the count.
    pub fn delete_matching(&self, selector: &Selector) -> Result<usize> {
        let mut total = 0;
        loop {
            let mut q = Query::new(selector.clone());
            q.limit = Some(512);
            let ids: Vec<i64> = self.query_meta(&q)?.into_iter().map(|m| m.id).collect();
            if ids.is_empty() {
                return Ok(total);
            }
            total += self.delete(&ids)?.len();
        }
    }

    /// One operation by id.
    pub fn get(&self, id: i64) -> Result<Option<Operation>> {
        let mut q = Query::new(Selector::ids([id]));
        q.limit = Some(1);
        Ok(self.query(&q)?.pop())
    }

    /// The operations a query selects, decoded, in the query's order.
    pub fn query(&self, query: &Query) -> Result<Vec<Operation>> {
        self.store().query(query)
    }

    /// The indexed columns of the operations a query selects, without decoding the records.
    pub fn query_meta(&self, query: &Query) -> Result<Vec<OpMeta>> {
        self.store().query_meta(query)
    }

    /// Every PENDING or INPROGRESS operation, oldest first (served by a partial index).
    pub fn unfinished(&self) -> Result<Vec<Operation>> {
        self.store().unfinished()
    }

    /// How many operations the selector matches.
    pub fn count(&self, selector: &Selector) -> Result<u64> {
        self.store().count(selector)
    }

    /// Operation counts per plan and kind (served by the plan index), for history limits.
    pub fn counts_by_plan_and_kind(&self) -> Result<Vec<KindCount>> {
        self.store().counts_by_plan_and_kind()
    }

    /// The modno of the most recent change published to this process's subscribers.
    pub fn current_modno(&self) -> i64 {
        self.inner.publisher.published()
    }

    /// Forgets tombstones older than `before_modno`; subscribers resuming from before it get
    /// [`Delivery::ResumeTooOld`].
    pub fn prune_tombstones(&self, before_modno: i64) -> Result<usize> {
        self.store().prune_tombstones(before_modno)
    }

    /// Subscribes to changes matching `selector`. With `resume_after`, first delivers (from the
    /// database) every matching change with a higher modno, then goes live.
    pub fn subscribe(&self, selector: Selector, resume_after: Option<i64>) -> Result<Subscription> {
        let rx = self.inner.publisher.subscribe();
        if resume_after.is_some_and(|after| after > self.current_modno()) {
            // Another process may have committed it and its notice not be here yet.
            let committed = self.store().committed_modno()?;
            self.inner.publisher.catch_up(self.store(), committed)?;
        }
        let now = self.current_modno();
        let mut pending = VecDeque::new();
        let (seen, catching_up) = match resume_after {
            None => (now, false),
            // Before pruned tombstones, or beyond anything this log issued (e.g. the log was restored
            // from a backup): the client must reload rather than resume.
            Some(after) if after < self.store().tombstone_floor()? || after > now => {
                pending.push_back(Delivery::ResumeTooOld { now_modno: now });
                (now, false)
            }
            Some(after) => (after, true),
        };
        Ok(Subscription {
            log: self.clone(),
            rx,
            selector,
            seen,
            pending,
            catching_up,
        })
    }

    /// Up to `limit` matching changes with modno > `after`, in modno order (live ops and tombstones).
    pub(crate) fn changes_after(
        &self,
        selector: &Selector,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Change>> {
        self.store().changes_after(selector, after, limit)
    }

    /// `EXPLAIN` lines for a query on this log's database (tests prove every shape uses an index).
    #[cfg(test)]
    pub(crate) fn explain(&self, sql: &str, params: Vec<Value>) -> Result<Vec<String>> {
        self.store().explain(sql, params)
    }
}

/// True for a PostgreSQL connection URL (`postgres://` or `postgresql://`).
pub fn is_database_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// The SELECT of operations changed after `after` (their meta columns, created modno and record).
pub(crate) fn changed_ops_sql(selector: &Selector, after: i64, limit: u32) -> (String, Vec<Value>) {
    let (cond, mut params) = selector.to_sql();
    params.push(Value::Integer(after));
    let sql = format!(
        "SELECT {META_COLUMNS}, created_modno, operation FROM operations
         WHERE {cond} AND modno > ? ORDER BY modno LIMIT {limit}"
    );
    (sql, params)
}

/// The SELECT of tombstones after `after`. Tombstones are not filtered by kind: a kinds filter does
/// not apply to deletions.
pub(crate) fn tombstones_sql(selector: &Selector, after: i64, limit: u32) -> (String, Vec<Value>) {
    let (cond, mut params) = Selector {
        kinds: Vec::new(),
        ..selector.clone()
    }
    .to_sql();
    params.push(Value::Integer(after));
    let sql = format!(
        "SELECT id, modno, flow_id, repo_guid, plan_id, instance_id, original_instance_keyid,
            snapshot_id, kind FROM tombstones WHERE {cond} AND modno > ? ORDER BY modno LIMIT {limit}"
    );
    (sql, params)
}

/// A change read back from the database: created when the row was added after `after`.
pub(crate) fn changed_op(
    meta: OpMeta,
    created_modno: i64,
    after: i64,
    blob: &[u8],
) -> Result<Change> {
    let op = decode(meta.id, blob)?;
    let kind = if created_modno > after {
        ChangeKind::Created
    } else {
        ChangeKind::Updated
    };
    Ok(Change {
        kind,
        meta,
        op: Some(Arc::new(op)),
    })
}

/// Operation changes and tombstones merged into modno order, at most `limit` of them.
pub(crate) fn in_modno_order(mut changes: Vec<Change>, limit: u32) -> Vec<Change> {
    changes.sort_by_key(Change::modno);
    changes.truncate(limit as usize);
    changes
}

pub(crate) const META_COLUMNS: &str = "id, modno, flow_id, repo_id, repo_guid, plan_id, instance_id, \
     original_instance_keyid, snapshot_id, status, kind, unix_time_start_ms";

pub(crate) const UNFINISHED_SQL: &str =
    "SELECT id, operation FROM operations WHERE status IN (1, 2) ORDER BY id";

pub(crate) const COUNTS_SQL: &str =
    "SELECT plan_id, kind, COUNT(*) FROM operations GROUP BY plan_id, kind";
