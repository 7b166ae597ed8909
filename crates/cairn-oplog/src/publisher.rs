//! Publishing committed changes to the event bus exactly once and in modno order, also when other
//! processes write to the same database: a change this process did not make (or a batch that skips
//! modnos) is read back from the database up to where the bus should be, so subscribers never see a
//! gap or a change out of order.
use crate::error::Result;
use crate::events::{CHANNEL_CAPACITY, Change};
use crate::selector::Selector;
use crate::store::Store;
use parking_lot::Mutex;
use std::sync::Arc;
use tokio::sync::broadcast;

/// How many changes one read from the database brings onto the bus.
const FILL_BATCH: u32 = 512;

/// The bus and the highest modno it has carried.
pub(crate) struct Publisher {
    published: Mutex<i64>,
    bus: broadcast::Sender<Arc<Vec<Change>>>,
}

impl Publisher {
    /// A publisher whose bus starts after `modno` (what was committed before it existed).
    pub(crate) fn new(modno: i64) -> Self {
        let (bus, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self {
            published: Mutex::new(modno),
            bus,
        }
    }

    /// A new receiver of every batch published from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<Change>>> {
        self.bus.subscribe()
    }

    /// The highest modno published.
    pub(crate) fn published(&self) -> i64 {
        *self.published.lock()
    }

    /// Publishes the changes of a transaction this process just committed. When they do not follow
    /// what was published (another process committed in between, or an import kept its own modnos)
    /// the bus is filled from the database instead, which holds them too.
    pub(crate) fn committed(&self, store: &dyn Store, changes: Vec<Change>) -> Result<()> {
        let (Some(low), Some(high)) = (
            changes.iter().map(Change::modno).min(),
            changes.iter().map(Change::modno).max(),
        ) else {
            return Ok(());
        };
        let mut published = self.published.lock();
        if high <= *published {
            // Already brought onto the bus from the database (another process's notice came first).
            return Ok(());
        }
        if low == *published + 1 {
            *published = high;
            self.send(changes);
            return Ok(());
        }
        self.fill(store, &mut published, high)
    }

    /// Brings the bus up to `modno` from the database (a change another process committed).
    pub(crate) fn catch_up(&self, store: &dyn Store, modno: i64) -> Result<()> {
        let mut published = self.published.lock();
        self.fill(store, &mut published, modno)
    }

    fn fill(&self, store: &dyn Store, published: &mut i64, target: i64) -> Result<()> {
        while *published < target {
            let batch = store.changes_after(&Selector::all(), *published, FILL_BATCH)?;
            let Some(last) = batch.last().map(Change::modno) else {
                break;
            };
            *published = last;
            self.send(batch);
        }
        Ok(())
    }

    fn send(&self, changes: Vec<Change>) {
        // No receivers is fine: nobody is watching.
        let _ = self.bus.send(Arc::new(changes));
    }
}
