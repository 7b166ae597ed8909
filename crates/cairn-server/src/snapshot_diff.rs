//! `cairn.v1.Cairn/DiffSnapshots`: what differs between two snapshots of a repository under a path,
//! level by level or all at once. An answer carries at most `MAX_ENTRIES` entries so that a huge
//! difference cannot exhaust the server's memory; its totals still count everything.
use crate::errors;
use crate::state::Shared;
use cairn_proto::cairn::v1::{DiffSnapshotsRequest, SnapshotDiff};
use connectrpc::ConnectError;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The most entries one answer carries.
pub const MAX_ENTRIES: usize = 100_000;

pub async fn diff(s: &Shared, req: DiffSnapshotsRequest) -> Result<SnapshotDiff, ConnectError> {
    let path = if req.path.is_empty() { "/" } else { &req.path };
    crate::paths::in_snapshot("path", path)?;
    let entries = Mutex::new(Vec::new());
    let truncated = AtomicBool::new(false);
    let keep = |entry| {
        let mut kept = entries.lock();
        if kept.len() < MAX_ENTRIES {
            kept.push(entry);
        } else {
            truncated.store(true, Ordering::Relaxed);
        }
    };
    let pair = (req.snapshot_a.as_str(), req.snapshot_b.as_str());
    let outcome = s
        .orch
        .diff_snapshots(&req.repo_id, pair, path, req.recursive, &keep)
        .await
        .map_err(errors::orch)?;
    Ok(SnapshotDiff {
        snapshot_a: outcome.a,
        snapshot_b: outcome.b,
        entries: entries.into_inner(),
        totals: outcome.totals.into(),
        truncated: truncated.into_inner(),
        ..SnapshotDiff::default()
    })
}
