//! The PostgreSQL store: the operation log in a database that several cairn processes share (a hub
//! behind a load balancer). Writers of every process are serialised by a transaction-scoped advisory
//! lock, so modnos are handed out in commit order and a reader that has seen modno N has seen every
//! change before it; each commit notifies (`NOTIFY cairn_oplog`) every process, whose listener brings
//! the change onto its own event bus.
mod listen;
pub(crate) use listen::Notice;
mod pool;
pub(crate) mod schema;
mod task_logs;
#[cfg(test)]
mod tests;
mod tls;
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
use pool::{Pool, params_of};
use std::str::FromStr;
use std::sync::Arc;
use tokio_postgres::{Config, Row};
use tx::PgTx;

/// The advisory lock key every write transaction holds ("cairnwri").
const WRITER_LOCK: i64 = 0x6361_6972_6e77_7269;
/// The channel commits are announced on; the payload is the new modno.
pub(crate) const CHANNEL: &str = "cairn_oplog";
/// The channel key/value writes are announced on; the payload is the key.
pub(crate) const KV_CHANNEL: &str = "cairn_kv";
/// The first key of every lease's advisory lock (its second is the hash of the lease's name).
const LEASE_CLASS: i32 = 0x6361_6972;
/// How many connections one process keeps at most.
const POOL_SIZE: usize = 8;

/// The operation log in a PostgreSQL database.
pub(crate) struct PgStore {
    pool: Pool,
    described: String,
    /// Serialises this process's writers before they queue on the database's lock.
    writer: Mutex<()>,
}

impl PgStore {
    /// Connects to the database at `url` and migrates its schema.
    pub(crate) fn connect(url: &str) -> Result<Arc<Self>> {
        let mut config = Config::from_str(url).map_err(|e| {
            OplogError::Database(format!(
                "the database URL is not valid ({e}); write it as postgres://user:password@host:5432/dbname"
            ))
        })?;
        with_defaults(&mut config);
        let described = describe(&config);
        let store = Self {
            pool: Pool::new(config, POOL_SIZE)?,
            described,
            writer: Mutex::new(()),
        };
        {
            let mut conn = store.pool.get().map_err(|e| store.named(e))?;
            schema::migrate(&mut conn, &store.described)?;
        }
        Ok(Arc::new(store))
    }

    /// An error that says which database it is about.
    fn named(&self, e: OplogError) -> OplogError {
        let why = match e {
            OplogError::Postgres(e) => crate::error::with_causes(&e),
            OplogError::Database(why) => why,
            other => other.to_string(),
        };
        let hint = if why.contains("certificate") {
            "; point SSL_CERT_FILE at the CA that signed the database server's certificate (cairn \
             always checks it), or add sslmode=disable to the URL for an unencrypted connection"
        } else {
            ""
        };
        OplogError::Database(format!("{}: {why}{hint}", self.described))
    }

    fn read_ops(&self, sql: &str, params: &[pool::Param]) -> Result<Vec<Operation>> {
        let rows = self.pool.get()?.query_boxed(sql, params)?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                let blob: &[u8] = r.try_get(1)?;
                decode(id, blob)
            })
            .collect()
    }

    fn write_counters(conn: &mut pool::PgConn, before: &Counters, after: &Counters) -> Result<()> {
        if after == before {
            return Ok(());
        }
        conn.execute(
            "UPDATE counters SET next_id = $1, modno = $2",
            &[&after.next_id, &after.modno],
        )?;
        if after.modno != before.modno {
            let payload = after.modno.to_string();
            conn.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])?;
        }
        Ok(())
    }
}

