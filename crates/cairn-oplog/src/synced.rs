//! Operations synced from a multihost peer. The peer numbers its operations itself; the log stores
//! them under local ids and flows, with the peer's key id, id, flow id and modno kept beside them
//! (`original_instance_keyid`, `original_id`, `original_flow_id`, `original_modno`), so the peer's
//! ids translate to local ones and a manifest from the peer can be compared with what is stored.
use crate::error::{OplogError, Result};
use crate::oplog::OpLog;
use crate::store::RowWrite;
use crate::tx::Tx;
use cairn_proto::v1::Operation;
use std::collections::HashMap;

/// The local id and flow of a peer's operation.
pub(crate) const LOCAL_SQL: &str = "SELECT id, flow_id FROM operations
     WHERE original_instance_keyid = ?1 AND original_id = ?2 LIMIT 1";
/// The local flow of a peer's flow.
pub(crate) const FLOW_SQL: &str = "SELECT flow_id FROM operations
     WHERE original_instance_keyid = ?1 AND original_flow_id = ?2 LIMIT 1";
/// Where a batch of a peer's operations is stored (PostgreSQL: one read for the whole batch).
pub(crate) const LOCAL_MANY_SQL: &str = "SELECT original_id, id, flow_id FROM operations
     WHERE original_instance_keyid = $1 AND original_id = ANY($2)";
/// The local flows of a batch of a peer's flows (PostgreSQL).
pub(crate) const FLOW_MANY_SQL: &str =
    "SELECT DISTINCT ON (original_flow_id) original_flow_id, flow_id
     FROM operations WHERE original_instance_keyid = $1 AND original_flow_id = ANY($2)
     ORDER BY original_flow_id";
/// A peer's stored operations.
pub(crate) const LIST_SQL: &str = "SELECT original_id, original_modno, id FROM operations
     WHERE original_instance_keyid = ?1 ORDER BY original_id";

/// Where a peer's operations and flows are stored here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SyncedLookup {
    /// The local id and flow of each stored operation, by its id on the peer.
    pub own: HashMap<i64, (i64, i64)>,
    /// The local flow of each stored flow, by its id on the peer.
    pub flow: HashMap<i64, i64>,
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
    pub fn store_synced(&mut self, keyid: &str, op: Operation) -> Result<i64> {
        let mut stored = self.store_synced_batch(keyid, vec![op])?;
        match stored.pop() {
            Some((_, result)) => result,
            None => Err(OplogError::Invalid("nothing was stored".into())),
        }
    }

    /// Stores a batch of the peer `keyid`'s operations as [`Tx::store_synced`] does each, in two
    /// reads and one round of writes (on PostgreSQL). Returns, for each in order, its id on the
    /// peer and its local id, or why it was refused (an invalid operation is not stored; the
    /// others are).
    pub fn store_synced_batch(
        &mut self,
        keyid: &str,
        ops: Vec<Operation>,
    ) -> Result<Vec<(i64, Result<i64>)>> {
        let mut results = Vec::with_capacity(ops.len());
        let mut ready = Vec::with_capacity(ops.len());
        for mut op in ops {
            let original_id = op.id;
            match as_synced(keyid, &mut op) {
                Ok(original_modno) => {
                    ready.push((results.len(), op, original_modno));
                    results.push((original_id, Ok(0)));
                }
                Err(e) => results.push((original_id, Err(e))),
            }
        }
        let ids: Vec<i64> = ready.iter().map(|(_, op, _)| op.original_id).collect();
        let flows: Vec<i64> = ready.iter().map(|(_, op, _)| op.original_flow_id).collect();
        let SyncedLookup { mut own, mut flow } = self.store.synced_lookup(keyid, &ids, &flows)?;
        let mut placed = Vec::with_capacity(ready.len());
        for (slot, mut op, original_modno) in ready {
            let insert = match own.get(&op.original_id) {
                Some(&(id, flow_id)) => {
                    op.id = id;
                    op.flow_id = flow_id;
                    false
                }
                None => {
                    op.id = self.counters.next_id;
                    self.counters.next_id += 1;
                    op.flow_id = flow.get(&op.original_flow_id).copied().unwrap_or(op.id);
                    true
                }
            };
            op.modno = self.next_modno();
            own.insert(op.original_id, (op.id, op.flow_id));
            flow.entry(op.original_flow_id).or_insert(op.flow_id);
            results[slot].1 = Ok(op.id);
            placed.push((insert, op, original_modno));
        }
        let rows = placed
            .iter()
            .map(|(insert, op, original_modno)| RowWrite::new(*insert, op, Some(*original_modno)))
            .collect();
        self.write(rows)?;
        Ok(results)
    }

    /// Deletes the stored copy of the peer's operation `original_id`; false when none is stored.
    pub fn delete_synced(&mut self, keyid: &str, original_id: i64) -> Result<bool> {
        let found = self.store.synced_lookup(keyid, &[original_id], &[])?;
        match found.own.get(&original_id) {
            Some(&(id, _)) => Ok(self.delete(id)?.is_some()),
            None => Ok(false),
        }
    }
}

