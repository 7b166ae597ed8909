//! The v1sync transport that keys a sync stream, as Backrest's (protocol version 1): the connecting
//! side (initiator) sends an ephemeral HPKE public key; the accepting side (responder) encapsulates
//! to it and answers the encapsulation. HPKE runs in base mode with KEM ML-KEM-1024 + P-384 (id
//! 0x0051), HKDF-SHA256 and AES-256-GCM, info `backrest-sync-transport-v1`; only its exporter is
//! used, for one 32-byte AES-256-GCM key per direction. Every later stream item travels as a frame:
//! AES-256-GCM with empty associated data and a 12-byte nonce of four zero bytes and a big-endian
//! counter, from 0 in each direction; a receiver takes only the next counter, so a replayed, dropped
//! or reordered frame ends the session. Both sides also compute the transcript hash the identity
//! handshake signs. The primitives are the `hpke` and `aes-gcm` crates'.
use aes_gcm::aead::{Aead as _, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::MlKem1024P384;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use sha2::{Digest, Sha256};

/// The transport protocol version in `SyncEstablishSharedSecret.protocol_version`.
pub const PROTOCOL_VERSION: u32 = 1;

/// HPKE's `info` for the key exchange.
pub const INFO: &[u8] = b"backrest-sync-transport-v1";

/// Exporter contexts of the two directional keys.
const INITIATOR_TO_RESPONDER: &[u8] = b"backrest-sync-session-key/v1/initiator-to-responder";
const RESPONDER_TO_INITIATOR: &[u8] = b"backrest-sync-session-key/v1/responder-to-initiator";

/// What the transcript hash starts with.
const TRANSCRIPT_LABEL: &[u8] = b"backrest-sync-transport-transcript/v1\0";

/// The KEM's public key and encapsulation sizes (ML-KEM-1024 1568 bytes, then a P-384 point 97).
pub const KEM_MESSAGE_BYTES: usize = 1665;

type Kem = MlKem1024P384;

/// Why the key exchange or a frame failed; every one ends the session.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The peer speaks another transport version.
    #[error(
        "the peer speaks sync transport version {0}, this cairn version {PROTOCOL_VERSION}; Backrest 1.12 and older cannot sync with cairn: upgrade it"
    )]
    Version(u32),
    /// A public key or encapsulation that is not the KEM's.
    #[error("the peer's {what} is not an ML-KEM-1024+P-384 {what} ({len} bytes)")]
    BadKemMessage {
        /// "public key" or "encapsulation".
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// HPKE refused (a malformed point or key).
    #[error("the key exchange failed: {0}")]
    KeyExchange(String),
    /// A frame whose nonce is not 12 bytes of the expected counter (replayed, dropped or reordered).
    #[error("frame {got} arrived where frame {expected} was due; the session ends")]
    OutOfOrder {
        /// The counter expected next.
        expected: u64,
        /// What the frame carried (`u64::MAX` when its nonce was malformed).
        got: u64,
    },
    /// The frame does not decrypt under this session's key (tampered, or another session's).
    #[error("a frame failed to decrypt; the session ends")]
    Decrypt,
    /// This direction sent 2^64 frames.
    #[error("the session sent as many frames as its nonces allow; reconnect")]
    Exhausted,
}

/// The connecting side, between sending its public key and receiving the encapsulation.
pub struct Initiator {
    private: <Kem as hpke::Kem>::PrivateKey,
    public: Vec<u8>,
}

impl Initiator {
    /// A fresh ephemeral key pair.
    pub fn new() -> Self {
        let (private, public) = Kem::gen_keypair();
        Self {
            private,
            public: public.to_bytes().to_vec(),
        }
    }

    /// The public key to send (`kem_public_key`).
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// Completes the exchange with the responder's answer.
    pub fn finish(self, version: u32, encapsulation: &[u8]) -> Result<Session, TransportError> {
        check_version(version)?;
        let enc = decode::<<Kem as hpke::Kem>::EncappedKey>("encapsulation", encapsulation)?;
        let ctx = hpke::setup_receiver::<AesGcm256, HkdfSha256, Kem>(
            &OpModeR::Base,
            &self.private,
            &enc,
            INFO,
        )
        .map_err(|e| TransportError::KeyExchange(e.to_string()))?;
        let send = export(|c, out| ctx.export(c, out), INITIATOR_TO_RESPONDER)?;
        let receive = export(|c, out| ctx.export(c, out), RESPONDER_TO_INITIATOR)?;
        Ok(Session::new(
            send,
            receive,
            transcript(&self.public, encapsulation),
        ))
    }
}

