//! Dialling a known host: one Connect bidi stream `/v1sync.BackrestSyncService/Sync` over HTTP/2
//! (h2c with prior knowledge for `http://`), its two halves joined into a [`Link`].
use crate::error::SessionError;
use crate::link::{Inbox, Link, Outgoing, SEND_QUEUE};
use cairn_proto::v1sync::{BackrestSyncServiceClient, SyncStreamItem};
use connectrpc::client::{ClientConfig, ClientTransport, Http2Connection, HttpClient};
use futures::stream;
use tokio::sync::mpsc;

/// Opens a sync stream to the host at `url`.
pub async fn dial(url: &str) -> Result<Link, SessionError> {
    let uri: http::Uri = url.trim_end_matches('/').parse().map_err(|e| {
        SessionError::Config(format!(
            "the known host's URL {} is not a URL ({e}): give it as http://host:port or https://host:port",
            cairn_proto::quoted(url)
        ))
    })?;
    match uri.scheme_str() {
        Some("http") => open(HttpClient::plaintext_http2_only(), uri, url).await,
        Some("https") => {
            let tls =
                crate::tls::client_config().map_err(|e| SessionError::Config(e.to_string()))?;
            // HTTP/2 only, negotiated by ALPN: a proxy that offers only HTTP/1.1 is named as such.
            let connection = Http2Connection::connect_tls(uri.clone(), tls)
                .await
                .map_err(|e| unreachable(url, &e))?;
            open(connection.shared(SEND_QUEUE), uri, url).await
        }
        Some(other) => Err(SessionError::Config(format!(
            "the known host's URL {} uses {other}://: use http:// or https://",
            cairn_proto::quoted(url)
        ))),
        None => Err(SessionError::Config(format!(
            "the known host's URL {} has no scheme: give it as http://host:port or https://host:port",
            cairn_proto::quoted(url)
        ))),
    }
}

/// The error for a host that could not be reached (refused, unresolvable, a TLS failure).
fn unreachable(url: &str, e: &connectrpc::ConnectError) -> SessionError {
    let why = e.message.clone().unwrap_or_else(|| e.to_string());
    let hint = if why.contains("UnknownIssuer") {
        " (if the hub's certificate comes from a CA of your own, give cairn that CA's PEM file in SSL_CERT_FILE)"
    } else {
        ""
    };
    SessionError::Closed(format!("cannot reach {url}: {why}{hint}"))
}

/// Opens the stream over `transport` and joins its halves into a link.
async fn open<T>(transport: T, uri: http::Uri, url: &str) -> Result<Link, SessionError>
where
    T: ClientTransport + Clone + Send + Sync + 'static,
    T::ResponseBody: Unpin,
    <T::ResponseBody as connectrpc::http_body::Body>::Error: std::fmt::Display,
{
    let client = BackrestSyncServiceClient::new(transport, ClientConfig::new(uri));
    let stream = client.sync().await.map_err(|e| unreachable(url, &e))?;
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
