//! The index file's tables and their versions. Paths form a tree of (parent, name) so that a path's
//! text is stored once; each snapshot row names its base, and `entries` holds, per path and snapshot,
//! what differs from the base (a kind of 0 where the path is gone). Snapshot and path ids are never
//! reused, so a row can never be read as another snapshot's or path's.
use crate::error::{Result, SearchError};
use rusqlite::Connection;
use std::path::Path;

const MIGRATIONS: &[&str] = &["
CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE paths (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  parent INTEGER NOT NULL,
  name INTEGER NOT NULL,
  UNIQUE (parent, name)
);
CREATE INDEX paths_by_name ON paths (name);
CREATE TABLE snapshots (
  ord INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  time_ms INTEGER NOT NULL,
  base INTEGER
);
CREATE TABLE entries (
  path INTEGER NOT NULL,
  snap INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  content INTEGER NOT NULL,
  PRIMARY KEY (path, snap)
) WITHOUT ROWID;
CREATE INDEX entries_by_snap ON entries (snap);
"];

/// Opens (creating if needed) an index file and brings its tables to the current version.
pub fn open(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(SearchError::Newer {
            path: path.display().to_string(),
            found,
            known,
        });
    }
    for (at, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", at as i64 + 1)?;
        tx.commit()?;
    }
    Ok(conn)
}
