//! Dialling a known host: one Connect bidi stream `/v1sync.BackrestSyncService/Sync` over HTTP/2
//! (h2c with prior knowledge for `http://`), its two halves joined into a [`Link`].
use crate::error::SessionError;
use crate::link::{Inbox, Link, Outgoing, SEND_QUEUE};
use cairn_proto::v1sync::{BackrestSyncServiceClient, SyncStreamItem};
use connectrpc::client::{ClientConfig, HttpClient};
use futures::stream;
use tokio::sync::mpsc;

/// Opens a sync stream to the host at `url`.
pub async fn dial(url: &str) -> Result<Link, SessionError> {
    let uri: http::Uri = url.trim_end_matches('/').parse().map_err(|e| {
        SessionError::Config(format!(
            "the known host's URL {} is not a URL ({e}): give it as http://host:port",
            cairn_proto::quoted(url)
        ))
    })?;
    let http = match uri.scheme_str() {
        Some("http") => HttpClient::plaintext_http2_only(),
        Some(other) => {
            return Err(SessionError::Config(format!(
                "the known host's URL {} uses {other}://, which cairn cannot dial yet: use http:// (behind a TLS-terminating proxy if the link is not private)",
                cairn_proto::quoted(url)
            )));
        }
        None => {
            return Err(SessionError::Config(format!(
                "the known host's URL {} has no scheme: give it as http://host:port",
                cairn_proto::quoted(url)
            )));
        }
    };
    let client = BackrestSyncServiceClient::new(http, ClientConfig::new(uri));
    let stream = client.sync().await.map_err(|e| {
        SessionError::Closed(format!(
            "cannot reach {url}: {}",
            e.message.unwrap_or_default()
        ))
    })?;
    let (mut send, recv) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Outgoing>(SEND_QUEUE);
    tokio::spawn(async move {
        while let Some(Ok(item)) = rx.recv().await {
            if send.send(item).await.is_err() {
                break;
            }
        }
        send.close_send();
    });
    let inbox: Inbox = Box::pin(stream::unfold(Some(recv), |recv| async move {
        let mut recv = recv?;
        match recv.message::<SyncStreamItem>().await {
            Ok(Some(m)) => Some((Ok(m.to_owned_message()), Some(recv))),
            Ok(None) => None,
            Err(e) => Some((Err(ended_by_host(&e)), None)),
        }
    }));
    Ok(Link::new(tx, inbox))
}

/// The error the host ended the stream with: a refusal keeps its reason as a refusal.
fn ended_by_host(e: &connectrpc::ConnectError) -> SessionError {
    let message = e.message.clone().unwrap_or_else(|| e.to_string());
    match e.code {
        connectrpc::ErrorCode::PermissionDenied => SessionError::Refused(message),
        _ => SessionError::Closed(message),
    }
}
