//! A repository reached over SFTP (`sftp:` URIs, see place.rs). Like restic, cairn starts the
//! system's `ssh` with the `sftp` subsystem (so `~/.ssh/config`, agents and known hosts apply), or the
//! command given by `-o sftp.command`, and speaks SFTP version 3 over its pipes (russh-sftp, on a
//! one-thread tokio runtime of its own: the worker is synchronous). Writes go to a hidden temporary
//! name, are synced and renamed, so a reader never sees part of a file. ssh lives as long as the
//! storage; what it prints on stderr is kept and shown when the connection fails.
mod files;
mod place;
mod read_handles;

use super::{
    Storage, gone_is_removed, is_unfinished, object_path, other, random_token, unfinished_dirs,
    write_dirs,
};
use bytes::Bytes;
use files::{SftpFiles, is_missing};
use parking_lot::Mutex;
pub use place::SftpPlace;
use russh_sftp::client::RawSftpSession;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::protocol::StatusCode;
use std::io;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::runtime::Runtime;

/// How long one SFTP request may wait for its answer.
const REQUEST_TIMEOUT_SECS: u64 = 120;
/// How much of ssh's stderr is kept for error messages.
const STDERR_KEPT: usize = 4096;

pub struct SftpStorage {
    runtime: Runtime,
    files: SftpFiles,
    child: Mutex<Option<Child>>,
    stderr: Arc<Mutex<String>>,
    place: SftpPlace,
}

impl SftpStorage {
    /// Starts ssh (or `command`) and opens an SFTP session over its pipes.
    pub fn connect(
        place: &SftpPlace,
        command: Option<&[String]>,
        args: &[String],
    ) -> io::Result<Self> {
        let words = place.command(command, args);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cairn-sftp")
            .enable_all()
            .build()?;
        let stderr = Arc::new(Mutex::new(String::new()));
        let (child, files) = runtime.block_on(start(&words, stderr.clone()))?;
        Ok(SftpStorage {
            runtime,
            files,
            child: Mutex::new(Some(child)),
            stderr,
            place: place.clone(),
        })
    }

    fn path(&self, relative: &str) -> String {
        let base = self.place.path.trim_end_matches('/');
        match (base.is_empty(), relative.is_empty()) {
            (_, true) => self.place.path.clone(),
            (true, false) => format!("/{relative}"),
            (false, false) => format!("{base}/{relative}"),
        }
    }

    /// An io::Error for a failed request on `path`, naming it, with ssh's last words if the failure
    /// is not the server's answer.
    fn error(&self, path: &str, e: SftpError) -> io::Error {
        let kind = match &e {
            e if is_missing(e) => io::ErrorKind::NotFound,
            SftpError::Status(s) if s.status_code == StatusCode::PermissionDenied => {
                io::ErrorKind::PermissionDenied
            }
            SftpError::Timeout => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::Other,
        };
        let mut message = format!("sftp {}: {path}: {e}", self.place.host);
        if !matches!(e, SftpError::Status(_)) {
            message.push_str(&said(&self.stderr));
        }
        io::Error::new(kind, message)
    }

    fn run<T>(
        &self,
        path: &str,
        f: impl std::future::Future<Output = Result<T, SftpError>>,
    ) -> io::Result<T> {
        self.runtime.block_on(f).map_err(|e| self.error(path, e))
    }

    fn mkdir_all(&self, path: &str) -> io::Result<()> {
        let mut prefix = String::new();
        for (i, part) in path.split('/').enumerate() {
            if i > 0 || path.starts_with('/') {
                prefix.push('/');
            }
            prefix.push_str(part);
            if !(part.is_empty() || part == "." || part == "~") {
                self.run(&prefix, self.files.mkdir(&prefix))?;
            }
        }
        Ok(())
    }

    /// Files (`dirs` false) or directories of one directory, hidden names left out.
    fn entries(&self, path: &str, dirs: bool) -> io::Result<Vec<(String, u64)>> {
        let all = self.run(path, self.files.list(path))?;
        Ok(all
            .into_iter()
            .filter(|(name, is_dir, _)| *is_dir == dirs && !name.starts_with('.'))
            .map(|(name, _, size)| (name, size))
            .collect())
    }

    /// Writes `tmp` then renames it to `path`; a failed write leaves no temporary file behind. Without
    /// posix-rename an existing target makes the rename fail; restic's files are named by their contents
    /// (locks and keys by random ids), so a target already there with the same size is the same file,
    /// stored by a run that got there first.
    async fn write_and_rename(&self, tmp: &str, path: &str, data: &[u8]) -> Result<(), SftpError> {
        if let Err(e) = self.files.write(tmp, data).await {
            let _ = self.files.remove(tmp).await;
            return Err(e);
        }
        if let Err(e) = self.files.rename(tmp, path).await {
            let existing = self.files.size(path).await.ok().flatten();
            let _ = self.files.remove(tmp).await;
            if existing != Some(data.len() as u64) {
                return Err(e);
            }
        }
        Ok(())
    }
}

