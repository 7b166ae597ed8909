//! Secrets sealed at rest: with `cairn.sealSecrets` on, every secret in config.json is written as
//! `cairn-sealed:v1:<key id>:<base64 of nonce and AES-256-GCM ciphertext>` under a 256-bit key kept
//! outside the file (the binary decides where: a 0600 key file in the data dir, an environment
//! variable or a systemd credential). Loading opens sealed values with whichever known key has their
//! id, so a rotation interrupted halfway still loads. What is sealed is every secret field of
//! [`crate::secrets`] but the password and recovery-code hashes (already one-way).
use crate::secrets::for_each_secret;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use cairn_proto::v1::Config;
use sha2::{Digest, Sha256};

const PREFIX: &str = "cairn-sealed:v1:";
const NONCE_LEN: usize = 12;

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SealError {
    /// A value is sealed with a key cairn was not given (or no key was given); holds the key id.
    #[error(
        "config.json holds secrets sealed with key {0}, which cairn does not have: restore that key file (secrets.key in the data directory, or the file CAIRN_SECRETS_KEY_FILE names)"
    )]
    UnknownKey(String),
    /// A sealed value is malformed or fails authentication; holds the detail.
    #[error("a sealed secret in config.json is damaged or was sealed with another key ({0})")]
    Damaged(String),
    /// No random nonce could be drawn from the system RNG; holds its error.
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// One key and its id (the first 8 hex digits of its SHA-256).
struct SealKey {
    id: String,
    cipher: Aes256Gcm,
}

impl SealKey {
    fn new(bytes: &[u8; 32]) -> Self {
        SealKey {
            id: hex::encode(&Sha256::digest(bytes)[..4]),
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes)),
        }
    }
}

/// The keys: the first seals, all of them open.
pub struct Sealer {
    keys: Vec<SealKey>,
}

impl Sealer {
    /// A sealer that seals with `current` and also opens values sealed with any of `older`
    /// (keys kept after a rotation). Keys are 256-bit AES-GCM keys.
    pub fn new(current: &[u8; 32], older: &[[u8; 32]]) -> Self {
        let keys = std::iter::once(current)
            .chain(older)
            .map(SealKey::new)
            .collect();
        Sealer { keys }
    }

    /// The id of the key that seals.
    pub fn key_id(&self) -> &str {
        self.keys.first().map_or("", |k| k.id.as_str())
    }

    /// `plain` sealed with the current key (a fresh random nonce each time).
    pub fn seal(&self, plain: &str) -> Result<String, SealError> {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
        let ct = key
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|e| SealError::Damaged(e.to_string()))?;
        let mut blob = nonce.to_vec();
        blob.extend(ct);
        let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(blob);
        Ok(format!("{PREFIX}{}:{b64}", key.id))
    }

    /// The plain text of a sealed value (text that is not sealed comes back as it is).
    pub fn unseal(&self, text: &str) -> Result<String, SealError> {
        let Some((id, b64)) = text.strip_prefix(PREFIX).and_then(|r| r.split_once(':')) else {
            return Ok(text.to_string());
        };
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| SealError::UnknownKey(id.to_string()))?;
        let blob = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(b64)
            .map_err(|e| SealError::Damaged(e.to_string()))?;
        if blob.len() < NONCE_LEN {
            return Err(SealError::Damaged("too short".into()));
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        let plain = key
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| SealError::Damaged(format!("key {id}")))?;
        String::from_utf8(plain).map_err(|e| SealError::Damaged(e.to_string()))
    }
}

/// Whether a value is sealed.
pub fn is_sealed(text: &str) -> bool {
    text.starts_with(PREFIX)
}

/// Seals every non-empty secret of `config` that is not sealed yet.
pub fn seal_config(config: &mut Config, sealer: &Sealer) -> Result<(), SealError> {
    for_each_secret(config, &mut |field, v| {
        if field.sealed && !v.is_empty() && !is_sealed(v) {
            *v = sealer.seal(v)?;
        }
        Ok(())
    })
}

