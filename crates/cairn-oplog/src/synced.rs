//! Operations synced from a multihost peer. The peer numbers its operations itself; the log stores
//! them under local ids and flows, with the peer's key id, id, flow id and modno kept beside them
//! (`original_instance_keyid`, `original_id`, `original_flow_id`, `original_modno`), so the peer's
//! ids translate to local ones and a manifest from the peer can be compared with what is stored.
use crate::error::{OplogError, Result};
use crate::oplog::OpLog;
use crate::tx::Tx;
use cairn_proto::v1::Operation;

/// The local id and flow of a peer's operation.
pub(crate) const LOCAL_SQL: &str = "SELECT id, flow_id FROM operations
     WHERE original_instance_keyid = ?1 AND original_id = ?2 LIMIT 1";
/// In one read, a peer's operation (kind 0: its local id and flow) and its flow (kind 1: the local
/// flow), each through its own index.
pub(crate) const LOOKUP_SQL: &str = "SELECT 0, id, flow_id FROM (SELECT id, flow_id FROM operations
         WHERE original_instance_keyid = ?1 AND original_id = ?2 LIMIT 1) AS own
     UNION ALL
     SELECT 1, 0, flow_id FROM (SELECT flow_id FROM operations
         WHERE original_instance_keyid = ?1 AND original_flow_id = ?3 LIMIT 1) AS flow";
/// A peer's stored operations.
pub(crate) const LIST_SQL: &str = "SELECT original_id, original_modno, id FROM operations
     WHERE original_instance_keyid = ?1 ORDER BY original_id";

/// Where a peer's operation and its flow are stored here, if they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SyncedLookup {
    /// The local id and flow of the operation.
    pub own: Option<(i64, i64)>,
    /// The local flow of the operation's flow.
    pub flow: Option<i64>,
}

/// One stored operation of a peer, as the peer numbers it and as it is stored here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncedEntry {
    /// The operation's id on the peer.
    pub original_id: i64,
    /// The peer's modno of the stored state.
    pub original_modno: i64,
    /// The local id.
    pub id: i64,
}

impl Tx<'_> {
    /// Stores `op` as the peer with key id `keyid` sent it (its id, flow id and modno are the
    /// peer's): it replaces the stored copy of the same operation, else it is added, joining the
    /// local flow of the peer's flow when part of that flow is stored. Returns the local id.
    pub fn store_synced(&mut self, keyid: &str, mut op: Operation) -> Result<i64> {
        if keyid.is_empty() || op.id <= 0 {
            return Err(OplogError::Invalid(format!(
                "a synced operation needs its peer's key id and its id on the peer (got {:?} and {})",
                keyid, op.id
            )));
        }
        let original_modno = op.modno;
        op.original_instance_keyid = keyid.to_string();
        op.original_id = op.id;
        op.original_flow_id = if op.flow_id == 0 { op.id } else { op.flow_id };
        let SyncedLookup { own, flow } =
            self.store
                .synced_lookup(keyid, op.original_id, op.original_flow_id)?;
        match own {
            Some((id, flow_id)) => {
                op.id = id;
                op.flow_id = flow_id;
                self.update_with(&mut op, Some(original_modno))?;
            }
            None => {
                op.id = 0;
                op.flow_id = flow.unwrap_or(0);
                self.add_with(&mut op, original_modno)?;
            }
        }
        Ok(op.id)
    }

    /// Deletes the stored copy of the peer's operation `original_id`; false when none is stored.
    pub fn delete_synced(&mut self, keyid: &str, original_id: i64) -> Result<bool> {
        match self.store.synced_lookup(keyid, original_id, 0)?.own {
            Some((id, _)) => Ok(self.delete(id)?.is_some()),
            None => Ok(false),
        }
    }
}

impl OpLog {
    /// The local id of the peer `keyid`'s operation `original_id`, when it is stored.
    pub fn synced_id(&self, keyid: &str, original_id: i64) -> Result<Option<i64>> {
        self.store().synced_id(keyid, original_id)
    }

    /// Every stored operation of the peer with key id `keyid`, by its id on the peer.
    pub fn synced(&self, keyid: &str) -> Result<Vec<SyncedEntry>> {
        self.store().synced(keyid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Place, backup_op, on_both_stores};

    fn peer_op(id: i64, flow_id: i64, modno: i64) -> Operation {
        let mut op = backup_op("repo", "laptop-plan");
        op.id = id;
        op.flow_id = flow_id;
        op.modno = modno;
        op.instance_id = "laptop".into();
        op
    }

    fn a_peer_operation_is_stored_once_under_a_local_id_and_its_flow_follows(place: Place) {
        let log = place.open();
        let mut local = backup_op("repo", "own");
        log.add(&mut local).unwrap();
        // The second operation of the peer's flow 7 arrives before the first.
        let second = log
            .transact(|t| t.store_synced("ed25519.k", peer_op(8, 7, 30)))
            .unwrap();
        let first = log
            .transact(|t| t.store_synced("ed25519.k", peer_op(7, 7, 31)))
            .unwrap();
        let a = log.get(first).unwrap().unwrap();
        let b = log.get(second).unwrap().unwrap();
        assert_eq!(a.flow_id, b.flow_id, "one flow here as on the peer");
        assert_eq!((b.original_id, b.original_flow_id), (8, 7));
        assert_eq!(b.original_instance_keyid, "ed25519.k");
        // An update of the same operation replaces it.
        let again = log
            .transact(|t| t.store_synced("ed25519.k", peer_op(8, 7, 40)))
            .unwrap();
        assert_eq!(again, second);
        let entries = log.synced("ed25519.k").unwrap();
        assert_eq!(
            entries,
            vec![
                SyncedEntry {
                    original_id: 7,
                    original_modno: 31,
                    id: first
                },
                SyncedEntry {
                    original_id: 8,
                    original_modno: 40,
                    id: second
                },
            ]
        );
        assert!(log.synced("ed25519.other").unwrap().is_empty());
        assert_eq!(log.synced_id("ed25519.k", 8).unwrap(), Some(second));
        assert_eq!(log.synced_id("ed25519.other", 8).unwrap(), None);
        assert!(log.transact(|t| t.delete_synced("ed25519.k", 7)).unwrap());
        assert!(!log.transact(|t| t.delete_synced("ed25519.k", 7)).unwrap());
        assert_eq!(log.synced("ed25519.k").unwrap().len(), 1);
        assert!(log.get(local.id).unwrap().is_some());
    }

    fn an_operation_without_its_peer_id_is_refused(place: Place) {
        let log = place.open();
        assert!(
            log.transact(|t| t.store_synced("ed25519.k", peer_op(0, 0, 1)))
                .is_err()
        );
        assert!(
            log.transact(|t| t.store_synced("", peer_op(3, 3, 1)))
                .is_err()
        );
    }

    on_both_stores!(
        a_peer_operation_is_stored_once_under_a_local_id_and_its_flow_follows,
        an_operation_without_its_peer_id_is_refused
    );
}
