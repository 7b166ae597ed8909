//! The statements of a write transaction on the SQLite store.
use crate::error::Result;
use crate::row::OpMeta;
use crate::store::{RowWrite, TxStore};
use crate::synced::{FLOW_SQL, LOCAL_SQL, SyncedLookup};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::HashMap;

/// Runs the insert or the update of a row; the rows it touched.
fn write_row(tx: &Transaction<'_>, row: &RowWrite<'_>) -> Result<usize> {
    let (m, op) = (&row.meta, row.op);
    Ok(tx.prepare_cached(row.sql())?.execute(params![
        m.id,
        m.modno,
        m.flow_id,
        op.original_id,
        op.original_flow_id,
        m.repo_id,
        m.repo_guid,
        m.plan_id,
        m.instance_id,
        m.original_instance_keyid,
        m.snapshot_id,
        m.status,
        m.kind.code(),
        m.unix_time_start_ms,
        row.encoded,
        row.original_modno
    ])?)
}

/// The row `sql` finds for each of the peer `keyid`'s `ids` (those it finds), by id.
fn found_each<T>(
    tx: &Transaction<'_>,
    sql: &str,
    keyid: &str,
    ids: &[i64],
    row: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<HashMap<i64, T>> {
    let mut stmt = tx.prepare_cached(sql)?;
    let mut found = HashMap::new();
    for id in ids {
        if let Some(value) = stmt.query_row(params![keyid, id], &row).optional()? {
            found.insert(*id, value);
        }
    }
    Ok(found)
}

impl TxStore for Transaction<'_> {
    fn delete(&mut self, id: i64, m: &OpMeta) -> Result<()> {
        self.prepare_cached("DELETE FROM operations WHERE id = ?1")?
            .execute([id])?;
        self.prepare_cached(
            "INSERT INTO tombstones (modno, id, flow_id, repo_guid, plan_id, instance_id,
                original_instance_keyid, snapshot_id, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            m.modno,
            m.id,
            m.flow_id,
            m.repo_guid,
            m.plan_id,
            m.instance_id,
            m.original_instance_keyid,
            m.snapshot_id,
            m.kind.code()
        ])?;
        Ok(())
    }

    fn get(&mut self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .prepare_cached("SELECT operation FROM operations WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    fn modno_taken(&mut self, modno: i64) -> Result<bool> {
        let n: i64 = self
            .prepare_cached(
                "SELECT (SELECT count(*) FROM operations WHERE modno = ?1)
                      + (SELECT count(*) FROM tombstones WHERE modno = ?1)",
            )?
            .query_row([modno], |r| r.get(0))?;
        Ok(n > 0)
    }

    fn metadata(&mut self, key: &str) -> Result<Option<i64>> {
        Ok(self
            .prepare_cached("SELECT value FROM metadata WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn set_metadata(&mut self, key: &str, value: i64) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO metadata (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![key, value])?;
        Ok(())
    }

    fn synced_lookup(
        &mut self,
        keyid: &str,
        original_ids: &[i64],
        original_flow_ids: &[i64],
    ) -> Result<SyncedLookup> {
        // In-process: a statement per id costs no round trip.
        Ok(SyncedLookup {
            own: found_each(self, LOCAL_SQL, keyid, original_ids, |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?,
            flow: found_each(self, FLOW_SQL, keyid, original_flow_ids, |r| r.get(0))?,
        })
    }

    fn write_rows(&mut self, rows: &[RowWrite<'_>]) -> Result<()> {
        for row in rows {
            if write_row(self, row)? == 0 {
                return Err(crate::OplogError::NotFound(row.meta.id));
            }
        }
        Ok(())
    }

    fn set_original_modno(&mut self, id: i64, original_modno: i64) -> Result<()> {
        self.prepare_cached("UPDATE operations SET original_modno = ?2 WHERE id = ?1")?
            .execute(params![id, original_modno])?;
        Ok(())
    }
}
