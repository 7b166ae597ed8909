//! Writing one live log: appends go to its file and wake every reader following it.
use super::{LiveState, LogStore};
use crate::error::{OplogError, Result};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use tokio::sync::watch;

/// Appends to a live log; [`LogWriter::finish`] (or drop) compresses it into the store.
pub struct LogWriter {
    store: LogStore,
    id: String,
    path: PathBuf,
    file: Option<File>,
    state: watch::Sender<LiveState>,
}

impl LogWriter {
    pub(super) fn new(
        store: LogStore,
        id: String,
        path: PathBuf,
        file: File,
        state: watch::Sender<LiveState>,
    ) -> Self {
        Self {
            store,
            id,
            path,
            file: Some(file),
            state,
        }
    }

    /// The log id (the `logref` stored on operations).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.state.borrow().len
    }

    /// True when nothing has been written to the log yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ends the log: compresses it into the store and wakes readers so they finish.
    pub fn finish(mut self) -> Result<()> {
        self.close()
    }

    fn close(&mut self) -> Result<()> {
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        file.flush().map_err(|e| OplogError::io(&self.path, e))?;
        file.sync_data()
            .map_err(|e| OplogError::io(&self.path, e))?;
        let result = self.store.finalize(&self.id, &self.path);
        self.state.send_modify(|s| s.closed = true);
        result
    }
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let Some(file) = self.file.as_mut() else {
            return Err(std::io::Error::other("log already finished"));
        };
        file.write_all(buf)?;
        self.state.send_modify(|s| s.len += buf.len() as u64);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            tracing::warn!(log = %self.id, error = %e, "could not finalise log");
        }
    }
}
