//! Multihost pairing tokens as Backrest writes them: `<host key id>:<secret>#<host instance id>`,
//! the secret 32 random bytes in lowercase hex. A host stores each token it issues (label, expiry,
//! uses, permissions) under `sync.pairingTokens`; a client pastes the token to add the host as a
//! known host.
use cairn_proto::quoted;

/// Random bytes in a pairing secret.
pub const SECRET_BYTES: usize = 32;

/// The parts of a pairing token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingToken {
    /// The host's identity key id (`ed25519.…`).
    pub key_id: String,
    /// The one-time secret the client proves it holds on first contact.
    pub secret: String,
    /// The host's instance id.
    pub instance_id: String,
}

/// Why a token cannot be read or made.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    /// Not of the form key-id:secret#instance-id.
    #[error("{} is not a pairing token: {why} (a token looks like ed25519.…:<64 hex digits>#<instance id>; copy it whole from the host's settings)", quoted(.token))]
    Malformed {
        /// What was given.
        token: String,
        /// What is missing.
        why: &'static str,
    },
    /// No random bytes for a new secret.
    #[error("the system's random source failed: {0}")]
    Random(String),
}

impl PairingToken {
    /// The token's text.
    pub fn format(&self) -> String {
        format!("{}:{}#{}", self.key_id, self.secret, self.instance_id)
    }

    /// Reads a token: the instance id follows the last `#`, the key id precedes the first `:`.
    pub fn parse(token: &str) -> Result<Self, PairingError> {
        let bad = |why| PairingError::Malformed {
            token: token.to_string(),
            why,
        };
        let token_text = token.trim();
        let (rest, instance_id) = token_text.rsplit_once('#').ok_or(bad("no '#'"))?;
        let (key_id, secret) = rest.split_once(':').ok_or(bad("no ':'"))?;
        if key_id.is_empty() {
            return Err(bad("no key id"));
        }
        if secret.is_empty() {
            return Err(bad("no secret"));
        }
        if instance_id.is_empty() {
            return Err(bad("no instance id"));
        }
        Ok(Self {
            key_id: key_id.to_string(),
            secret: secret.to_string(),
            instance_id: instance_id.to_string(),
        })
    }
}

/// A new pairing secret.
pub fn new_secret() -> Result<String, PairingError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| PairingError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_format_and_parse_as_backrest_writes_them() {
        let secret = new_secret().unwrap();
        assert_eq!(secret.len(), 64);
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(secret, new_secret().unwrap());
        let t = PairingToken {
            key_id: "ed25519.abc-_".into(),
            secret,
            instance_id: "nas#1".into(),
        };
        let text = t.format();
        assert!(text.starts_with("ed25519.abc-_:"));
        // The instance id is what follows the last '#'.
        let back = PairingToken::parse(&format!("  {text} ")).unwrap();
        assert_eq!(back.instance_id, "1");
        let plain = PairingToken {
            instance_id: "nas".into(),
            ..t
        };
        assert_eq!(PairingToken::parse(&plain.format()).unwrap(), plain);
    }

    #[test]
    fn malformed_tokens_say_what_is_missing() {
        for (token, why) in [
            ("ed25519.k:secret", "no '#'"),
            ("ed25519.k#nas", "no ':'"),
            (":s#nas", "no key id"),
            ("k:#nas", "no secret"),
            ("k:s#", "no instance id"),
        ] {
            let e = PairingToken::parse(token).unwrap_err();
            assert!(e.to_string().contains(why), "{token}: {e}");
        }
    }
}
