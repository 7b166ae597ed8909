//! Opening a session on a fresh link: the key exchange (the dialling side sends its ephemeral KEM key,
//! the accepting side answers the encapsulation), then the identity handshake both sides send at
//! once over the keyed link, each verified against the receiver's own transcript. The whole opening
//! must finish within 15 seconds, as Backrest's.
use crate::error::SessionError;
use crate::handshake::{self, PROTOCOL_VERSION};
use crate::link::Link;
use crate::secure::SecureLink;
use crate::transport::{self, Initiator};
use cairn_proto::v1::{PrivateKey, PublicKey};
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::SyncStreamItem;
use cairn_proto::v1sync::sync_stream_item::{SyncActionHandshake, SyncEstablishSharedSecret};
use std::time::Duration;

/// How long the peer has to finish the opening.
pub const OPENING_TIMEOUT: Duration = Duration::from_secs(15);

/// This instance, as it presents itself.
#[derive(Clone)]
pub struct Me {
    /// Its instance id.
    pub instance_id: String,
    /// Its identity.
    pub identity: PrivateKey,
}

/// The peer, as its verified handshake presents it.
#[derive(Clone, Debug)]
pub struct Peer {
    /// Its instance id.
    pub instance_id: String,
    /// Its public key (the key id derives from it; checked).
    pub public_key: PublicKey,
    /// The pairing secret it sent (a client pairing for the first time), else empty.
    pub pairing_secret: String,
    /// The cairn extensions it understands (empty for Backrest).
    pub features: Vec<String>,
}

/// Opens a session as the dialling side, sending `pairing_secret` (empty once paired).
pub async fn initiate(
    link: Link,
    me: &Me,
    pairing_secret: &str,
) -> Result<(SecureLink, Peer), SessionError> {
    within_timeout(async {
        let mut link = link;
        let initiator = Initiator::new();
        link.send(item(Action::EstablishSharedSecret(Box::new(
            SyncEstablishSharedSecret {
                protocol_version: transport::PROTOCOL_VERSION,
                kem_public_key: initiator.public_key().to_vec(),
                ..SyncEstablishSharedSecret::default()
            },
        ))))
        .await?;
        let answer = expect_exchange(&mut link).await?;
        let session = initiator.finish(answer.protocol_version, &answer.kem_encapsulation)?;
        let transcript = session.transcript;
        exchange_handshakes(
            SecureLink::new(link, session),
            transcript,
            me,
            pairing_secret,
        )
        .await
    })
    .await
}

/// Opens a session as the accepting side.
pub async fn respond(link: Link, me: &Me) -> Result<(SecureLink, Peer), SessionError> {
    within_timeout(async {
        let mut link = link;
        let offer = expect_exchange(&mut link).await?;
        let (enc, session) = transport::respond(offer.protocol_version, &offer.kem_public_key)?;
        link.send(item(Action::EstablishSharedSecret(Box::new(
            SyncEstablishSharedSecret {
                protocol_version: transport::PROTOCOL_VERSION,
                kem_encapsulation: enc,
                ..SyncEstablishSharedSecret::default()
            },
        ))))
        .await?;
        let transcript = session.transcript;
        exchange_handshakes(SecureLink::new(link, session), transcript, me, "").await
    })
    .await
}

async fn within_timeout<T>(
    f: impl Future<Output = Result<T, SessionError>>,
) -> Result<T, SessionError> {
    tokio::time::timeout(OPENING_TIMEOUT, f)
        .await
        .map_err(|_| SessionError::Timeout(OPENING_TIMEOUT.as_secs()))?
}

fn item(action: Action) -> SyncStreamItem {
    SyncStreamItem {
        action: Some(action),
        ..SyncStreamItem::default()
    }
}

async fn expect_exchange(link: &mut Link) -> Result<SyncEstablishSharedSecret, SessionError> {
    match link.recv().await?.action {
        Some(Action::EstablishSharedSecret(e)) => Ok(*e),
        Some(Action::Handshake(h)) => Err(SessionError::Protocol(format!(
            "the peer sent a sync protocol {} handshake without a key exchange; Backrest 1.12 and older cannot sync with cairn: upgrade it",
            h.protocol_version
        ))),
        _ => Err(SessionError::Protocol(
            "the first item was not a key exchange".into(),
        )),
    }
}

/// Sends this side's handshake, then reads and verifies the peer's.
async fn exchange_handshakes(
    mut link: SecureLink,
    transcript: [u8; 32],
    me: &Me,
    pairing_secret: &str,
) -> Result<(SecureLink, Peer), SessionError> {
    let signature = handshake::sign(&me.identity, &me.instance_id, pairing_secret, &transcript)?;
    link.send(Action::Handshake(Box::new(SyncActionHandshake {
        protocol_version: PROTOCOL_VERSION,
        public_key: PublicKey {
            keyid: me.identity.keyid.clone(),
            ed25519pub: me.identity.ed25519pub.clone(),
            ..PublicKey::default()
        }
        .into(),
        instance_id: me.instance_id.clone(),
        pairing_secret: pairing_secret.to_string(),
        signature,
        cairn_features: vec![
            crate::control::FEATURE.to_string(),
            crate::remote_logs::FEATURE.to_string(),
            crate::throttle::FEATURE.to_string(),
        ],
        ..SyncActionHandshake::default()
    })))
    .await?;
    let Action::Handshake(h) = link.recv().await? else {
        return Err(SessionError::Protocol(
            "the peer's first frame was not its handshake".into(),
        ));
    };
    let public_key = h.public_key.as_option().cloned().unwrap_or_default();
    handshake::verify(
        h.protocol_version,
        &public_key,
        &h.instance_id,
        &h.pairing_secret,
        &transcript,
        &h.signature,
    )?;
    Ok((
        link,
        Peer {
            instance_id: h.instance_id.clone(),
            public_key,
            pairing_secret: h.pairing_secret.clone(),
            features: h.cairn_features.clone(),
        },
    ))
}
