//! GetLogs: a task's output by its logref, streamed in chunks and followed while the task still writes.
use crate::errors;
use crate::state::Shared;
use cairn_proto::types::BytesValue;
use connectrpc::{ConnectError, ServiceStream};

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
    });
    Ok(Box::pin(stream))
}
