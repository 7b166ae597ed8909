//! Finished task logs shared by the servers of one database (a hub on PostgreSQL run as several
//! processes): a log is written to the data dir of the server running its task while it runs, as
//! always, and once finished it moves to the database, so any server reads it. The database holds
//! the index (owner, expiry, size) and, unless [`LogBodies`] are given (S3-compatible storage, with
//! `--log-store-url`), the compressed text too. A body is stored before its row, so a reader that
//! finds the row finds the body; a body whose row is gone (expired, or its operation deleted) is
//! removed after the row.
use crate::error::{OplogError, Result};
use crate::oplog::OpLog;
use std::sync::Arc;

/// Where finished logs' compressed text is kept outside the database.
pub trait LogBodies: Send + Sync {
    /// Where the bodies are, for messages (no credentials).
    fn describe(&self) -> String;
    /// Stores log `id`'s gzip-compressed text.
    fn put(&self, id: &str, gzip: &[u8]) -> std::io::Result<()>;
    /// Log `id`'s gzip-compressed text.
    fn get(&self, id: &str) -> std::io::Result<Vec<u8>>;
    /// Removes log `id`'s text (a body that is not there is no error).
    fn delete(&self, id: &str) -> std::io::Result<()>;
}

/// A finished log as the database's index holds it.
#[derive(Clone, Debug)]
pub(crate) struct LogRow {
    pub id: String,
    pub owner_op: i64,
    /// 0: kept as long as its owner.
    pub expires_at_ms: i64,
    pub size: i64,
    /// The compressed text; None when it is in the [`LogBodies`].
    pub data_gz: Option<Vec<u8>>,
}

/// The database's table of finished logs (the PostgreSQL store has one).
pub(crate) trait LogTable: Send + Sync {
    /// Adds a log unless its id is taken; true when added.
    fn put_log(&self, row: &LogRow) -> Result<bool>;
    /// A log's stored text: None when there is no such log, Some(None) when its text is elsewhere.
    fn log_body(&self, id: &str) -> Result<Option<Option<Vec<u8>>>>;
    /// Removes the logs that expired before `now_ms`; their ids, and whether each had its text
    /// elsewhere.
    fn expire_logs(&self, now_ms: i64) -> Result<Vec<(String, bool)>>;
    /// Removes the logs of operation `owner_op`, as [`expire_logs`](Self::expire_logs) does.
    fn delete_logs_of(&self, owner_op: i64) -> Result<Vec<(String, bool)>>;
}

/// Finished logs in the database (and their bodies where [`LogBodies`] say).
#[derive(Clone)]
pub(crate) struct SharedLogs {
    log: OpLog,
    bodies: Option<Arc<dyn LogBodies>>,
}

fn bodies_error(bodies: &dyn LogBodies, e: std::io::Error) -> OplogError {
    OplogError::io(bodies.describe(), e)
}

impl SharedLogs {
    /// Finished logs kept in `log`'s database, which must have a table for them.
    pub(crate) fn new(log: OpLog, bodies: Option<Arc<dyn LogBodies>>) -> Result<Self> {
        if log.store().log_table().is_none() {
            return Err(OplogError::Database(format!(
                "{} cannot hold task logs for several servers; keep the operation log in PostgreSQL (--database-url)",
                log.describe()
            )));
        }
        Ok(Self { log, bodies })
    }

    fn table(&self) -> Result<&dyn LogTable> {
        self.log
            .store()
            .log_table()
            .ok_or_else(|| OplogError::Database("the operation log has no task log table".into()))
    }

    /// Stores a finished log; false when one with its id is there already.
    pub(crate) fn put(&self, mut row: LogRow) -> Result<bool> {
        if let Some(bodies) = &self.bodies
            && let Some(gz) = row.data_gz.take()
        {
            bodies
                .put(&row.id, &gz)
                .map_err(|e| bodies_error(bodies.as_ref(), e))?;
        }
        self.table()?.put_log(&row)
    }

    /// A finished log's compressed text, when there is such a log.
    pub(crate) fn get(&self, id: &str) -> Result<Option<Vec<u8>>> {
        match (self.table()?.log_body(id)?, &self.bodies) {
            (None, _) => Ok(None),
            (Some(Some(gz)), _) => Ok(Some(gz)),
            (Some(None), Some(bodies)) => bodies
                .get(id)
                .map(Some)
                .map_err(|e| bodies_error(bodies.as_ref(), e)),
            (Some(None), None) => Err(OplogError::Database(format!(
                "the text of log {id} is kept in other storage; start cairn with the same --log-store-url as the server that stored it"
            ))),
        }
    }

