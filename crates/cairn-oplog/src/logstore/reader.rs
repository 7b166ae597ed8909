//! Reading one log as a stream of chunks: a finished log is decompressed; a live one is read as it
//! grows, waiting for more until its writer finishes.
use super::LiveState;
use crate::error::{OplogError, Result};
use flate2::read::GzDecoder;
use std::fs::File;
use std::io::Read;
use tokio::sync::watch;

/// Largest chunk one read returns.
const CHUNK: usize = 64 * 1024;

/// A log being read; see [`LogReader::next_chunk`].
pub struct LogReader {
    source: Source,
}

enum Source {
    Finished(Box<GzDecoder<std::io::Cursor<Vec<u8>>>>),
    Live {
        file: File,
        state: watch::Receiver<LiveState>,
    },
}

impl LogReader {
    pub(super) fn finished(gz: Vec<u8>) -> Self {
        Self {
            source: Source::Finished(Box::new(GzDecoder::new(std::io::Cursor::new(gz)))),
        }
    }

    pub(super) fn live(file: File, state: watch::Receiver<LiveState>) -> Self {
        Self {
            source: Source::Live { file, state },
        }
    }

    /// The next chunk of output; None at the end (for a live log: once its writer finished and
    /// everything it wrote was returned).
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let mut buf = vec![0u8; CHUNK];
        match &mut self.source {
            Source::Finished(dec) => {
                let n = dec
                    .read(&mut buf)
                    .map_err(|e| OplogError::io("log data", e))?;
                buf.truncate(n);
                Ok((n > 0).then_some(buf))
            }
            Source::Live { file, state } => loop {
                // Read the closed flag before reading, so data written just before closing is not missed.
                let closed = state.borrow_and_update().closed;
                let n = file
                    .read(&mut buf)
                    .map_err(|e| OplogError::io("live log", e))?;
                if n > 0 {
                    buf.truncate(n);
                    return Ok(Some(buf));
                }
                if closed {
                    return Ok(None);
                }
                if state.changed().await.is_err() {
                    // Writer gone without closing: drain what is left, then end.
                    let n = file
                        .read(&mut buf)
                        .map_err(|e| OplogError::io("live log", e))?;
                    buf.truncate(n);
                    return Ok((n > 0).then_some(buf));
                }
            },
        }
    }

    /// Reads the whole log (following a live one to its end).
    pub async fn read_to_end(&mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk().await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}
