//! Who a hub lets in: a client whose key id is an authorised client (with the instance id it paired
//! with), or a new client that proves a pairing token. A token is checked (it exists, has not expired,
//! has uses left) and consumed in the same config write that authorises the client: its use counted,
//! and the token removed once used up (Backrest 1.14.1 never consumes it, #1394). Each refusal says
//! why and what to do.
use crate::error::SessionError;
use crate::establish::Peer;
use cairn_config::{ConfigError, ConfigStore};
use cairn_proto::quoted;
use cairn_proto::v1::Config;
use cairn_proto::v1::multihost::Peer as PeerEntry;
use sha2::{Digest, Sha256};

/// Why the config write that pairs a client was not made.
enum Refusal {
    /// Another session paired the same client since the first look.
    AlreadyKnown(Box<PeerEntry>),
    Peer(SessionError),
    Config(ConfigError),
}

impl From<ConfigError> for Refusal {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}

/// How the client got in.
#[derive(Clone, Debug, PartialEq)]
pub enum Admitted {
    /// Already authorised.
    Known(PeerEntry),
    /// Authorised now, by a pairing token (the config changed).
    Paired(PeerEntry),
}

impl Admitted {
    /// The client's entry under `sync.authorizedClients`.
    pub fn entry(&self) -> &PeerEntry {
        match self {
            Self::Known(e) | Self::Paired(e) => e,
        }
    }
}

/// Lets `peer` in, or says why not; `now` is the Unix time tokens expire against.
pub fn admit(store: &ConfigStore, peer: &Peer, now: i64) -> Result<Admitted, SessionError> {
    if let Some(entry) = authorised(&store.get(), peer)? {
        return Ok(Admitted::Known(entry));
    }
    if peer.pairing_secret.is_empty() {
        return Err(SessionError::Refused(format!(
            "{} (key {}) is not an authorised client of this hub: pair it with a token from this hub's settings",
            quoted(&peer.instance_id),
            peer.public_key.keyid
        )));
    }
    let mut paired = PeerEntry::default();
    let outcome = store.modify(|c: &mut Config| -> Result<(), Refusal> {
        if let Some(entry) = authorised(c, peer).map_err(Refusal::Peer)? {
            return Err(Refusal::AlreadyKnown(Box::new(entry)));
        }
        paired = consume_token(c, peer, now).map_err(Refusal::Peer)?;
        Ok(())
    });
    match outcome {
        Ok(_) => Ok(Admitted::Paired(paired)),
        Err(Refusal::AlreadyKnown(entry)) => Ok(Admitted::Known(*entry)),
        Err(Refusal::Peer(e)) => Err(e),
        Err(Refusal::Config(e)) => Err(SessionError::Config(format!(
            "cannot save the paired client: {e}"
        ))),
    }
}

/// The authorised-client entry of `peer`, checking its instance id.
fn authorised(config: &Config, peer: &Peer) -> Result<Option<PeerEntry>, SessionError> {
    let Some(entry) = config.multihost.as_option().and_then(|m| {
        m.authorized_clients
            .iter()
            .find(|c| c.keyid == peer.public_key.keyid)
    }) else {
        return Ok(None);
    };
    if entry.instance_id != peer.instance_id {
        return Err(SessionError::Refused(format!(
            "the client with key {} paired as instance {} but now calls itself {}; remove it from the authorised clients and pair it again",
            peer.public_key.keyid,
            quoted(&entry.instance_id),
            quoted(&peer.instance_id)
        )));
    }
    Ok(Some(entry.clone()))
}

/// Checks the pairing secret `peer` sent, counts its use and authorises the client.
fn consume_token(config: &mut Config, peer: &Peer, now: i64) -> Result<PeerEntry, SessionError> {
    check_instance_free(config, peer)?;
    let mh = config.multihost.get_or_insert_default();
    let wanted = digest(&peer.pairing_secret);
    let Some(index) = mh
        .pairing_tokens
        .iter()
        .position(|t| digest(&t.secret) == wanted)
    else {
        return Err(SessionError::Refused(
            "the pairing token is not one this hub issued (mistyped, revoked or used up): issue a new token in the hub's settings and add the hub again".into(),
        ));
    };
    let token = &mut mh.pairing_tokens[index];
    if token.expires_at_unix > 0 && token.expires_at_unix <= now {
        return Err(SessionError::Refused(format!(
            "the pairing token {} has expired: issue a new token in the hub's settings and add the hub again",
            quoted(&token.label)
        )));
    }
    token.uses += 1;
    let permissions = token.permissions.clone();
    if token.max_uses > 0 && token.uses >= token.max_uses {
        mh.pairing_tokens.remove(index);
    }
    let entry = PeerEntry {
        instance_id: peer.instance_id.clone(),
        keyid: peer.public_key.keyid.clone(),
        permissions,
        ..PeerEntry::default()
    };
    mh.authorized_clients.push(entry.clone());
    Ok(entry)
}

/// A new client's instance id must not be this hub's or another peer's.
fn check_instance_free(config: &Config, peer: &Peer) -> Result<(), SessionError> {
    let taken_by_peer = config.multihost.as_option().is_some_and(|m| {
        m.authorized_clients
            .iter()
            .chain(m.known_hosts.iter())
            .any(|p| p.instance_id == peer.instance_id)
    });
    if peer.instance_id.is_empty() || config.instance == peer.instance_id || taken_by_peer {
        return Err(SessionError::Refused(format!(
            "instance id {} is already used by this hub or another of its peers: give the client another instance id",
            quoted(&peer.instance_id)
        )));
    }
    Ok(())
}

/// Secrets are compared by their hashes, so the comparison takes the same time wherever they differ.
fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}
