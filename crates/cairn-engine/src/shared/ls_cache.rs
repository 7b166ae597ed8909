//! A bounded cache of directory listings. Snapshots never change, so a listing of a directory of a
//! snapshot named by its full id stays correct forever; browsing back and forth costs one restic call
//! per directory. Oldest entries are evicted first.
use crate::error::Result;
use cairn_proto::v1::LsEntry;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// How many directory listings are kept.
pub const CAPACITY: usize = 512;

type Key = (String, String, String);

/// The listings by (repository, snapshot, directory), and their insertion order for eviction.
#[derive(Default)]
struct Entries {
    map: HashMap<Key, Arc<Vec<LsEntry>>>,
    order: VecDeque<Key>,
}

/// The cache: one per engine, shared by all its repositories.
#[derive(Default)]
pub struct LsCache {
    inner: Mutex<Entries>,
}

impl LsCache {
    /// Only full snapshot ids are cacheable ("latest" or a prefix could name another snapshot later).
    pub fn cacheable(snapshot: &str) -> bool {
        snapshot.len() == 64 && snapshot.bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// The listing kept for this repository, snapshot and directory, if any.
    pub fn get(&self, repo: &str, snapshot: &str, dir: &str) -> Option<Arc<Vec<LsEntry>>> {
        let guard = self.inner.lock();
        guard
            .map
            .get(&(repo.to_string(), snapshot.to_string(), dir.to_string()))
            .cloned()
    }

    /// Keeps a listing, evicting the oldest beyond [`CAPACITY`].
    pub fn put(&self, repo: &str, snapshot: &str, dir: &str, entries: Arc<Vec<LsEntry>>) {
        let mut guard = self.inner.lock();
        let Entries { map, order } = &mut *guard;
        let key = (repo.to_string(), snapshot.to_string(), dir.to_string());
        if map.insert(key.clone(), entries).is_none() {
            order.push_back(key);
        }
        while order.len() > CAPACITY {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }
}

/// The listing of `dir` (already normalised) of `snapshot` in the repository at `uri`: from the cache
/// when it is there, else from `list`, kept when the snapshot is named by its full id.
pub async fn cached_ls<F>(
    cache: &LsCache,
    uri: &str,
    snapshot: &str,
    dir: &str,
    list: F,
) -> Result<Vec<LsEntry>>
where
    F: Future<Output = Result<Vec<LsEntry>>>,
{
    let cacheable = LsCache::cacheable(snapshot);
    if cacheable && let Some(hit) = cache.get(uri, snapshot, dir) {
        return Ok(hit.as_ref().clone());
    }
    let entries = list.await?;
    if cacheable {
        cache.put(uri, snapshot, dir, Arc::new(entries.clone()));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_listings_and_only_full_ids() {
        let c = LsCache::default();
        let id = "a".repeat(64);
        for i in 0..CAPACITY + 10 {
            c.put("r", &id, &format!("/d{i}"), Arc::new(vec![]));
        }
        assert!(c.get("r", &id, "/d0").is_none(), "oldest evicted");
        assert!(c.get("r", &id, &format!("/d{}", CAPACITY + 9)).is_some());
        assert!(
            LsCache::cacheable(&id)
                && !LsCache::cacheable("latest")
                && !LsCache::cacheable("abcd1234")
        );
    }
}
