//! Why a sync session ended. Every variant names what went wrong in words a person can act on; the
//! session's log line and the peer state's status message carry it.
use crate::handshake::HandshakeError;
use crate::transport::TransportError;

/// Why a sync session ended or could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The key exchange or a frame failed (tampered, replayed, reordered, other version).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The identity handshake did not verify.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The peer is not allowed in (unknown key, wrong instance id, bad pairing token).
    #[error("{0}")]
    Refused(String),
    /// The peer sent something the protocol does not allow at this point.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The peer did not answer in time.
    #[error("the peer did not answer within {0} seconds")]
    Timeout(u64),
    /// The stream ended.
    #[error("the connection closed{}", if .0.is_empty() { String::new() } else { format!(": {}", .0) })]
    Closed(String),
    /// The peer did not read what was sent for too long.
    #[error("the peer stopped reading for {0} seconds; the session ends")]
    Stalled(u64),
    /// The operation log refused a read or write.
    #[error("the operation log: {0}")]
    Oplog(#[from] cairn_oplog::OplogError),
    /// This instance's config is not ready for sync (no identity, no instance id) or refused a write.
    #[error("{0}")]
    Config(String),
    /// Something else broke here.
    #[error("internal error: {0}")]
    Internal(String),
}

impl SessionError {
    /// The `ConnectionState` a peer is left in after this error.
    pub fn state(&self) -> cairn_proto::v1sync::ConnectionState {
        use cairn_proto::v1sync::ConnectionState as S;
        match self {
            Self::Handshake(_) | Self::Refused(_) => S::CONNECTION_STATE_ERROR_AUTH,
            Self::Transport(_) | Self::Protocol(_) => S::CONNECTION_STATE_ERROR_PROTOCOL,
            Self::Oplog(_) | Self::Config(_) | Self::Internal(_) => {
                S::CONNECTION_STATE_ERROR_INTERNAL
            }
            Self::Timeout(_) | Self::Closed(_) | Self::Stalled(_) => {
                S::CONNECTION_STATE_DISCONNECTED
            }
        }
    }
}