/// Opens every sealed secret of `config`; without a sealer, a sealed value is an error naming the
/// key it needs.
pub fn unseal_config(config: &mut Config, sealer: Option<&Sealer>) -> Result<(), SealError> {
    for_each_secret(config, &mut |field, v| {
        if !field.sealed || !is_sealed(v) {
            return Ok(());
        }
        match sealer {
            Some(s) => *v = s.unseal(v)?,
            None => {
                let id = v[PREFIX.len()..].split(':').next().unwrap_or_default();
                return Err(SealError::UnknownKey(id.to_string()));
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// McGrew and Viega's GCM test cases 13 and 14 (AES-256, zero key and IV), the vectors NIST's
    /// GCM specification publishes: the cipher is the one the standard defines.
    #[test]
    fn aes_256_gcm_matches_the_published_test_vectors() {
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&[0u8; 32]));
        let nonce = Nonce::from_slice(&[0u8; 12]);
        let empty = cipher.encrypt(nonce, &[][..]).unwrap();
        assert_eq!(hex::encode(empty), "530f8afbc74536b9a963b4f1c4cb738b");
        let block = cipher.encrypt(nonce, &[0u8; 16][..]).unwrap();
        assert_eq!(
            hex::encode(block),
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"
        );
    }

    /// Secret values hold a `-`, which base64 never does, so finding one in sealed text means it leaked.
    fn config() -> Config {
        serde_json::from_value(json!({
            "repos": [{"id": "r", "uri": "/r", "password": "pw-secret-1", "env": ["AWS_SECRET_ACCESS_KEY=s3-secret-2", "REGION=eu"],
                "hooks": [{"actionNtfy": {"url": "https://ntfy.sh/t", "token": "tk-secret-3"}}]}],
            "plans": [{"id": "p", "repo": "r", "hooks": [{"actionTelegram": {"botToken": "bt-secret-4", "chatId": "1"}},
                {"actionCommand": {"command": "echo"}}]}],
            "auth": {"users": [{"name": "u", "totpSecret": "totp-secret-5"}],
                "oidc": {"issuer": "https://id", "clientId": "c", "clientSecret": "oidc-secret-6"}},
            "multihost": {"identity": {"keyid": "k", "ed25519priv": "the-private-key"}}
        }))
        .unwrap()
    }

    #[test]
    fn every_secret_is_sealed_and_opens_again() {
        let sealer = Sealer::new(&[7u8; 32], &[]);
        let plain = config();
        let mut c = plain.clone();
        seal_config(&mut c, &sealer).unwrap();
        let text = serde_json::to_string(&c).unwrap();
        for secret in [
            "pw-secret-1",
            "s3-secret-2",
            "tk-secret-3",
            "bt-secret-4",
            "totp-secret-5",
            "oidc-secret-6",
            "the-private-key",
            "ntfy.sh",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(
            text.contains("REGION=eu") && text.contains("\"echo\""),
            "{text}"
        );
        assert_eq!(text.matches(PREFIX).count(), 8);
        let mut again = c.clone();
        seal_config(&mut again, &sealer).unwrap();
        assert_eq!(again, c, "sealing twice changes nothing");
        unseal_config(&mut c, Some(&sealer)).unwrap();
        assert_eq!(c, plain);
    }

    #[test]
    fn a_rotated_key_still_opens_values_sealed_with_the_old_one() {
        let (old, new) = ([1u8; 32], [2u8; 32]);
        let sealed = Sealer::new(&old, &[]).seal("pw").unwrap();
        assert_eq!(Sealer::new(&new, &[old]).unseal(&sealed).unwrap(), "pw");
        let e = Sealer::new(&new, &[]).unseal(&sealed).unwrap_err();
        assert!(matches!(e, SealError::UnknownKey(_)), "{e}");
        let mut c = config();
        seal_config(&mut c, &Sealer::new(&old, &[])).unwrap();
        assert!(matches!(
            unseal_config(&mut c, None),
            Err(SealError::UnknownKey(_))
        ));
    }

    #[test]
    fn a_tampered_value_is_refused() {
        let s = Sealer::new(&[3u8; 32], &[]);
        let sealed = s.seal("secret").unwrap();
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(matches!(s.unseal(&tampered), Err(SealError::Damaged(_))));
    }
}
