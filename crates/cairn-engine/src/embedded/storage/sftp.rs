//! A repository reached over SFTP (`sftp:` URIs, as restic writes them: `sftp:[user@]host:path` or
//! `sftp://[user@]host[:port]//absolute/path`). Like restic, cairn starts the system's `ssh` with the
//! `sftp` subsystem (so `~/.ssh/config`, agents and known hosts apply), or the command given by
//! `-o sftp.command`, and speaks SFTP version 3 over its pipes (russh-sftp, on a small tokio runtime
//! of its own: the worker is synchronous). Writes go to a hidden temporary name, are synced and renamed,
//! so a reader never sees part of a file. ssh lives as long as the storage; what it prints on stderr is
//! kept and shown when the connection fails.
use super::{DIRS, Storage, object_path, other};
use bytes::Bytes;
use russh_sftp::client::SftpSession;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::protocol::StatusCode;
use std::io::{self, SeekFrom};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::runtime::Runtime;

/// How long one SFTP request may wait for its answer.
const REQUEST_TIMEOUT_SECS: u64 = 120;
/// How much of ssh's stderr is kept for error messages.
const STDERR_KEPT: usize = 4096;

/// Where an `sftp:` URI points.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SftpPlace {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// As given: absolute, or relative to the login directory.
    pub path: String,
}

impl SftpPlace {
    /// Parses what follows `sftp:` the way restic does.
    pub fn parse(rest: &str) -> Result<Self, String> {
        let place = match rest.strip_prefix("//") {
            Some(url) => Self::parse_url(url, rest)?,
            None => Self::parse_scp(rest)?,
        };
        if place.host.is_empty() {
            return Err(format!(
                "sftp:{rest} names no host; write sftp:user@host:/path"
            ));
        }
        if place.path.is_empty() {
            return Err(format!(
                "sftp:{rest} names no path; write sftp:user@host:/path"
            ));
        }
        Ok(place)
    }

    /// `user@host:port/relative` or `user@host:port//absolute`.
    fn parse_url(url: &str, rest: &str) -> Result<Self, String> {
        let (authority, path) = url.split_once('/').unwrap_or((url, ""));
        let (user, host_port) = split_user(authority);
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => {
                let port = port
                    .parse()
                    .map_err(|_| format!("sftp:{rest}: {port:?} is not a port number"))?;
                (host, Some(port))
            }
            _ => (host_port, None),
        };
        Ok(SftpPlace {
            user,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            path: path.to_string(),
        })
    }

    /// `user@host:path`, host possibly `[v6 address]`.
    fn parse_scp(rest: &str) -> Result<Self, String> {
        let (user, rest_after_user) = split_user(rest);
        let (host, path) = match rest_after_user.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6
                    .split_once(']')
                    .ok_or_else(|| format!("sftp:{rest}: unclosed [ in the host"))?;
                (host, after.strip_prefix(':').unwrap_or(after))
            }
            None => rest_after_user.split_once(':').ok_or_else(|| {
                format!("sftp:{rest} needs host:path, like sftp:user@host:/srv/repo")
            })?,
        };
        Ok(SftpPlace {
            user,
            host: host.to_string(),
            port: None,
            path: path.to_string(),
        })
    }

    /// The ssh command line restic would run: `ssh [args] host [-p port] [-l user] -s sftp`, or
    /// `-o sftp.command` (already shell-split) when given.
    pub fn command(&self, command: Option<&[String]>, args: &[String]) -> Vec<String> {
        if let Some(command) = command {
            return command.to_vec();
        }
        let mut words = vec!["ssh".to_string()];
        words.extend(args.iter().cloned());
        words.push(self.host.clone());
        if let Some(port) = self.port {
            words.extend(["-p".to_string(), port.to_string()]);
        }
        if let Some(user) = &self.user {
            words.extend(["-l".to_string(), user.clone()]);
        }
        words.extend(["-s".to_string(), "sftp".to_string()]);
        words
    }
}

fn split_user(text: &str) -> (Option<String>, &str) {
    match text.split_once('@') {
        Some((user, host)) => (Some(user.to_string()), host),
        None => (None, text),
    }
}

