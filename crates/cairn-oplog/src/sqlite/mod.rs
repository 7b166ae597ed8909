//! The SQLite store: the operation log in one file of the data dir (WAL, one writer, pooled readers,
//! a process lock so a second cairn on the same data dir is refused).
pub(crate) mod schema;
mod tx;

use crate::error::{OplogError, Result};
use crate::events::{Change, ChangeKind};
use crate::lease::{Hold, Lease};
use crate::oplog::{COUNTS_SQL, KindCount, META_COLUMNS, UNFINISHED_SQL, decode};
use crate::row::{OpKind, OpMeta};
use crate::selector::{Query, Selector};
use crate::store::{Counters, Store, TxBody};
use crate::synced::{LIST_SQL, LOCAL_SQL, SyncedEntry};
use cairn_proto::v1::Operation;
use parking_lot::Mutex;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params, params_from_iter};
use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How many idle read connections are kept.
const MAX_IDLE_READERS: usize = 8;

/// The operation log in one SQLite file.
pub(crate) struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
    leases: Arc<Mutex<HashSet<String>>>,
    _lock: File,
}

struct Writer {
    conn: Connection,
    counters: Counters,
}

/// Takes the process lock of the SQLite log at `path` (the `.lock` file beside it, its directory
/// created if needed): one cairn process at a time opens the log, and a server whose log is in
/// PostgreSQL takes the same lock to keep its data dir to itself. Held until the file is dropped.
pub fn lock_process(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| OplogError::io(dir, e))?;
    }
    let lock_path = path.with_extension("lock");
    let lock = File::create(&lock_path).map_err(|e| OplogError::io(&lock_path, e))?;
    if lock.try_lock().is_err() {
        return Err(OplogError::Locked(path.to_path_buf()));
    }
    Ok(lock)
}

impl SqliteStore {
    /// Opens (creating if needed) the file at `path`, migrating its schema; refuses when another
    /// process holds it.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let lock = lock_process(path)?;
        let mut conn = Connection::open(path)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn, path)?;
        let counters = read_counters(&conn)?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: Mutex::new(Writer { conn, counters }),
            readers: Mutex::new(Vec::new()),
            leases: Arc::default(),
            _lock: lock,
        })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a pooled read connection (WAL: reads never wait for the writer).
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = self.readers.lock().pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                c.set_prepared_statement_cache_capacity(64);
                c
            }
        };
        let result = f(&conn);
        let mut idle = self.readers.lock();
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    /// Runs `f` on the writer's connection, outside the operations' transactions.
    fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.writer.lock().conn)
    }

    fn read_ops(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Operation>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(sql)?;
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
}

impl Store for SqliteStore {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn transact(&self, body: &mut TxBody<'_>, committed: &mut dyn FnMut()) -> Result<()> {
        let mut guard = self.writer.lock();
        let Writer { conn, counters } = &mut *guard;
        let saved = *counters;
        let outcome = (|| {
            // Immediate: the write lock is taken (waiting out the busy timeout) before anything is
            // read, so a transaction that reads and then writes never fails at once because another
            // process (`cairn db`, an import) wrote in between.
            let mut tx =
                conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            body(&mut tx, counters)?;
            tx.commit()?;
            Ok(())
        })();
        match outcome {
            Ok(()) => {
                committed();
                Ok(())
            }
            Err(e) => {
                *counters = saved;
                Err(e)
            }
        }
    }

    fn query(&self, query: &Query) -> Result<Vec<Operation>> {
        let (sql, params) = query.to_sql("id, operation");
        self.read_ops(&sql, params)
    }

