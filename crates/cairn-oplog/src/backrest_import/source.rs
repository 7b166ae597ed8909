//! Backrest's history as a source to import from, read without changing it: its operation log
//! (`oplog.sqlite`, schema 5 or 6) and task logs (`tasklogs/logs.sqlite` and its `.inprogress` files).
//! Opening takes Backrest's own lock (`oplog.sqlite.lock`), so it is refused while Backrest runs and
//! Backrest cannot start mid-import; the databases are copied (with their write-ahead logs) to a
//! scratch directory and read there, so the source files are never written, not even by SQLite.
use super::ImportError;
use cairn_proto::v1::Operation;
use rusqlite::{Connection, OptionalExtension};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Backrest's operation log schemas cairn reads.
pub const SCHEMAS: [i64; 2] = [5, 6];

/// An opened Backrest history.
pub struct BackrestSource {
    dir: PathBuf,
    ops: Connection,
    logs: Option<Connection>,
    schema: i64,
    /// Held for as long as the source is open.
    _lock: Option<File>,
}

/// One operation row: its id and the operation, or why it cannot be read.
pub type Row = (i64, Result<Operation, String>);

/// One task log: id, owning operation, expiry (Unix seconds, 0 = never) and where its text is.
pub struct LogRow {
    /// The log's id (an operation's `logref` or `output_logref`).
    pub id: String,
    /// The operation that owns it.
    pub owner: i64,
    /// When it expires (Unix seconds; 0: never).
    pub expires_unix: i64,
    /// Its text.
    pub data: LogData,
}

/// Where a task log's text is.
pub enum LogData {
    /// Finished: gzip data kept in the database.
    Gzip(Vec<u8>),
    /// Still being written when Backrest stopped: a file in `tasklogs/.inprogress`.
    File(PathBuf),
    /// Neither (a damaged row).
    Missing,
}

