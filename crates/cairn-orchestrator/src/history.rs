//! Deleting history: finished operations matching a selector, with the task logs they own, read and
//! deleted in batches so no deletion loads the whole history. Pending and running operations stay.
use crate::error::Result;
use crate::orchestrator::{Orchestrator, is_final_status};
use cairn_oplog::{Query, Selector};
use cairn_proto::v1::OperationStatus;

/// Operations read and deleted at a time.
const BATCH: u32 = 256;

impl Orchestrator {
    /// Deletes the finished operations matching `selector` (only failed ones with `only_failed`) and
    /// their logs; returns how many were deleted.
    pub fn delete_history(&self, selector: &Selector, only_failed: bool) -> Result<usize> {
        let oplog = &self.inner.oplog;
        let mut cursor = None;
        let mut removed = 0;
        loop {
            let page = oplog.query_meta(&Query {
                selector: selector.clone(),
                limit: Some(BATCH),
                cursor,
                ..Query::default()
            })?;
            let Some(last) = page.last() else { break };
            cursor = Some(last.id);
            let ids: Vec<i64> = page
                .iter()
                .filter(|m| is_final_status(m.status))
                .filter(|m| !only_failed || m.status == OperationStatus::STATUS_ERROR as i32)
                .map(|m| m.id)
                .collect();
            for op in oplog.delete(&ids)? {
                removed += 1;
                if let Err(e) = self.inner.logs.delete_owned_by(op.id) {
                    tracing::warn!(op = op.id, error = %e, "could not delete the operation's logs");
                }
            }
        }
        Ok(removed)
    }
}
