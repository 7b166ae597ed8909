//! Read handles kept open for the files whose ranges were read last. restic's packs never change once
//! written, so a restore reading blob after blob from one pack costs one request per blob instead of
//! open, read and close. A handle leaves the cache when newer ones push it out or its path is written
//! or removed, and is closed once the last read using it is done.
use parking_lot::{Mutex, MutexGuard};
use russh_sftp::client::RawSftpSession;
use russh_sftp::client::error::Error;
use russh_sftp::protocol::{FileAttributes, OpenFlags};
use std::collections::VecDeque;
use std::sync::Arc;

/// How many handles are kept (OpenSSH allows hundreds per session).
const KEPT: usize = 32;

/// An open read handle; closed (in the background) when dropped.
pub struct ReadHandle {
    raw: Arc<RawSftpSession>,
    runtime: tokio::runtime::Handle,
    handle: String,
}

impl ReadHandle {
    pub fn handle(&self) -> &str {
        &self.handle
    }
}

impl Drop for ReadHandle {
    fn drop(&mut self) {
        let raw = self.raw.clone();
        let handle = std::mem::take(&mut self.handle);
        self.runtime.spawn(async move {
            let _ = raw.close(handle).await;
        });
    }
}

/// Paths and their handles, most recently used last.
type Kept = VecDeque<(String, Arc<ReadHandle>)>;

pub struct ReadHandles {
    raw: Arc<RawSftpSession>,
    kept: Mutex<Kept>,
}

impl ReadHandles {
    pub fn new(raw: Arc<RawSftpSession>) -> Self {
        ReadHandles {
            raw,
            kept: Mutex::new(VecDeque::new()),
        }
    }

    fn kept(&self) -> MutexGuard<'_, Kept> {
        self.kept.lock()
    }

    /// A handle for `path`, kept or newly opened. Must be called inside the session's runtime.
    pub async fn get(&self, path: &str) -> Result<Arc<ReadHandle>, Error> {
        if let Some(found) = self.lookup(path) {
            return Ok(found);
        }
        let handle = self
            .raw
            .open(path, OpenFlags::READ, FileAttributes::empty())
            .await?
            .handle;
        let opened = Arc::new(ReadHandle {
            raw: self.raw.clone(),
            runtime: tokio::runtime::Handle::current(),
            handle,
        });
        let pushed_out = {
            let mut kept = self.kept();
            kept.push_back((path.to_string(), opened.clone()));
            (kept.len() > KEPT).then(|| kept.pop_front())
        };
        drop(pushed_out);
        Ok(opened)
    }

    fn lookup(&self, path: &str) -> Option<Arc<ReadHandle>> {
        let mut kept = self.kept();
        let at = kept.iter().position(|(p, _)| p == path)?;
        let entry = kept.remove(at)?;
        let found = entry.1.clone();
        kept.push_back(entry);
        Some(found)
    }

    /// Drops the handles of `path` (it is being replaced or removed).
    pub fn forget(&self, path: &str) {
        let gone: Kept = {
            let mut kept = self.kept();
            let (gone, stay) = kept.drain(..).partition(|(p, _)| p == path);
            *kept = stay;
            gone
        };
        drop(gone);
    }

    /// Drops every kept handle.
    pub fn clear(&self) {
        let gone = std::mem::take(&mut *self.kept());
        drop(gone);
    }
}
