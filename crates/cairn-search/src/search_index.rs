//! One repository's search index file: what is in it, adding a snapshot, forgetting snapshots and
//! searching. Every change is one transaction; a crash leaves the index as it was before the change.
use crate::error::{Result, SearchError};
use crate::find::{self, Find};
use crate::forget;
use crate::ingest::{Ingest, NewSnapshot};
use crate::schema;
use cairn_proto::cairn::v1::{FoundFiles, IndexChange};
use parking_lot::Mutex;
use rusqlite::Connection;
use std::path::Path;

/// What `SearchIndex::add` is fed: the changes of a snapshot, then how it ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Feed {
    /// One change from the base.
    Change(IndexChange),
    /// The end of a complete reading, with the number of changes sent.
    End(u64),
    /// The reading failed, for this reason; nothing of the snapshot is kept.
    Failed(String),
}

/// A snapshot the index holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedSnapshot {
    /// Its full id.
    pub id: String,
    /// When it was taken.
    pub time_ms: i64,
}

/// The search index of one repository. Searches read through their own connection, so they see the
/// last committed state and never wait for a snapshot being added.
pub struct SearchIndex {
    conn: Mutex<Connection>,
    reader: Mutex<Connection>,
}

impl SearchIndex {
    /// Opens the index file at `path`, creating it when missing.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            conn: Mutex::new(schema::open(path)?),
            reader: Mutex::new(schema::open(path)?),
        })
    }

    /// The snapshots in the index.
    pub fn snapshots(&self) -> Result<Vec<IndexedSnapshot>> {
        let conn = self.reader.lock();
        let mut stmt = conn.prepare_cached("SELECT id, time_ms FROM snapshots ORDER BY ord")?;
        let rows = stmt.query_map([], |r| {
            Ok(IndexedSnapshot {
                id: r.get(0)?,
                time_ms: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a snapshot from its changes relative to its base, committed only when the feed ends with
    /// `Feed::End` and the count it carries matches what arrived; a `Feed::Failed`, a count that
    /// differs or a feed that stops before its end discards the snapshot.
    pub fn add(&self, snapshot: &NewSnapshot, feed: impl IntoIterator<Item = Feed>) -> Result<u64> {
        let incomplete = |reason: String| SearchError::Incomplete {
            snapshot: snapshot.id.clone(),
            reason,
        };
        let mut conn = self.conn.lock();
        // Immediate: the write lock is taken before the first read (see docs/oplog.md, "Writes").
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut count = 0;
        let mut ended = None;
        {
            let mut ingest = Ingest::start(&tx, snapshot)?;
            for item in feed {
                match item {
                    Feed::Change(change) => {
                        ingest.add(&change)?;
                        count += 1;
                    }
                    Feed::End(sent) => {
                        ended = Some(sent);
                        break;
                    }
                    Feed::Failed(reason) => return Err(incomplete(reason)),
                }
            }
        }
        match ended {
            Some(sent) if sent == count => {}
            Some(sent) => {
                return Err(incomplete(format!(
                    "{sent} changes were read but {count} arrived"
                )));
            }
            None => return Err(incomplete("the reading stopped before its end".into())),
        }
        tx.commit()?;
        Ok(count)
    }

    /// Removes snapshots (those the repository no longer has), keeping what the others hold.
    pub fn forget(&self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for id in ids {
            forget::snapshot(&tx, id)?;
        }
        forget::unused(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Searches every snapshot in the index.
    pub fn find(&self, find: &Find) -> Result<FoundFiles> {
        let conn = self.reader.lock();
        // One read transaction: the whole search sees one state of the index.
        let tx = conn.unchecked_transaction()?;
        let found = find::run(&tx, find)?;
        tx.finish()?;
        Ok(found)
    }
}