/// Turns a peer's operation into its stored form (the peer's ids kept as its original ids) and
/// checks it; the peer's modno.
fn as_synced(keyid: &str, op: &mut Operation) -> Result<i64> {
    if keyid.is_empty() || op.id <= 0 {
        return Err(OplogError::Invalid(format!(
            "a synced operation needs its peer's key id and its id on the peer (got {:?} and {})",
            keyid, op.id
        )));
    }
    op.original_instance_keyid = keyid.to_string();
    op.original_id = op.id;
    op.original_flow_id = if op.flow_id == 0 { op.id } else { op.flow_id };
    crate::tx::validate(op)?;
    Ok(op.modno)
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

    fn a_batch_is_stored_as_one_by_one_and_an_invalid_operation_alone_is_refused(place: Place) {
        let log = place.open();
        let mut first = peer_op(8, 7, 30);
        first.plan_id = "before".into();
        let mut invalid = peer_op(9, 7, 31);
        invalid.repo_id.clear();
        let batch = vec![
            // The second operation of the peer's flow 7 arrives before the first.
            first,
            peer_op(7, 7, 31),
            invalid,
            peer_op(0, 0, 32),
            // The same operation again, later in the same batch: it replaces the first copy.
            peer_op(8, 7, 33),
        ];
        let stored = log
            .transact(|t| t.store_synced_batch("ed25519.k", batch))
            .unwrap();
        let ids: Vec<i64> = stored.iter().map(|(original, _)| *original).collect();
        assert_eq!(ids, [8, 7, 9, 0, 8]);
        assert!(matches!(stored[2].1, Err(OplogError::Invalid(_))));
        assert!(matches!(stored[3].1, Err(OplogError::Invalid(_))));
        let (a, b) = (stored[0].1.as_ref().unwrap(), stored[1].1.as_ref().unwrap());
        assert_eq!(
            stored[4].1.as_ref().unwrap(),
            a,
            "one local copy of operation 8"
        );
        let eight = log.get(*a).unwrap().unwrap();
        let seven = log.get(*b).unwrap().unwrap();
        assert_eq!(eight.flow_id, seven.flow_id, "one flow here as on the peer");
        assert_eq!(eight.plan_id, "laptop-plan", "the later copy won");
        assert_eq!(
            log.synced("ed25519.k").unwrap(),
            vec![
                SyncedEntry {
                    original_id: 7,
                    original_modno: 31,
                    id: *b
                },
                SyncedEntry {
                    original_id: 8,
                    original_modno: 33,
                    id: *a
                },
            ]
        );
        assert_eq!(log.count(&crate::Selector::all()).unwrap(), 2);
    }

    on_both_stores!(
        a_batch_is_stored_as_one_by_one_and_an_invalid_operation_alone_is_refused,
        a_peer_operation_is_stored_once_under_a_local_id_and_its_flow_follows,
        an_operation_without_its_peer_id_is_refused
    );
}
