//! Small values kept beside the operation log, by key (multihost peer states, under `peer_state:`):
//! written at once, read by key prefix. Not part of the event stream.
use crate::error::Result;
use crate::oplog::OpLog;

impl OpLog {
    /// Stores `value` under `key`, replacing what was there.
    pub fn kv_put(&self, key: &str, value: &[u8]) -> Result<()> {
        self.store().kv_put(key, value)
    }

    /// Removes `key`; false when it was not there.
    pub fn kv_delete(&self, key: &str) -> Result<bool> {
        self.store().kv_delete(key)
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

    on_both_stores!(values_are_kept_replaced_listed_by_prefix_and_deleted);
}
