//! The file operations a repository needs, over russh-sftp's raw SFTP v3 session. Reads ask for exactly
//! the bytes wanted (a blob, not a packet's worth) and, like writes, are split into 32 KiB requests with
//! up to 64 in flight (as restic's SFTP client does). Ranges are read through handles kept open
//! (read_handles.rs); other handles are closed whatever happens.
use super::read_handles::ReadHandles;
use futures::{StreamExt, TryStreamExt, stream};
use russh_sftp::client::RawSftpSession;
use russh_sftp::client::error::Error;
use russh_sftp::protocol::{FileAttributes, OpenFlags, StatusCode};
use std::sync::Arc;

/// Bytes per read or write request.
const CHUNK: u64 = 32 * 1024;
/// Requests in flight per read or write.
const IN_FLIGHT: usize = 64;
const FSYNC: &str = "fsync@openssh.com";
const POSIX_RENAME: &str = "posix-rename@openssh.com";

pub struct SftpFiles {
    raw: Arc<RawSftpSession>,
    ranges: ReadHandles,
    fsync: bool,
    posix_rename: bool,
}

/// Whether an error is the server saying there is no such file.
pub fn is_missing(e: &Error) -> bool {
    matches!(e, Error::Status(s) if s.status_code == StatusCode::NoSuchFile)
}

/// The (offset, length) requests covering `len` bytes from `offset`.
fn chunks(offset: u64, len: u64) -> impl Iterator<Item = (u64, u64)> {
    (0..len.div_ceil(CHUNK)).map(move |i| (offset + i * CHUNK, CHUNK.min(len - i * CHUNK)))
}

impl SftpFiles {
    /// Runs SFTP's version handshake on `raw` and notes the extensions the server offers.
    pub async fn start(raw: RawSftpSession) -> Result<Self, Error> {
        let version = raw.init().await?;
        let offers = |name: &str| version.extensions.contains_key(name);
        let raw = Arc::new(raw);
        Ok(SftpFiles {
            fsync: offers(FSYNC),
            posix_rename: offers(POSIX_RENAME),
            ranges: ReadHandles::new(raw.clone()),
            raw,
        })
    }

    pub fn set_timeout(&self, secs: u64) {
        self.raw.set_timeout(secs);
    }

    /// Closes the kept handles, then the session.
    pub fn close(&self) {
        self.ranges.clear();
        let _ = self.raw.close_session();
    }

    /// A whole file, or `len` bytes from `offset`.
    pub async fn read(&self, path: &str, range: Option<(u64, u64)>) -> Result<Vec<u8>, Error> {
        if let Some((offset, len)) = range {
            let kept = self.ranges.get(path).await?;
            return self.read_range(kept.handle(), offset, len).await;
        }
        let handle = self
            .raw
            .open(path, OpenFlags::READ, FileAttributes::empty())
            .await?
            .handle;
        let read = async {
            let size = self.raw.fstat(handle.as_str()).await?.attrs.size;
            self.read_range(&handle, 0, size.unwrap_or(0)).await
        }
        .await;
        let _ = self.raw.close(handle.as_str()).await;
        read
    }

    async fn read_range(&self, handle: &str, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        let parts: Vec<Vec<u8>> = stream::iter(chunks(offset, len))
            .map(|(at, n)| self.read_exact_at(handle, at, n))
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(parts.concat())
    }

    /// `len` bytes at `offset`, asking again after a short read.
    async fn read_exact_at(
        &self,
        handle: &str,
        mut offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(len as usize);
        while (out.len() as u64) < len {
            let want = (len - out.len() as u64) as u32;
            let data = match self.raw.read(handle, offset, want).await {
                Ok(d) => d.data,
                Err(Error::Status(s)) if s.status_code == StatusCode::Eof => Vec::new(),
                Err(e) => return Err(e),
            };
            if data.is_empty() {
                return Err(Error::UnexpectedBehavior(format!(
                    "the file ended {} bytes early",
                    len - out.len() as u64
                )));
            }
            offset += data.len() as u64;
            out.extend_from_slice(&data);
        }
        Ok(out)
    }

