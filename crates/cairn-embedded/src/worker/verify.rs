//! Comparing restored files with what their snapshot recorded: each file's content is the list of its
//! data blobs, whose ids are the SHA-256 of their plaintext and whose lengths the index holds, so the
//! restored copy is read blob by blob and each stretch must hash to its id, with nothing left over. The
//! live file of the same path is compared the same way when the snapshot was taken on this machine and
//! the file's size and modification time are still the snapshot's: a difference there means the disk's
//! copy changed without its metadata saying so.
use super::{Fail, Out, repo};
use crate::host::hostname;
use crate::protocol::Job;
use cairn_engine::verify::{FileVerdict, Live, RestoredFile};
use rustic_core::repofile::{Node, SnapshotFile};
use rustic_core::{DataId, IndexedFull, Repository};
use sha2::{Digest, Sha256};
use std::fs::OpenOptions;
use std::io::{BufReader, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

pub fn run(
    job: &Job,
    out: &Out,
    snapshot: &str,
    files: &[RestoredFile],
    live: bool,
) -> Result<serde_json::Value, Fail> {
    let repo = repo::open(job, out, false)?.repo.to_indexed()?;
    let snap = repo.get_snapshot_from_str(snapshot, |_| true)?;
    let live = live && snap.hostname == hostname();
    let verdicts: Vec<FileVerdict> = files
        .iter()
        .map(|f| verdict(&repo, &snap, f, live))
        .collect();
    Ok(Out::json(&verdicts))
}

fn verdict<S: IndexedFull>(
    repo: &Repository<S>,
    snap: &SnapshotFile,
    file: &RestoredFile,
    live: bool,
) -> FileVerdict {
    let mut verdict = FileVerdict {
        path: file.path.clone(),
        bytes: 0,
        restored: None,
        live: Live::NotCompared,
    };
    let recorded = repo
        .node_from_snapshot_and_path(snap, &file.path)
        .map_err(|e| format!("the snapshot has no such file: {e}"))
        .and_then(|node| blobs(repo, &node).map(|b| (node, b)));
    let (node, blobs) = match recorded {
        Ok(found) => found,
        Err(why) => {
            verdict.restored = Some(why);
            return verdict;
        }
    };
    verdict.bytes = node.meta.size;
    verdict.restored = compare(&file.restored, &blobs, node.meta.size).err();
    if live {
        verdict.live = live_verdict(Path::new(&file.path), &node, &blobs);
    }
    verdict
}

/// A regular file's data blobs with their plaintext lengths, from the index.
fn blobs<S: IndexedFull>(repo: &Repository<S>, node: &Node) -> Result<Vec<(DataId, u64)>, String> {
    if !node.is_file() {
        return Err("the snapshot holds no regular file at this path".into());
    }
    node.content
        .iter()
        .flatten()
        .map(|id| {
            repo.get_index_entry(id)
                .map(|e| (*id, u64::from(e.data_length())))
                .map_err(|_| format!("blob {} is not in the repository's index", short(id)))
        })
        .collect()
}

/// Whether `path` holds exactly the bytes of `blobs`, `size` in all; why not otherwise.
fn compare(path: &Path, blobs: &[(DataId, u64)], size: u64) -> Result<(), String> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| format!("cannot be read: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.len() != size {
        return Err(format!(
            "holds {} bytes where the snapshot recorded {size}",
            meta.len()
        ));
    }
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut offset = 0u64;
    for (id, len) in blobs {
        let mut hasher = Sha256::new();
        let read = std::io::copy(&mut (&mut reader).take(*len), &mut hasher)
            .map_err(|e| format!("cannot be read at byte {offset}: {e}"))?;
        if read != *len {
            return Err(format!(
                "ends at byte {} inside blob {}",
                offset + read,
                short(id)
            ));
        }
        if hex::encode(hasher.finalize()) != id.to_hex().as_str() {
            return Err(format!(
                "bytes {offset} to {} do not hash to blob {}",
                offset + len,
                short(id)
            ));
        }
        offset += len;
    }
    let mut more = [0u8; 1];
    match reader.read(&mut more) {
        Ok(0) if offset == size => Ok(()),
        Ok(0) => Err(format!(
            "the repository's blobs for it hold {offset} bytes where the snapshot recorded {size}"
        )),
        Ok(_) => Err(format!("is longer than its {offset} recorded bytes")),
        Err(e) => Err(format!("cannot be read at byte {offset}: {e}")),
    }
}

/// How the live file at `path` compares with the snapshot's version.
fn live_verdict(path: &Path, node: &Node, blobs: &[(DataId, u64)]) -> Live {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Live::NotCompared;
    };
    if !meta.is_file() {
        return Live::NotCompared;
    }
    let mtime = node.meta.mtime.map(std::time::SystemTime::from);
    if meta.len() != node.meta.size || meta.modified().ok() != mtime {
        return Live::Changed;
    }
    match compare(path, blobs, node.meta.size) {
        Ok(()) => Live::Same,
        Err(why) => Live::Differs(why),
    }
}

fn short(id: &DataId) -> String {
    cairn_proto::short_id(id.to_hex().as_str()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn blob(bytes: &[u8]) -> (DataId, u64) {
        let hex = hex::encode(Sha256::digest(bytes));
        (
            DataId::from(rustic_core::Id::from_str(&hex).unwrap()),
            bytes.len() as u64,
        )
    }

    #[test]
    fn a_copy_matches_only_with_the_same_bytes_in_the_same_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let blobs = [blob(b"hello "), blob(b"world")];
        std::fs::write(&path, b"hello world").unwrap();
        assert_eq!(compare(&path, &blobs, 11), Ok(()));
        std::fs::write(&path, b"hello World").unwrap();
        let why = compare(&path, &blobs, 11).unwrap_err();
        assert!(
            why.starts_with("bytes 6 to 11 do not hash to blob"),
            "{why}"
        );
        std::fs::write(&path, b"hello worl").unwrap();
        assert!(
            compare(&path, &blobs, 11)
                .unwrap_err()
                .contains("holds 10 bytes")
        );
        std::fs::write(&path, b"hello world!").unwrap();
        assert!(
            compare(&path, &blobs, 12)
                .unwrap_err()
                .contains("longer than")
        );
        assert!(
            compare(&dir.path().join("none"), &blobs, 11)
                .unwrap_err()
                .starts_with("cannot be read")
        );
    }

    #[test]
    fn a_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("f"), dir.path().join("l")).unwrap();
        assert!(compare(&dir.path().join("l"), &[blob(b"x")], 1).is_err());
    }
}
