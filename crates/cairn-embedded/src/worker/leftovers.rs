//! Indexing the packs of backups that ended before their snapshot was saved (killed, cancelled, crashed),
//! so that the next backup finds their data in the index instead of uploading it again. The packs come
//! from the journals of unfinished runs (`pack_journal`); each one no index file names has its header
//! (the encrypted blob list at its end) read and goes into one new index file, as `restic repair index`
//! would write it. Done under the backup's shared lock: adding an index file for packs that exist is
//! what every backup does, and no prune can run meanwhile.
use super::Fail;
use crate::pack_journal::{self, Unfinished};
use crate::repo_key::RepoKey;
use crate::storage::Storage;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io;
use std::path::Path;

/// Size of a header entry: type, length, id; compressed blobs add their uncompressed length.
const ENTRY: usize = 1 + 4 + 32;
const COMPRESSED_ENTRY: usize = ENTRY + 4;

/// An index file as restic writes it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct IndexFile {
    #[serde(default)]
    packs: Vec<IndexPack>,
    /// rustic_core's packs marked for removal by a two-phase prune: known, so not leftovers.
    #[serde(default, skip_serializing)]
    packs_to_delete: Vec<IndexPack>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexPack {
    id: String,
    #[serde(default)]
    blobs: Vec<IndexBlob>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct IndexBlob {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    offset: u64,
    length: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    uncompressed_length: Option<u64>,
}

/// Indexes the leftover packs of this repository's unfinished backups; returns how many were indexed.
pub fn index(
    storage: &dyn Storage,
    key: &RepoKey,
    cache_dir: Option<&Path>,
    repo_id: &str,
) -> Result<usize, Fail> {
    let Some(cache_dir) = cache_dir else {
        return Ok(0);
    };
    let journals = pack_journal::unfinished(&pack_journal::dir_for(cache_dir, repo_id))?;
    let count = index_journals(storage, key, &journals)
        .map_err(|e| Fail::other(format!("indexing the packs an unfinished backup left: {e}")))?;
    for journal in journals {
        journal.discard()?;
    }
    Ok(count)
}

fn index_journals(
    storage: &dyn Storage,
    key: &RepoKey,
    journals: &[Unfinished],
) -> io::Result<usize> {
    let mut wanted: Vec<&(String, u64)> = journals.iter().flat_map(|j| &j.packs).collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let known = indexed_packs(storage, key)?;
    wanted.retain(|(id, _)| !known.contains(id));
    let mut packs = Vec::new();
    for (id, size) in wanted {
        if let Some(blobs) = pack_blobs(storage, key, id, *size)? {
            packs.push(IndexPack {
                id: id.clone(),
                blobs,
            });
        }
    }
    let count = packs.len();
    if count > 0 {
        let file = IndexFile {
            packs,
            ..IndexFile::default()
        };
        key.save_json(storage, "index", &file)?;
    }
    Ok(count)
}

/// The packs the repository's index files name (unreadable index files name none).
fn indexed_packs(storage: &dyn Storage, key: &RepoKey) -> io::Result<HashSet<String>> {
    let mut known = HashSet::new();
    for (name, _) in storage.list("index")? {
        let data = match storage.read("index", &name, None) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if let Some(file) = key.open_json::<IndexFile>(&data) {
            let packs = file.packs.into_iter().chain(file.packs_to_delete);
            known.extend(packs.map(|p| p.id));
        }
    }
    Ok(known)
}

/// The blobs a pack's header lists, or None when the pack is gone or its header cannot be read with
/// this key (a torn or foreign file is left for `prune` rather than indexed).
fn pack_blobs(
    storage: &dyn Storage,
    key: &RepoKey,
    id: &str,
    size: u64,
) -> io::Result<Option<Vec<IndexBlob>>> {
    let Some(tail_at) = size.checked_sub(4) else {
        return Ok(None);
    };
    let read = |offset: u64, length: u32| match storage.read("data", id, Some((offset, length))) {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    };
    let Some(tail) = read(tail_at, 4)? else {
        return Ok(None);
    };
    let Ok(len) = <[u8; 4]>::try_from(&tail[..]).map(u32::from_le_bytes) else {
        return Ok(None);
    };
    let Some(header_at) = tail_at.checked_sub(u64::from(len)) else {
        return Ok(None);
    };
    let Some(encrypted) = read(header_at, len)? else {
        return Ok(None);
    };
    Ok(key
        .decrypt(&encrypted)
        .and_then(|plain| parse_header(&plain, header_at)))
}

/// restic's pack header: per blob a type byte (0 data, 1 tree; 2 and 3 the same compressed), its stored
/// length, for compressed blobs its uncompressed length (all u32 little-endian), and its id. Blobs lie
/// back to back from the start of the pack, which the header must not overlap.
fn parse_header(plain: &[u8], header_at: u64) -> Option<Vec<IndexBlob>> {
    let mut blobs = Vec::new();
    let mut rest = plain;
    let mut offset = 0u64;
    while let Some(&kind) = rest.first() {
        let (name, size) = match kind {
            0 => ("data", ENTRY),
            1 => ("tree", ENTRY),
            2 => ("data", COMPRESSED_ENTRY),
            3 => ("tree", COMPRESSED_ENTRY),
            _ => return None,
        };
        let entry = rest.get(..size)?;
        let u32_at = |at: usize| -> Option<u64> {
            let bytes = <[u8; 4]>::try_from(entry.get(at..at + 4)?).ok()?;
            Some(u64::from(u32::from_le_bytes(bytes)))
        };
        let length = u32_at(1)?;
        let uncompressed_length = if size == COMPRESSED_ENTRY {
            Some(u32_at(5)?)
        } else {
            None
        };
        blobs.push(IndexBlob {
            id: hex::encode(&entry[size - 32..]),
            kind: name.to_string(),
            offset,
            length,
            uncompressed_length,
        });
        offset += length;
        rest = &rest[size..];
    }
    (offset <= header_at && !blobs.is_empty()).then_some(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: u8, length: u32, uncompressed: Option<u32>, id: u8) -> Vec<u8> {
        let mut e = vec![kind];
        e.extend(length.to_le_bytes());
        if let Some(u) = uncompressed {
            e.extend(u.to_le_bytes());
        }
        e.extend([id; 32]);
        e
    }

    #[test]
    fn headers_give_offsets_types_and_lengths() {
        let mut plain = entry(0, 100, None, 1);
        plain.extend(entry(3, 50, Some(400), 2));
        let blobs = parse_header(&plain, 150).unwrap();
        assert_eq!(blobs.len(), 2);
        assert_eq!(
            (blobs[0].kind.as_str(), blobs[0].offset, blobs[0].length),
            ("data", 0, 100)
        );
        assert_eq!(blobs[0].uncompressed_length, None);
        assert_eq!(blobs[1].id, hex::encode([2u8; 32]));
        assert_eq!(
            (blobs[1].kind.as_str(), blobs[1].offset, blobs[1].length),
            ("tree", 100, 50)
        );
        assert_eq!(blobs[1].uncompressed_length, Some(400));
        assert!(
            parse_header(&plain, 149).is_none(),
            "blobs overlap the header"
        );
        assert!(
            parse_header(&plain[..plain.len() - 1], 150).is_none(),
            "torn"
        );
        assert!(parse_header(&[9], 150).is_none(), "unknown type");
        assert!(parse_header(&[], 150).is_none(), "empty");
    }
}