impl Default for Initiator {
    fn default() -> Self {
        Self::new()
    }
}

/// The accepting side: encapsulates to the initiator's key; returns the encapsulation to answer and
/// the session.
pub fn respond(
    version: u32,
    initiator_public_key: &[u8],
) -> Result<(Vec<u8>, Session), TransportError> {
    check_version(version)?;
    let pk = decode::<<Kem as hpke::Kem>::PublicKey>("public key", initiator_public_key)?;
    let (enc, ctx) = hpke::setup_sender::<AesGcm256, HkdfSha256, Kem>(&OpModeS::Base, &pk, INFO)
        .map_err(|e| TransportError::KeyExchange(e.to_string()))?;
    let enc = enc.to_bytes().to_vec();
    let send = export(|c, out| ctx.export(c, out), RESPONDER_TO_INITIATOR)?;
    let receive = export(|c, out| ctx.export(c, out), INITIATOR_TO_RESPONDER)?;
    let session = Session::new(send, receive, transcript(initiator_public_key, &enc));
    Ok((enc, session))
}

fn check_version(version: u32) -> Result<(), TransportError> {
    if version == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(TransportError::Version(version))
    }
}

fn decode<T: Deserializable>(what: &'static str, bytes: &[u8]) -> Result<T, TransportError> {
    if bytes.len() != KEM_MESSAGE_BYTES {
        return Err(TransportError::BadKemMessage {
            what,
            len: bytes.len(),
        });
    }
    T::from_bytes(bytes).map_err(|_| TransportError::BadKemMessage {
        what,
        len: bytes.len(),
    })
}

/// One 32-byte key from an HPKE exporter.
fn export(
    f: impl Fn(&[u8], &mut [u8]) -> Result<(), hpke::HpkeError>,
    context: &[u8],
) -> Result<[u8; 32], TransportError> {
    let mut key = [0u8; 32];
    f(context, &mut key).map_err(|e| TransportError::KeyExchange(e.to_string()))?;
    Ok(key)
}

/// SHA-256 over the label, the version and both exchange messages, each with its u32 length.
pub fn transcript(initiator_public_key: &[u8], encapsulation: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(TRANSCRIPT_LABEL);
    h.update(PROTOCOL_VERSION.to_be_bytes());
    for part in [initiator_public_key, encapsulation] {
        crate::length_prefixed::update(&mut h, part);
    }
    h.finalize().into()
}

/// A keyed stream: frames out, frames in, and the transcript the handshake signs.
pub struct Session {
    /// Binds the identity handshake to this key exchange.
    pub transcript: [u8; 32],
    /// Seals what this side sends.
    pub sender: FrameSealer,
    /// Opens what the peer sends.
    pub receiver: FrameOpener,
}

impl Session {
    fn new(send: [u8; 32], receive: [u8; 32], transcript: [u8; 32]) -> Self {
        Self {
            transcript,
            sender: FrameSealer {
                cipher: Aes256Gcm::new(&send.into()),
                next: 0,
            },
            receiver: FrameOpener {
                cipher: Aes256Gcm::new(&receive.into()),
                expected: 0,
            },
        }
    }
}

/// The nonce of frame `counter`.
fn nonce(counter: u64) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&counter.to_be_bytes());
    n
}

/// Seals outgoing frames in order.
pub struct FrameSealer {
    cipher: Aes256Gcm,
    next: u64,
}

impl FrameSealer {
    /// The next frame's nonce and ciphertext (with its 16-byte tag).
    pub fn seal(&mut self, plaintext: &[u8]) -> Result<([u8; 12], Vec<u8>), TransportError> {
        let counter = self.next;
        self.next = counter.checked_add(1).ok_or(TransportError::Exhausted)?;
        let n = nonce(counter);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&n), plaintext)
            .map_err(|_| TransportError::Exhausted)?;
        Ok((n, ct))
    }
}

/// Opens incoming frames, only in order.
pub struct FrameOpener {
    cipher: Aes256Gcm,
    expected: u64,
}

