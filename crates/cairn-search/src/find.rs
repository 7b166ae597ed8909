//! Answering a search: the names that match, the paths with those names, and for each path its state
//! in every snapshot, resolved through the bases in the order the snapshots were added (a base always
//! comes first). Only matching paths are read; the cost follows the matches, not the repository.
use crate::error::Result;
use crate::kind;
use crate::pattern::NamePattern;
use cairn_proto::cairn::v1::{FoundFiles, FoundPath, FoundVersion};
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeMap, HashMap};

/// What to look for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Find {
    /// A substring of a name, or a glob over whole names.
    pub pattern: String,
    /// Versions at least this large.
    pub min_size: Option<i64>,
    /// Versions at most this large.
    pub max_size: Option<i64>,
    /// Versions modified at or after this time.
    pub modified_after_ms: Option<i64>,
    /// Versions modified at or before this time.
    pub modified_before_ms: Option<i64>,
    /// At most this many paths; 0 means 1,000.
    pub limit: usize,
}

const DEFAULT_LIMIT: usize = 1000;

/// One snapshot as the resolution needs it.
struct Snap {
    ord: i64,
    id: String,
    time_ms: i64,
    /// The position of its base in the list.
    base: Option<usize>,
}

/// A path's state in one snapshot: kind, size, mtime, content.
type State = (i64, i64, i64, i64);

/// Runs a search.
pub fn run(conn: &Connection, find: &Find) -> Result<FoundFiles> {
    let pattern = NamePattern::new(&find.pattern)?;
    let snaps = snapshots(conn)?;
    let mut paths = Paths::new(conn);
    let mut candidates = Vec::new();
    for name in matching_names(conn, &pattern)? {
        for id in paths.with_name(name)? {
            candidates.push((paths.text(id)?, id));
        }
    }
    candidates.sort();
    let limit = if find.limit == 0 {
        DEFAULT_LIMIT
    } else {
        find.limit
    };
    let mut found = FoundFiles {
        snapshots_indexed: i32::try_from(snaps.len()).unwrap_or(i32::MAX),
        ..FoundFiles::default()
    };
    for (text, id) in candidates {
        let Some(path) = versions(conn, &snaps, find, &text, id)? else {
            continue;
        };
        if found.paths.len() == limit {
            found.truncated = true;
            break;
        }
        found.paths.push(path);
    }
    Ok(found)
}

fn snapshots(conn: &Connection) -> Result<Vec<Snap>> {
    let mut stmt = conn.prepare("SELECT ord, id, time_ms, base FROM snapshots ORDER BY ord")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut snaps: Vec<Snap> = Vec::new();
    let mut at: HashMap<i64, usize> = HashMap::new();
    for row in rows {
        let (ord, id, time_ms, base) = row?;
        at.insert(ord, snaps.len());
        snaps.push(Snap {
            ord,
            id,
            time_ms,
            base: base.and_then(|b| at.get(&b).copied()),
        });
    }
    Ok(snaps)
}

fn matching_names(conn: &Connection, pattern: &NamePattern) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id, name FROM names")?;
    let mut rows = stmt.query([])?;
    let mut ids = Vec::new();
    while let Some(row) = rows.next()? {
        let name: String = row.get(1)?;
        if pattern.matches(&name) {
            ids.push(row.get(0)?);
        }
    }
    Ok(ids)
}

/// Path rows and their text, remembered for the query.
struct Paths<'a> {
    conn: &'a Connection,
    text: HashMap<i64, String>,
}

impl<'a> Paths<'a> {
    fn new(conn: &'a Connection) -> Self {
        Self {
            conn,
            text: HashMap::from([(0, String::new())]),
        }
    }

    fn with_name(&self, name: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM paths WHERE name = ?1")?;
        let ids = stmt
            .query_map([name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// The absolute path of a row.
    fn text(&mut self, id: i64) -> Result<String> {
        if let Some(t) = self.text.get(&id) {
            return Ok(t.clone());
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT paths.parent, names.name FROM paths JOIN names ON names.id = paths.name
             WHERE paths.id = ?1",
        )?;
        let row: Option<(i64, String)> = stmt
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((parent, name)) = row else {
            return Ok(String::new());
        };
        let text = format!("{}/{name}", self.text(parent)?);
        self.text.insert(id, text.clone());
        Ok(text)
    }
}

/// The versions of one path that pass the filters, or None if none does.
fn versions(
    conn: &Connection,
    snaps: &[Snap],
    find: &Find,
    text: &str,
    id: i64,
) -> Result<Option<FoundPath>> {
    let own = rows_of(conn, id)?;
    // Every state a snapshot resolves to is one of the path's own rows, so a path none of whose rows
    // passes the filters has no version to show.
    if !own.values().any(|s| s.0 != kind::GONE && passes(find, s)) {
        return Ok(None);
    }
    let mut states: Vec<Option<State>> = Vec::with_capacity(snaps.len());
    for snap in snaps {
        let state = match own.get(&snap.ord) {
            Some(s) => Some(*s),
            None => snap.base.and_then(|b| states.get(b).copied().flatten()),
        };
        states.push(state.filter(|s| s.0 != kind::GONE));
    }
    let mut grouped: BTreeMap<State, Vec<&Snap>> = BTreeMap::new();
    for (snap, state) in snaps.iter().zip(&states) {
        if let Some(s) = state.filter(|s| passes(find, s)) {
            grouped.entry(s).or_default().push(snap);
        }
    }
    let mut versions: Vec<FoundVersion> = grouped
        .into_iter()
        .map(|(state, mut holders)| {
            holders.sort_by_key(|s| s.time_ms);
            FoundVersion {
                size: state.1,
                mtime_ms: state.2,
                first_time_ms: holders.first().map_or(0, |s| s.time_ms),
                last_time_ms: holders.last().map_or(0, |s| s.time_ms),
                snapshot_ids: holders.iter().map(|s| s.id.clone()).collect(),
                r#type: kind::name(state.0).to_string(),
                ..FoundVersion::default()
            }
        })
        .collect();
    versions.sort_by_key(|v| (v.first_time_ms, v.mtime_ms));
    let Some(first) = versions.first() else {
        return Ok(None);
    };
    Ok(Some(FoundPath {
        path: text.to_string(),
        r#type: first.r#type.clone(),
        versions,
        ..FoundPath::default()
    }))
}

fn passes(find: &Find, state: &State) -> bool {
    let (_, size, mtime, _) = *state;
    find.min_size.is_none_or(|m| size >= m)
        && find.max_size.is_none_or(|m| size <= m)
        && find.modified_after_ms.is_none_or(|t| mtime >= t)
        && find.modified_before_ms.is_none_or(|t| mtime <= t)
}

/// The rows of one path, by snapshot.
fn rows_of(conn: &Connection, id: i64) -> Result<HashMap<i64, State>> {
    let mut stmt = conn
        .prepare_cached("SELECT snap, kind, size, mtime, content FROM entries WHERE path = ?1")?;
    let rows = stmt.query_map([id], |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