    fn query_meta(&self, query: &Query) -> Result<Vec<OpMeta>> {
        let (sql, params) = query.to_sql(META_COLUMNS);
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(params), meta_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn unfinished(&self) -> Result<Vec<Operation>> {
        self.read_ops(UNFINISHED_SQL, Vec::new())
    }

    fn count(&self, selector: &Selector) -> Result<u64> {
        let (cond, params) = selector.to_sql();
        self.read(|conn| {
            let sql = format!("SELECT COUNT(*) FROM operations WHERE {cond}");
            let n: i64 = conn
                .prepare_cached(&sql)?
                .query_row(params_from_iter(params), |r| r.get(0))?;
            Ok(n as u64)
        })
    }

    fn counts_by_plan_and_kind(&self) -> Result<Vec<KindCount>> {
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

    fn committed_modno(&self) -> Result<i64> {
        Ok(self.writer.lock().counters.modno)
    }

    fn next_id(&self) -> Result<i64> {
        Ok(self.writer.lock().counters.next_id)
    }

    fn prune_tombstones(&self, before_modno: i64) -> Result<usize> {
        self.write(|conn| {
            let n = conn.execute("DELETE FROM tombstones WHERE modno < ?1", [before_modno])?;
            conn.execute(
                "INSERT INTO metadata (key, value) VALUES ('tombstone_floor', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = MAX(value, excluded.value)",
                [before_modno],
            )?;
            Ok(n)
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
                .optional()?;
            Ok(floor.unwrap_or(0))
        })
    }

    fn changes_after(&self, selector: &Selector, after: i64, limit: u32) -> Result<Vec<Change>> {
        let (ops_sql, ops_params) = crate::oplog::changed_ops_sql(selector, after, limit);
        let (tomb_sql, tomb_params) = crate::oplog::tombstones_sql(selector, after, limit);
        self.read(|conn| {
            // One read transaction: both queries see the same snapshot, so no change falls between them.
            let conn = conn.unchecked_transaction()?;
            let mut changes = Vec::new();
            let mut stmt = conn.prepare_cached(&ops_sql)?;
            let mut rows = stmt.query(params_from_iter(ops_params.iter()))?;
            while let Some(r) = rows.next()? {
                let meta = meta_from_row(r)?;
                let created: i64 = r.get(12)?;
                let blob: Vec<u8> = r.get(13)?;
                changes.push(crate::oplog::changed_op(meta, created, after, &blob)?);
            }
            let mut stmt = conn.prepare_cached(&tomb_sql)?;
            let tombs = stmt.query_map(params_from_iter(tomb_params.iter()), |r| {
                Ok(OpMeta {
                    id: r.get(0)?,
                    modno: r.get(1)?,
                    flow_id: r.get(2)?,
                    repo_guid: r.get(3)?,
                    plan_id: r.get(4)?,
                    instance_id: r.get(5)?,
                    original_instance_keyid: r.get(6)?,
                    snapshot_id: r.get(7)?,
                    kind: OpKind::from_code(r.get(8)?),
                    ..OpMeta::default()
                })
            })?;
            for meta in tombs {
                changes.push(Change {
                    kind: ChangeKind::Deleted,
                    meta: meta?,
                    op: None,
                });
            }
            Ok(crate::oplog::in_modno_order(changes, limit))
        })
    }

    fn synced_id(&self, keyid: &str, original_id: i64) -> Result<Option<i64>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(LOCAL_SQL)?
                .query_row(params![keyid, original_id], |r| r.get(0))
                .optional()?)
        })
    }

    fn synced(&self, keyid: &str) -> Result<Vec<SyncedEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(LIST_SQL)?;
            let rows = stmt.query_map([keyid], |r| {
                Ok(SyncedEntry {
                    original_id: r.get(0)?,
                    original_modno: r.get(1)?,
                    id: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn kv_put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.write(|conn| {
            conn.prepare_cached(
                "INSERT INTO kv (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
            Ok(())
        })
    }

    fn kv_replace(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool> {
        self.write(|conn| {
            let changed = match expected {
                None => conn
                    .prepare_cached(
                        "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING",
                    )?
                    .execute(params![key, new])?,
                Some(old) => conn
                    .prepare_cached("UPDATE kv SET value = ?3 WHERE key = ?1 AND value = ?2")?
                    .execute(params![key, old, new])?,
            };
            Ok(changed > 0)
        })
    }

    fn kv_delete(&self, key: &str) -> Result<bool> {
        self.write(|conn| {
            Ok(conn
                .prepare_cached("DELETE FROM kv WHERE key = ?1")?
                .execute([key])?
                > 0)
        })
    }

    fn try_lease(&self, name: &str) -> Result<Option<Lease>> {
        // The file lock keeps other processes out; within this one, a name is held once.
        let fresh = self.leases.lock().insert(name.to_string());
        Ok(fresh.then(|| Lease::new(name, Hold::Local(self.leases.clone()))))
    }

    #[cfg(test)]
    fn explain(&self, sql: &str, params: Vec<Value>) -> Result<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let rows = stmt.query_map(params_from_iter(params), |r| r.get::<_, String>(3))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, value FROM kv WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
            )?;
            let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

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
        .optional()?
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
