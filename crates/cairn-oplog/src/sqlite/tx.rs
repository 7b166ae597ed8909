//! The statements of a write transaction on the SQLite store.
use crate::error::Result;
use crate::row::{INSERT_SQL, OpMeta, UPDATE_SQL};
use crate::store::RowWrite;
use crate::store::TxStore;
use crate::synced::{FLOW_SQL, LOCAL_SQL, SyncedLookup};
use cairn_proto::v1::Operation;
use rusqlite::{OptionalExtension, Transaction, params};

/// Runs the insert or the update of a row, whose parameters are the same.
fn write_row(
    tx: &Transaction<'_>,
    sql: &str,
    (m, op, encoded): (&OpMeta, &Operation, &[u8]),
    original_modno: Option<i64>,
) -> Result<usize> {
    Ok(tx.prepare_cached(sql)?.execute(params![
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
        encoded,
        original_modno
    ])?)
}

impl TxStore for Transaction<'_> {
    fn insert(
        &mut self,
        m: &OpMeta,
        op: &Operation,
        encoded: &[u8],
        original_modno: i64,
    ) -> Result<()> {
        write_row(self, INSERT_SQL, (m, op, encoded), Some(original_modno)).map(|_| ())
    }

    fn update(
        &mut self,
        m: &OpMeta,
        op: &Operation,
        encoded: &[u8],
        original_modno: Option<i64>,
    ) -> Result<bool> {
        Ok(write_row(self, UPDATE_SQL, (m, op, encoded), original_modno)? > 0)
    }

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
        let mut found = SyncedLookup::default();
        for id in original_ids {
            let row = self
                .prepare_cached(LOCAL_SQL)?
                .query_row(params![keyid, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some(row) = row {
                found.own.insert(*id, row);
            }
        }
        for flow in original_flow_ids {
            let row = self
                .prepare_cached(FLOW_SQL)?
                .query_row(params![keyid, flow], |r| r.get(0))
                .optional()?;
            if let Some(row) = row {
                found.flow.insert(*flow, row);
            }
        }
        Ok(found)
    }

    fn write_rows(&mut self, rows: &[RowWrite<'_>]) -> Result<()> {
        for row in rows {
            let sql = if row.insert { INSERT_SQL } else { UPDATE_SQL };
            let written = write_row(
                self,
                sql,
                (&row.meta, row.op, &row.encoded),
                row.original_modno,
            )?;
            if written == 0 {
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
