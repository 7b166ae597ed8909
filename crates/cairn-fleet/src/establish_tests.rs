//! Opening sessions over in-memory links, honest and attacked: both sides learn who the other is; a
//! replayed or reordered frame, a relayed handshake (a man in the middle with two key exchanges), a
//! signature by another key and a key id that is not its key's each end the opening with a clear
//! error.
use crate::error::SessionError;
use crate::establish::{Me, initiate, respond};
use crate::handshake::HandshakeError;
use crate::link::{Inbox, Link, Outgoing};
use crate::secure::SecureLink;
use crate::transport::{self, Initiator, TransportError};
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::SyncStreamItem;
use cairn_proto::v1sync::sync_stream_item::SyncEstablishSharedSecret;
use tokio::sync::mpsc;

fn inbox(mut rx: mpsc::Receiver<Outgoing>) -> Inbox {
    Box::pin(futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|o| o.map(|r| r.map_err(|e| SessionError::Closed(e.to_string()))))
    }))
}

/// Two links joined back to back.
fn joined() -> (Link, Link) {
    let (a_tx, a_rx) = mpsc::channel(64);
    let (b_tx, b_rx) = mpsc::channel(64);
    (Link::new(a_tx, inbox(b_rx)), Link::new(b_tx, inbox(a_rx)))
}

fn me(name: &str) -> Me {
    Me {
        instance_id: name.into(),
        identity: cairn_config::identity::generate().unwrap(),
    }
}

fn heartbeat() -> Action {
    Action::Heartbeat(Box::default())
}

#[tokio::test]
async fn both_sides_learn_who_the_other_is_and_frames_flow() {
    let (a, b) = joined();
    let (laptop, hub) = (me("laptop"), me("hub"));
    let (client, server) = tokio::join!(initiate(a, &laptop, "s3cret"), respond(b, &hub));
    let (mut client, seen_hub) = client.unwrap();
    let (mut server, seen_laptop) = server.unwrap();
    assert_eq!(seen_hub.instance_id, "hub");
    assert_eq!(seen_hub.public_key.keyid, hub.identity.keyid);
    assert_eq!(seen_laptop.instance_id, "laptop");
    assert_eq!(seen_laptop.pairing_secret, "s3cret");
    client.send(heartbeat()).await.unwrap();
    assert!(matches!(server.recv().await.unwrap(), Action::Heartbeat(_)));
    server.send(heartbeat()).await.unwrap();
    assert!(matches!(client.recv().await.unwrap(), Action::Heartbeat(_)));
}

/// Opens a session whose client-to-server items pass through the test (the returned receiver and
/// sender) once the opening is done.
async fn opened_with_tap() -> (
    SecureLink,
    SecureLink,
    mpsc::Receiver<Outgoing>,
    mpsc::Sender<Outgoing>,
) {
    let (client_tx, mut from_client) = mpsc::channel(64);
    let (server_tx, server_rx) = mpsc::channel(64);
    let (to_server, tapped_rx) = mpsc::channel(64);
    let client_link = Link::new(client_tx, inbox(server_rx));
    let server_link = Link::new(server_tx, inbox(tapped_rx));
    // The opening (the client's key exchange and handshake) passes untouched.
    let forward = tokio::spawn(async move {
        for _ in 0..2 {
            let item = from_client.recv().await.unwrap();
            to_server.send(item).await.unwrap();
        }
        (from_client, to_server)
    });
    let (laptop, hub) = (me("laptop"), me("hub"));
    let (client, server) = tokio::join!(
        initiate(client_link, &laptop, ""),
        respond(server_link, &hub)
    );
    let (from_client, to_server) = forward.await.unwrap();
    (client.unwrap().0, server.unwrap().0, from_client, to_server)
}

