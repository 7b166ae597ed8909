//! The master keys workers reported (`KnownKey`), kept in the server's memory per repository location
//! and password so that each repository's key is derived from its password once per server run rather
//! than once per operation. Entries are found by a SHA-256 of the location and the password, so a
//! changed password or URI never meets an old key; the cache never reaches disk or a log.
use super::protocol::{Job, KnownKey};
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

#[derive(Default)]
pub struct KeyCache(Mutex<HashMap<[u8; 32], KnownKey>>);

/// The cache's name for a job's repository and password; None for jobs without a password.
fn entry(job: &Job) -> Option<[u8; 32]> {
    if job.password.is_empty() {
        return None;
    }
    let location = serde_json::to_vec(&job.location).ok()?;
    let mut hash = Sha256::new();
    hash.update((location.len() as u64).to_be_bytes());
    hash.update(&location);
    hash.update(job.password.as_bytes());
    Some(hash.finalize().into())
}

impl KeyCache {
    /// The key kept for the job's repository and password.
    pub fn get(&self, job: &Job) -> Option<KnownKey> {
        let id = entry(job)?;
        self.0.lock().get(&id).cloned()
    }

    /// Keeps the key a worker reported for the job's repository and password.
    pub fn put(&self, job: &Job, key: KnownKey) {
        if let Some(id) = entry(job) {
            self.0.lock().insert(id, key);
        }
    }

    /// Forgets the key of the job's repository and password (its password no longer opens it).
    pub fn forget(&self, job: &Job) {
        if let Some(id) = entry(job) {
            self.0.lock().remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::RunSettings;
    use crate::location::Location;
    use crate::protocol::Task;

    fn job(uri: &str, password: &str) -> Job {
        Job {
            location: Location::Local(uri.into()),
            password: password.into(),
            run: RunSettings::default(),
            cache_dir: None,
            lock_wait_ms: 0,
            known_key: None,
            task: Task::Stats,
        }
    }

    fn key(name: &str) -> KnownKey {
        KnownKey {
            key_file: name.into(),
            master: rustic_core::repofile::MasterKey::new(),
        }
    }

    #[test]
    fn keys_are_kept_per_location_and_password() {
        let cache = KeyCache::default();
        cache.put(&job("/a", "pw"), key("k1"));
        assert_eq!(cache.get(&job("/a", "pw")).unwrap().key_file, "k1");
        assert!(cache.get(&job("/a", "other")).is_none());
        assert!(cache.get(&job("/b", "pw")).is_none());
        cache.put(&job("/a", ""), key("k2"));
        assert!(cache.get(&job("/a", "")).is_none());
        cache.forget(&job("/a", "pw"));
        assert!(cache.get(&job("/a", "pw")).is_none());
    }

    #[test]
    fn a_known_key_never_shows_its_bytes_in_debug_output() {
        let k = key("k1");
        let shown = format!("{k:?}");
        assert!(shown.contains("k1"), "{shown}");
        assert!(
            !shown.contains("encrypt") && !shown.contains("mac"),
            "{shown}"
        );
    }
}
