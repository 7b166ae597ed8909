//! A repository reached through rclone (`rclone:<remote>:<path>`): cairn starts `rclone serve restic` on
//! a loopback port with a random user and password, as restic does over stdio, and talks REST to it. The
//! rclone process lives as long as the storage.
use crate::storage::{RestStorage, Storage, other, random_token};
use crate::tls::TlsOptions;
use bytes::Bytes;
use std::io::{self, BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RcloneStorage {
    rest: RestStorage,
    child: Child,
    remote: String,
}

/// How long rclone may take to start serving.
const START_TIMEOUT: Duration = Duration::from_secs(60);

impl RcloneStorage {
    /// Starts `program serve restic` for `remote`, with extra `args` (restic's `rclone.args` are not
    /// used: cairn always serves over a loopback port).
    pub fn start(program: &str, remote: &str, args: &[String]) -> io::Result<Self> {
        let (user, pass) = (random_token()?, random_token()?);
        let mut child = Command::new(program)
            .args(["serve", "restic", "--addr", "127.0.0.1:0"])
            .args(["--user", &user, "--pass", &pass])
            .args(args)
            .arg(remote)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                other(format!(
                    "cannot start {program} for an rclone: repository ({e}); install rclone or set -o rclone.program=<path>"
                ))
            })?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| other("rclone's output was not captured"))?;
        let url = match wait_for_address(stderr) {
            Ok(u) => u,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let with_auth = url.replacen("http://", &format!("http://{user}:{pass}@"), 1);
        Ok(RcloneStorage {
            // rclone serves plain HTTP on loopback: no TLS settings apply.
            rest: RestStorage::new(&with_auth, &TlsOptions::default())?,
            child,
            remote: remote.to_string(),
        })
    }
}

/// Reads rclone's log until it says where it serves; the rest of its log is drained in the background.
fn wait_for_address(stderr: std::process::ChildStderr) -> io::Result<String> {
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                // Nobody listens any more: keep draining so rclone never blocks on a full pipe.
                continue;
            }
        }
    });
    let started = Instant::now();
    let mut seen = Vec::new();
    while let Some(left) = START_TIMEOUT.checked_sub(started.elapsed()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(i) = line.find("http://") {
                    let url = line[i..].split_whitespace().next().unwrap_or_default();
                    return Ok(url.trim_end_matches('/').to_string());
                }
                seen.push(line);
            }
            Err(_) => break,
        }
    }
    Err(other(format!(
        "rclone did not start serving the repository: {}",
        seen.join(" / ")
    )))
}

impl Drop for RcloneStorage {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Storage for RcloneStorage {
    fn location(&self) -> String {
        format!("rclone:{}", self.remote)
    }
    fn create(&self) -> io::Result<()> {
        self.rest.create()
    }
    fn list(&self, dir: &str) -> io::Result<Vec<(String, u64)>> {
        self.rest.list(dir)
    }
    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes> {
        self.rest.read(dir, name, range)
    }
    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        self.rest.write(dir, name, data)
    }
    fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        self.rest.remove(dir, name)
    }
}
