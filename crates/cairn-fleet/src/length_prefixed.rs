//! The length-prefixed hashing both the transport transcript and the handshake digest use: each part
//! follows its length as a big-endian u32.
use sha2::{Digest, Sha256};

/// Adds `part`, after its length, to `h`.
pub(crate) fn update(h: &mut Sha256, part: &[u8]) {
    h.update(u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
    h.update(part);
}
