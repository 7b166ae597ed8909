//! The key exchange's primitives against draft-ietf-hpke-pq's published test vector for
//! MLKEM1024-P384 (hpkewg/hpke-pq `test-vectors.json`, the kem_id 81 entry, kept in
//! `tests/data/`): key derivation, the encapsulation from the vector's ephemeral randomness, the
//! key schedule's exports and the AEAD. The vector's suite uses HKDF-SHA384; cairn's transport uses
//! HKDF-SHA256 through the same KEM and key schedule code. Its kem_id (81 = 0x0051) is the one Go's
//! crypto/hpke uses for this KEM, not the 0x0050 a comment in Backrest's proto names (see
//! docs/multihost-crypto.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha384;
use hpke::kem::MlKem1024P384;
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Kem, OpModeR, OpModeS, Serializable};
use serde_json::Value;
use std::convert::Infallible;

fn vector() -> Value {
    let text = include_str!("data/hpke-pq-mlkem1024-p384.json");
    serde_json::from_str(text).unwrap()
}

fn bytes(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap()).unwrap()
}

/// Hands out the vector's ephemeral randomness (`ikmE`) in order, as the KEM draws it.
struct Replay(Vec<u8>);

impl TryRng for Replay {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        assert!(
            dest.len() <= self.0.len(),
            "the vector's randomness ran out"
        );
        let rest = self.0.split_off(dest.len());
        dest.copy_from_slice(&self.0);
        self.0 = rest;
        Ok(())
    }
}
impl TryCryptoRng for Replay {}

#[test]
fn the_kem_id_is_0x0051_as_the_draft_and_go_have_it() {
    let v = vector();
    assert_eq!(v["kem_id"], 81);
    assert_eq!(MlKem1024P384::KEM_ID, 0x0051);
    assert_eq!(v["suite_id"], "48504b45005100020002");
}

#[test]
fn key_derivation_encapsulation_and_decapsulation_match_the_vector() {
    let v = vector();
    let (sk, pk) = MlKem1024P384::derive_keypair(&bytes(&v, "ikmR"));
    assert_eq!(sk.to_bytes().to_vec(), bytes(&v, "skRm"));
    assert_eq!(pk.to_bytes().to_vec(), bytes(&v, "pkRm"));
    assert_eq!(
        pk.to_bytes().len(),
        cairn_fleet::transport::KEM_MESSAGE_BYTES
    );

    let info = bytes(&v, "info");
    let mut rng = Replay(bytes(&v, "ikmE"));
    let (enc, sender) = hpke::setup_sender_with_rng::<AesGcm256, HkdfSha384, MlKem1024P384>(
        &OpModeS::Base,
        &pk,
        &info,
        &mut rng,
    )
    .unwrap();
    assert_eq!(enc.to_bytes().to_vec(), bytes(&v, "enc"));
    assert!(rng.0.is_empty(), "all of ikmE was used");
    let mut receiver = hpke::setup_receiver::<AesGcm256, HkdfSha384, MlKem1024P384>(
        &OpModeR::Base,
        &sk,
        &enc,
        &info,
    )
    .unwrap();

    for e in v["exports"].as_array().unwrap() {
        let len = e["L"].as_u64().unwrap() as usize;
        let want = bytes(e, "exported_value");
        let (mut from_sender, mut from_receiver) = (vec![0u8; len], vec![0u8; len]);
        let context = bytes(e, "exporter_context");
        sender.export(&context, &mut from_sender).unwrap();
        receiver.export(&context, &mut from_receiver).unwrap();
        assert_eq!(from_sender, want);
        assert_eq!(from_receiver, want);
    }
    for e in v["encryptions"].as_array().unwrap() {
        let pt = receiver.open(&bytes(e, "ct"), &bytes(e, "aad")).unwrap();
        assert_eq!(pt, bytes(e, "pt"));
    }
}
