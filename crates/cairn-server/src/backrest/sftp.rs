//! SetupSftp: an ed25519 key for an SFTP repository's host (made once, kept beside the config in
//! `.cairn-ssh/`), and the host's keys added to that folder's known_hosts unless already known. A
//! failed key scan is reported in `error`, not as an RPC error, as Backrest does.
use crate::state::Shared;
use cairn_proto::quoted;
use cairn_proto::v1::SetupSftpResponse;
use connectrpc::ConnectError;
use std::path::Path;
use tokio::process::Command;

pub async fn setup(s: &Shared, host: &str, port: &str) -> Result<SetupSftpResponse, ConnectError> {
    // A leading '-' would be read as an option by ssh-keyscan and ssh-keygen.
    let host_ok = !host.is_empty()
        && !host.starts_with('-')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:[]".contains(c));
    if !host_ok {
        return Err(crate::errors::invalid(
            "host",
            format!("{} is not a host name or address", quoted(host)),
        ));
    }
    let port: u16 = match port.trim() {
        "" => 22,
        p => p.parse().ok().filter(|p| *p > 0).ok_or_else(|| {
            crate::errors::invalid(
                "port",
                format!("{} is not a port number (1-65535)", quoted(p)),
            )
        })?,
    };
    let dir = s
        .config_path
        .parent()
        .unwrap_or(Path::new("."))
        .join(".cairn-ssh");
    std::fs::create_dir_all(&dir)
        .map_err(|e| ConnectError::internal(format!("{}: {e}", dir.display())))?;
    let key = dir.join(format!("id_ed25519_{}", host.replace([':', '[', ']'], "_")));
    if !key.exists() {
        run(Command::new("ssh-keygen")
            .args([
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                &format!("cairn@{host}"),
                "-f",
            ])
            .arg(&key))
        .await
        .map_err(|e| ConnectError::internal(format!("ssh-keygen failed: {e}")))?;
    }
    let public_key = std::fs::read_to_string(format!("{}.pub", key.display()))
        .map_err(|e| ConnectError::internal(format!("reading the public key: {e}")))?;
    let known_hosts = dir.join("known_hosts");
    let error = scan_host(host, port, &known_hosts)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    Ok(SetupSftpResponse {
        public_key: public_key.trim().to_string(),
        key_path: key.display().to_string(),
        known_hosts_path: known_hosts.display().to_string(),
        error,
        ..SetupSftpResponse::default()
    })
}

/// Why a command run for SetupSftp failed.
#[derive(Debug, thiserror::Error)]
enum SshError {
    /// The program could not be run.
    #[error("{0}")]
    Spawn(#[source] std::io::Error),
    /// It ran and failed; what it said, or its exit status.
    #[error("{0}")]
    Failed(String),
    /// ssh-keyscan could not reach the host.
    #[error("ssh-keyscan could not reach {name}: {source}")]
    Unreachable {
        /// The host as known_hosts names it.
        name: String,
        /// What ssh-keyscan said.
        #[source]
        source: Box<SshError>,
    },
    /// ssh-keyscan reached the host and found no keys.
    #[error("ssh-keyscan found no keys for {0}; is an SSH server listening there?")]
    NoKeys(String),
    /// known_hosts could not be written.
    #[error("{}: {source}", .path.display())]
    KnownHosts {
        /// The known_hosts file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Appends the host's keys to `known_hosts` unless it (or ~/.ssh/known_hosts) knows it already.
async fn scan_host(host: &str, port: u16, known_hosts: &Path) -> Result<(), SshError> {
    let name = if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    };
    let home_known = std::env::var_os("HOME").map(|h| Path::new(&h).join(".ssh/known_hosts"));
    for file in [Some(known_hosts.to_path_buf()), home_known]
        .into_iter()
        .flatten()
    {
        if file.exists()
            && run(Command::new("ssh-keygen")
                .arg("-F")
                .arg(&name)
                .arg("-f")
                .arg(&file))
            .await
            .is_ok_and(|out| !out.trim().is_empty())
        {
            return Ok(());
        }
    }
    let keys =
        run(Command::new("ssh-keyscan").args(["-H", "-T", "10", "-p", &port.to_string(), host]))
            .await
            .map_err(|e| SshError::Unreachable {
                name: name.clone(),
                source: Box::new(e),
            })?;
    if keys.trim().is_empty() {
        return Err(SshError::NoKeys(name));
    }
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(known_hosts)
        .and_then(|mut f| f.write_all(keys.as_bytes()))
        .map_err(|source| SshError::KnownHosts {
            path: known_hosts.to_path_buf(),
            source,
        })
}

async fn run(cmd: &mut Command) -> Result<String, SshError> {
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(SshError::Spawn)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(SshError::Failed(if stderr.is_empty() {
            out.status.to_string()
        } else {
            stderr
        }));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