    /// Whether a finished log with this id is stored.
    pub(crate) fn exists(&self, id: &str) -> Result<bool> {
        Ok(self.table()?.log_body(id)?.is_some())
    }

    /// Removes logs that expired before `now_ms`; how many.
    pub(crate) fn expire(&self, now_ms: i64) -> Result<usize> {
        let gone = self.table()?.expire_logs(now_ms)?;
        self.remove_bodies(&gone);
        Ok(gone.len())
    }

    /// Removes the logs of operation `owner_op`; how many.
    pub(crate) fn delete_owned_by(&self, owner_op: i64) -> Result<usize> {
        let gone = self.table()?.delete_logs_of(owner_op)?;
        self.remove_bodies(&gone);
        Ok(gone.len())
    }

    /// Removes the bodies of logs whose rows are gone; one that cannot be removed is logged (its
    /// row is gone, so nothing reads it).
    fn remove_bodies(&self, gone: &[(String, bool)]) {
        let Some(bodies) = &self.bodies else {
            return;
        };
        for (id, _) in gone.iter().filter(|(_, elsewhere)| *elsewhere) {
            if let Err(e) = bodies.delete(id) {
                tracing::warn!(log = %id, error = %e, place = %bodies.describe(), "cannot remove a removed log's text");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Place;
    use crate::{LogStore, OpLog};
    use parking_lot::Mutex;
    use std::collections::HashMap;
    use std::io::Write;

    /// Bodies kept in memory, standing in for S3 (the binary's tests use a real S3 server).
    #[derive(Default)]
    struct Memory(Mutex<HashMap<String, Vec<u8>>>);

    impl LogBodies for Memory {
        fn describe(&self) -> String {
            "memory".into()
        }
        fn put(&self, id: &str, gzip: &[u8]) -> std::io::Result<()> {
            self.0.lock().insert(id.into(), gzip.to_vec());
            Ok(())
        }
        fn get(&self, id: &str) -> std::io::Result<Vec<u8>> {
            self.0
                .lock()
                .get(id)
                .cloned()
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, id.to_string()))
        }
        fn delete(&self, id: &str) -> std::io::Result<()> {
            self.0.lock().remove(id);
            Ok(())
        }
    }

    fn write_log(store: &LogStore, id: &str, owner: i64, ttl: Option<std::time::Duration>) {
        let mut w = store.create(id, owner, ttl).unwrap();
        w.write_all(format!("output of {id}\n").as_bytes()).unwrap();
        w.finish().unwrap();
    }

    async fn text(store: &LogStore, id: &str) -> String {
        let bytes = store.open_reader(id).unwrap().read_to_end().await.unwrap();
        String::from_utf8(bytes).unwrap()
    }

    async fn finished_logs_are_read_by_every_server(bodies: Option<Arc<Memory>>) {
        let place = Place::postgres();
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let as_bodies = || bodies.clone().map(|b| b as Arc<dyn LogBodies>);
        let first = LogStore::open_shared(one.path(), place.open(), as_bodies()).unwrap();
        let second = LogStore::open_shared(two.path(), place.open(), as_bodies()).unwrap();
        write_log(&first, "t-kept", 7, None);
        write_log(
            &first,
            "t-brief",
            8,
            Some(std::time::Duration::from_millis(1)),
        );
        assert_eq!(text(&second, "t-kept").await, "output of t-kept\n");
        assert!(second.exists("t-brief").unwrap());
        if let Some(b) = &bodies {
            assert_eq!(b.0.lock().len(), 2, "the text is in the bodies");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(second.expire(crate::logstore::now_ms()).unwrap(), 1);
        assert!(!first.exists("t-brief").unwrap());
        assert_eq!(first.delete_owned_by(7).unwrap(), 1);
        assert!(matches!(
            second.open_reader("t-kept"),
            Err(OplogError::LogNotFound(_))
        ));
        if let Some(b) = &bodies {
            assert!(b.0.lock().is_empty(), "removed logs' text is removed");
        }
    }

    #[tokio::test]
    async fn finished_logs_in_the_database_are_read_by_every_server() {
        finished_logs_are_read_by_every_server(None).await;
    }

    #[tokio::test]
    async fn finished_logs_with_their_text_elsewhere_are_read_by_every_server() {
        finished_logs_are_read_by_every_server(Some(Arc::default())).await;
    }

    #[test]
    fn a_sqlite_log_cannot_share_task_logs() {
        let dir = tempfile::tempdir().unwrap();
        let log = OpLog::open(dir.path().join("oplog.sqlite")).unwrap();
        let refused = LogStore::open_shared(dir.path().join("logs"), log, None);
        assert!(
            matches!(&refused, Err(e) if e.to_string().contains("--database-url")),
            "{:?}",
            refused.err()
        );
    }
}