impl BackrestSource {
    /// Opens the history in Backrest's data directory `dir`, copying its databases into `scratch`.
    pub fn open(dir: &Path, scratch: &Path) -> Result<Self, ImportError> {
        let db = dir.join("oplog.sqlite");
        if !db.is_file() {
            return Err(ImportError::NoHistory(dir.to_path_buf()));
        }
        let lock = take_lock(&dir.join("oplog.sqlite.lock"))?;
        let ops = open_copy(&db, &scratch.join("oplog.sqlite"))?;
        let schema: i64 = ops
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| ImportError::sqlite(&db, e))?;
        if !SCHEMAS.contains(&schema) {
            return Err(ImportError::Schema { path: db, schema });
        }
        let logs_db = dir.join("tasklogs/logs.sqlite");
        let logs = if logs_db.is_file() {
            Some(open_copy(&logs_db, &scratch.join("logs.sqlite"))?)
        } else {
            None
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            ops,
            logs,
            schema,
            _lock: lock,
        })
    }

    /// The data directory read.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The operation log's schema version (5 or 6).
    pub fn schema(&self) -> i64 {
        self.schema
    }

    /// How many operations there are.
    pub fn count(&self) -> Result<u64, ImportError> {
        self.ops
            .query_row("SELECT count(*) FROM operations", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// How many task logs there are.
    pub fn log_count(&self) -> Result<u64, ImportError> {
        let Some(logs) = &self.logs else {
            return Ok(0);
        };
        logs.query_row("SELECT count(*) FROM logs", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Up to `limit` operations with ids above `after`, in id order, with the row's columns and its
    /// group's filled in wherever the stored record leaves them empty.
    pub fn batch(&self, after: i64, limit: usize) -> Result<Vec<Row>, ImportError> {
        let mut stmt = self
            .ops
            .prepare_cached(
                "SELECT o.id, o.flow_id, o.modno, o.original_id, o.original_flow_id, o.operation,
                        g.instance_id, g.original_instance_keyid, g.repo_guid, g.repo_id, g.plan_id
                 FROM operations o LEFT JOIN operation_groups g ON g.ogid = o.ogid
                 WHERE o.id > ?1 ORDER BY o.id LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params![after, limit as i64], |r| {
                let id: i64 = r.get(0)?;
                let columns = Columns {
                    flow_id: r.get(1)?,
                    modno: r.get(2)?,
                    original_id: r.get(3)?,
                    original_flow_id: r.get(4)?,
                    group: [6, 7, 8, 9, 10].map(|i| r.get::<_, Option<String>>(i).ok().flatten()),
                };
                let blob: Vec<u8> = r.get(5)?;
                Ok((id, decode(id, &blob, &columns)))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Calls `f` with every task log, in id order.
    pub fn each_log(
        &self,
        mut f: impl FnMut(LogRow) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let Some(logs) = &self.logs else {
            return Ok(());
        };
        let mut stmt = logs
            .prepare(
                "SELECT id, COALESCE(expiration_ts_unix, 0), COALESCE(owner_opid, 0), data_fname, data_gz
                 FROM logs ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let fname: Option<String> = r.get(3).map_err(|e| self.err(e))?;
            let gz: Option<Vec<u8>> = r.get(4).map_err(|e| self.err(e))?;
            let data = match (gz, fname) {
                (Some(gz), _) if !gz.is_empty() => LogData::Gzip(gz),
                (_, Some(f)) if !f.is_empty() && !f.contains('/') && !f.contains("..") => {
                    LogData::File(self.dir.join("tasklogs/.inprogress").join(f))
                }
                _ => LogData::Missing,
            };
            f(LogRow {
                id: r.get(0).map_err(|e| self.err(e))?,
                expires_unix: r.get(1).map_err(|e| self.err(e))?,
                owner: r.get(2).map_err(|e| self.err(e))?,
                data,
            })?;
        }
        Ok(())
    }

    fn err(&self, e: rusqlite::Error) -> ImportError {
        ImportError::sqlite(&self.dir.join("oplog.sqlite"), e)
    }
}

/// The row's own columns, which Backrest keeps beside the record.
struct Columns {
    flow_id: i64,
    modno: i64,
    original_id: i64,
    original_flow_id: i64,
    /// instance id, original instance key id, repo guid, repo id, plan id.
    group: [Option<String>; 5],
}

/// The stored record, completed from the row's columns where it is empty.
fn decode(id: i64, blob: &[u8], c: &Columns) -> Result<Operation, String> {
    use buffa::Message as _;
    let mut op = Operation::decode_from_slice(blob).map_err(|e| e.to_string())?;
    op.id = id;
    let fill = |field: &mut i64, column: i64| {
        if *field == 0 {
            *field = column;
        }
    };
    fill(&mut op.flow_id, c.flow_id);
    fill(&mut op.modno, c.modno);
    fill(&mut op.original_id, c.original_id);
    fill(&mut op.original_flow_id, c.original_flow_id);
    let [instance, keyid, guid, repo, plan] = c.group.clone();
    for (field, column) in [
        (&mut op.instance_id, instance),
        (&mut op.original_instance_keyid, keyid),
        (&mut op.repo_guid, guid),
        (&mut op.repo_id, repo),
        (&mut op.plan_id, plan),
    ] {
        if field.is_empty() {
            *field = column.unwrap_or_default();
        }
    }
    Ok(op)
}

/// Takes Backrest's lock when its lock file exists (it is not created when absent).
fn take_lock(path: &Path) -> Result<Option<File>, ImportError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ImportError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(ImportError::BackrestRunning(path.to_path_buf()))
        }
        Err(std::fs::TryLockError::Error(source)) => Err(ImportError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Copies a database and its write-ahead log to `to` and opens the copy (SQLite folds the log in).
fn open_copy(from: &Path, to: &Path) -> Result<Connection, ImportError> {
    let copy = |a: &Path, b: &Path| {
        std::fs::copy(a, b).map_err(|source| ImportError::Io {
            path: a.to_path_buf(),
            source,
        })
    };
    copy(from, to)?;
    let wal = PathBuf::from(format!("{}-wal", from.display()));
    if wal.is_file() {
        copy(&wal, &PathBuf::from(format!("{}-wal", to.display())))?;
    }
    let conn = Connection::open(to).map_err(|e| ImportError::sqlite(from, e))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .optional()
    .map_err(|e| ImportError::sqlite(from, e))?;
    Ok(conn)
}
