//! The stream of sync items between two peers, whichever side dialled: items go out through a bounded
//! queue (256 items, as Backrest's) and come in as a stream. A peer that reads nothing for a minute
//! while the queue is full ends the session; short stalls only slow the sender down, so nothing is
//! dropped (Backrest ends the session after 100 ms, which a slow hub or link turns into reconnects).
use crate::error::SessionError;
use cairn_proto::v1sync::SyncStreamItem;
use connectrpc::ConnectError;
use futures::{Stream, StreamExt};
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::mpsc;

/// Items queued for the peer before a send waits.
pub const SEND_QUEUE: usize = 256;
/// How long a send waits for room before the session ends.
pub const STALL_LIMIT: Duration = Duration::from_secs(60);

/// What a link sends: an item, or the error that ends the stream (the server's answer to a refused
/// peer carries the reason).
pub type Outgoing = Result<SyncStreamItem, ConnectError>;

/// Items arriving from the peer.
pub type Inbox = Pin<Box<dyn Stream<Item = Result<SyncStreamItem, SessionError>> + Send>>;

/// Both directions of one sync stream.
pub struct Link {
    out: mpsc::Sender<Outgoing>,
    inbox: Inbox,
}

impl Link {
    /// A link that sends into `out` and receives from `inbox`.
    pub fn new(out: mpsc::Sender<Outgoing>, inbox: Inbox) -> Self {
        Self { out, inbox }
    }

    /// Queues `item`, waiting while the queue is full.
    pub async fn send(&mut self, item: SyncStreamItem) -> Result<(), SessionError> {
        match self.out.send_timeout(Ok(item), STALL_LIMIT).await {
            Ok(()) => Ok(()),
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                Err(SessionError::Stalled(STALL_LIMIT.as_secs()))
            }
            Err(mpsc::error::SendTimeoutError::Closed(_)) => {
                Err(SessionError::Closed(String::new()))
            }
        }
    }

    /// Ends the stream with `error` as the reason the peer is given.
    pub async fn fail(&mut self, error: ConnectError) {
        let _ = self
            .out
            .send_timeout(Err(error), Duration::from_secs(1))
            .await;
    }

    /// The next item from the peer.
    pub async fn recv(&mut self) -> Result<SyncStreamItem, SessionError> {
        match self.inbox.next().await {
            Some(item) => item,
            None => Err(SessionError::Closed(String::new())),
        }
    }
}
