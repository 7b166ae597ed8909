//! `cairn logs REF`: a task's output, followed while the task still writes it.
use super::{Connection, Exit};
use cairn_proto::v1::LogDataRequest;
use std::io::Write;

pub async fn run(conn: &Connection, logref: &str) -> anyhow::Result<Exit> {
    let mut stream = conn
        .backrest()?
        .get_logs(LogDataRequest {
            r#ref: logref.into(),
            ..LogDataRequest::default()
        })
        .await?;
    let mut out = std::io::stdout().lock();
    while let Some(chunk) = stream.message().await? {
        out.write_all(&chunk.to_owned_message().value)?;
        out.flush()?;
    }
    Ok(Exit::Ok)
}
