//! Importing Backrest's history into cairn's: every operation keeps its id, flow, modno (when free),
//! instance and peer attribution and logref, and every task log comes along under its own id, so
//! both UIs show the same history. The source is only read (see [`source`]); the import is
//! resumable and idempotent: what is already there is skipped, so a second run adds nothing.
//!
//! Ids are kept, so the import goes into an empty history, or into one an earlier run of the import
//! started (marked in the log's metadata). An operation whose id cairn already uses for another
//! operation is skipped and counted.
pub mod source;

#[cfg(any(test, feature = "fixtures"))]
pub mod fixture;
#[cfg(test)]
mod tests;

use crate::{FinishedLog, Imported, LogStore, OpLog, OplogError, Selector};
use source::{BackrestSource, LogData, LogRow};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The metadata key that marks a history an import started.
pub const MARKER: &str = "backrest_import";

/// Operations per write transaction.
const BATCH: usize = 2000;

/// Problems named in the summary (the rest are counted).
const MAX_PROBLEMS: usize = 10;

/// Why an import cannot run; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "{} holds no Backrest history (no oplog.sqlite): name Backrest's data directory (its -data-dir, $BACKREST_DATA, or ~/.local/share/backrest)",
        .0.display()
    )]
    /// The directory has no `oplog.sqlite`.
    NoHistory(PathBuf),
    #[error(
        "Backrest is running: it holds {}; stop it (e.g. `systemctl stop backrest`) and import again",
        .0.display()
    )]
    /// Backrest holds its lock file.
    BackrestRunning(PathBuf),
    #[error(
        "{} is Backrest's history in schema version {schema}; cairn imports versions 5 and 6 (open it once with Backrest 1.10 or later)",
        path.display()
    )]
    /// A schema version cairn does not read.
    Schema {
        /// The database.
        path: PathBuf,
        /// Its `user_version`.
        schema: i64,
    },
    #[error(
        "cairn's history already holds {0} operations of its own; the import keeps Backrest's operation ids, so it goes into an empty history: stop cairn, move its oplog.sqlite (and tasklogs) aside, import, then start cairn"
    )]
    /// cairn's history has operations no import put there.
    NotEmpty(u64),
    /// A file could not be read or copied.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Backrest's database could not be read.
    #[error("cannot read Backrest's history at {}: {source}", path.display())]
    Sqlite {
        /// The database.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// cairn's history refused a write.
    #[error(transparent)]
    Oplog(#[from] OplogError),
}

impl ImportError {
    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        Self::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Which part of the import a progress report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Operations are being copied.
    Operations,
    /// Task logs are being copied.
    Logs,
}

/// How far the import is.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// What is being copied.
    pub phase: Phase,
    /// How many of them so far.
    pub done: u64,
    /// How many there are.
    pub total: u64,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Operations stored.
    pub added: u64,
    /// Operations stored by an earlier run.
    pub already_there: u64,
    /// Operations skipped because cairn uses their id for another operation.
    pub id_taken: u64,
    /// Operations that could not be read or are not valid operations.
    pub unreadable: u64,
    /// Task logs stored.
    pub logs_added: u64,
    /// Task logs stored by an earlier run.
    pub logs_already_there: u64,
    /// Logs past their expiry (Backrest would have deleted them).
    pub logs_expired: u64,
    /// Logs whose text is gone or unreadable.
    pub logs_unreadable: u64,
    /// The first few problems, each naming the operation or log.
    pub problems: Vec<String>,
}

impl Summary {
    fn problem(&mut self, text: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(text);
        }
    }
}

