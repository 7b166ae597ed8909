//! GetLogs: a task's output by its logref, streamed in chunks and followed while the task still writes
//! (until the server shuts down).
use crate::errors;
use crate::state::Shared;
use cairn_proto::types::BytesValue;
use connectrpc::{ConnectError, ServiceStream};
use futures::StreamExt;

pub fn stream(s: &Shared, logref: &str) -> Result<ServiceStream<BytesValue>, ConnectError> {
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
