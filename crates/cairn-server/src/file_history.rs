//! `cairn.v1.Cairn/FileHistory`: one path's versions across a repository's snapshots.
use crate::errors;
use crate::state::Shared;
use cairn_proto::cairn::v1::{FileHistoryRequest, PathHistory};
use connectrpc::ConnectError;

pub async fn history(s: &Shared, req: FileHistoryRequest) -> Result<PathHistory, ConnectError> {
    crate::paths::in_snapshot("path", &req.path)?;
    let versions = s
        .orch
        .file_history(&req.repo_id, &req.path)
        .await
        .map_err(errors::orch)?;
    Ok(PathHistory {
        path: req.path,
        versions,
        ..PathHistory::default()
    })
}