#[tokio::test]
async fn a_replayed_frame_ends_the_session() {
    let (mut client, mut server, mut from_client, to_server) = opened_with_tap().await;
    client.send(heartbeat()).await.unwrap();
    let frame = from_client.recv().await.unwrap();
    to_server.send(frame.clone()).await.unwrap();
    to_server.send(frame).await.unwrap();
    assert!(server.recv().await.is_ok());
    let err = server.recv().await.unwrap_err();
    assert!(
        matches!(
            err,
            SessionError::Transport(TransportError::OutOfOrder {
                expected: 2,
                got: 1
            })
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("frame 1 arrived where frame 2 was due"),
        "{err}"
    );
}

#[tokio::test]
async fn a_reordered_frame_ends_the_session() {
    let (mut client, mut server, mut from_client, to_server) = opened_with_tap().await;
    client.send(heartbeat()).await.unwrap();
    client.send(heartbeat()).await.unwrap();
    let first = from_client.recv().await.unwrap();
    let second = from_client.recv().await.unwrap();
    to_server.send(second).await.unwrap();
    to_server.send(first).await.unwrap();
    let err = server.recv().await.unwrap_err();
    assert!(
        matches!(
            err,
            SessionError::Transport(TransportError::OutOfOrder { .. })
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_relayed_handshake_does_not_verify() {
    // The relay keys one session with the client and another with the server, and passes the
    // client's signed handshake on.
    let (client_link, relay_to_client) = joined();
    let (relay_to_server, server_link) = joined();
    let laptop = me("laptop");
    let hub = me("hub");
    let relay = tokio::spawn(async move {
        let mut c = relay_to_client;
        let Some(Action::EstablishSharedSecret(offer)) = c.recv().await.unwrap().action else {
            panic!("no key exchange");
        };
        let (enc, session) =
            transport::respond(offer.protocol_version, &offer.kem_public_key).unwrap();
        c.send(exchange(None, Some(enc))).await.unwrap();
        let mut c = SecureLink::new(c, session);
        let handshake = c.recv().await.unwrap();
        let mut s = relay_to_server;
        let initiator = Initiator::new();
        s.send(exchange(Some(initiator.public_key().to_vec()), None))
            .await
            .unwrap();
        let Some(Action::EstablishSharedSecret(answer)) = s.recv().await.unwrap().action else {
            panic!("no answer");
        };
        let session = initiator
            .finish(answer.protocol_version, &answer.kem_encapsulation)
            .unwrap();
        let mut s = SecureLink::new(s, session);
        s.send(handshake).await.unwrap();
        // Keep both links open while the server decides.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        drop((c, s));
    });
    let client = tokio::spawn(async move { initiate(client_link, &laptop, "").await.map(|_| ()) });
    let err = respond(server_link, &hub).await.map(|_| ()).unwrap_err();
    assert!(
        matches!(err, SessionError::Handshake(HandshakeError::BadSignature)),
        "{err}"
    );
    assert!(
        err.to_string().contains("does not verify for this session"),
        "{err}"
    );
    relay.abort();
    client.abort();
}

fn exchange(public: Option<Vec<u8>>, enc: Option<Vec<u8>>) -> SyncStreamItem {
    SyncStreamItem {
        action: Some(Action::EstablishSharedSecret(Box::new(
            SyncEstablishSharedSecret {
                protocol_version: transport::PROTOCOL_VERSION,
                kem_public_key: public.unwrap_or_default(),
                kem_encapsulation: enc.unwrap_or_default(),
                ..SyncEstablishSharedSecret::default()
            },
        ))),
        ..SyncStreamItem::default()
    }
}

/// The dialling side's key exchange done by hand, for sending a crafted handshake.
async fn keyed_client(mut link: Link) -> (SecureLink, [u8; 32]) {
    let initiator = Initiator::new();
    link.send(exchange(Some(initiator.public_key().to_vec()), None))
        .await
        .unwrap();
    let Some(Action::EstablishSharedSecret(answer)) = link.recv().await.unwrap().action else {
        panic!("no answer");
    };
    let session = initiator
        .finish(answer.protocol_version, &answer.kem_encapsulation)
        .unwrap();
    let transcript = session.transcript;
    (SecureLink::new(link, session), transcript)
}

/// Sends a handshake presenting `presented` (key id and public key), signed by `signer`.
async fn send_crafted(
    link: Link,
    presented: &cairn_proto::v1::PrivateKey,
    signer: &cairn_proto::v1::PrivateKey,
) -> SecureLink {
    use ed25519_dalek::Signer as _;
    let (mut link, transcript) = keyed_client(link).await;
    let digest = crate::handshake::digest(3, "laptop", "", &transcript);
    let key = cairn_config::identity::signing_key(signer).unwrap();
    link.send(Action::Handshake(Box::new(
        cairn_proto::v1sync::sync_stream_item::SyncActionHandshake {
            protocol_version: 3,
            public_key: cairn_proto::v1::PublicKey {
                keyid: presented.keyid.clone(),
                ed25519pub: presented.ed25519pub.clone(),
                ..Default::default()
            }
            .into(),
            instance_id: "laptop".into(),
            signature: key.sign(&digest).to_bytes().to_vec(),
            ..Default::default()
        },
    )))
    .await
    .unwrap();
    link
}

#[tokio::test]
async fn a_signature_by_another_key_is_refused() {
    let (a, b) = joined();
    let forger = cairn_config::identity::generate().unwrap();
    let victim = cairn_config::identity::generate().unwrap();
    let hub = me("hub");
    // Claims the victim's key and key id, signs with its own key.
    let (_client, server) = tokio::join!(send_crafted(a, &victim, &forger), respond(b, &hub));
    let err = server.map(|_| ()).unwrap_err();
    assert!(
        matches!(err, SessionError::Handshake(HandshakeError::BadSignature)),
        "{err}"
    );
}

#[tokio::test]
async fn a_key_id_that_is_not_its_keys_is_refused() {
    let (a, b) = joined();
    let laptop = cairn_config::identity::generate().unwrap();
    let mut presented = laptop.clone();
    presented.keyid = cairn_config::identity::generate().unwrap().keyid;
    let hub = me("hub");
    let (_client, server) = tokio::join!(send_crafted(a, &presented, &laptop), respond(b, &hub));
    let err = server.map(|_| ()).unwrap_err();
    assert!(
        matches!(err, SessionError::Handshake(HandshakeError::PeerKey(_))),
        "{err}"
    );
    assert!(err.to_string().contains("key id"), "{err}");
}

#[tokio::test]
async fn an_old_backrest_without_key_exchange_is_told_to_upgrade() {
    let (mut a, b) = joined();
    let hub = me("hub");
    let old = SyncStreamItem {
        action: Some(Action::Handshake(Box::default())),
        ..SyncStreamItem::default()
    };
    a.send(old).await.unwrap();
    let err = respond(b, &hub).await.map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("upgrade it"), "{err}");
}
