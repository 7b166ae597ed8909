//! The operation log handle: opens the SQLite file (WAL, one writer, pooled readers, a process lock),
//! answers queries from indexes, runs write transactions and hands out event subscriptions.
//!
//! All methods are synchronous and fast (indexed); async callers with long scans should use
//! `spawn_blocking`.
use crate::error::{OplogError, Result};
use crate::events::{CHANNEL_CAPACITY, Change, ChangeKind, Delivery, Subscription};
use crate::row::{OpKind, OpMeta};
use crate::schema;
use crate::selector::{Query, Selector};
use crate::tx::{Counters, Tx};
use buffa::Message;
use cairn_proto::v1::Operation;
use parking_lot::{Mutex, MutexGuard};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, params_from_iter};
use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::broadcast;

/// How many idle read connections are kept.
const MAX_IDLE_READERS: usize = 8;

/// A shared handle to one operation log; clones refer to the same database.
#[derive(Clone)]
pub struct OpLog {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
    bus: broadcast::Sender<Arc<Vec<Change>>>,
    _lock: File,
}

struct Writer {
    conn: Connection,
    counters: Counters,
}

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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
}

pub(crate) fn decode(id: i64, blob: &[u8]) -> Result<Operation> {
    Operation::decode_from_slice(blob).map_err(|e| OplogError::Corrupt {
        id,
        reason: e.to_string(),
    })
}

