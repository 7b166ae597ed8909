//! The statements of a write transaction on the PostgreSQL store.
use super::pool::PgConn;
use crate::error::Result;
use crate::row::{INSERT_SQL, OpMeta, UPDATE_SQL};
use crate::store::TxStore;
use crate::synced::{LOOKUP_SQL, SyncedLookup};
use cairn_proto::v1::Operation;

/// An open transaction on one pooled connection.
pub(crate) struct PgTx<'c> {
    pub(crate) conn: &'c mut PgConn,
}

impl PgTx<'_> {
    /// Runs the insert or the update, whose parameters are the same.
    fn write_row(
        &mut self,
        sql: &str,
        (m, op, encoded): (&OpMeta, &Operation, &[u8]),
        original_modno: Option<i64>,
    ) -> Result<u64> {
        let status = i64::from(m.status);
        let kind = m.kind.code();
        self.conn.execute(
            sql,
            &[
                &m.id,
                &m.modno,
                &m.flow_id,
                &op.original_id,
                &op.original_flow_id,
                &m.repo_id,
                &m.repo_guid,
                &m.plan_id,
                &m.instance_id,
                &m.original_instance_keyid,
                &m.snapshot_id,
                &status,
                &kind,
                &m.unix_time_start_ms,
                &encoded,
                &original_modno,
            ],
        )
    }
}

impl TxStore for PgTx<'_> {
    fn insert(
        &mut self,
        m: &OpMeta,
        op: &Operation,
        encoded: &[u8],
        original_modno: i64,
    ) -> Result<()> {
        self.write_row(INSERT_SQL, (m, op, encoded), Some(original_modno))
            .map(|_| ())
    }

    fn update(
        &mut self,
        m: &OpMeta,
        op: &Operation,
        encoded: &[u8],
        original_modno: Option<i64>,
    ) -> Result<bool> {
        Ok(self.write_row(UPDATE_SQL, (m, op, encoded), original_modno)? > 0)
    }

    fn delete(&mut self, id: i64, m: &OpMeta) -> Result<()> {
        self.conn
            .execute("DELETE FROM operations WHERE id = $1", &[&id])?;
        let kind = m.kind.code();
        self.conn.execute(
            "INSERT INTO tombstones (modno, id, flow_id, repo_guid, plan_id, instance_id,
                original_instance_keyid, snapshot_id, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &m.modno,
                &m.id,
                &m.flow_id,
                &m.repo_guid,
                &m.plan_id,
                &m.instance_id,
                &m.original_instance_keyid,
                &m.snapshot_id,
                &kind,
            ],
        )?;
        Ok(())
    }

    fn get(&mut self, id: i64) -> Result<Option<Vec<u8>>> {
        let row = self
            .conn
            .query_opt("SELECT operation FROM operations WHERE id = $1", &[&id])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn modno_taken(&mut self, modno: i64) -> Result<bool> {
        let row = self.conn.query_opt(
            "SELECT EXISTS (SELECT 1 FROM operations WHERE modno = $1)
                 OR EXISTS (SELECT 1 FROM tombstones WHERE modno = $1)",
            &[&modno],
        )?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(false))
    }

    fn metadata(&mut self, key: &str) -> Result<Option<i64>> {
        let row = self
            .conn
            .query_opt("SELECT value FROM metadata WHERE key = $1", &[&key])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn set_metadata(&mut self, key: &str, value: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO metadata (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn synced_lookup(
        &mut self,
        keyid: &str,
        original_id: i64,
        original_flow_id: i64,
    ) -> Result<SyncedLookup> {
        let rows = self
            .conn
            .query(LOOKUP_SQL, &[&keyid, &original_id, &original_flow_id])?;
        let mut found = SyncedLookup::default();
        for r in &rows {
            let which: i32 = r.try_get(0)?;
            let flow: i64 = r.try_get(2)?;
            if which == 0 {
                found.own = Some((r.try_get(1)?, flow));
            } else {
                found.flow = Some(flow);
            }
        }
        Ok(found)
    }

    fn set_original_modno(&mut self, id: i64, original_modno: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE operations SET original_modno = $2 WHERE id = $1",
            &[&id, &original_modno],
        )?;
        Ok(())
    }
}
