//! Task logs of a client's operations, read from its hub (Backrest declares `request_log` and
//! `receive_log_data` and implements neither). A hub stores a client's operations with their logref
//! rewritten to `peer:<client key id>/<logref>`; reading such a log asks the client, which streams it
//! in chunks, following it while the task still writes, and ends with `done`. The client serves only
//! logs of operations the hub may see. cairn extensions (`request_id`, `done`) tell several readers
//! apart and mark the end, so both actions go only to peers whose handshake lists [`FEATURE`].
use crate::error::SessionError;
use crate::scopes::allows_op;
use cairn_oplog::OplogError;
use cairn_orchestrator::Orchestrator;
use cairn_proto::v1::multihost::Peer as PeerEntry;
use cairn_proto::v1::multihost::permission::Type;
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::sync_stream_item::{SyncActionReceiveLogData, SyncActionRequestLog};
use tokio::sync::mpsc;

/// The handshake feature that says a peer serves its logs.
pub const FEATURE: &str = "logs/1";

const PREFIX: &str = "peer:";

/// The logref a hub gives a client's log.
pub fn remote_logref(keyid: &str, logref: &str) -> String {
    format!("{PREFIX}{keyid}/{logref}")
}

/// The client key id and its logref, for a logref a hub gave a client's log.
pub fn parse_remote_logref(logref: &str) -> Option<(&str, &str)> {
    logref
        .strip_prefix(PREFIX)?
        .split_once('/')
        .filter(|(k, l)| !k.is_empty() && !l.is_empty())
}

/// What a hub receives for one log read.
pub type LogChunks = mpsc::Receiver<Result<Vec<u8>, SessionError>>;

/// Where a hub's session puts the chunks of one log read.
pub type ChunkSink = mpsc::Sender<Result<Vec<u8>, SessionError>>;

/// Streams the log the hub `host` asked for into `out`, if the hub may see its operation.
pub async fn serve(
    orch: Orchestrator,
    host: PeerEntry,
    req: SyncActionRequestLog,
    out: mpsc::Sender<Action>,
) {
    let answer = |chunk: Vec<u8>, error: String, done: bool| {
        Action::ReceiveLogData(Box::new(SyncActionReceiveLogData {
            log_id: req.log_id.clone(),
            request_id: req.request_id,
            chunk,
            error_message: error,
            done,
            ..SyncActionReceiveLogData::default()
        }))
    };
    let mut reader = match open(&orch, &host, &req.log_id) {
        Ok(r) => r,
        Err(why) => {
            let _ = out.send(answer(Vec::new(), why, true)).await;
            return;
        }
    };
    loop {
        let next = reader.next_chunk().await;
        let (action, end) = match next {
            Ok(Some(chunk)) => (answer(chunk, String::new(), false), false),
            Ok(None) => (answer(Vec::new(), String::new(), true), true),
            Err(e) => (answer(Vec::new(), e.to_string(), true), true),
        };
        if out.send(action).await.is_err() || end {
            return;
        }
    }
}

/// Opens log `id` for the hub, refusing logs of operations it may not see.
fn open(orch: &Orchestrator, host: &PeerEntry, id: &str) -> Result<cairn_oplog::LogReader, String> {
    let missing = || format!("this client has no log {id} the hub may read");
    let owner = orch
        .logs()
        .owner(id)
        .map_err(|e| e.to_string())?
        .ok_or_else(missing)?;
    let op = orch
        .oplog()
        .get(owner)
        .map_err(|e| e.to_string())?
        .filter(|op| op.original_instance_keyid.is_empty())
        .ok_or_else(missing)?;
    if !allows_op(
        &host.permissions,
        Type::PERMISSION_READ_OPERATIONS,
        &op.repo_id,
        &op.plan_id,
    ) {
        return Err(missing());
    }
    orch.logs().open_reader(id).map_err(|e| match e {
        OplogError::LogNotFound(_) => missing(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_logrefs_name_the_client_and_its_log() {
        let r = remote_logref("ed25519.AbC-_x", "t-123");
        assert_eq!(r, "peer:ed25519.AbC-_x/t-123");
        assert_eq!(parse_remote_logref(&r), Some(("ed25519.AbC-_x", "t-123")));
        assert_eq!(parse_remote_logref("t-123"), None);
        assert_eq!(parse_remote_logref("peer:/t"), None);
        assert_eq!(parse_remote_logref("peer:k/"), None);
    }
}
