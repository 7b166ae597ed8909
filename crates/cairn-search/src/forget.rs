//! Dropping a snapshot the repository no longer has. Snapshots whose changes are relative to it are
//! first rebased onto its own base: its rows that they do not override are copied into them, so what
//! each of them holds is unchanged. Paths and names no snapshot mentions any more are then removed.
use crate::error::Result;
use crate::kind;
use rusqlite::{OptionalExtension, Transaction, params};

/// Removes one snapshot by id; an id not in the index is ignored.
pub fn snapshot(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let Some((ord, base)) = tx
        .query_row("SELECT ord, base FROM snapshots WHERE id = ?1", [id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))
        })
        .optional()?
    else {
        return Ok(());
    };
    let children: Vec<i64> = tx
        .prepare("SELECT ord FROM snapshots WHERE base = ?1")?
        .query_map([ord], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for child in children {
        tx.execute(
            "INSERT OR IGNORE INTO entries (path, snap, kind, size, mtime, content)
             SELECT path, ?2, kind, size, mtime, content FROM entries WHERE snap = ?1",
            [ord, child],
        )?;
        if base.is_none() {
            tx.execute(
                "DELETE FROM entries WHERE snap = ?1 AND kind = ?2",
                [child, kind::GONE],
            )?;
        }
        tx.execute(
            "UPDATE snapshots SET base = ?2 WHERE ord = ?1",
            params![child, base],
        )?;
    }
    tx.execute("DELETE FROM entries WHERE snap = ?1", [ord])?;
    tx.execute("DELETE FROM snapshots WHERE ord = ?1", [ord])?;
    Ok(())
}

/// Removes paths that no snapshot mentions and that hold no such path, level by level, then the
/// names no path uses.
pub fn unused(tx: &Transaction<'_>) -> Result<()> {
    loop {
        let removed = tx.execute(
            "DELETE FROM paths WHERE NOT EXISTS (SELECT 1 FROM entries WHERE entries.path = paths.id)
               AND NOT EXISTS (SELECT 1 FROM paths AS c WHERE c.parent = paths.id)",
            [],
        )?;
        if removed == 0 {
            break;
        }
    }
    tx.execute(
        "DELETE FROM names WHERE NOT EXISTS (SELECT 1 FROM paths WHERE paths.name = names.id)",
        [],
    )?;
    Ok(())
}
