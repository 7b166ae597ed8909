//! Recognises Backrest's history in a data directory, so that cairn never opens Backrest's files as
//! its own (the names are the same: `oplog.sqlite`, `tasklogs/logs.sqlite`). Backrest's are known by
//! its lock file (`oplog.sqlite.lock`; cairn's is `oplog.lock`), its older `oplog.boltdb`, or their
//! tables (`operation_groups`, `system_info`; a `logs` table with `owner_opid`). The databases are only
//! read, and only their schema.
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// True if `data_dir` holds any of Backrest's history files.
pub fn holds_backrest_files(data_dir: &Path) -> bool {
    data_dir.join("oplog.sqlite.lock").exists()
        || data_dir.join("oplog.boltdb").exists()
        || has_schema(&data_dir.join("oplog.sqlite"), BACKREST_OPLOG)
        || has_schema(&data_dir.join("tasklogs/logs.sqlite"), BACKREST_LOGS)
}

/// Backrest's operation log: its groups table (schema 6) or its system table (schema 5).
const BACKREST_OPLOG: &str = "SELECT count(*) FROM sqlite_master WHERE type = 'table'
     AND name IN ('operation_groups', 'system_info')";

/// Backrest's log store: its `logs` table names the owner `owner_opid` (cairn's says `owner_op`).
const BACKREST_LOGS: &str =
    "SELECT count(*) FROM pragma_table_info('logs') WHERE name = 'owner_opid'";

/// Whether the database at `path` exists and `query` counts something in it; a database that cannot be
/// read is not counted as Backrest's (cairn's own opening then reports the problem).
fn has_schema(path: &Path, query: &str) -> bool {
    if !path.is_file() {
        return false;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(path, flags)
        .and_then(|c| c.query_row(query, [], |r| r.get::<_, i64>(0)))
        .is_ok_and(|n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::holds_backrest_files;
    use rusqlite::Connection;

    #[test]
    fn backrests_files_are_told_from_cairns() {
        let cairn = tempfile::tempdir().unwrap();
        crate::OpLog::open(cairn.path().join("oplog.sqlite")).unwrap();
        crate::LogStore::open(cairn.path().join("tasklogs")).unwrap();
        assert!(!holds_backrest_files(cairn.path()));

        let v6 = tempfile::tempdir().unwrap();
        Connection::open(v6.path().join("oplog.sqlite"))
            .unwrap()
            .execute_batch("CREATE TABLE operation_groups (ogid INTEGER PRIMARY KEY)")
            .unwrap();
        assert!(holds_backrest_files(v6.path()));

        let logs = tempfile::tempdir().unwrap();
        std::fs::create_dir(logs.path().join("tasklogs")).unwrap();
        Connection::open(logs.path().join("tasklogs/logs.sqlite"))
            .unwrap()
            .execute_batch("CREATE TABLE logs (id TEXT, owner_opid INTEGER)")
            .unwrap();
        assert!(holds_backrest_files(logs.path()));

        let locked = tempfile::tempdir().unwrap();
        std::fs::write(locked.path().join("oplog.sqlite.lock"), b"").unwrap();
        assert!(holds_backrest_files(locked.path()));
    }
}