pub struct SftpStorage {
    runtime: Runtime,
    session: SftpSession,
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
        let (child, session) = runtime.block_on(start(&words, stderr.clone()))?;
        Ok(SftpStorage {
            runtime,
            session,
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

    /// An io::Error for a failed request on `path`, naming it, with ssh's last words if it has died.
    fn error(&self, path: &str, e: SftpError) -> io::Error {
        let kind = match &e {
            SftpError::Status(s) if s.status_code == StatusCode::NoSuchFile => {
                io::ErrorKind::NotFound
            }
            SftpError::Status(s) if s.status_code == StatusCode::PermissionDenied => {
                io::ErrorKind::PermissionDenied
            }
            _ => io::ErrorKind::Other,
        };
        let said = self
            .stderr
            .lock()
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let mut message = format!("sftp {}: {path}: {e}", self.place.host);
        if !said.is_empty() && !matches!(e, SftpError::Status(_)) {
            message.push_str(&format!(" (ssh said: {said})"));
        }
        io::Error::new(kind, message)
    }

    fn mkdir_all(&self, path: &str) -> io::Result<()> {
        let mut prefix = String::new();
        for (i, part) in path.split('/').enumerate() {
            if i > 0 || path.starts_with('/') {
                prefix.push('/');
            }
            prefix.push_str(part);
            if part.is_empty() || part == "." || part == "~" {
                continue;
            }
            self.mkdir(&prefix)?;
        }
        Ok(())
    }

    /// Creates one directory; one that is already there is fine.
    fn mkdir(&self, path: &str) -> io::Result<()> {
        self.runtime.block_on(async {
            match self.session.create_dir(path).await {
                Ok(()) => Ok(()),
                Err(e) => match self.session.metadata(path).await {
                    Ok(meta) if meta.is_dir() => Ok(()),
                    _ => Err(self.error(path, e)),
                },
            }
        })
    }

    fn list_dir(&self, path: &str, out: &mut Vec<(String, u64)>, dirs: bool) -> io::Result<()> {
        let entries = match self.runtime.block_on(self.session.read_dir(path)) {
            Ok(entries) => entries,
            Err(SftpError::Status(s)) if s.status_code == StatusCode::NoSuchFile => return Ok(()),
            Err(e) => return Err(self.error(path, e)),
        };
        for entry in entries {
            let name = entry.file_name();
            let meta = entry.metadata();
            // A server that sends no file type makes everything a file, as for restic.
            let wanted = meta.is_dir() == dirs;
            if wanted && !name.starts_with('.') {
                out.push((name, meta.size.unwrap_or(0)));
            }
        }
        Ok(())
    }

    async fn read_file(&self, path: &str, range: Option<(u64, u32)>) -> Result<Vec<u8>, SftpError> {
        let mut file = self.session.open(path).await?;
        let mut buf = Vec::new();
        match range {
            None => {
                file.read_to_end(&mut buf).await?;
            }
            Some((offset, length)) => {
                file.seek(SeekFrom::Start(offset)).await?;
                buf.resize(length as usize, 0);
                file.read_exact(&mut buf).await?;
            }
        }
        file.close().await?;
        Ok(buf)
    }

    async fn write_file(&self, path: &str, data: &[u8]) -> Result<(), SftpError> {
        let mut file = self.session.create(path).await?;
        file.write_all(data).await?;
        file.sync_all().await?;
        file.close().await?;
        Ok(())
    }

    /// Writes `tmp` then renames it to `path`. SFTP v3's rename refuses an existing target: restic's
    /// files are named by their contents (locks and keys by random ids), so a target already there
    /// with the same size is the same file, written by a run that got there first.
    async fn write_and_rename(&self, tmp: &str, path: &str, data: &[u8]) -> Result<(), SftpError> {
        self.write_file(tmp, data).await?;
        if let Err(e) = self.session.rename(tmp, path).await {
            let existing = self.session.metadata(path).await.ok().and_then(|m| m.size);
            let _ = self.session.remove_file(tmp).await;
            if existing != Some(data.len() as u64) {
                return Err(e);
            }
        }
        Ok(())
    }
}

/// Spawns the command, keeps the tail of its stderr, and runs SFTP's version handshake.
async fn start(words: &[String], stderr: Arc<Mutex<String>>) -> io::Result<(Child, SftpSession)> {
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
    match SftpSession::new(tokio::io::join(stdout, stdin)).await {
        Ok(session) => {
            session.set_timeout(REQUEST_TIMEOUT_SECS);
            Ok((child, session))
        }
        Err(e) => {
            let _ = child.kill().await;
            // Let the stderr reader take ssh's last lines.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let said = stderr
                .lock()
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            Err(other(format!(
                "cannot start SFTP with `{}`: {e}{}",
                words.join(" "),
                if said.is_empty() {
                    String::new()
                } else {
                    format!(" (ssh said: {said})")
                }
            )))
        }
    }
}

async fn keep_tail(stderr: tokio::process::ChildStderr, kept: Arc<Mutex<String>>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Ok(mut kept) = kept.lock() {
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

fn temp_name(name: &str) -> io::Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| other(format!("no randomness: {e}")))?;
    Ok(format!(".{name}.tmp-{}", hex::encode(bytes)))
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
        for dir in DIRS {
            self.mkdir(&self.path(dir))?;
        }
        for i in 0..=255u8 {
            self.mkdir(&self.path(&format!("data/{i:02x}")))?;
        }
        Ok(())
    }

    fn list(&self, dir: &str) -> io::Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        if dir == "data" {
            let mut subdirs = Vec::new();
            self.list_dir(&self.path("data"), &mut subdirs, true)?;
            for (sub, _) in subdirs {
                self.list_dir(&self.path(&format!("data/{sub}")), &mut out, false)?;
            }
        } else {
            self.list_dir(&self.path(dir), &mut out, false)?;
        }
        Ok(out)
    }

    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes> {
        let path = self.path(&object_path(dir, name));
        self.runtime
            .block_on(self.read_file(&path, range))
            .map(Bytes::from)
            .map_err(|e| self.error(&path, e))
    }

    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        let path = self.path(&object_path(dir, name));
        let (parent, _) = path
            .rsplit_once('/')
            .ok_or_else(|| other("a repository file has no directory"))?;
        let tmp = format!("{parent}/{}", temp_name(name)?);
        let first = self
            .runtime
            .block_on(self.write_and_rename(&tmp, &path, data));
        match first {
            Ok(()) => Ok(()),
            // A repository restic created without some data/<xx> directory: make it and try again.
            Err(SftpError::Status(s)) if s.status_code == StatusCode::NoSuchFile => {
                self.mkdir_all(parent)?;
                self.runtime
                    .block_on(self.write_and_rename(&tmp, &path, data))
                    .map_err(|e| self.error(&path, e))
            }
            Err(e) => Err(self.error(&path, e)),
        }
    }

    fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        let path = self.path(&object_path(dir, name));
        self.runtime
            .block_on(self.session.remove_file(path.as_str()))
            .map_err(|e| self.error(&path, e))
    }
}

