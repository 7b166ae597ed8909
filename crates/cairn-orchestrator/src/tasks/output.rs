//! A log in the log store written line by line, readable live while the task runs, with a size cap:
//! every operation's task log (`logref`) and the output of prune, check and commands (`output_logref`).
use crate::run::{Failure, TaskCtx};
use cairn_oplog::{LogStore, LogWriter, new_log_id};
use parking_lot::Mutex;
use std::io::Write;

/// A task's output log.
pub struct OutputLog {
    writer: Mutex<Option<LogWriter>>,
    limit: u64,
    truncated: Mutex<bool>,
}

impl OutputLog {
    /// Starts a `c-<uuid>` log owned by the run's operation, kept as long as the operation.
    pub fn create(ctx: &TaskCtx, limit: u64) -> Result<(Self, String), Failure> {
        let owner = ctx.op().map_or(0, |o| o.id);
        Ok(Self::open(&ctx.inner.logs, "c", owner, None, limit)?)
    }

    /// Starts a `<prefix>-<uuid>` log owned by operation `owner`, kept as long as it, or for `ttl`.
    pub fn open(
        logs: &LogStore,
        prefix: &str,
        owner: i64,
        ttl: Option<std::time::Duration>,
        limit: u64,
    ) -> Result<(Self, String), cairn_oplog::OplogError> {
        let id = new_log_id(prefix);
        Ok((Self::open_as(logs, &id, owner, ttl, limit)?, id))
    }

    /// Starts the log `id`, owned by operation `owner`, kept as long as it, or for `ttl`.
    pub fn open_as(
        logs: &LogStore,
        id: &str,
        owner: i64,
        ttl: Option<std::time::Duration>,
        limit: u64,
    ) -> Result<Self, cairn_oplog::OplogError> {
        Ok(Self {
            writer: Mutex::new(Some(logs.create(id, owner, ttl)?)),
            limit,
            truncated: Mutex::new(false),
        })
    }

    /// Appends one line (dropped past the cap, which is noted once).
    pub fn line(&self, line: &str) {
        let mut guard = self.writer.lock();
        let Some(w) = guard.as_mut() else { return };
        if w.len() + line.len() as u64 + 1 > self.limit {
            let mut truncated = self.truncated.lock();
            if !*truncated {
                *truncated = true;
                let _ = writeln!(w, "[output truncated at {} bytes]", self.limit);
            }
            return;
        }
        if let Err(e) = writeln!(w, "{line}") {
            tracing::warn!(error = %e, "writing task output failed");
        }
    }

    /// Bytes written.
    pub fn len(&self) -> u64 {
        self.writer.lock().as_ref().map_or(0, LogWriter::len)
    }

    /// Ends the log (compressing it into the store).
    pub fn finish(&self) {
        let writer = self.writer.lock().take();
        if let Some(w) = writer
            && let Err(e) = w.finish()
        {
            tracing::warn!(error = %e, "finishing task output failed");
        }
    }
}
