//! Where a repository's files live. `Storage` is the small interface the embedded engine needs from a
//! backend (list, read, write and remove files by directory and name, including `locks/`, which
//! rustic_core's own backend trait cannot name); `for_location` builds one from a parsed repository
//! location, and `RusticBackend` adapts any of them to rustic_core.
mod azure;
mod gate;
mod gcs;
mod http;
mod local;
mod place_error;
mod rest;
mod rustic;
mod s3;
mod sftp;
mod throttle;

pub use azure::{AzureEndpoint, AzurePlace, AzureStorage};
pub use gate::Gate;
pub use gcs::{GcsPlace, GcsStorage};
pub use local::LocalStorage;
pub use place_error::PlaceError;
pub use rest::{RcloneStorage, RestStorage};
pub use rustic::RusticBackend;
pub use s3::{S3Place, S3Storage};
pub use sftp::{SftpPlace, SftpStorage};
pub use throttle::Throttle;

use bytes::Bytes;
use std::io;

/// The directories of a restic repository (the config file lives at the top, directory "").
pub const DIRS: [&str; 5] = ["keys", "snapshots", "index", "data", "locks"];

/// One place a repository is stored.
pub trait Storage: Send + Sync + 'static {
    /// Where it is, for messages (no credentials).
    fn location(&self) -> String;
    /// Creates the repository's directories (idempotent).
    fn create(&self) -> io::Result<()>;
    /// The files of one directory with their sizes.
    fn list(&self, dir: &str) -> io::Result<Vec<(String, u64)>>;
    /// A whole file, or `length` bytes from `offset`.
    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes>;
    /// Writes a file atomically (a reader never sees part of it).
    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()>;
    fn remove(&self, dir: &str, name: &str) -> io::Result<()>;
    /// Removes the temporary files of writes that were cut short (a killed worker's), and says how
    /// many. Only under an exclusive lock, when no write can be running. Stores that take each file in
    /// one request leave none.
    fn remove_unfinished(&self) -> io::Result<usize> {
        Ok(0)
    }
}

/// Whether a name is a temporary one of the local and sftp writes (`.<name>.tmp-<tag>`, renamed to
/// `<name>` once whole), left behind only by a write cut short. `<name>` is a repository file's:
/// `config` or a 64-digit hex id.
pub(crate) fn is_unfinished(name: &str) -> bool {
    let Some((file, _)) = name
        .strip_prefix('.')
        .and_then(|rest| rest.split_once(".tmp-"))
    else {
        return false;
    };
    file == "config" || (file.len() == 64 && file.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where temporary files of writes cut short are looked for: every directory files are written to but
/// `locks/`, where another process may be writing its lock file (to find out that it must wait) even
/// while an exclusive lock is held; those files are tiny.
pub(crate) fn unfinished_dirs() -> impl Iterator<Item = String> {
    write_dirs().filter(|d| d != "locks")
}

/// Every directory a file is written to: the top (the config), restic's directories and the 256 pack
/// directories.
pub(crate) fn write_dirs() -> impl Iterator<Item = String> {
    let named = std::iter::once("").chain(DIRS).map(str::to_string);
    named.chain((0..=255u8).map(|i| format!("data/{i:02x}")))
}

/// A file's path in restic's layout, relative to the repository: `config`, `<dir>/<name>`, and
/// `data/<first two hex digits>/<name>` for packs.
pub fn object_path(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_string(),
        "data" if name.len() >= 2 => format!("data/{}/{name}", &name[..2]),
        _ => format!("{dir}/{name}"),
    }
}

/// `rel` inside a bucket's or container's `prefix`, the repository's root there ("" for the top).
pub(crate) fn under_prefix(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{prefix}/{rel}")
    }
}

/// A removal of a file that is already gone succeeds, as in restic's backends.
pub(crate) fn gone_is_removed<T>(result: io::Result<T>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other.map(drop),
    }
}

/// A bucket or container path as restic cleans it (Go's `path.Clean` of a rooted path, without the
/// leading slash): empty and `.` parts dropped, `..` taking the previous part away.
pub(crate) fn clean_prefix(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// 32 random hex digits from the OS generator (credentials for a local server, temporary names).
pub(crate) fn random_token() -> io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| other(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// An I/O error for a failure that is not one (HTTP statuses, protocol surprises).
pub(crate) fn other(message: impl Into<String>) -> io::Error {
    io::Error::other(message.into())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// An environment of these pairs only, as the credential finders read it.
    pub(crate) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn only_temporary_names_of_repository_files_are_unfinished() {
        let id = "0123456789abcdef".repeat(4);
        assert!(is_unfinished(&format!(".{id}.tmp-4242")));
        assert!(is_unfinished(&format!(".{id}.tmp-{}", "f".repeat(32))));
        assert!(is_unfinished(".config.tmp-1"));
        for kept in [
            id.clone(),
            format!("{id}-tmp-123"),
            ".config".into(),
            ".notes.tmp-1".into(),
            format!(".{}.tmp-1", &id[..63]),
            ".tmp-1".into(),
        ] {
            assert!(!is_unfinished(&kept), "{kept}");
        }
    }
}
