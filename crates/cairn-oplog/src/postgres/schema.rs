//! The PostgreSQL schema of the operation log and its versioned migrations (tracked in the
//! `cairn_schema` table). Processes starting together migrate one at a time (a session advisory
//! lock); a database newer than this build is refused, as with SQLite.
//!
//! The tables and indexes match the SQLite store's, column for column, so every query shape is
//! served by the same index on both; integers are BIGINT throughout (the driver binds i64).
use super::pool::PgConn;
use crate::error::{OplogError, Result};
use std::path::PathBuf;

/// The advisory lock key held while migrating ("cairnmig").
const MIGRATE_LOCK: i64 = 0x6361_6972_6e6d_6967;

/// Schema migrations, in order; migration `i` brings the database to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // v1: the operation log as the SQLite store has it at its version 9, plus the counters row that
    // the SQLite store keeps in its one writer's memory (here every process reads it under the
    // writers' lock).
    "CREATE TABLE operations (
        id BIGINT PRIMARY KEY,
        modno BIGINT NOT NULL,
        created_modno BIGINT NOT NULL,
        flow_id BIGINT NOT NULL,
        original_id BIGINT NOT NULL DEFAULT 0,
        original_flow_id BIGINT NOT NULL DEFAULT 0,
        original_modno BIGINT NOT NULL DEFAULT 0,
        repo_id TEXT NOT NULL,
        repo_guid TEXT NOT NULL,
        plan_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        original_instance_keyid TEXT NOT NULL DEFAULT '',
        snapshot_id TEXT NOT NULL DEFAULT '',
        status BIGINT NOT NULL,
        kind BIGINT NOT NULL,
        unix_time_start_ms BIGINT NOT NULL,
        operation BYTEA NOT NULL
    );
    CREATE UNIQUE INDEX operations_modno ON operations(modno);
    CREATE INDEX operations_flow ON operations(flow_id, id);
    CREATE INDEX operations_plan ON operations(plan_id, id);
    CREATE INDEX operations_plan_kind ON operations(plan_id, kind);
    CREATE INDEX operations_repo_plan ON operations(repo_guid, plan_id, id);
    CREATE INDEX operations_instance ON operations(instance_id, id);
    CREATE INDEX operations_keyid ON operations(original_instance_keyid, original_id);
    CREATE INDEX operations_snapshot ON operations(snapshot_id, id);
    CREATE INDEX operations_start ON operations(unix_time_start_ms, id);
    CREATE INDEX operations_unfinished ON operations(status, id) WHERE status IN (1, 2);
    CREATE INDEX operations_repo_kind ON operations(repo_guid, kind, id);
    CREATE INDEX operations_repo ON operations(repo_guid, id);
    CREATE INDEX operations_keyid_flow ON operations(original_instance_keyid, original_flow_id);
    CREATE INDEX operations_keyid_plan_kind ON operations(original_instance_keyid, plan_id, kind, id);
    CREATE TABLE tombstones (
        modno BIGINT PRIMARY KEY,
        id BIGINT NOT NULL,
        flow_id BIGINT NOT NULL,
        repo_guid TEXT NOT NULL,
        plan_id TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        original_instance_keyid TEXT NOT NULL,
        snapshot_id TEXT NOT NULL,
        kind BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE metadata (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
    CREATE TABLE kv (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
    CREATE TABLE counters (
        only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
        next_id BIGINT NOT NULL,
        modno BIGINT NOT NULL
    );
    INSERT INTO counters (next_id, modno) VALUES (1, 0);",
    // v2: finished task logs, shared by the servers of the database (their text here, or in the
    // storage --log-store-url names when data_gz is NULL).
    "CREATE TABLE task_logs (
        id TEXT PRIMARY KEY,
        owner_op BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        size BIGINT NOT NULL,
        data_gz BYTEA
    );
    CREATE INDEX task_logs_owner ON task_logs(owner_op);
    CREATE INDEX task_logs_expiry ON task_logs(expires_at_ms) WHERE expires_at_ms > 0;",
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`], one migration per transaction, one process at a time.
pub(crate) fn migrate(conn: &mut PgConn, described: &str) -> Result<()> {
    conn.execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK])?;
    let outcome = migrate_locked(conn, described);
    let unlocked = conn.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK]);
    outcome?;
    unlocked.map(|_| ())
}

fn migrate_locked(conn: &mut PgConn, described: &str) -> Result<()> {
    conn.batch("CREATE TABLE IF NOT EXISTS cairn_schema (version BIGINT NOT NULL)")?;
    let found: i64 = match conn.query_opt("SELECT max(version) FROM cairn_schema", &[])? {
        Some(row) => row.try_get::<_, Option<i64>>(0)?.unwrap_or(0),
        None => 0,
    };
    if found > SCHEMA_VERSION {
        return Err(OplogError::SchemaTooNew {
            path: PathBuf::from(described),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        conn.batch("BEGIN")?;
        let applied = conn.batch(sql).and_then(|()| {
            conn.execute(
                "INSERT INTO cairn_schema (version) VALUES ($1)",
                &[&version],
            )
        });
        match applied {
            Ok(_) => conn.batch("COMMIT")?,
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                return Err(e);
            }
        }
        tracing::info!(version, "operation log schema migrated (PostgreSQL)");
    }
    Ok(())
}
