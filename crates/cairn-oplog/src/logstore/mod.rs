//! The log store: task output (hooks, prune, check, commands) kept by `logref`. A log is written to a
//! plain file while its task runs, readable and followable at the same time; when finished it is
//! gzip-compressed into SQLite and the file removed (or, for the servers of a shared database, into
//! the database: see [`shared`]). Logs carry an optional expiry and an owning operation id, and a
//! restart finalises logs whose writer died.
mod reader;
pub mod shared;
mod writer;

pub use reader::LogReader;
pub use shared::LogBodies;
use shared::SharedLogs;
pub(crate) use shared::{LogRow, LogTable};
pub use writer::LogWriter;

use crate::error::{OplogError, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use parking_lot::{Mutex, MutexGuard};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// Progress of a log that is still being written: bytes so far, and whether the writer finished.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LiveState {
    pub len: u64,
    pub closed: bool,
}

/// A handle to the log store; clones share it.
#[derive(Clone)]
pub struct LogStore {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    db: Mutex<Connection>,
    live: Mutex<HashMap<String, watch::Sender<LiveState>>>,
    /// Where finished logs go when several servers share a database.
    shared: Option<SharedLogs>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Log ids become file names: only letters, digits, '-' and '_' are allowed.
pub(crate) fn check_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(OplogError::InvalidLogId(id.to_string()))
    }
}

/// A log's text as the store keeps it.
pub(crate) fn gzip(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(raw)?;
    enc.finish()
}

/// When a log kept for `ttl` from `now_ms` expires (0: never; it goes with its owner).
fn expires_at(ttl: Option<Duration>, now_ms: i64) -> i64 {
    ttl.map_or(0, |t| now_ms + t.as_millis() as i64)
}

/// A finished log to store as it is (see [`LogStore::insert_finished`]).
#[derive(Clone, Debug)]
pub struct FinishedLog {
    /// Its id.
    pub id: String,
    /// The operation that owns it.
    pub owner_op: i64,
    /// How long it is kept from now (None: as long as its owner).
    pub ttl: Option<Duration>,
    /// The size of its text.
    pub size: u64,
    /// Its text, gzip-compressed.
    pub gzip: Vec<u8>,
}

/// A fresh log id: `t-<uuid>` for an operation's own log, `c-<uuid>` for command output, as Backrest names them.
pub fn new_log_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

