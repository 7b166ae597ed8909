//! RunRemoteTask (fleet control, on a hub): checks the request, names the client's operation to
//! cancel by its id there, has the client run the task through its sync session, and answers with the
//! operation's id on the client and, once it has arrived, here.
use crate::errors::{invalid, oplog};
use crate::state::Shared;
use cairn_fleet::SessionError;
use cairn_fleet::control::TASKS;
use cairn_proto::cairn::v1::{RunRemoteTaskRequest, RunRemoteTaskResponse};
use cairn_proto::v1sync::sync_stream_item::SyncActionRunTask;
use connectrpc::ConnectError;
use std::time::Duration;

/// How long the answer waits for the started operation to arrive by sync.
const ARRIVAL_WAIT: Duration = Duration::from_secs(5);

pub async fn run(
    s: &Shared,
    req: RunRemoteTaskRequest,
) -> Result<RunRemoteTaskResponse, ConnectError> {
    check_client(s, &req.peer_keyid)?;
    if !TASKS.contains(&req.task.as_str()) {
        return Err(invalid(
            "task",
            format!("must be one of {}", TASKS.join(", ")),
        ));
    }
    let op_id = if req.task == "cancel" {
        original_id(s, &req)?
    } else {
        0
    };
    let task = SyncActionRunTask {
        task: req.task.clone(),
        plan_id: req.plan_id.clone(),
        repo_id: req.repo_id.clone(),
        op_id,
        ..SyncActionRunTask::default()
    };
    let original = s
        .fleet
        .run_remote(&req.peer_keyid, task)
        .await
        .map_err(|e| match e {
            SessionError::Refused(why) => ConnectError::permission_denied(why),
            other => ConnectError::unavailable(other.to_string()),
        })?;
    tracing::info!(peer = %req.peer_keyid, task = %req.task, original, "a client ran a task for this hub");
    Ok(RunRemoteTaskResponse {
        original_id: original,
        operation_id: arrived(s, &req.peer_keyid, original).await?,
        ..RunRemoteTaskResponse::default()
    })
}

/// Refuses a key id that is not one of this hub's authorised clients (RunRemoteTask and
/// SetRemoteClientConfig name the client by it).
pub fn check_client(s: &Shared, keyid: &str) -> Result<(), ConnectError> {
    let config = s.orch.config().get();
    let known = config.multihost.as_option().is_some_and(|m| {
        m.authorized_clients
            .iter()
            .any(|c| !keyid.is_empty() && c.keyid == keyid)
    });
    if known {
        Ok(())
    } else {
        Err(invalid(
            "peerKeyid",
            "is not the key id of an authorised client of this hub",
        ))
    }
}

/// The client's id of the synced operation `req.operation_id`, which must be that client's.
fn original_id(s: &Shared, req: &RunRemoteTaskRequest) -> Result<i64, ConnectError> {
    let op = s.orch.oplog().get(req.operation_id).map_err(oplog)?;
    match op {
        Some(op) if op.original_instance_keyid == req.peer_keyid => Ok(op.original_id),
        _ => Err(invalid(
            "operationId",
            "is not an operation synced from that client",
        )),
    }
}

/// This hub's id of the client's operation `original`, waiting briefly for it to arrive.
async fn arrived(s: &Shared, keyid: &str, original: i64) -> Result<i64, ConnectError> {
    if original == 0 {
        return Ok(0);
    }
    let deadline = tokio::time::Instant::now() + ARRIVAL_WAIT;
    loop {
        if let Some(id) = s.orch.oplog().synced_id(keyid, original).map_err(oplog)? {
            return Ok(id);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(0);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
