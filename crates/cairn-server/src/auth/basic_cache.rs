//! Remembers recent successful HTTP Basic logins for a few minutes, so scripts that send a password
//! with every request do not pay a password hash per request. The key covers the user, the password
//! and the stored hash, so a changed password is never served from the cache.
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(300);
const MAX_ENTRIES: usize = 1024;

#[derive(Default)]
pub struct BasicCache(Mutex<HashMap<[u8; 32], Instant>>);

impl BasicCache {
    pub fn key(user: &str, password: &str, stored_hash: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [user, password, stored_hash] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.finalize().into()
    }

    pub fn contains(&self, key: &[u8; 32]) -> bool {
        let map = self.0.lock();
        map.get(key).is_some_and(|t| t.elapsed() < TTL)
    }

    pub fn remember(&self, key: [u8; 32]) {
        let mut map = self.0.lock();
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, t| t.elapsed() < TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key, Instant::now());
    }
}