impl OpLog {
    /// Opens (creating if needed) the operation log at `path`, migrating its schema. Fails with
    /// [`OplogError::Locked`] if another process holds it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| OplogError::io(dir, e))?;
        }
        let lock_path = path.with_extension("lock");
        let lock = File::create(&lock_path).map_err(|e| OplogError::io(&lock_path, e))?;
        if lock.try_lock().is_err() {
            return Err(OplogError::Locked(path));
        }
        let mut conn = Connection::open(&path)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn, &path)?;
        let counters = read_counters(&conn)?;
        let (bus, _) = broadcast::channel(CHANNEL_CAPACITY);
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(Writer { conn, counters }),
                readers: Mutex::new(Vec::new()),
                bus,
                _lock: lock,
            }),
        })
    }

    /// The SQLite database file this log was opened from.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in one write transaction. On success the changes commit and are published as one
    /// event batch; on error nothing is written and the id and modno counters are unchanged.
    pub fn transact<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut guard = lock(&self.inner.writer);
        let Writer { conn, counters } = &mut *guard;
        let saved = *counters;
        let outcome = (|| {
            // Immediate: the write lock is taken (waiting out the busy timeout) before anything is
            // read, so a transaction that reads and then writes never fails at once because another
            // process (a second cairn on this log, `cairn db`, an import) wrote in between.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut t = Tx {
                tx,
                counters: &mut *counters,
                changes: Vec::new(),
            };
            let value = f(&mut t)?;
            let Tx { tx, changes, .. } = t;
            tx.commit()?;
            Ok((value, changes))
        })();
        match outcome {
            Ok((value, changes)) => {
                if !changes.is_empty() {
                    // No receivers is fine: nobody is watching.
                    let _ = self.inner.bus.send(Arc::new(changes));
                }
                Ok(value)
            }
            Err(e) => {
                *counters = saved;
                Err(e)
            }
        }
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
        let (sql, params) = query.to_sql("id, operation");
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(params), |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            rows.map(|row| {
                let (id, blob) = row?;
                decode(id, &blob)
            })
            .collect()
        })
    }

    /// The indexed columns of the operations a query selects, without decoding the records.
    pub fn query_meta(&self, query: &Query) -> Result<Vec<OpMeta>> {
        let (sql, params) = query.to_sql(META_COLUMNS);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(params), meta_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Every PENDING or INPROGRESS operation, oldest first (served by a partial index).
    pub fn unfinished(&self) -> Result<Vec<Operation>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(UNFINISHED_SQL)?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
            rows.map(|row| {
                let (id, blob) = row?;
                decode(id, &blob)
            })
            .collect()
        })
    }

    /// How many operations the selector matches.
    pub fn count(&self, selector: &Selector) -> Result<u64> {
        let (cond, params) = selector.to_sql();
        self.read(|conn| {
            let sql = format!("SELECT COUNT(*) FROM operations WHERE {cond}");
            let n: i64 = conn
                .prepare_cached(&sql)?
                .query_row(params_from_iter(params), |r| r.get(0))?;
            Ok(n as u64)
        })
    }

    /// Operation counts per plan and kind (served by the plan index), for history limits.
    pub fn counts_by_plan_and_kind(&self) -> Result<Vec<KindCount>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(COUNTS_SQL)?;
            let rows = stmt.query_map([], |r| {
                Ok(KindCount {
                    plan_id: r.get(0)?,
                    kind: OpKind::from_code(r.get(1)?),
                    count: r.get::<_, i64>(2)? as u64,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Runs one statement (or a few) on the writer's connection, outside the operations'
    /// transactions: for the small tables beside the log.
    pub(crate) fn write_conn<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&lock(&self.inner.writer).conn)
    }

    /// The modno of the most recent change.
    pub fn current_modno(&self) -> i64 {
        lock(&self.inner.writer).counters.modno
    }

    /// Forgets tombstones older than `before_modno`; subscribers resuming from before it get
    /// [`Delivery::ResumeTooOld`].
    pub fn prune_tombstones(&self, before_modno: i64) -> Result<usize> {
        let guard = lock(&self.inner.writer);
        let n = guard
            .conn
            .execute("DELETE FROM tombstones WHERE modno < ?1", [before_modno])?;
        guard.conn.execute(
            "INSERT INTO metadata (key, value) VALUES ('tombstone_floor', ?1)
             ON CONFLICT(key) DO UPDATE SET value = MAX(value, excluded.value)",
            [before_modno],
        )?;
        Ok(n)
    }

    /// Subscribes to changes matching `selector`. With `resume_after`, first delivers (from the
    /// database) every matching change with a higher modno, then goes live.
    pub fn subscribe(&self, selector: Selector, resume_after: Option<i64>) -> Result<Subscription> {
        let rx = self.inner.bus.subscribe();
        let now = self.current_modno();
        let mut pending = VecDeque::new();
        let (seen, catching_up) = match resume_after {
            None => (now, false),
            // Before pruned tombstones, or beyond anything this log issued (e.g. the log was restored
            // from a backup): the client must reload rather than resume.
            Some(after) if after < self.tombstone_floor()? || after > now => {
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

    fn tombstone_floor(&self) -> Result<i64> {
        self.read(|conn| {
            let floor = conn
                .query_row(
                    "SELECT value FROM metadata WHERE key = 'tombstone_floor'",
                    [],
                    |r| r.get(0),
                )
                .unwrap_or(0);
            Ok(floor)
        })
    }

    /// Up to `limit` matching changes with modno > `after`, in modno order (live ops and tombstones).
    pub(crate) fn changes_after(
        &self,
        selector: &Selector,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Change>> {
        let (cond, params) = selector.to_sql();
        let mut all: Vec<Value> = params.clone();
        all.push(Value::Integer(after));
        self.read(|conn| {
            // One read transaction: both queries see the same snapshot, so no change falls between them.
            let conn = conn.unchecked_transaction()?;
            let ops_sql = format!(
                "SELECT {META_COLUMNS}, created_modno, operation FROM operations
                 WHERE {cond} AND modno > ? ORDER BY modno LIMIT {limit}"
            );
            let mut stmt = conn.prepare_cached(&ops_sql)?;
            let mut changes = Vec::new();
            let mut rows = stmt.query(params_from_iter(all.iter()))?;
            while let Some(r) = rows.next()? {
                let meta = meta_from_row(r)?;
                let created: i64 = r.get(12)?;
                let blob: Vec<u8> = r.get(13)?;
                let op = decode(meta.id, &blob)?;
                let kind = if created > after { ChangeKind::Created } else { ChangeKind::Updated };
                changes.push(Change { kind, meta, op: Some(Arc::new(op)) });
            }
            // Tombstones keep no kind: a kinds filter does not apply to deletions.
            let (tomb_cond, mut tomb_params) = Selector {
                kinds: Vec::new(),
                ..selector.clone()
            }
            .to_sql();
            tomb_params.push(Value::Integer(after));
            let tomb_sql = format!(
                "SELECT id, modno, flow_id, repo_guid, plan_id, instance_id, original_instance_keyid,
                    snapshot_id FROM tombstones WHERE {tomb_cond} AND modno > ? ORDER BY modno LIMIT {limit}"
            );
            let mut stmt = conn.prepare_cached(&tomb_sql)?;
            let tombs = stmt.query_map(params_from_iter(tomb_params.iter()), |r| {
                Ok(Change {
                    kind: ChangeKind::Deleted,
                    meta: OpMeta {
                        id: r.get(0)?,
                        modno: r.get(1)?,
                        flow_id: r.get(2)?,
                        repo_guid: r.get(3)?,
                        plan_id: r.get(4)?,
                        instance_id: r.get(5)?,
                        original_instance_keyid: r.get(6)?,
                        snapshot_id: r.get(7)?,
                        ..OpMeta::default()
                    },
                    op: None,
                })
            })?;
            for t in tombs {
                changes.push(t?);
            }
            changes.sort_by_key(Change::modno);
            changes.truncate(limit as usize);
            Ok(changes)
        })
    }

    /// Runs `f` on a pooled read connection (WAL: reads never wait for the writer).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.inner.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.inner.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                c.set_prepared_statement_cache_capacity(64);
                c
            }
        };
        let result = f(&conn);
        let mut idle = lock(&self.inner.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    /// `EXPLAIN QUERY PLAN` lines for a query (used by tests to prove every shape uses an index).
    #[cfg(test)]
    pub(crate) fn explain(&self, sql: &str, params: Vec<Value>) -> Result<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let rows = stmt.query_map(params_from_iter(params), |r| r.get::<_, String>(3))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

pub(crate) const META_COLUMNS: &str = "id, modno, flow_id, repo_id, repo_guid, plan_id, instance_id, \
     original_instance_keyid, snapshot_id, status, kind, unix_time_start_ms";

pub(crate) const UNFINISHED_SQL: &str =
    "SELECT id, operation FROM operations WHERE status IN (1, 2) ORDER BY id";

pub(crate) const COUNTS_SQL: &str =
    "SELECT plan_id, kind, COUNT(*) FROM operations GROUP BY plan_id, kind";

fn meta_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OpMeta> {
    Ok(OpMeta {
        id: r.get(0)?,
        modno: r.get(1)?,
        flow_id: r.get(2)?,
        repo_id: r.get(3)?,
        repo_guid: r.get(4)?,
        plan_id: r.get(5)?,
        instance_id: r.get(6)?,
        original_instance_keyid: r.get(7)?,
        snapshot_id: r.get(8)?,
        status: r.get(9)?,
        kind: OpKind::from_code(r.get(10)?),
        unix_time_start_ms: r.get(11)?,
    })
}

/// The next id (never reusing a deleted one) and the highest modno ever issued.
fn read_counters(conn: &Connection) -> Result<Counters> {
    let seq: i64 = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'operations'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    let max_id: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM operations", [], |r| {
        r.get(0)
    })?;
    let modno: i64 = conn.query_row(
        "SELECT MAX((SELECT COALESCE(MAX(modno), 0) FROM operations),
                    (SELECT COALESCE(MAX(modno), 0) FROM tombstones))",
        [],
        |r| r.get(0),
    )?;
    Ok(Counters {
        next_id: seq.max(max_id) + 1,
        modno,
    })
}
