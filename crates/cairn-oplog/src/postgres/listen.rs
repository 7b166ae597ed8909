//! The listener that brings other processes' commits to this one: a connection of its own that
//! `LISTEN`s on the log's channel (reconnecting with backoff when it drops), and a thread that turns
//! each notice into a read of the changes this process has not published yet. After every (re)connect
//! it catches up to whatever is committed, so nothing notified while it was away is missed; there is
//! no polling.
use super::{CHANNEL, PgStore};
use crate::error::{OplogError, Result};
use futures::StreamExt;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio_postgres::{AsyncMessage, Config, NoTls};

/// A notice for the handler: a committed modno, or None for "whatever is committed now".
type Notice = Option<i64>;

impl PgStore {
    /// Starts listening; `on_change` runs on a thread of its own for each batch of notices and
    /// returns false once nobody needs them any more.
    pub(crate) fn listen(
        &self,
        mut on_change: impl FnMut(Notice) -> bool + Send + 'static,
    ) -> Result<()> {
        let (notices, received) = mpsc::channel::<Notice>();
        std::thread::Builder::new()
            .name("cairn-pg-events".into())
            .spawn(move || {
                while let Ok(first) = received.recv() {
                    // One read brings everything up to the newest notice.
                    let target = received.try_iter().fold(first, newest);
                    if !on_change(target) {
                        break;
                    }
                }
            })
            .map_err(|e| OplogError::Database(format!("cannot start the listener thread: {e}")))?;
        let config = self.pool.config().clone();
        self.pool.handle()?.spawn(listen_forever(config, notices));
        Ok(())
    }
}

/// Two notices as one: "whatever is committed" covers any modno.
fn newest(a: Notice, b: Notice) -> Notice {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    }
}

async fn listen_forever(config: Config, notices: mpsc::Sender<Notice>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let started = Instant::now();
        match listen_once(&config, &notices).await {
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
async fn listen_once(
    config: &Config,
    notices: &mpsc::Sender<Notice>,
) -> std::result::Result<(), String> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(|e| e.to_string())?;
    let (forward, mut payloads) = futures::channel::mpsc::unbounded::<Notice>();
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let _ = forward.unbounded_send(n.payload().parse::<i64>().ok());
                }
                Ok(_) => {}
                Err(e) => return e.to_string(),
            }
        }
        "the connection closed".to_string()
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(|e| e.to_string())?;
    // What was committed while no listener was connected.
    if notices.send(None).is_err() {
        return Ok(());
    }
    while let Some(notice) = payloads.next().await {
        if notices.send(notice).is_err() {
            return Ok(());
        }
    }
    Err(driver.await.unwrap_or_else(|e| e.to_string()))
}
