//! Small values kept beside the operation log, by key (multihost peer states, under `peer_state:`):
//! written at once, read by key prefix. Not part of the event stream.
use crate::error::Result;
use crate::oplog::OpLog;

impl OpLog {
    /// Stores `value` under `key`, replacing what was there.
    pub fn kv_put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.store().kv_put(key, value)?;
        self.kv_written(key);
        Ok(())
    }

    /// Removes `key`; false when it was not there.
    pub fn kv_delete(&self, key: &str) -> Result<bool> {
        let removed = self.store().kv_delete(key)?;
        if removed {
            self.kv_written(key);
        }
        Ok(removed)
    }

    /// Stores `new` under `key` only if what is there is `expected` (None: nothing is there); false,
    /// writing nothing, when another writer (in any process) changed it first.
    pub fn kv_replace(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool> {
        let replaced = self.store().kv_replace(key, expected, new)?;
        if replaced {
            self.kv_written(key);
        }
        Ok(replaced)
    }

    /// The value stored under `key`.
    pub fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .kv_scan(key)?
            .into_iter()
            .find_map(|(k, v)| (k == key).then_some(v)))
    }

    /// Every key starting with `prefix`, with its value, in key order.
    pub fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.store().kv_scan(prefix)
    }
}

#[cfg(test)]
mod tests {

    use crate::test_support::{Place, on_both_stores};

    fn values_are_kept_replaced_listed_by_prefix_and_deleted(place: Place) {
        {
            let log = place.open();
            log.kv_put("peer_state:b", b"two").unwrap();
            log.kv_put("peer_state:a", b"one").unwrap();
            log.kv_put("peer_state:a", b"uno").unwrap();
            log.kv_put("other", b"x").unwrap();
        }
        let log = place.open();
        assert_eq!(
            log.kv_scan("peer_state:").unwrap(),
            vec![
                ("peer_state:a".to_string(), b"uno".to_vec()),
                ("peer_state:b".to_string(), b"two".to_vec())
            ]
        );
        assert!(log.kv_delete("peer_state:a").unwrap());
        assert!(!log.kv_delete("peer_state:a").unwrap());
        assert_eq!(log.kv_scan("peer_state:").unwrap().len(), 1);
        assert_eq!(log.kv_scan("").unwrap().len(), 2);
    }

    fn a_value_is_replaced_only_from_what_the_writer_saw_and_watchers_hear_of_it(place: Place) {
        let log = place.open();
        let mut changes = log.kv_changes();
        assert!(log.kv_replace("config", None, b"v1").unwrap());
        assert!(
            !log.kv_replace("config", None, b"other").unwrap(),
            "already there"
        );
        assert!(
            !log.kv_replace("config", Some(b"v0"), b"v2").unwrap(),
            "stale"
        );
        assert!(log.kv_replace("config", Some(b"v1"), b"v2").unwrap());
        assert_eq!(log.kv_get("config").unwrap(), Some(b"v2".to_vec()));
        assert_eq!(log.kv_get("conf").unwrap(), None);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        // Each write is heard by its key, or covered by ANY_KEY (a listener that connected after it).
        let mut heard = 0;
        while heard < 2 {
            match changes.try_recv() {
                Ok(key) if key == "config" => heard += 1,
                Ok(key) if key == crate::ANY_KEY => heard = 2,
                Ok(_) => {}
                Err(_) => {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "watchers hear of both writes"
                    );
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
        }
    }

    on_both_stores!(
        values_are_kept_replaced_listed_by_prefix_and_deleted,
        a_value_is_replaced_only_from_what_the_writer_saw_and_watchers_hear_of_it
    );
}
