//! Two-factor authentication with time-based one-time passwords (RFC 6238, computed by the totp-rs
//! crate): SHA-1, 6 digits, 30-second steps, what every authenticator app supports. A code is
//! accepted for the step before and after the current one (clock drift) and at most once: a used
//! step cannot be used again. Ten single-use recovery codes are made at enrolment; only their SHA-256
//! is stored.
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use totp_rs::{Algorithm, Builder, Secret, Totp};

const DIGITS: u8 = 6;
const STEP: u64 = 30;
const SKEW: u16 = 1;
const ISSUER: &str = "cairn";
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// How long an enrolment waits for its confirming code.
const PENDING_FOR: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("the system random number generator failed: {0}")]
    Random(String),
    #[error("the stored two-factor secret cannot be used: {0}")]
    Secret(String),
}

fn random<const N: usize>() -> Result<[u8; N], TotpError> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| TotpError::Random(e.to_string()))?;
    Ok(b)
}

/// A new secret (160 bits, as RFC 4226 recommends), base32-encoded.
pub fn new_secret() -> Result<String, TotpError> {
    Ok(base32(&random::<20>()?))
}

fn base32(bytes: &[u8]) -> String {
    Secret::new(bytes.to_vec().into_boxed_slice()).to_base32()
}

fn totp(secret: &str, account: &str) -> Result<Totp, TotpError> {
    let secret = Secret::try_from_base32(secret).map_err(|e| TotpError::Secret(e.to_string()))?;
    let mut b = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW)
        .with_step_duration(STEP)
        .with_secret(secret)
        .with_issuer(Some(ISSUER));
    if !account.is_empty() {
        b = b.with_account_name(account);
    }
    b.build().map_err(|e| TotpError::Secret(e.to_string()))
}

/// The otpauth:// URL an authenticator reads (from a QR code).
pub fn otpauth_url(secret: &str, account: &str) -> Result<String, TotpError> {
    totp(secret, account)?
        .to_url()
        .map_err(|e| TotpError::Secret(e.to_string()))
}

/// The step a code is valid for at `now` (unix seconds), if any.
pub fn step_of(secret: &str, code: &str, now: u64) -> Option<u64> {
    let t = totp(secret, "").ok()?;
    let code = code.trim();
    let current = now / STEP;
    (current.saturating_sub(SKEW as u64)..=current + SKEW as u64)
        .find(|step| t.generate(step * STEP).to_string() == code)
}

/// Ten recovery codes, each ten base32 characters shown as `XXXXX-XXXXX`.
pub fn recovery_codes() -> Result<Vec<String>, TotpError> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let text = base32(&random::<7>()?);
            Ok(format!("{}-{}", &text[..5], &text[5..10]))
        })
        .collect()
}

/// What is stored of a recovery code: SHA-256 (hex) of it in capitals without `-` or spaces.
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(norm.as_bytes()))
}

/// What the server remembers between requests: enrolments waiting for their code, and the last step
/// each user has used (so no code works twice).
#[derive(Default)]
pub struct TotpState {
    pending: Mutex<HashMap<String, (String, Instant)>>,
    used: Mutex<HashMap<String, u64>>,
}

impl TotpState {
    pub fn start(&self, user: &str, secret: &str) {
        let mut p = self.pending.lock();
        p.retain(|_, (_, at)| at.elapsed() < PENDING_FOR);
        p.insert(user.to_string(), (secret.to_string(), Instant::now()));
    }

    /// The user's pending secret, if enrolment started less than ten minutes ago.
    pub fn pending(&self, user: &str) -> Option<String> {
        let p = self.pending.lock();
        p.get(user)
            .filter(|(_, at)| at.elapsed() < PENDING_FOR)
            .map(|(s, _)| s.clone())
    }

    pub fn finish(&self, user: &str) {
        let mut p = self.pending.lock();
        p.remove(user);
    }

    /// Whether `code` is a valid, unused code of `secret` now; marks its step used.
    pub fn accept(&self, user: &str, secret: &str, code: &str, now: u64) -> bool {
        let Some(step) = step_of(secret, code, now) else {
            return false;
        };
        let mut used = self.used.lock();
        if used.get(user).is_some_and(|last| step <= *last) {
            return false;
        }
        used.insert(user.to_string(), step);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1, with 6 digits (the last six of the published 8-digit values).
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = base32(b"12345678901234567890");
        let t = totp(&secret, "u").unwrap();
        for (time, code) in [
            (59u64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(t.generate(time).to_string(), code, "T={time}");
            assert_eq!(step_of(&secret, code, time), Some(time / STEP));
        }
        assert_eq!(
            step_of(&secret, "287082", 59 + 30),
            Some(1),
            "one step late is accepted"
        );
        assert_eq!(
            step_of(&secret, "287082", 59 + 60),
            None,
            "two steps late is not"
        );
    }

    #[test]
    fn a_code_works_once() {
        let s = TotpState::default();
        let secret = new_secret().unwrap();
        let now = 1_700_000_000;
        let code = totp(&secret, "u").unwrap().generate(now).to_string();
        assert!(s.accept("u", &secret, &code, now));
        assert!(!s.accept("u", &secret, &code, now), "replayed");
        assert!(!s.accept("u", &secret, "000000x", now));
    }

    #[test]
    fn recovery_codes_are_distinct_and_hashed_loosely() {
        let codes = recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(
            codes.iter().collect::<std::collections::HashSet<_>>().len(),
            RECOVERY_CODES
        );
        let c = &codes[0];
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_lowercase().replace('-', " "))
        );
        assert!(
            otpauth_url(&new_secret().unwrap(), "alice")
                .unwrap()
                .starts_with("otpauth://totp/cairn:alice?")
        );
    }
}
