//! The identity handshake (sync protocol version 3), sent by both sides as the first frame: each
//! signs, with its ed25519 identity, SHA-256 over `backrest-sync-handshake/v1\0`, the version as a
//! big-endian u64, and the instance id, the pairing secret (the client's, else empty) and the
//! transport transcript, each with its big-endian u32 length. The receiver recomputes the digest
//! with its own transcript, so a signature made for another key exchange (a man in the middle)
//! does not verify; it also checks that the key id is the one the public key derives.
use cairn_proto::v1::{PrivateKey, PublicKey};
use ed25519_dalek::{Signature, Signer as _, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// The sync protocol version in `SyncActionHandshake.protocol_version`.
pub const PROTOCOL_VERSION: i64 = 3;

const LABEL: &[u8] = b"backrest-sync-handshake/v1\0";

/// Why a handshake cannot be signed or does not verify.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// The peer speaks another sync protocol version.
    #[error(
        "the peer speaks sync protocol version {0}, this cairn version {PROTOCOL_VERSION}; upgrade the older side"
    )]
    Version(i64),
    /// This instance's identity is unusable.
    #[error("this instance's identity cannot sign: {0}")]
    Identity(#[from] cairn_config::identity::IdentityError),
    /// The peer's public key is not an ed25519 key, or its key id is not the key's.
    #[error("the peer's public key is not valid: {0}")]
    PeerKey(String),
    /// The signature does not verify over this session's transcript.
    #[error("the peer's handshake signature does not verify for this session")]
    BadSignature,
}

/// What the signature covers.
pub fn digest(
    version: i64,
    instance_id: &str,
    pairing_secret: &str,
    transcript: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(LABEL);
    h.update(version.to_be_bytes());
    for part in [
        instance_id.as_bytes(),
        pairing_secret.as_bytes(),
        transcript,
    ] {
        crate::length_prefixed::update(&mut h, part);
    }
    h.finalize().into()
}

/// Signs this side's handshake with the instance identity.
pub fn sign(
    identity: &PrivateKey,
    instance_id: &str,
    pairing_secret: &str,
    transcript: &[u8; 32],
) -> Result<Vec<u8>, HandshakeError> {
    let key = cairn_config::identity::signing_key(identity)?;
    let d = digest(PROTOCOL_VERSION, instance_id, pairing_secret, transcript);
    Ok(key.sign(&d).to_bytes().to_vec())
}

/// Verifies the peer's handshake against this side's transcript.
pub fn verify(
    version: i64,
    peer: &PublicKey,
    instance_id: &str,
    pairing_secret: &str,
    transcript: &[u8; 32],
    signature: &[u8],
) -> Result<(), HandshakeError> {
    if version != PROTOCOL_VERSION {
        return Err(HandshakeError::Version(version));
    }
    let bytes = cairn_config::identity::key_bytes("ed25519pub", &peer.ed25519pub)
        .map_err(|e| HandshakeError::PeerKey(e.to_string()))?;
    let derived = cairn_config::identity::key_id(&bytes);
    if derived != peer.keyid {
        return Err(HandshakeError::PeerKey(format!(
            "its key id is {} but the key's is {derived}",
            cairn_proto::quoted(&peer.keyid)
        )));
    }
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| HandshakeError::PeerKey("not a point on the curve".into()))?;
    let signature = Signature::from_slice(signature).map_err(|_| HandshakeError::BadSignature)?;
    let d = digest(version, instance_id, pairing_secret, transcript);
    key.verify(&d, &signature)
        .map_err(|_| HandshakeError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(id: &PrivateKey) -> PublicKey {
        PublicKey {
            keyid: id.keyid.clone(),
            ed25519pub: id.ed25519pub.clone(),
            ..PublicKey::default()
        }
    }

    #[test]
    fn a_signature_verifies_only_for_its_session_instance_and_secret() {
        let id = cairn_config::identity::generate().unwrap();
        let t = [7u8; 32];
        let sig = sign(&id, "laptop", "s3cret", &t).unwrap();
        assert_eq!(sig.len(), 64);
        let pk = public(&id);
        assert_eq!(verify(3, &pk, "laptop", "s3cret", &t, &sig), Ok(()));
        let other = [8u8; 32];
        assert_eq!(
            verify(3, &pk, "laptop", "s3cret", &other, &sig),
            Err(HandshakeError::BadSignature),
            "another key exchange (a man in the middle)"
        );
        assert_eq!(
            verify(3, &pk, "server", "s3cret", &t, &sig),
            Err(HandshakeError::BadSignature)
        );
        assert_eq!(
            verify(3, &pk, "laptop", "", &t, &sig),
            Err(HandshakeError::BadSignature)
        );
        assert_eq!(
            verify(2, &pk, "laptop", "s3cret", &t, &sig),
            Err(HandshakeError::Version(2))
        );
        let stranger = cairn_config::identity::generate().unwrap();
        let mut forged = public(&stranger);
        forged.keyid = id.keyid.clone();
        assert!(matches!(
            verify(3, &forged, "laptop", "s3cret", &t, &sig),
            Err(HandshakeError::PeerKey(_))
        ));
    }

    #[test]
    fn the_digest_is_the_length_prefixed_hash() {
        let t = [1u8; 32];
        let mut h = Sha256::new();
        h.update(b"backrest-sync-handshake/v1\0");
        h.update([0, 0, 0, 0, 0, 0, 0, 3]);
        h.update([0, 0, 0, 2]);
        h.update(b"hq");
        h.update([0, 0, 0, 0]);
        h.update([0, 0, 0, 32]);
        h.update(t);
        assert_eq!(digest(3, "hq", "", &t), <[u8; 32]>::from(h.finalize()));
    }
}