impl Store for PgStore {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn transact(&self, body: &mut TxBody<'_>, committed: &mut dyn FnMut()) -> Result<()> {
        let _local = self.writer.lock();
        let mut conn = self.pool.get()?;
        conn.batch("BEGIN")?;
        let outcome = (|| {
            conn.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])?;
            let row = conn
                .query_opt("SELECT next_id, modno FROM counters", &[])?
                .ok_or_else(|| OplogError::Database("the counters row is missing".into()))?;
            let before = Counters {
                next_id: row.try_get(0)?,
                modno: row.try_get(1)?,
            };
            let mut counters = before;
            body(&mut PgTx { conn: &mut conn }, &mut counters)?;
            Self::write_counters(&mut conn, &before, &counters)?;
            conn.batch("COMMIT")
        })();
        match outcome {
            Ok(()) => {
                committed();
                Ok(())
            }
            Err(e) => {
                // A broken connection is dropped by the pool; a live one is left clean.
                let _ = conn.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn query(&self, query: &Query) -> Result<Vec<Operation>> {
        let (sql, params) = query.to_sql("id, operation");
        self.read_ops(&sql, &params_of(&params))
    }

    fn query_meta(&self, query: &Query) -> Result<Vec<OpMeta>> {
        let (sql, params) = query.to_sql(META_COLUMNS);
        let rows = self.pool.get()?.query_boxed(&sql, &params_of(&params))?;
        rows.iter().map(meta_from_row).collect()
    }

    fn unfinished(&self) -> Result<Vec<Operation>> {
        self.read_ops(UNFINISHED_SQL, &[])
    }

    fn count(&self, selector: &Selector) -> Result<u64> {
        let (cond, params) = selector.to_sql();
        let sql = format!("SELECT COUNT(*) FROM operations WHERE {cond}");
        let rows = self.pool.get()?.query_boxed(&sql, &params_of(&params))?;
        let n: i64 = match rows.first() {
            Some(r) => r.try_get(0)?,
            None => 0,
        };
        Ok(n as u64)
    }

    fn counts_by_plan_and_kind(&self) -> Result<Vec<KindCount>> {
        let rows = self.pool.get()?.query(COUNTS_SQL, &[])?;
        rows.iter()
            .map(|r| {
                Ok(KindCount {
                    plan_id: r.try_get(0)?,
                    kind: OpKind::from_code(r.try_get(1)?),
                    count: r.try_get::<_, i64>(2)? as u64,
                })
            })
            .collect()
    }

    fn committed_modno(&self) -> Result<i64> {
        let row = self
            .pool
            .get()?
            .query_opt("SELECT modno FROM counters", &[])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
    }

    fn next_id(&self) -> Result<i64> {
        let row = self
            .pool
            .get()?
            .query_opt("SELECT next_id FROM counters", &[])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(1))
    }

    fn prune_tombstones(&self, before_modno: i64) -> Result<usize> {
        let mut conn = self.pool.get()?;
        let n = conn.execute("DELETE FROM tombstones WHERE modno < $1", &[&before_modno])?;
        conn.execute(
            "INSERT INTO metadata (key, value) VALUES ('tombstone_floor', $1)
             ON CONFLICT (key) DO UPDATE SET value = GREATEST(metadata.value, excluded.value)",
            &[&before_modno],
        )?;
        Ok(n as usize)
    }

    fn tombstone_floor(&self) -> Result<i64> {
        let row = self.pool.get()?.query_opt(
            "SELECT value FROM metadata WHERE key = 'tombstone_floor'",
            &[],
        )?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
    }

    fn changes_after(&self, selector: &Selector, after: i64, limit: u32) -> Result<Vec<Change>> {
        let (ops_sql, ops_params) = crate::oplog::changed_ops_sql(selector, after, limit);
        let (tomb_sql, tomb_params) = crate::oplog::tombstones_sql(selector, after, limit);
        let mut conn = self.pool.get()?;
        // One snapshot for both reads, so no change falls between them.
        conn.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let read = (|| {
            let ops = conn.query_boxed(&ops_sql, &params_of(&ops_params))?;
            let tombs = conn.query_boxed(&tomb_sql, &params_of(&tomb_params))?;
            Ok::<_, OplogError>((ops, tombs))
        })();
        let _ = conn.batch("COMMIT");
        let (ops, tombs) = read?;
        let mut changes = Vec::with_capacity(ops.len() + tombs.len());
        for r in &ops {
            let meta = meta_from_row(r)?;
            let created: i64 = r.try_get(12)?;
            let blob: &[u8] = r.try_get(13)?;
            changes.push(crate::oplog::changed_op(meta, created, after, blob)?);
        }
        for r in &tombs {
            changes.push(Change {
                kind: ChangeKind::Deleted,
                meta: OpMeta {
                    id: r.try_get(0)?,
                    modno: r.try_get(1)?,
                    flow_id: r.try_get(2)?,
                    repo_guid: r.try_get(3)?,
                    plan_id: r.try_get(4)?,
                    instance_id: r.try_get(5)?,
                    original_instance_keyid: r.try_get(6)?,
                    snapshot_id: r.try_get(7)?,
                    kind: OpKind::from_code(r.try_get(8)?),
                    ..OpMeta::default()
                },
                op: None,
            });
        }
        Ok(crate::oplog::in_modno_order(changes, limit))
    }

    fn synced_id(&self, keyid: &str, original_id: i64) -> Result<Option<i64>> {
        let row = self
            .pool
            .get()?
            .query_opt(LOCAL_SQL, &[&keyid, &original_id])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn synced(&self, keyid: &str) -> Result<Vec<SyncedEntry>> {
        let rows = self.pool.get()?.query(LIST_SQL, &[&keyid])?;
        rows.iter()
            .map(|r| {
                Ok(SyncedEntry {
                    original_id: r.try_get(0)?,
                    original_modno: r.try_get(1)?,
                    id: r.try_get(2)?,
                })
            })
            .collect()
    }

    // Each write announces its key on the kv channel in the same statement (delivered at commit),
    // so every process's listener learns of it.
    fn kv_put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.pool.get()?.execute(
            "WITH w AS (INSERT INTO kv (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING key)
             SELECT pg_notify($3, key) FROM w",
            &[&key, &value, &KV_CHANNEL],
        )?;
        Ok(())
    }

    fn kv_delete(&self, key: &str) -> Result<bool> {
        let rows = self.pool.get()?.query(
            "WITH w AS (DELETE FROM kv WHERE key = $1 RETURNING key) SELECT pg_notify($2, key) FROM w",
            &[&key, &KV_CHANNEL],
        )?;
        Ok(!rows.is_empty())
    }

    fn kv_replace(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool> {
        let mut conn = self.pool.get()?;
        let rows = match expected {
            None => conn.query(
                "WITH w AS (INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING
                     RETURNING key)
                 SELECT pg_notify($3, key) FROM w",
                &[&key, &new, &KV_CHANNEL],
            )?,
            Some(old) => conn.query(
                "WITH w AS (UPDATE kv SET value = $3 WHERE key = $1 AND value = $2 RETURNING key)
                 SELECT pg_notify($4, key) FROM w",
                &[&key, &old, &new, &KV_CHANNEL],
            )?,
        };
        Ok(!rows.is_empty())
    }

    fn try_lease(&self, name: &str) -> Result<Option<Lease>> {
        let client = self.pool.connect()?;
        let row = futures::executor::block_on(client.query_one(
            "SELECT pg_try_advisory_lock($1, hashtext($2))",
            &[&LEASE_CLASS, &name],
        ))?;
        let taken: bool = row.try_get(0)?;
        Ok(taken.then(|| Lease::new(name, Hold::Session(client))))
    }

    /// With sequential scans and sorts priced out (`enable_seqscan`, `enable_sort` off), a plan that
    /// still scans the table has no index that serves the query, and one that still sorts has no
    /// index that gives its order (on a small table the planner would otherwise choose either).
    #[cfg(test)]
    fn explain(&self, sql: &str, params: Vec<rusqlite::types::Value>) -> Result<Vec<String>> {
        let mut conn = self.pool.get()?;
        conn.batch("SET enable_seqscan = off; SET enable_sort = off")?;
        let rows = conn.query_boxed(&format!("EXPLAIN {sql}"), &params_of(&params));
        conn.batch("RESET enable_seqscan; RESET enable_sort")?;
        rows?.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    fn log_table(&self) -> Option<&dyn crate::logstore::LogTable> {
        Some(self)
    }

    fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let rows = self.pool.get()?.query(
            "SELECT key, value FROM kv WHERE starts_with(key, $1) ORDER BY key",
            &[&prefix],
        )?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

fn meta_from_row(r: &Row) -> Result<OpMeta> {
    Ok(OpMeta {
        id: r.try_get(0)?,
        modno: r.try_get(1)?,
        flow_id: r.try_get(2)?,
        repo_id: r.try_get(3)?,
        repo_guid: r.try_get(4)?,
        plan_id: r.try_get(5)?,
        instance_id: r.try_get(6)?,
        original_instance_keyid: r.try_get(7)?,
        snapshot_id: r.try_get(8)?,
        status: i32::try_from(r.try_get::<_, i64>(9)?).unwrap_or(0),
        kind: OpKind::from_code(r.try_get(10)?),
        unix_time_start_ms: r.try_get(11)?,
    })
}

/// What a URL leaves unsaid: a name the server's activity view shows, a bounded connect, and
/// keepalives that notice a vanished server within a minute rather than the system's two hours.
fn with_defaults(config: &mut Config) {
    if config.get_application_name().is_none() {
        config.application_name("cairn");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    if config.get_keepalives_idle() >= std::time::Duration::from_secs(7200) {
        config.keepalives_idle(std::time::Duration::from_secs(30));
    }
}

/// The database a config names, as `postgres://user@host:port/dbname` (never the password).
fn describe(config: &Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{db}")
}
