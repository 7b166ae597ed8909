//! HS256 JSON Web Tokens under one secret key: what session tokens and download links are made of.
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Expired,
    Invalid,
}

impl Signer {
    pub fn new(key: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
        }
    }

    /// The signed token for `claims` (which must include `exp`).
    pub fn sign(&self, claims: &impl Serialize) -> String {
        // HS256 over claims of plain strings and numbers cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .unwrap_or_default()
    }

    /// The claims of a token signed with this key, unexpired (no leeway) and carrying `required`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        required: &[&str],
    ) -> Result<T, Refusal> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        v.required_spec_claims = required.iter().map(|c| c.to_string()).collect();
        jsonwebtoken::decode::<T>(token, &self.decoding, &v)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => Refusal::Expired,
                _ => Refusal::Invalid,
            })
    }
}
