//! Sign-ins waiting for the provider's answer: each one's `state` (also kept in the browser's cookie),
//! nonce, PKCE verifier and callback URL, held in memory for ten minutes and bounded in number, so a
//! flood of sign-in starts cannot use up memory.
use super::error::OidcError;
use base64::Engine as _;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a started sign-in may take.
pub const PENDING_TTL: Duration = Duration::from_secs(600);
/// Sign-ins in progress at once.
pub const MAX_PENDING: usize = 10_000;

/// One started sign-in.
#[derive(Clone, Debug)]
pub struct Pending {
    pub nonce: String,
    pub verifier: String,
    pub redirect_uri: String,
    started: Instant,
}

impl Pending {
    /// The PKCE S256 challenge for this sign-in's verifier.
    pub fn challenge(&self) -> String {
        b64url(&Sha256::digest(self.verifier.as_bytes()))
    }
}

#[derive(Default)]
pub struct PendingLogins {
    map: Mutex<HashMap<String, Pending>>,
}

impl PendingLogins {
    /// Records a new sign-in; its `state` and what it holds.
    pub fn start(&self, redirect_uri: &str, now: Instant) -> Result<(String, Pending), OidcError> {
        let p = Pending {
            nonce: random_text()?,
            verifier: random_text()?,
            redirect_uri: redirect_uri.to_string(),
            started: now,
        };
        let state = random_text()?;
        let mut map = self.map.lock();
        if map.len() >= MAX_PENDING {
            map.retain(|_, p| now.duration_since(p.started) < PENDING_TTL);
        }
        if map.len() >= MAX_PENDING {
            return Err(OidcError::Busy);
        }
        map.insert(state.clone(), p.clone());
        Ok((state, p))
    }

    /// Ends the sign-in of `state`, if it is known and has not expired.
    pub fn take(&self, state: &str, now: Instant) -> Option<Pending> {
        let mut map = self.map.lock();
        map.remove(state)
            .filter(|p| now.duration_since(p.started) < PENDING_TTL)
    }
}

/// 32 random bytes as unpadded base64url: 43 characters, as PKCE verifiers, states and nonces want.
pub fn random_text() -> Result<String, OidcError> {
    let mut buf = [0u8; 32];
    getrandom::getrandom(&mut buf).map_err(|e| OidcError::Random(e.to_string()))?;
    Ok(b64url(&buf))
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_matches_rfc_7636_appendix_b() {
        let p = Pending {
            nonce: String::new(),
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
            redirect_uri: String::new(),
            started: Instant::now(),
        };
        assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn a_sign_in_is_taken_once_and_only_before_it_expires() {
        let logins = PendingLogins::default();
        let now = Instant::now();
        let (state, p) = logins.start("https://x/auth/oidc/callback", now).unwrap();
        assert_eq!((state.len(), p.verifier.len(), p.nonce.len()), (43, 43, 43));
        assert!(logins.take("other", now).is_none());
        assert_eq!(logins.take(&state, now).unwrap().nonce, p.nonce);
        assert!(logins.take(&state, now).is_none(), "used up");
        let (late, _) = logins.start("u", now).unwrap();
        assert!(logins.take(&late, now + PENDING_TTL).is_none());
    }

    #[test]
    fn starts_are_bounded_and_expired_ones_make_room() {
        let logins = PendingLogins::default();
        let now = Instant::now();
        for _ in 0..MAX_PENDING {
            logins.start("u", now).unwrap();
        }
        assert!(matches!(logins.start("u", now), Err(OidcError::Busy)));
        assert!(logins.start("u", now + PENDING_TTL).is_ok());
    }
}
