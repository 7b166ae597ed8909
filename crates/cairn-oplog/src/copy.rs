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
