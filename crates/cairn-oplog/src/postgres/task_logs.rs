//! The PostgreSQL store's table of finished task logs (see `logstore::shared`).
use super::PgStore;
use crate::error::Result;
use crate::logstore::{LogRow, LogTable};

impl LogTable for PgStore {
    fn put_log(&self, row: &LogRow) -> Result<bool> {
        let added = self.pool.get()?.execute(
            "INSERT INTO task_logs (id, owner_op, expires_at_ms, size, data_gz)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            &[
                &row.id,
                &row.owner_op,
                &row.expires_at_ms,
                &row.size,
                &row.data_gz,
            ],
        )?;
        Ok(added > 0)
    }

    fn log_body(&self, id: &str) -> Result<Option<Option<Vec<u8>>>> {
        let row = self
            .pool
            .get()?
            .query_opt("SELECT data_gz FROM task_logs WHERE id = $1", &[&id])?;
        row.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    fn expire_logs(&self, now_ms: i64) -> Result<Vec<(String, bool)>> {
        self.removed(
            "DELETE FROM task_logs WHERE expires_at_ms > 0 AND expires_at_ms < $1
             RETURNING id, data_gz IS NULL",
            now_ms,
        )
    }

    fn delete_logs_of(&self, owner_op: i64) -> Result<Vec<(String, bool)>> {
        self.removed(
            "DELETE FROM task_logs WHERE owner_op = $1 RETURNING id, data_gz IS NULL",
            owner_op,
        )
    }
}

impl PgStore {
    fn removed(&self, sql: &str, value: i64) -> Result<Vec<(String, bool)>> {
        let rows = self.pool.get()?.query(sql, &[&value])?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}
