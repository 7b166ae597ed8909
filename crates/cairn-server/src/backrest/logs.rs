//! GetLogs: a task's output by its logref, streamed in chunks and followed while the task still writes
//! (until the server shuts down). On a hub, the log of a client's operation is read from the client
//! through its sync session.
use crate::errors;
use crate::state::Shared;
use cairn_fleet::remote_logs::parse_remote_logref;
use cairn_proto::types::BytesValue;
use connectrpc::{ConnectError, ServiceStream};
use futures::StreamExt;

pub async fn stream(s: &Shared, logref: &str) -> Result<ServiceStream<BytesValue>, ConnectError> {
    if let Some((keyid, log_id)) = parse_remote_logref(logref) {
        return remote(s, keyid, log_id).await;
    }
    let reader = s.orch.logs().open_reader(logref).map_err(errors::oplog)?;
    let stream = futures::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match reader.next_chunk().await {
            Ok(Some(chunk)) => Some((
                Ok(BytesValue {
                    value: chunk,
                    ..BytesValue::default()
                }),
                Some(reader),
            )),
            Ok(None) => None,
            Err(e) => Some((Err(errors::oplog(e)), None)),
        }
    })
    .take_until(s.shutdown.clone().cancelled_owned());
    Ok(Box::pin(stream))
}

/// A client's log, read through its sync session.
async fn remote(
    s: &Shared,
    keyid: &str,
    log_id: &str,
) -> Result<ServiceStream<BytesValue>, ConnectError> {
    let chunks = s
        .fleet
        .remote_log(keyid, log_id)
        .await
        .map_err(|e| ConnectError::unavailable(e.to_string()))?;
    let stream = futures::stream::unfold(chunks, |mut chunks| async move {
        let item = match chunks.recv().await? {
            Ok(value) => Ok(BytesValue {
                value,
                ..BytesValue::default()
            }),
            Err(e) => Err(ConnectError::not_found(e.to_string())),
        };
        Some((item, chunks))
    })
    .take_until(s.shutdown.clone().cancelled_owned());
    Ok(Box::pin(stream))
}
