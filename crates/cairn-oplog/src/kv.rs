//! Small values kept beside the operation log, by key (multihost peer states, under `peer_state:`):
//! written at once, read by key prefix. Not part of the event stream.
use crate::error::Result;
use crate::oplog::OpLog;
use rusqlite::params;

impl OpLog {
    /// Stores `value` under `key`, replacing what was there.
    pub fn kv_put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.write_conn(|conn| {
            conn.prepare_cached(
                "INSERT INTO kv (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
            Ok(())
        })
    }

    /// Removes `key`; false when it was not there.
    pub fn kv_delete(&self, key: &str) -> Result<bool> {
        self.write_conn(|conn| {
            Ok(conn
                .prepare_cached("DELETE FROM kv WHERE key = ?1")?
                .execute([key])?
                > 0)
        })
    }

    /// Every key starting with `prefix`, with its value, in key order.
    pub fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, value FROM kv WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
            )?;
            let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_replaced_listed_by_prefix_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oplog.sqlite");
        {
            let log = OpLog::open(&path).unwrap();
            log.kv_put("peer_state:b", b"two").unwrap();
            log.kv_put("peer_state:a", b"one").unwrap();
            log.kv_put("peer_state:a", b"uno").unwrap();
            log.kv_put("other", b"x").unwrap();
        }
        let log = OpLog::open(&path).unwrap();
        assert_eq!(
            log.kv_scan("peer_state:").unwrap(),
            vec![
                ("peer_state:a".to_string(), b"uno".to_vec()),
                ("peer_state:b".to_string(), b"two".to_vec())
            ]
        );
        assert!(log.kv_delete("peer_state:a").unwrap());
        assert!(!log.kv_delete("peer_state:a").unwrap());
        assert_eq!(log.kv_scan("peer_state:").unwrap().len(), 1);
        assert_eq!(log.kv_scan("").unwrap().len(), 2);
    }
}
