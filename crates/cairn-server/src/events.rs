//! The operation log's changes as a stream for the two event RPCs (Backrest's GetOperationEvents and
//! cairn's WatchOperations): batches of created, updated and deleted operations, a reload signal when
//! a resume point is too old, and keep-alives (one at once, then after 30 quiet seconds) so clients
//! know the stream is open and proxies keep it so. Every stream ends when the server shuts down.
use cairn_oplog::{ChangeKind, Delivery, Subscription};
use cairn_proto::v1::Operation;
use futures::{Stream, StreamExt};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const KEEP_ALIVE: Duration = Duration::from_secs(30);

/// One item of the stream.
pub enum Batch {
    Changes {
        created: Vec<Operation>,
        updated: Vec<Operation>,
        deleted: Vec<i64>,
        /// Resume point after this batch.
        modno: i64,
    },
    /// The resume point was too old: reload, then go on live from `modno`.
    Reload {
        modno: i64,
    },
    KeepAlive {
        modno: i64,
    },
}

/// Follows `sub` until the operation log closes. The first item is a keep-alive carrying the current
/// resume point, sent at once so the client knows the stream is open before anything changes.
pub fn stream(
    sub: Subscription,
    shutdown: &CancellationToken,
) -> impl Stream<Item = Batch> + Send + 'static {
    let hello = Batch::KeepAlive {
        modno: sub.last_modno(),
    };
    futures::stream::once(async move { hello })
        .chain(futures::stream::unfold(sub, |mut sub| async move {
            loop {
                match tokio::time::timeout(KEEP_ALIVE, sub.next()).await {
                    Err(_) => {
                        let modno = sub.last_modno();
                        return Some((Batch::KeepAlive { modno }, sub));
                    }
                    Ok(None) => return None,
                    Ok(Some(Delivery::Lagged { .. })) => continue,
                    Ok(Some(Delivery::ResumeTooOld { now_modno })) => {
                        return Some((Batch::Reload { modno: now_modno }, sub));
                    }
                    Ok(Some(Delivery::Changes(changes))) => {
                        let batch = split(changes, sub.last_modno());
                        return Some((batch, sub));
                    }
                }
            }
        }))
        .take_until(shutdown.clone().cancelled_owned())
}

fn split(changes: Vec<cairn_oplog::Change>, modno: i64) -> Batch {
    let (mut created, mut updated, mut deleted) = (Vec::new(), Vec::new(), Vec::new());
    for c in changes {
        match (c.kind, c.op) {
            (ChangeKind::Deleted, _) | (_, None) => deleted.push(c.meta.id),
            (ChangeKind::Created, Some(op)) => created.push(Operation::clone(&op)),
            (ChangeKind::Updated, Some(op)) => updated.push(Operation::clone(&op)),
        }
    }
    Batch::Changes {
        created,
        updated,
        deleted,
        modno,
    }
}
