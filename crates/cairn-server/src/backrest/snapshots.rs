//! ListSnapshots and ListSnapshotFiles: read live from the repository through its engine (one
//! directory at a time; listings of a snapshot are cached by the engine since snapshots never change).
use crate::errors;
use crate::state::Shared;
use cairn_proto::v1::{ListSnapshotFilesResponse, ResticSnapshotList};
use connectrpc::ConnectError;

pub async fn list(
    s: &Shared,
    repo_id: &str,
    plan_id: &str,
) -> Result<ResticSnapshotList, ConnectError> {
    let plan = (!plan_id.is_empty()).then_some(plan_id);
    let snapshots = s
        .orch
        .list_snapshots(repo_id, plan)
        .await
        .map_err(errors::orch)?;
    Ok(ResticSnapshotList {
        snapshots,
        ..ResticSnapshotList::default()
    })
}

pub async fn files(
    s: &Shared,
    repo_id: &str,
    snapshot_id: &str,
    path: &str,
) -> Result<ListSnapshotFilesResponse, ConnectError> {
    let dir = if path.is_empty() { "/" } else { path };
    crate::paths::in_snapshot("path", dir)?;
    let entries = s
        .orch
        .list_snapshot_files(repo_id, snapshot_id, dir)
        .await
        .map_err(errors::orch)?;
    Ok(ListSnapshotFilesResponse {
        path: dir.to_string(),
        entries,
        ..ListSnapshotFilesResponse::default()
    })
}
