//! Copying a whole history from one operation log into another (`cairn db migrate`: SQLite into
//! PostgreSQL). Operations keep their ids, flows, modnos and, for synced ones, their peer's modno; the
//! small key/value table comes along. It runs in pages, each one transaction, so a copy that stops
//! half-way is resumed by running it again: what is there already is recognised and skipped. The
//! copy then continues the source's counters and sets its tombstone floor, so an event stream that
//! resumes from before the copy reloads instead of missing a deletion.
use crate::error::{OplogError, Result};
use crate::oplog::OpLog;
use crate::selector::{Query, Selector};
use crate::tx::Imported;
use std::collections::HashMap;

/// How many operations one page (one transaction) of the copy holds.
const PAGE: u32 = 1000;

/// What a copy did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Operations written into the destination.
    pub copied: u64,
    /// Operations the destination held already (an earlier run of the copy).
    pub already_there: u64,
    /// Key/value entries written.
    pub kv_entries: u64,
}

impl OpLog {
    /// Copies every operation of this log into `dest`; `progress` gets the operations done so far
    /// and the total after each page. Fails, naming the operation, when `dest` holds a different
    /// operation under one of this log's ids (it is not a copy of this log).
    pub fn copy_into(
        &self,
        dest: &OpLog,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<CopyReport> {
        let total = self.count(&Selector::all())?;
        let mut report = CopyReport::default();
        let mut peer_modnos: HashMap<String, HashMap<i64, i64>> = HashMap::new();
        let mut cursor = None;
        loop {
            let page = self.query(&Query {
                selector: Selector::all(),
                limit: Some(PAGE),
                cursor,
                ..Query::default()
            })?;
            let Some(last) = page.last() else { break };
            cursor = Some(last.id);
            for op in page
                .iter()
                .filter(|o| !o.original_instance_keyid.is_empty())
            {
                let keyid = &op.original_instance_keyid;
                if !peer_modnos.contains_key(keyid) {
                    let entries = self.synced(keyid)?;
                    let by_id = entries.iter().map(|e| (e.id, e.original_modno)).collect();
                    peer_modnos.insert(keyid.clone(), by_id);
                }
            }
            dest.transact(|tx| {
                for op in &page {
                    let mut copy = op.clone();
                    match tx.import(&mut copy)? {
                        Imported::Added => report.copied += 1,
                        Imported::AlreadyThere => report.already_there += 1,
                        Imported::IdTaken => {
                            return Err(OplogError::Invalid(format!(
                                "the destination holds another operation under id {}: it is not a copy \
                                 of this history; copy into an empty database",
                                op.id
                            )));
                        }
                    }
                    let peer = peer_modnos.get(&op.original_instance_keyid);
                    if let Some(modno) = peer.and_then(|m| m.get(&op.id)) {
                        tx.set_original_modno(op.id, *modno)?;
                    }
                }
                Ok(())
            })?;
            progress(report.copied + report.already_there, total);
        }
        for (key, value) in self.kv_scan("")? {
            dest.kv_put(&key, &value)?;
            report.kv_entries += 1;
        }
        let (next_id, modno) = (self.store().next_id()?, self.store().committed_modno()?);
        dest.transact(|tx| {
            tx.advance_counters(next_id, modno);
            let floor = tx.metadata("tombstone_floor")?.unwrap_or(0);
            tx.set_metadata("tombstone_floor", floor.max(modno))
        })?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{Place, backup_op};
    use crate::{OpLog, Query, Selector};
    use buffa::Message as _;

    /// How many operations the copy test moves: `CAIRN_COPY_TEST_OPS`, 30,000 by default. The
    /// million-operation run is a separate command (docs/postgres.md):
    /// `CAIRN_COPY_TEST_OPS=1000000 cargo test --release -p cairn-oplog copied_byte_for_byte`.
    fn size() -> usize {
        std::env::var("CAIRN_COPY_TEST_OPS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30_000)
    }

    /// A history of `n` operations: this instance's own in many plans and states, a tenth a peer's
    /// (with their peer modnos), some deleted (tombstones), and key/value entries.
    fn history(log: &OpLog, n: usize) {
        let mut made = 0;
        while made < n {
            log.transact(|tx| {
                for _ in 0..1000.min(n - made) {
                    let mut op = backup_op(&format!("r{}", made % 7), &format!("p{}", made % 23));
                    op.status = ((made % 6) as i32).into();
                    op.display_message = format!("operation {made} \u{1F600}");
                    op.unix_time_start_ms += made as i64 * 1000;
                    if made % 10 == 9 {
                        op.id = made as i64 + 1;
                        op.modno = made as i64 * 2 + 5;
                        op.flow_id = op.id;
                        tx.store_synced("ed25519.peer", op)?;
                    } else {
                        tx.add(&mut op)?;
                    }
                    made += 1;
                }
                Ok(())
            })
            .unwrap();
        }
        let doomed: Vec<i64> = (1..=n as i64).filter(|i| i % 97 == 0).collect();
        log.delete(&doomed).unwrap();
        log.kv_put("peer_state:ed25519.peer", b"state").unwrap();
        log.kv_put("config", b"{}").unwrap();
    }

    #[test]
    fn a_history_is_copied_byte_for_byte() {
        let (source_dir, dest) = (Place::sqlite(), Place::postgres());
        let (source, dest) = (source_dir.open(), dest.open());
        history(&source, size());
        let report = source.copy_into(&dest, |_, _| {}).unwrap();
        let total = source.count(&Selector::all()).unwrap();
        assert_eq!(report.copied, total);
        assert_eq!(dest.count(&Selector::all()).unwrap(), total);
        let mut cursor = None;
        loop {
            let page = |log: &OpLog| {
                log.query(&Query {
                    selector: Selector::all(),
                    limit: Some(5000),
                    cursor,
                    ..Query::default()
                })
                .unwrap()
            };
            let (here, there) = (page(&source), page(&dest));
            assert_eq!(here.len(), there.len());
            let Some(last) = here.last() else { break };
            for (a, b) in here.iter().zip(&there) {
                assert_eq!(a.encode_to_vec(), b.encode_to_vec(), "operation {}", a.id);
            }
            cursor = Some(last.id);
        }
        assert_eq!(
            source.synced("ed25519.peer").unwrap(),
            dest.synced("ed25519.peer").unwrap(),
            "peer modnos"
        );
        assert_eq!(source.kv_scan("").unwrap(), dest.kv_scan("").unwrap());
        assert_eq!(
            source.store().committed_modno().unwrap(),
            dest.store().committed_modno().unwrap(),
            "the counters carry on"
        );
        // New operations carry on after the copied ones.
        let mut next = backup_op("r0", "p0");
        dest.add(&mut next).unwrap();
        assert!(next.id > source.store().next_id().unwrap() - 1);
        assert!(next.modno > source.current_modno());
    }
}
