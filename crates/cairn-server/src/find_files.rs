//! `cairn.v1.Cairn/FindFiles`: paths matching a name pattern across a repository's snapshots, from
//! its search index.
use crate::errors;
use crate::state::Shared;
use cairn_orchestrator::Find;
use cairn_proto::cairn::v1::{FindFilesRequest, FoundFiles};
use connectrpc::ConnectError;

/// The most paths one answer holds, whatever the request asks.
const MAX_LIMIT: usize = 10_000;

pub async fn find(s: &Shared, req: FindFilesRequest) -> Result<FoundFiles, ConnectError> {
    let limit = usize::try_from(req.limit).map_err(|_| {
        ConnectError::invalid_argument(format!(
            "limit {} is negative; give 0 for the default of 1,000 or a positive number",
            req.limit
        ))
    })?;
    let find = Find {
        pattern: req.pattern,
        min_size: req.min_size,
        max_size: req.max_size,
        modified_after_ms: req.modified_after_ms,
        modified_before_ms: req.modified_before_ms,
        limit: limit.min(MAX_LIMIT),
    };
    s.orch
        .find_files(&req.repo_id, find)
        .await
        .map_err(errors::orch)
}
