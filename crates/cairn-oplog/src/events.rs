//! The event bus: every committed change is published once, in modno order, to every subscriber.
//! A subscriber filters by selector, can resume after a modno it has already seen (catching up from the
//! database, tombstones included), and is never silently dropped: when it falls behind the live channel
//! it is told so and then catches up from the database before going live again.
use crate::oplog::OpLog;
use crate::row::OpMeta;
use crate::selector::Selector;
use cairn_proto::v1::Operation;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::broadcast;

/// How many committed transactions the live channel buffers per subscriber before it lags.
pub const CHANNEL_CAPACITY: usize = 1024;
/// How many rows a catch-up reads from the database at a time.
const CATCH_UP_BATCH: u32 = 512;

/// What a [`Change`] did to its operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The operation was added (in a catch-up: added after the resume point, maybe updated since).
    Created,
    /// An existing operation was changed.
    Updated,
    /// The operation was deleted; the change carries no `op`.
    Deleted,
}

/// One change to one operation. `op` is the new state (None for a deletion); `meta.modno` is the
/// modno of the change itself (for a deletion, the modno its tombstone took).
#[derive(Clone, Debug)]
pub struct Change {
    /// Whether the operation was created, updated or deleted.
    pub kind: ChangeKind,
    /// The operation's indexed columns, with `modno` set to this change's modno.
    pub meta: OpMeta,
    /// The operation as it is after the change; None for a deletion.
    pub op: Option<Arc<Operation>>,
}

impl Change {
    /// The modno of this change (`meta.modno`).
    pub fn modno(&self) -> i64 {
        self.meta.modno
    }
}

/// What a subscription yields.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// Changes in modno order, all matching the subscription's selector.
    Changes(Vec<Change>),
    /// The subscriber fell behind the live channel; the changes since `after_modno` follow from the
    /// database (intermediate states of one operation are folded into its latest state).
    Lagged {
        /// The last modno delivered before the lag; the catch-up resumes after it.
        after_modno: i64,
    },
    /// The requested resume point is older than the deletions the log still remembers; reload the
    /// current state instead of resuming. The subscription continues live from `now_modno`.
    ResumeTooOld {
        /// The log's modno when the subscription was made; live changes follow from after it.
        now_modno: i64,
    },
}

/// A live, filtered view of the operation log's changes. Cheap to hold; never blocks writers.
pub struct Subscription {
    pub(crate) log: OpLog,
    pub(crate) rx: broadcast::Receiver<Arc<Vec<Change>>>,
    pub(crate) selector: Selector,
    /// Highest modno this subscriber has been given (or chose to skip).
    pub(crate) seen: i64,
    pub(crate) pending: VecDeque<Delivery>,
    pub(crate) catching_up: bool,
}

impl Subscription {
    /// The highest modno delivered so far: pass it back to resume after a reconnect.
    pub fn last_modno(&self) -> i64 {
        self.seen
    }

    /// Waits for the next delivery; None once the operation log is closed.
    pub async fn next(&mut self) -> Option<Delivery> {
        loop {
            if let Some(d) = self.pending.pop_front() {
                return Some(d);
            }
            if self.catching_up {
                match self.catch_up_batch() {
                    Ok(Some(d)) => return Some(d),
                    Ok(None) => self.catching_up = false,
                    Err(e) => {
                        tracing::warn!(error = %e, "event catch-up failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    }
                }
                continue;
            }
            match self.rx.recv().await {
                Ok(batch) => {
                    if let Some(d) = self.filter_live(&batch) {
                        return Some(d);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.rx = self.rx.resubscribe();
                    self.catching_up = true;
                    return Some(Delivery::Lagged {
                        after_modno: self.seen,
                    });
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    fn filter_live(&mut self, batch: &[Change]) -> Option<Delivery> {
        let mut out = Vec::new();
        for c in batch {
            if c.modno() <= self.seen {
                continue;
            }
            self.seen = c.modno();
            if self.selector.matches(&c.meta) {
                out.push(c.clone());
            }
        }
        (!out.is_empty()).then_some(Delivery::Changes(out))
    }

    /// Reads the next batch of changes after `seen` from the database; None when caught up.
    fn catch_up_batch(&mut self) -> crate::Result<Option<Delivery>> {
        let changes = self
            .log
            .changes_after(&self.selector, self.seen, CATCH_UP_BATCH)?;
        let Some(last) = changes.last() else {
            return Ok(None);
        };
        self.seen = self.seen.max(last.modno());
        Ok(Some(Delivery::Changes(changes)))
    }
}
