//! The instance's multihost identity (`sync.identity`): an ed25519 key pair made on first load, as
//! Backrest makes it (seed and public key in unpadded standard base64, key id
//! `ed25519.<unpadded base64url(sha256(public key))>`), and the check that a stored one is consistent.
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use cairn_proto::v1::{Config, PrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The prefix of every ed25519 key id.
pub const KEY_ID_PREFIX: &str = "ed25519.";

/// Why an identity cannot be made or used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// No random bytes for a new key.
    #[error("the system's random source failed: {0}")]
    Random(String),
    /// A key field that does not decode to 32 bytes.
    #[error("{field} is not 32 bytes of base64")]
    NotAKey {
        /// The JSON name of the field.
        field: &'static str,
    },
    /// The public key is not the private key's.
    #[error("ed25519pub is not the public key of ed25519priv")]
    PairMismatch,
    /// The key id is not derived from the public key.
    #[error("keyId is {given} but the public key's id is {derived}")]
    KeyIdMismatch {
        /// The stored key id.
        given: String,
        /// The key id the public key gives.
        derived: String,
    },
}

/// The key id of an ed25519 public key.
pub fn key_id(public: &[u8; 32]) -> String {
    format!(
        "{KEY_ID_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(public))
    )
}

/// A new identity from 32 random bytes.
pub fn generate() -> Result<PrivateKey, IdentityError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| IdentityError::Random(e.to_string()))?;
    Ok(from_seed(&seed))
}

/// The identity whose private key is `seed`.
pub fn from_seed(seed: &[u8; 32]) -> PrivateKey {
    let public = SigningKey::from_bytes(seed).verifying_key().to_bytes();
    PrivateKey {
        keyid: key_id(&public),
        ed25519priv: STANDARD_NO_PAD.encode(seed),
        ed25519pub: STANDARD_NO_PAD.encode(public),
        ..PrivateKey::default()
    }
}

/// A key field's 32 bytes of base64 (padded or not, as both Backrest's files and hand edits hold).
pub fn key_bytes(field: &'static str, value: &str) -> Result<[u8; 32], IdentityError> {
    [STANDARD_NO_PAD, STANDARD]
        .iter()
        .find_map(|e| e.decode(value).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or(IdentityError::NotAKey { field })
}

/// Checks that the private key, public key and key id belong together.
pub fn check(identity: &PrivateKey) -> Result<(), IdentityError> {
    let seed = key_bytes("ed25519priv", &identity.ed25519priv)?;
    let public = key_bytes("ed25519pub", &identity.ed25519pub)?;
    VerifyingKey::from_bytes(&public).map_err(|_| IdentityError::NotAKey {
        field: "ed25519pub",
    })?;
    if SigningKey::from_bytes(&seed).verifying_key().to_bytes() != public {
        return Err(IdentityError::PairMismatch);
    }
    let derived = key_id(&public);
    if derived != identity.keyid {
        return Err(IdentityError::KeyIdMismatch {
            given: identity.keyid.clone(),
            derived,
        });
    }
    Ok(())
}

/// The identity's signing key, once [`check`] passes.
pub fn signing_key(identity: &PrivateKey) -> Result<SigningKey, IdentityError> {
    check(identity)?;
    Ok(SigningKey::from_bytes(&key_bytes(
        "ed25519priv",
        &identity.ed25519priv,
    )?))
}

/// Gives the config an identity when it has none (Backrest's "required fields"); returns whether it
/// changed.
pub fn populate(config: &mut Config) -> Result<bool, IdentityError> {
    let multihost = config.multihost.get_or_insert_default();
    if multihost.identity.is_set() {
        return Ok(false);
    }
    multihost.identity = generate()?.into();
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 §7.1, test 1: the secret key and the public key it gives.
    #[test]
    fn the_public_key_of_rfc8032_test_1() {
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let id = from_seed(&seed);
        let public = STANDARD_NO_PAD.decode(&id.ed25519pub).unwrap();
        assert_eq!(
            hex::encode(&public),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let digest = Sha256::digest(&public);
        assert_eq!(
            id.keyid,
            format!("ed25519.{}", URL_SAFE_NO_PAD.encode(digest))
        );
        assert!(!id.ed25519priv.ends_with('='));
        assert_eq!(check(&id), Ok(()));
    }

    #[test]
    fn generated_identities_are_consistent_and_differ() {
        let (a, b) = (generate().unwrap(), generate().unwrap());
        assert_eq!(check(&a), Ok(()));
        assert_ne!(a.keyid, b.keyid);
    }

    #[test]
    fn inconsistent_identities_are_named() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        let swapped = PrivateKey {
            ed25519pub: b.ed25519pub.clone(),
            ..a.clone()
        };
        assert_eq!(check(&swapped), Err(IdentityError::PairMismatch));
        let renamed = PrivateKey {
            keyid: b.keyid.clone(),
            ..a.clone()
        };
        assert!(matches!(
            check(&renamed),
            Err(IdentityError::KeyIdMismatch { .. })
        ));
        let short = PrivateKey {
            ed25519priv: "AAAA".into(),
            ..a
        };
        assert_eq!(
            check(&short),
            Err(IdentityError::NotAKey {
                field: "ed25519priv"
            })
        );
    }

    #[test]
    fn populate_adds_an_identity_once() {
        let mut c = Config::default();
        assert_eq!(populate(&mut c), Ok(true));
        let first = c.multihost.as_option().unwrap().identity.clone();
        assert_eq!(populate(&mut c), Ok(false));
        assert_eq!(c.multihost.as_option().unwrap().identity, first);
    }
}
