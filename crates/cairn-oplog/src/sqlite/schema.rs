//! The SQLite schema of the operation log and its versioned migrations (tracked in `PRAGMA user_version`).
//!
//! Each entry of [`MIGRATIONS`] moves the schema one version up; a database newer than the last entry is
//! refused so an older cairn never writes into a layout it does not understand.
use crate::error::{OplogError, Result};
use rusqlite::Connection;
use std::path::Path;

/// Schema migrations, in order; migration `i` brings the database to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // v1: operations with every column a query filters or sorts on, each behind an index.
    "CREATE TABLE operations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        modno INTEGER NOT NULL,
        created_modno INTEGER NOT NULL,
        flow_id INTEGER NOT NULL,
        original_id INTEGER NOT NULL DEFAULT 0,
        original_flow_id INTEGER NOT NULL DEFAULT 0,
        repo_id TEXT NOT NULL,
        repo_guid TEXT NOT NULL,
        plan_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        original_instance_keyid TEXT NOT NULL DEFAULT '',
        snapshot_id TEXT NOT NULL DEFAULT '',
        status INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        unix_time_start_ms INTEGER NOT NULL,
        operation BLOB NOT NULL
    );
    CREATE UNIQUE INDEX operations_modno ON operations(modno);
    CREATE INDEX operations_flow ON operations(flow_id, id);
    CREATE INDEX operations_plan ON operations(plan_id, id);
    CREATE INDEX operations_plan_kind ON operations(plan_id, kind);
    CREATE INDEX operations_repo_plan ON operations(repo_guid, plan_id, id);
    CREATE INDEX operations_instance ON operations(instance_id, id);
    CREATE INDEX operations_keyid ON operations(original_instance_keyid, original_id);
    CREATE INDEX operations_snapshot ON operations(snapshot_id, id);
    CREATE INDEX operations_start ON operations(unix_time_start_ms, id);",
    // v2: deletions keep a tombstone so subscribers can resume across them; a key/value table for counters.
    "CREATE TABLE tombstones (
        modno INTEGER PRIMARY KEY,
        id INTEGER NOT NULL,
        flow_id INTEGER NOT NULL,
        repo_guid TEXT NOT NULL,
        plan_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        original_instance_keyid TEXT NOT NULL,
        snapshot_id TEXT NOT NULL
    );
    CREATE TABLE metadata (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    // v3: unfinished operations (PENDING = 1, INPROGRESS = 2) found without a scan, for crash recovery
    // and the task queue.
    "CREATE INDEX operations_unfinished ON operations(status, id) WHERE status IN (1, 2);",
    // v4: the newest operation of one kind in a repository (the scheduler's "last prune/check/forget"),
    // and a repository's index-snapshot operations, without walking its whole history.
    "CREATE INDEX operations_repo_kind ON operations(repo_guid, kind, id);",
    // v5: a repository's history newest first, a page at a time (the web UI's repository view), without
    // sorting every operation of the repository.
    "CREATE INDEX operations_repo ON operations(repo_guid, id);",
    // v6: operations synced from a multihost peer keep the peer's modno (a manifest from the peer is
    // compared with it), and a peer's flow is found by its own flow id when the rest of it arrives.
    "ALTER TABLE operations ADD COLUMN original_modno INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX operations_keyid_flow ON operations(original_instance_keyid, original_flow_id);",
    // v7: small values kept beside the log (multihost peer states), by key.
    "CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;",
    // v8: one instance's backups of one plan newest first (the dashboards), without walking the
    // backups of every client whose plan has the same name.
    "CREATE INDEX operations_keyid_plan_kind ON operations(original_instance_keyid, plan_id, kind, id);",
    // v9: a tombstone keeps the kind of what was deleted, so a deletion read back from the database
    // (a catch-up, or another process's change) is filtered by kind exactly as a live one is.
    "ALTER TABLE tombstones ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings `conn` up to [`SCHEMA_VERSION`], one migration per transaction.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(OplogError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "operation log schema migrated");
    }
    Ok(())
}

/// Applies the connection settings every handle uses: WAL, a busy timeout, foreign-key-free fast writes.
pub fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}
