//! The listener that brings other processes' commits to this one: a connection of its own that
//! `LISTEN`s on the log's channel (reconnecting with backoff when it drops), and a thread that turns
//! each notice into a read of the changes this process has not published yet. After every (re)connect
//! it catches up to whatever is committed, so nothing notified while it was away is missed; there is
//! no polling.
use super::tls::Connector;
use super::{CHANNEL, KV_CHANNEL, PgStore};
use crate::error::{OplogError, Result};
use futures::StreamExt;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_postgres::{AsyncMessage, Client, Config, Connection, NoTls};

/// What the listener tells the handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Notice {
    /// Another process (or this one) committed up to this modno.
    Committed(i64),
    /// A key/value entry was written.
    Kv(String),
    /// The listener (re)connected: anything may have changed while it was away.
    Reconnected,
}

impl PgStore {
    /// Starts listening; `on_change` runs on a thread of its own for each batch of notices and
    /// returns false once nobody needs them any more.
    pub(crate) fn listen(
        &self,
        mut on_change: impl FnMut(Vec<Notice>) -> bool + Send + 'static,
    ) -> Result<()> {
        let (notices, received) = mpsc::channel::<Notice>();
        std::thread::Builder::new()
            .name("cairn-pg-events".into())
            .spawn(move || {
                while let Ok(first) = received.recv() {
                    // One batch: the handler reads once up to the newest notice.
                    let mut batch = vec![first];
                    batch.extend(received.try_iter());
                    if !on_change(batch) {
                        break;
                    }
                }
            })
            .map_err(|e| OplogError::Database(format!("cannot start the listener thread: {e}")))?;
        let config = self.pool.config().clone();
        let connector = self.pool.connector().clone();
        self.pool
            .handle()?
            .spawn(listen_forever(config, connector, notices));
        Ok(())
    }
}

async fn listen_forever(config: Config, connector: Connector, notices: mpsc::Sender<Notice>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let started = Instant::now();
        let outcome = match &connector {
            Connector::Plain => listen_once(config.connect(NoTls).await, &notices).await,
            Connector::Tls(tls) => listen_once(config.connect(tls.clone()).await, &notices).await,
        };
        match outcome {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "the operation log's database listener lost its connection; reconnecting");
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            backoff = Duration::from_millis(200);
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// One listening connection; Ok when the handler is gone, Err when the connection failed.
async fn listen_once<S, T>(
    connected: std::result::Result<(Client, Connection<S, T>), tokio_postgres::Error>,
    notices: &mpsc::Sender<Notice>,
) -> std::result::Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (client, mut connection) = connected.map_err(|e| e.to_string())?;
    let (forward, mut payloads) = futures::channel::mpsc::unbounded::<Notice>();
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let notice = if n.channel() == KV_CHANNEL {
                        Notice::Kv(n.payload().to_string())
                    } else {
                        match n.payload().parse::<i64>() {
                            Ok(modno) => Notice::Committed(modno),
                            Err(_) => Notice::Reconnected,
                        }
                    };
                    let _ = forward.unbounded_send(notice);
                }
                Ok(_) => {}
                Err(e) => return e.to_string(),
            }
        }
        "the connection closed".to_string()
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {KV_CHANNEL}"))
        .await
        .map_err(|e| e.to_string())?;
    // What was committed while no listener was connected.
    if notices.send(Notice::Reconnected).is_err() {
        return Ok(());
    }
    while let Some(notice) = payloads.next().await {
        if notices.send(notice).is_err() {
            return Ok(());
        }
    }
    Err(driver.await.unwrap_or_else(|e| e.to_string()))
}