/// Imports `source` into `oplog` and `logs`, reporting progress after each batch.
pub fn import(
    source: &BackrestSource,
    oplog: &OpLog,
    logs: &LogStore,
    now_unix: i64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, ImportError> {
    start(oplog)?;
    let mut summary = Summary::default();
    import_operations(source, oplog, &mut summary, progress)?;
    import_logs(source, logs, now_unix, &mut summary, progress)?;
    Ok(summary)
}

/// Refuses a history with operations of its own; marks the history as importing.
fn start(oplog: &OpLog) -> Result<(), ImportError> {
    let marked = oplog.transact(|tx| tx.metadata(MARKER))?.is_some();
    let own = oplog.count(&Selector::default())?;
    if own > 0 && !marked {
        return Err(ImportError::NotEmpty(own));
    }
    oplog.transact(|tx| tx.set_metadata(MARKER, 1))?;
    Ok(())
}

fn import_operations(
    source: &BackrestSource,
    oplog: &OpLog,
    summary: &mut Summary,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ImportError> {
    let total = source.count()?;
    let (mut after, mut done) = (0, 0u64);
    loop {
        let rows = source.batch(after, BATCH)?;
        let Some((last, _)) = rows.last() else { break };
        after = *last;
        done += rows.len() as u64;
        let mut problems = Vec::new();
        let counts = oplog.transact(|tx| {
            let mut counts = [0u64; 3];
            for (id, row) in rows {
                let mut op = match row {
                    Ok(op) => op,
                    Err(e) => {
                        problems.push(format!("operation {id}: cannot be decoded: {e}"));
                        continue;
                    }
                };
                match tx.import(&mut op) {
                    Ok(Imported::Added) => counts[0] += 1,
                    Ok(Imported::AlreadyThere) => counts[1] += 1,
                    Ok(Imported::IdTaken) => counts[2] += 1,
                    Err(OplogError::Invalid(why)) => {
                        problems.push(format!("operation {id}: not a valid operation: {why}"));
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(counts)
        })?;
        summary.added += counts[0];
        summary.already_there += counts[1];
        summary.id_taken += counts[2];
        summary.unreadable += problems.len() as u64;
        problems.into_iter().for_each(|p| summary.problem(p));
        progress(Progress {
            phase: Phase::Operations,
            done,
            total,
        });
    }
    Ok(())
}

fn import_logs(
    source: &BackrestSource,
    logs: &LogStore,
    now_unix: i64,
    summary: &mut Summary,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), ImportError> {
    let total = source.log_count()?;
    let mut done = 0u64;
    let mut batch = Vec::with_capacity(LOG_BATCH);
    source.each_log(|row| {
        done += 1;
        if let Some(log) = prepare_log(row, now_unix, summary) {
            batch.push(log);
        }
        if batch.len() >= LOG_BATCH || done == total {
            store_logs(logs, &mut batch, summary)?;
            progress(Progress {
                phase: Phase::Logs,
                done,
                total,
            });
        }
        Ok(())
    })?;
    store_logs(logs, &mut batch, summary)
}

/// Logs per write transaction.
const LOG_BATCH: usize = 1000;

/// Stores a batch of logs; those already there are counted as such.
fn store_logs(
    logs: &LogStore,
    batch: &mut Vec<FinishedLog>,
    summary: &mut Summary,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    let stored = logs.insert_finished(batch)? as u64;
    summary.logs_added += stored;
    summary.logs_already_there += batch.len() as u64 - stored;
    batch.clear();
    Ok(())
}

/// One task log ready to store, unless it expired or cannot be read (counted, and named).
fn prepare_log(row: LogRow, now_unix: i64, summary: &mut Summary) -> Option<FinishedLog> {
    if row.expires_unix != 0 && row.expires_unix <= now_unix {
        summary.logs_expired += 1;
        return None;
    }
    if crate::logstore::check_id(&row.id).is_err() {
        summary.logs_unreadable += 1;
        summary.problem(format!("log {}: its id is not one cairn can store", row.id));
        return None;
    }
    match read_log(row.data) {
        Ok((size, gzip)) => Some(FinishedLog {
            ttl: (row.expires_unix != 0).then(|| {
                Duration::from_secs(u64::try_from(row.expires_unix - now_unix).unwrap_or(0))
            }),
            id: row.id,
            owner_op: row.owner,
            size,
            gzip,
        }),
        Err(why) => {
            summary.logs_unreadable += 1;
            summary.problem(format!("log {}: {why}", row.id));
            None
        }
    }
}

/// A log's text size and gzip data: Backrest's own gzip data when it decompresses (kept as it is),
/// else the in-progress file's text compressed here.
fn read_log(data: LogData) -> Result<(u64, Vec<u8>), String> {
    match data {
        LogData::Gzip(gz) => {
            let size = std::io::copy(
                &mut flate2::read::GzDecoder::new(&gz[..]),
                &mut std::io::sink(),
            )
            .map_err(|e| format!("its data is not gzip: {e}"))?;
            Ok((size, gz))
        }
        LogData::File(path) => {
            let text =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            crate::logstore::gzip(&text)
                .map(|gz| (text.len() as u64, gz))
                .map_err(|e| format!("cannot compress it: {e}"))
        }
        LogData::Missing => Err("it has no data".into()),
    }
}