/// What ssh printed, for an error message ("" when nothing).
fn said(stderr: &Mutex<String>) -> String {
    let text = stderr.lock().trim().to_string();
    if text.is_empty() {
        text
    } else {
        format!(" (ssh said: {text})")
    }
}

/// Spawns the command, keeps the tail of its stderr, and runs SFTP's version handshake.
async fn start(words: &[String], stderr: Arc<Mutex<String>>) -> io::Result<(Child, SftpFiles)> {
    let (program, args) = words
        .split_first()
        .ok_or_else(|| other("the sftp command is empty"))?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            other(format!(
                "cannot start {program} for an sftp: repository ({e}); install openssh-client or set -o sftp.command"
            ))
        })?;
    let (Some(stdin), Some(stdout), Some(err)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(other("ssh's pipes were not captured"));
    };
    tokio::spawn(keep_tail(err, stderr.clone()));
    let raw = RawSftpSession::new(tokio::io::join(stdout, stdin));
    match SftpFiles::start(raw).await {
        Ok(files) => {
            files.set_timeout(REQUEST_TIMEOUT_SECS);
            Ok((child, files))
        }
        Err(e) => {
            let _ = child.kill().await;
            // Let the stderr reader take ssh's last lines.
            tokio::time::sleep(Duration::from_millis(100)).await;
            Err(other(format!(
                "cannot start SFTP with `{}`: {e}{}",
                words.join(" "),
                said(&stderr)
            )))
        }
    }
}

async fn keep_tail(stderr: tokio::process::ChildStderr, kept: Arc<Mutex<String>>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        {
            let mut kept = kept.lock();
            kept.push_str(&line);
            kept.push('\n');
            if kept.len() > STDERR_KEPT {
                let cut = kept.len() - STDERR_KEPT;
                let cut = (cut..kept.len())
                    .find(|i| kept.is_char_boundary(*i))
                    .unwrap_or(0);
                kept.drain(..cut);
            }
        }
    }
}

impl Storage for SftpStorage {
    fn location(&self) -> String {
        let user = self
            .place
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        format!("sftp:{user}{}:{}", self.place.host, self.place.path)
    }

    fn create(&self) -> io::Result<()> {
        self.mkdir_all(&self.place.path)?;
        for dir in write_dirs().filter(|d| !d.is_empty()) {
            let path = self.path(&dir);
            self.run(&path, self.files.mkdir(&path))?;
        }
        Ok(())
    }

    fn list(&self, dir: &str) -> io::Result<Vec<(String, u64)>> {
        if dir != "data" {
            return self.entries(&self.path(dir), false);
        }
        let mut out = Vec::new();
        for (sub, _) in self.entries(&self.path("data"), true)? {
            out.extend(self.entries(&self.path(&format!("data/{sub}")), false)?);
        }
        Ok(out)
    }

    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes> {
        let path = self.path(&object_path(dir, name));
        let range = range.map(|(offset, len)| (offset, u64::from(len)));
        self.run(&path, self.files.read(&path, range))
            .map(Bytes::from)
    }

    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        let path = self.path(&object_path(dir, name));
        let (parent, _) = path
            .rsplit_once('/')
            .ok_or_else(|| other("a repository file has no directory"))?;
        let tmp = format!("{parent}/.{name}.tmp-{}", random_token()?);
        match self
            .runtime
            .block_on(self.write_and_rename(&tmp, &path, data))
        {
            Ok(()) => Ok(()),
            // A repository created without some data/<xx> directory: make it and try again.
            Err(e) if is_missing(&e) => {
                self.mkdir_all(parent)?;
                self.run(&path, self.write_and_rename(&tmp, &path, data))
            }
            Err(e) => Err(self.error(&path, e)),
        }
    }

    fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        let path = self.path(&object_path(dir, name));
        self.run(&path, self.files.remove(&path))
    }

    fn remove_unfinished(&self) -> io::Result<usize> {
        let mut removed = 0;
        for dir in unfinished_dirs() {
            let path = self.path(&dir);
            let entries = match self.run(&path, self.files.list(&path)) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for (name, is_dir, _) in entries {
                if !is_dir && is_unfinished(&name) {
                    let file = format!("{}/{name}", path.trim_end_matches('/'));
                    gone_is_removed(self.run(&file, self.files.remove(&file)))?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

impl Drop for SftpStorage {
    fn drop(&mut self) {
        let child = self.child.lock().take();
        self.files.close();
        self.runtime.block_on(async {
            if let Some(mut child) = child {
                // ssh ends when its stdin closes; give it a moment, then make sure.
                let waited = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
                if waited.is_err() {
                    let _ = child.kill().await;
                }
            }
        });
    }
}