impl Drop for SftpStorage {
    fn drop(&mut self) {
        let child = self.child.lock().ok().and_then(|mut c| c.take());
        self.runtime.block_on(async {
            let _ = self.session.close().await;
            if let Some(mut child) = child {
                // ssh ends when its stdin closes; give it a moment, then make sure.
                let waited =
                    tokio::time::timeout(std::time::Duration::from_secs(2), child.wait()).await;
                if waited.is_err() {
                    let _ = child.kill().await;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(user: Option<&str>, host: &str, port: Option<u16>, path: &str) -> SftpPlace {
        SftpPlace {
            user: user.map(str::to_string),
            host: host.into(),
            port,
            path: path.into(),
        }
    }

    #[test]
    fn restic_sftp_uris_parse() {
        let parse = |s: &str| SftpPlace::parse(s).unwrap();
        assert_eq!(
            parse("user@host:/srv/repo"),
            place(Some("user"), "host", None, "/srv/repo")
        );
        assert_eq!(parse("host:repo"), place(None, "host", None, "repo"));
        assert_eq!(parse("u@[::1]:/r"), place(Some("u"), "::1", None, "/r"));
        assert_eq!(
            parse("//u@host:2222//srv/repo"),
            place(Some("u"), "host", Some(2222), "/srv/repo")
        );
        assert_eq!(
            parse("//host/rel/repo"),
            place(None, "host", None, "rel/repo")
        );
        assert_eq!(parse("//[::1]:22//r"), place(None, "::1", Some(22), "/r"));
        let err = |s: &str| SftpPlace::parse(s).unwrap_err();
        assert!(err("hostonly").contains("host:path"));
        assert!(err("host:").contains("no path"));
        assert!(err("//h:x//r").contains("port"));
    }

    #[test]
    fn the_ssh_command_is_restics_or_the_one_given() {
        let p = place(Some("u"), "h", Some(2222), "/r");
        assert_eq!(
            p.command(None, &["-i".into(), "key".into()]).join(" "),
            "ssh -i key h -p 2222 -l u -s sftp"
        );
        let given = ["my-ssh".to_string(), "-s".into(), "sftp".into()];
        assert_eq!(p.command(Some(&given), &[]), given);
    }
}
