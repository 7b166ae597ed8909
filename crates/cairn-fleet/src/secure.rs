//! A link after the key exchange: every item travels sealed in an `encrypted` frame (the protobuf
//! encoding of the inner item under the session's directional key and counter nonce), and any item
//! that is not a frame, or a frame out of order, ends the session.
use crate::error::SessionError;
use crate::link::Link;
use crate::transport::{FrameOpener, FrameSealer, Session};
use buffa::Message as _;
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::SyncStreamItem;
use cairn_proto::v1sync::sync_stream_item::SyncActionEncrypted;

/// A keyed link: sends and receives sync actions.
pub struct SecureLink {
    link: Link,
    sealer: FrameSealer,
    opener: FrameOpener,
}

impl SecureLink {
    /// Wraps `link` with the keys of `session`.
    pub fn new(link: Link, session: Session) -> Self {
        Self {
            link,
            sealer: session.sender,
            opener: session.receiver,
        }
    }

    /// Seals and sends one action.
    pub async fn send(&mut self, action: Action) -> Result<(), SessionError> {
        let plain = SyncStreamItem {
            action: Some(action),
            ..SyncStreamItem::default()
        }
        .encode_to_vec();
        let (nonce, ciphertext) = self.sealer.seal(&plain)?;
        let frame = SyncStreamItem {
            action: Some(Action::Encrypted(Box::new(SyncActionEncrypted {
                nonce: nonce.to_vec(),
                ciphertext,
                ..SyncActionEncrypted::default()
            }))),
            ..SyncStreamItem::default()
        };
        self.link.send(frame).await
    }

    /// Receives and opens the next action.
    pub async fn recv(&mut self) -> Result<Action, SessionError> {
        let item = self.link.recv().await?;
        let Some(Action::Encrypted(frame)) = item.action else {
            return Err(SessionError::Protocol(
                "an unencrypted item arrived after the key exchange".into(),
            ));
        };
        let plain = self.opener.open(&frame.nonce, &frame.ciphertext)?;
        let inner = SyncStreamItem::decode_from_slice(&plain)
            .map_err(|e| SessionError::Protocol(format!("a frame holds no sync item: {e}")))?;
        match inner.action {
            Some(Action::Encrypted(_)) | Some(Action::EstablishSharedSecret(_)) => Err(
                SessionError::Protocol("a frame holds another frame or key exchange".into()),
            ),
            Some(action) => Ok(action),
            None => Err(SessionError::Protocol("a frame holds an empty item".into())),
        }
    }

    /// Ends the stream with `error` as the reason the peer is given.
    pub async fn fail(&mut self, error: connectrpc::ConnectError) {
        self.link.fail(error).await;
    }
}
