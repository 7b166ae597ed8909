//! Where cairn keeps its own files inside the data directory. A person switching from Backrest keeps
//! their data directory, and Backrest's history files there have the names cairn would use; cairn never
//! opens them as its own. When the directory holds Backrest's history, cairn's files go in its `cairn/`
//! folder, and Backrest, started again, finds its own files as it left them.
use std::path::{Path, PathBuf};

/// The folder inside a Backrest data directory that holds cairn's own files.
pub const INNER: &str = "cairn";

/// The directory for cairn's operation log, task logs and keys under `data_dir`.
pub fn own(data_dir: &Path) -> PathBuf {
    let inner = data_dir.join(INNER);
    if inner.join("oplog.sqlite").exists() || cairn_oplog::holds_backrest_files(data_dir) {
        inner
    } else {
        data_dir.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backrest_data_dir_gets_a_folder_for_cairn() {
        let plain = tempfile::tempdir().unwrap();
        assert_eq!(own(plain.path()), plain.path());
        let backrest = tempfile::tempdir().unwrap();
        std::fs::write(backrest.path().join("oplog.sqlite.lock"), b"").unwrap();
        assert_eq!(own(backrest.path()), backrest.path().join(INNER));
    }
}