impl LogStore {
    /// Opens the store in `dir` (creating it), finalising logs left open by a previous process and
    /// removing stray files.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(dir.as_ref(), None)
    }

    /// [`open`](Self::open), for one of several servers sharing `log`'s database: finished logs
    /// move into the database (their text into `bodies` when given), where every server reads them.
    pub fn open_shared(
        dir: impl AsRef<Path>,
        log: crate::OpLog,
        bodies: Option<Arc<dyn LogBodies>>,
    ) -> Result<Self> {
        Self::open_with(dir.as_ref(), Some(SharedLogs::new(log, bodies)?))
    }

    fn open_with(dir: &Path, shared: Option<SharedLogs>) -> Result<Self> {
        let dir = dir.to_path_buf();
        let live_dir = dir.join(".inprogress");
        std::fs::create_dir_all(&live_dir).map_err(|e| OplogError::io(&live_dir, e))?;
        let db = Connection::open(dir.join("logs.sqlite"))?;
        crate::sqlite::schema::configure(&db)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS logs (
                id TEXT PRIMARY KEY,
                owner_op INTEGER NOT NULL,
                expires_at_ms INTEGER NOT NULL,
                live_path TEXT,
                size INTEGER NOT NULL DEFAULT 0,
                data_gz BLOB
            );
            CREATE INDEX IF NOT EXISTS logs_owner ON logs(owner_op);
            CREATE INDEX IF NOT EXISTS logs_expiry ON logs(expires_at_ms) WHERE expires_at_ms > 0;",
        )?;
        let store = Self {
            inner: Arc::new(Inner {
                dir,
                db: Mutex::new(db),
                live: Mutex::new(HashMap::new()),
                shared,
            }),
        };
        store.recover()?;
        Ok(store)
    }

    /// Starts a new log. `ttl` of None keeps it until its owner is deleted.
    pub fn create(&self, id: &str, owner_op: i64, ttl: Option<Duration>) -> Result<LogWriter> {
        check_id(id)?;
        self.expire(now_ms())?;
        let path = self.live_path(id);
        let file = std::fs::OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| OplogError::io(&path, e))?;
        let expires = expires_at(ttl, now_ms());
        let inserted = lock(&self.inner.db).execute(
            "INSERT INTO logs (id, owner_op, expires_at_ms, live_path) VALUES (?1, ?2, ?3, ?4)",
            params![id, owner_op, expires, path.to_string_lossy()],
        );
        if let Err(e) = inserted {
            let _ = std::fs::remove_file(&path);
            return Err(e.into());
        }
        let (tx, _) = watch::channel(LiveState::default());
        lock(&self.inner.live).insert(id.to_string(), tx.clone());
        Ok(LogWriter::new(self.clone(), id.to_string(), path, file, tx))
    }

    /// Stores finished logs in one transaction (an import): each with its gzip data and the size of
    /// its text; a log whose id is taken is left as it is. Returns how many were stored.
    pub fn insert_finished(&self, logs: &[FinishedLog]) -> Result<usize> {
        for l in logs {
            check_id(&l.id)?;
        }
        let now = now_ms();
        if let Some(shared) = &self.inner.shared {
            let mut stored = 0;
            for l in logs {
                let row = LogRow {
                    id: l.id.clone(),
                    owner_op: l.owner_op,
                    expires_at_ms: expires_at(l.ttl, now),
                    size: l.size as i64,
                    data_gz: Some(l.gzip.clone()),
                };
                stored += usize::from(shared.put(row)?);
            }
            return Ok(stored);
        }
        let mut db = lock(&self.inner.db);
        let tx = db.transaction()?;
        let mut stored = 0;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO logs (id, owner_op, expires_at_ms, size, data_gz)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for l in logs {
                let expires = expires_at(l.ttl, now);
                stored +=
                    stmt.execute(params![l.id, l.owner_op, expires, l.size as i64, l.gzip])?;
            }
        }
        tx.commit()?;
        Ok(stored)
    }

    /// Up to `limit` finished logs kept in this data dir with ids after `after`, in id order (for
    /// moving them into a shared database); an expired one is left out.
    pub fn finished_page(&self, after: &str, limit: u32) -> Result<Vec<FinishedLog>> {
        let now = now_ms();
        let db = lock(&self.inner.db);
        let mut stmt = db.prepare_cached(
            "SELECT id, owner_op, expires_at_ms, size, data_gz FROM logs
             WHERE id > ?1 AND data_gz IS NOT NULL ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit], |r| {
            let expires: i64 = r.get(2)?;
            let size: i64 = r.get(3)?;
            Ok(FinishedLog {
                id: r.get(0)?,
                owner_op: r.get(1)?,
                ttl: (expires > 0).then(|| Duration::from_millis((expires - now).max(1) as u64)),
                size: size as u64,
                gzip: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Opens a log for reading: a live log is followed until its writer finishes.
    pub fn open_reader(&self, id: &str) -> Result<LogReader> {
        check_id(id)?;
        let live = lock(&self.inner.live).get(id).map(watch::Sender::subscribe);
        if let Some(rx) = live {
            let path = self.live_path(id);
            let file = std::fs::File::open(&path).map_err(|e| OplogError::io(&path, e))?;
            return Ok(LogReader::live(file, rx));
        }
        let blob: Option<Option<Vec<u8>>> = lock(&self.inner.db)
            .query_row("SELECT data_gz FROM logs WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        if let Some(Some(gz)) = blob {
            return Ok(LogReader::finished(gz));
        }
        match self.inner.shared.as_ref().map(|s| s.get(id)).transpose()? {
            Some(Some(gz)) => Ok(LogReader::finished(gz)),
            _ => Err(OplogError::LogNotFound(id.to_string())),
        }
    }

    /// The operation a log belongs to, when the log exists.
    pub fn owner(&self, id: &str) -> Result<Option<i64>> {
        Ok(lock(&self.inner.db)
            .query_row("SELECT owner_op FROM logs WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// True if a log with this id exists (live or finished).
    pub fn exists(&self, id: &str) -> Result<bool> {
        let n: i64 = lock(&self.inner.db).query_row(
            "SELECT COUNT(*) FROM logs WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        match &self.inner.shared {
            Some(shared) if n == 0 => shared.exists(id),
            _ => Ok(n > 0),
        }
    }

    /// Deletes finished logs whose expiry is before `now_ms`; returns how many.
    pub fn expire(&self, now_ms: i64) -> Result<usize> {
        let here = lock(&self.inner.db).execute(
            "DELETE FROM logs WHERE expires_at_ms > 0 AND expires_at_ms < ?1 AND live_path IS NULL",
            [now_ms],
        )?;
        let shared = self.inner.shared.as_ref().map(|s| s.expire(now_ms));
        Ok(here + shared.transpose()?.unwrap_or(0))
    }

    /// Deletes the finished logs owned by an operation (called when the operation is deleted).
    pub fn delete_owned_by(&self, owner_op: i64) -> Result<usize> {
        let here = lock(&self.inner.db).execute(
            "DELETE FROM logs WHERE owner_op = ?1 AND live_path IS NULL",
            [owner_op],
        )?;
        let shared = self
            .inner
            .shared
            .as_ref()
            .map(|s| s.delete_owned_by(owner_op));
        Ok(here + shared.transpose()?.unwrap_or(0))
    }

    fn live_path(&self, id: &str) -> PathBuf {
        self.inner.dir.join(".inprogress").join(format!("{id}.log"))
    }

    /// Compresses a live file into the database and removes the file.
    pub(crate) fn finalize(&self, id: &str, path: &Path) -> Result<()> {
        let raw = std::fs::read(path).map_err(|e| OplogError::io(path, e))?;
        let gz = gzip(&raw).map_err(|e| OplogError::io(path, e))?;
        if !self.share_finished(id, raw.len() as i64, &gz) {
            lock(&self.inner.db).execute(
                "UPDATE logs SET data_gz = ?2, size = ?3, live_path = NULL WHERE id = ?1",
                params![id, gz, raw.len() as i64],
            )?;
        }
        lock(&self.inner.live).remove(id);
        std::fs::remove_file(path).map_err(|e| OplogError::io(path, e))?;
        Ok(())
    }

    /// Moves a finished log into the shared database, if there is one; false when it stays here
    /// (no shared database, or it refused the log: kept here rather than lost).
    fn share_finished(&self, id: &str, size: i64, gz: &[u8]) -> bool {
        let Some(shared) = &self.inner.shared else {
            return false;
        };
        let index: rusqlite::Result<(i64, i64)> = lock(&self.inner.db).query_row(
            "SELECT owner_op, expires_at_ms FROM logs WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        );
        let moved = index
            .map_err(OplogError::from)
            .and_then(|(owner_op, expires_at_ms)| {
                shared.put(LogRow {
                    id: id.to_string(),
                    owner_op,
                    expires_at_ms,
                    size,
                    data_gz: Some(gz.to_vec()),
                })?;
                lock(&self.inner.db).execute("DELETE FROM logs WHERE id = ?1", [id])?;
                Ok(())
            });
        match moved {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(log = %id, error = %e, "cannot store the finished log for the other servers; it stays in this server's data dir");
                false
            }
        }
    }

    /// Finalises logs whose writer died with a previous process; removes files nobody references.
    fn recover(&self) -> Result<()> {
        let dangling: Vec<(String, String)> = {
            let db = lock(&self.inner.db);
            let mut stmt =
                db.prepare("SELECT id, live_path FROM logs WHERE live_path IS NOT NULL")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for (id, path) in dangling {
            let path = PathBuf::from(path);
            if path.exists() {
                self.finalize(&id, &path)?;
                tracing::info!(log = %id, "finalised a log left open by a previous run");
            } else {
                lock(&self.inner.db).execute("DELETE FROM logs WHERE id = ?1", [&id])?;
            }
        }
        let live_dir = self.inner.dir.join(".inprogress");
        let entries = std::fs::read_dir(&live_dir).map_err(|e| OplogError::io(&live_dir, e))?;
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(())
    }
}
