//! cairn's multihost sync, speaking Backrest's v1sync protocol: the post-quantum transport that keys
//! a sync stream ([`transport`]) and the identity handshake that binds each side's ed25519 identity
//! to that stream ([`handshake`]). Sessions, pairing on first contact and the sync itself build on
//! these (docs/multihost-crypto.md holds the facts they follow).
pub mod handshake;
mod length_prefixed;
pub mod transport;
