//! Recording one snapshot: its row, then each change from its base as it arrives, all in one
//! transaction, so a snapshot is in the index whole or not at all.
use crate::error::{Result, SearchError};
use crate::kind;
use cairn_proto::cairn::v1::IndexChange;
use rusqlite::{OptionalExtension, Params, Transaction, params};
use std::collections::HashMap;

/// A snapshot to add to the index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewSnapshot {
    /// Its full id.
    pub id: String,
    /// When it was taken.
    pub time_ms: i64,
    /// The indexed snapshot its changes are relative to; None when every entry is sent.
    pub base: Option<String>,
}

/// Writes one snapshot's changes, finding or adding the rows of names and paths as it goes.
pub struct Ingest<'a> {
    tx: &'a Transaction<'a>,
    snap: i64,
    full: bool,
    names: HashMap<String, i64>,
    /// Directory paths seen in this snapshot, by text.
    dirs: HashMap<String, i64>,
}

impl<'a> Ingest<'a> {
    /// Adds the snapshot's row.
    pub fn start(tx: &'a Transaction<'a>, snapshot: &NewSnapshot) -> Result<Self> {
        let base: Option<i64> = match &snapshot.base {
            None => None,
            Some(b) => Some(
                tx.query_row("SELECT ord FROM snapshots WHERE id = ?1", [b], |r| r.get(0))
                    .optional()?
                    .ok_or_else(|| SearchError::NoBase(b.clone()))?,
            ),
        };
        tx.execute(
            "INSERT INTO snapshots (id, time_ms, base) VALUES (?1, ?2, ?3)",
            params![snapshot.id, snapshot.time_ms, base],
        )?;
        Ok(Self {
            tx,
            snap: tx.last_insert_rowid(),
            full: base.is_none(),
            names: HashMap::new(),
            dirs: HashMap::from([(String::new(), 0)]),
        })
    }

    /// Records one change. A path gone from a snapshot without a base needs no row.
    pub fn add(&mut self, change: &IndexChange) -> Result<()> {
        let code = kind::code(&change.r#type);
        if code == kind::GONE && self.full {
            return Ok(());
        }
        let path = self.leaf_id(change.path.trim_end_matches('/'))?;
        let mut insert = self.tx.prepare_cached(
            "INSERT OR REPLACE INTO entries (path, snap, kind, size, mtime, content)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        insert.execute(params![
            path,
            self.snap,
            code,
            change.size,
            change.mtime_ms,
            change.content
        ])?;
        Ok(())
    }

    /// The row of a changed entry's path (without its trailing slash), added with its parents where
    /// missing. Only parents are remembered, so memory follows the directories, not the files.
    fn leaf_id(&mut self, path: &str) -> Result<i64> {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = self.dir_id(parent)?;
        self.child_id(parent, name)
    }

    /// The row of a directory's path, remembered for its other entries.
    fn dir_id(&mut self, path: &str) -> Result<i64> {
        if let Some(id) = self.dirs.get(path) {
            return Ok(*id);
        }
        let id = self.leaf_id(path)?;
        self.dirs.insert(path.to_string(), id);
        Ok(id)
    }

    /// The row of `name` in the directory `parent`, added when missing.
    fn child_id(&mut self, parent: i64, name: &str) -> Result<i64> {
        let name = self.name_id(name)?;
        find_or_add(
            self.tx,
            "SELECT id FROM paths WHERE parent = ?1 AND name = ?2",
            "INSERT INTO paths (parent, name) VALUES (?1, ?2)",
            [parent, name],
        )
    }

    fn name_id(&mut self, name: &str) -> Result<i64> {
        if let Some(id) = self.names.get(name) {
            return Ok(*id);
        }
        let id = find_or_add(
            self.tx,
            "SELECT id FROM names WHERE name = ?1",
            "INSERT INTO names (name) VALUES (?1)",
            [name],
        )?;
        self.names.insert(name.to_string(), id);
        Ok(id)
    }
}

/// The id of the row `find` selects with `params`, or of the row `add` inserts with them.
fn find_or_add(
    tx: &Transaction<'_>,
    find: &str,
    add: &str,
    params: impl Params + Copy,
) -> Result<i64> {
    if let Some(id) = tx
        .prepare_cached(find)?
        .query_row(params, |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    tx.prepare_cached(add)?.execute(params)?;
    Ok(tx.last_insert_rowid())
}