    /// Creates (or truncates) `path` and writes `data` to it, synced where the server can.
    pub async fn write(&self, path: &str, data: &[u8]) -> Result<(), Error> {
        let mut attrs = FileAttributes::empty();
        attrs.permissions = Some(0o600);
        let flags = OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE;
        let handle = self.raw.open(path, flags, attrs).await?.handle;
        let written = async {
            stream::iter(chunks(0, data.len() as u64))
                .map(|(at, n)| {
                    let part = data[at as usize..(at + n) as usize].to_vec();
                    self.raw.write(handle.as_str(), at, part)
                })
                .buffer_unordered(IN_FLIGHT)
                .try_for_each(|_| async { Ok(()) })
                .await?;
            if self.fsync {
                self.raw.fsync(handle.as_str()).await?;
            }
            Ok(())
        }
        .await;
        let closed = self.raw.close(handle.as_str()).await;
        written.and(closed.map(drop))
    }

    /// Renames `from` to `to`, replacing `to` where the server offers posix-rename (SFTP v3's own
    /// rename refuses an existing target).
    pub async fn rename(&self, from: &str, to: &str) -> Result<(), Error> {
        self.ranges.forget(to);
        if self.posix_rename {
            let mut data = Vec::with_capacity(from.len() + to.len() + 8);
            for s in [from, to] {
                data.extend_from_slice(&(s.len() as u32).to_be_bytes());
                data.extend_from_slice(s.as_bytes());
            }
            return match self.raw.extended(POSIX_RENAME, data).await? {
                russh_sftp::protocol::Packet::Status(s) if s.status_code == StatusCode::Ok => {
                    Ok(())
                }
                russh_sftp::protocol::Packet::Status(s) => Err(Error::Status(s)),
                _ => Err(Error::UnexpectedPacket),
            };
        }
        self.raw.rename(from, to).await.map(drop)
    }

    /// The size of a file, or `None` when there is none.
    pub async fn size(&self, path: &str) -> Result<Option<u64>, Error> {
        match self.raw.stat(path).await {
            Ok(a) => Ok(Some(a.attrs.size.unwrap_or(0))),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn remove(&self, path: &str) -> Result<(), Error> {
        self.ranges.forget(path);
        self.raw.remove(path).await.map(drop)
    }

    /// Creates a directory; one already there is fine.
    pub async fn mkdir(&self, path: &str) -> Result<(), Error> {
        match self.raw.mkdir(path, FileAttributes::empty()).await {
            Ok(_) => Ok(()),
            Err(e) => match self.raw.stat(path).await {
                Ok(a) if a.attrs.is_dir() => Ok(()),
                _ => Err(e),
            },
        }
    }

    /// The entries of a directory (not `.`/`..`) with whether each is a directory and its size; an
    /// empty list when the directory does not exist.
    pub async fn list(&self, path: &str) -> Result<Vec<(String, bool, u64)>, Error> {
        let handle = match self.raw.opendir(path).await {
            Ok(h) => h.handle,
            Err(e) if is_missing(&e) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        let listed = loop {
            match self.raw.readdir(handle.as_str()).await {
                Ok(name) => out.extend(
                    name.files
                        .into_iter()
                        .filter(|f| f.filename != "." && f.filename != "..")
                        .map(|f| (f.filename, f.attrs.is_dir(), f.attrs.size.unwrap_or(0))),
                ),
                Err(Error::Status(s)) if s.status_code == StatusCode::Eof => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let _ = self.raw.close(handle.as_str()).await;
        listed.map(|()| out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_exactly() {
        assert_eq!(chunks(10, 0).count(), 0);
        assert_eq!(chunks(10, 5).collect::<Vec<_>>(), [(10, 5)]);
        let c: Vec<_> = chunks(100, 2 * CHUNK + 1).collect();
        assert_eq!(
            c,
            [(100, CHUNK), (100 + CHUNK, CHUNK), (100 + 2 * CHUNK, 1)]
        );
    }
}
