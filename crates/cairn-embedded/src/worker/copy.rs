//! Copying snapshots into another repository (a plan's mirror), with restic's `copy` semantics: a
//! snapshot the destination already holds (one whose `original` is it, or with the same time, tree,
//! host and paths) is skipped; the others are copied with their `original` set, and only the blobs the
//! destination lacks are read and written. Both repositories are opened in this worker, each with a
//! shared lock, like restic's.
use super::{Fail, Out, repo};
use crate::protocol::Job;
use rustic_core::repofile::SnapshotFile;

pub fn run(
    job: &Job,
    out: &Out,
    source: &Job,
    snapshots: &[String],
) -> Result<serde_json::Value, Fail> {
    let dest = repo::open(job, out, false)?;
    let src = repo::open(source, out, false)?;
    let dest_lock = repo::lock(&dest, job, out, false)?;
    let src_lock = repo::lock(&src, source, out, false)?;
    let from = src.repo.to_indexed()?;
    let to = dest.repo.to_indexed_ids()?;
    let held = to.get_all_snapshots()?;
    let mut copies = Vec::new();
    for id in snapshots {
        let mut snap = from.get_snapshot_from_str(id, |_| true)?;
        let hex = snap.id.to_hex();
        let short = cairn_proto::short_id(hex.as_str());
        if held.iter().any(|h| same_snapshot(h, &snap)) {
            out.line(format!("snapshot {short} is in the mirror already"));
            continue;
        }
        out.line(format!("copying snapshot {short}"));
        snap.original = Some(snap.original.unwrap_or(snap.id));
        copies.push(snap);
    }
    if !copies.is_empty() {
        from.copy(&to, copies.iter())?;
    }
    src_lock.release()?;
    dest_lock.release()?;
    out.line(format!("{} snapshot(s) copied", copies.len()));
    Ok(serde_json::json!({ "copied": copies.len() }))
}

/// Whether `held` (in the destination) is a copy of `snap` (in the source): restic's test.
fn same_snapshot(held: &SnapshotFile, snap: &SnapshotFile) -> bool {
    let original = snap.original.unwrap_or(snap.id);
    held.original == Some(original)
        || (held.time == snap.time
            && held.tree == snap.tree
            && held.hostname == snap.hostname
            && held.paths == snap.paths)
}
