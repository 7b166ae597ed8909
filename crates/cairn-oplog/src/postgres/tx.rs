//! The statements of a write transaction on the PostgreSQL store.
use super::pool::Param;
use super::pool::PgConn;
use crate::error::Result;
use crate::row::OpMeta;
use crate::store::RowWrite;
use crate::store::TxStore;
use crate::synced::{FLOW_MANY_SQL, LOCAL_MANY_SQL, SyncedLookup};

/// An open transaction on one pooled connection.
pub(crate) struct PgTx<'c> {
    pub(crate) conn: &'c mut PgConn,
}

/// The parameters of the insert and the update of a row, in their order.
fn row_params(row: &RowWrite<'_>) -> Vec<Param> {
    let (m, op) = (&row.meta, row.op);
    vec![
        Box::new(m.id),
        Box::new(m.modno),
        Box::new(m.flow_id),
        Box::new(op.original_id),
        Box::new(op.original_flow_id),
        Box::new(m.repo_id.clone()),
        Box::new(m.repo_guid.clone()),
        Box::new(m.plan_id.clone()),
        Box::new(m.instance_id.clone()),
        Box::new(m.original_instance_keyid.clone()),
        Box::new(m.snapshot_id.clone()),
        Box::new(i64::from(m.status)),
        Box::new(m.kind.code()),
        Box::new(m.unix_time_start_ms),
        Box::new(row.encoded.clone()),
        Box::new(row.original_modno),
    ]
}

impl TxStore for PgTx<'_> {
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
        original_ids: &[i64],
        original_flow_ids: &[i64],
    ) -> Result<SyncedLookup> {
        let mut found = SyncedLookup::default();
        for r in self.conn.query(LOCAL_MANY_SQL, &[&keyid, &original_ids])? {
            found
                .own
                .insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
        }
        if !original_flow_ids.is_empty() {
            for r in self
                .conn
                .query(FLOW_MANY_SQL, &[&keyid, &original_flow_ids])?
            {
                found.flow.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }
        Ok(found)
    }

    fn write_rows(&mut self, rows: &[RowWrite<'_>]) -> Result<()> {
        let statements: Vec<(&str, Vec<Param>)> = rows
            .iter()
            .map(|row| (row.sql(), row_params(row)))
            .collect();
        let written = self.conn.execute_pipelined(&statements)?;
        match rows.iter().zip(written).find(|(_, n)| *n == 0) {
            Some((row, _)) => Err(crate::OplogError::NotFound(row.meta.id)),
            None => Ok(()),
        }
    }

    fn set_original_modno(&mut self, id: i64, original_modno: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE operations SET original_modno = $2 WHERE id = $1",
            &[&id, &original_modno],
        )?;
        Ok(())
    }
}