impl FrameOpener {
    /// The plaintext of the next frame; any frame but the next one, or one that does not decrypt,
    /// is an error after which the session must end.
    pub fn open(
        &mut self,
        nonce_bytes: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, TransportError> {
        let expected = self.expected;
        let got = <[u8; 12]>::try_from(nonce_bytes)
            .ok()
            .filter(|n| n[..4] == [0; 4])
            .and_then(|n| n[4..].try_into().ok())
            .map_or(u64::MAX, u64::from_be_bytes);
        if got != expected {
            return Err(TransportError::OutOfOrder { expected, got });
        }
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce_bytes), ciphertext)
            .map_err(|_| TransportError::Decrypt)?;
        self.expected = expected.checked_add(1).ok_or(TransportError::Exhausted)?;
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Session, Session) {
        let initiator = Initiator::new();
        let (enc, responder) = respond(PROTOCOL_VERSION, initiator.public_key()).unwrap();
        assert_eq!(enc.len(), KEM_MESSAGE_BYTES);
        let initiator = initiator.finish(PROTOCOL_VERSION, &enc).unwrap();
        (initiator, responder)
    }

    #[test]
    fn both_sides_agree_and_frames_flow_both_ways() {
        let (mut a, mut b) = pair();
        assert_eq!(a.transcript, b.transcript);
        for i in 0..3u8 {
            let (n, ct) = a.sender.seal(&[i; 10]).unwrap();
            assert_eq!(n, nonce(u64::from(i)));
            assert_eq!(b.receiver.open(&n, &ct).unwrap(), vec![i; 10]);
            let (n, ct) = b.sender.seal(b"reply").unwrap();
            assert_eq!(a.receiver.open(&n, &ct).unwrap(), b"reply");
        }
        let (c, _) = pair();
        assert_ne!(a.transcript, c.transcript, "each exchange is its own");
    }

    #[test]
    fn replayed_reordered_tampered_or_foreign_frames_are_refused() {
        let (mut a, mut b) = pair();
        let (n0, ct0) = a.sender.seal(b"zero").unwrap();
        let (n1, ct1) = a.sender.seal(b"one").unwrap();
        assert_eq!(
            b.receiver.open(&n1, &ct1),
            Err(TransportError::OutOfOrder {
                expected: 0,
                got: 1
            })
        );
        let mut bad = ct0.clone();
        bad[0] ^= 1;
        assert_eq!(b.receiver.open(&n0, &bad), Err(TransportError::Decrypt));
        assert_eq!(b.receiver.open(&n0, &ct0).unwrap(), b"zero");
        assert_eq!(
            b.receiver.open(&n0, &ct0),
            Err(TransportError::OutOfOrder {
                expected: 1,
                got: 0
            }),
            "a replay"
        );
        assert!(matches!(
            b.receiver.open(&[0u8; 11], &ct1),
            Err(TransportError::OutOfOrder { got: u64::MAX, .. })
        ));
        // A frame sealed in the other direction's key does not open here.
        let (mut c, _) = pair();
        let (n, ct) = c.sender.seal(b"elsewhere").unwrap();
        let (_, mut d) = pair();
        assert_eq!(d.receiver.open(&n, &ct), Err(TransportError::Decrypt));
    }

    #[test]
    fn wrong_versions_and_malformed_kem_messages_are_named() {
        let i = Initiator::new();
        assert_eq!(
            respond(3, i.public_key()).err(),
            Some(TransportError::Version(3))
        );
        assert!(
            TransportError::Version(3)
                .to_string()
                .contains("Backrest 1.12 and older")
        );
        assert_eq!(
            respond(PROTOCOL_VERSION, &[4u8; 10]).err(),
            Some(TransportError::BadKemMessage {
                what: "public key",
                len: 10
            })
        );
        assert!(
            Initiator::new()
                .finish(PROTOCOL_VERSION, &[0u8; 1665])
                .is_err()
        );
    }

    #[test]
    fn the_transcript_is_the_length_prefixed_hash() {
        let t = transcript(b"pk", b"enc");
        let mut h = Sha256::new();
        h.update(b"backrest-sync-transport-transcript/v1\0");
        h.update([0, 0, 0, 1, 0, 0, 0, 2]);
        h.update(b"pk");
        h.update([0, 0, 0, 3]);
        h.update(b"enc");
        assert_eq!(t, <[u8; 32]>::from(h.finalize()));
    }
}
