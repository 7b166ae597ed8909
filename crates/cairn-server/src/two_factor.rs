//! The calling user's two-factor authentication (TOTP): its state, enrolment (a pending secret shown
//! as an otpauth:// URL, confirmed with a first code, which stores the secret and makes recovery
//! codes), turning it off with a code, and another user turning it off for someone who lost their
//! device and codes. Logins check the codes (`auth::verify_login`).
use crate::auth::totp;
use crate::auth::{find_user, modify_user};
use crate::errors::{self, invalid};
use crate::state::Shared;
use cairn_proto::cairn::v1::{TwoFactorEnrollment, TwoFactorRecoveryCodes, TwoFactorState};
use cairn_proto::quoted;
use connectrpc::ConnectError;

fn now() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

fn internal(e: totp::TotpError) -> ConnectError {
    ConnectError::internal(e.to_string())
}

pub fn state(s: &Shared, user: &str) -> TwoFactorState {
    let config = s.orch.config().get();
    let u = find_user(&config, user);
    TwoFactorState {
        enabled: u.is_some_and(|u| !u.totp_secret.is_empty()),
        recovery_codes_left: u.map_or(0, |u| u.totp_recovery_sha256.len() as i32),
        ..TwoFactorState::default()
    }
}

pub fn start(s: &Shared, user: &str) -> Result<TwoFactorEnrollment, ConnectError> {
    if state(s, user).enabled {
        return Err(ConnectError::failed_precondition(
            "two-factor authentication is already on; turn it off first to enrol a new device",
        ));
    }
    let secret = totp::new_secret().map_err(internal)?;
    let url = totp::otpauth_url(&secret, user).map_err(internal)?;
    s.totp.start(user, &secret);
    Ok(TwoFactorEnrollment {
        secret,
        otpauth_url: url,
        ..TwoFactorEnrollment::default()
    })
}

pub fn confirm(s: &Shared, user: &str, code: &str) -> Result<TwoFactorRecoveryCodes, ConnectError> {
    let secret = s.totp.pending(user).ok_or_else(|| {
        ConnectError::failed_precondition(
            "no enrolment is waiting (or it is over ten minutes old): start it again",
        )
    })?;
    if !s.totp.accept(user, &secret, code, now()) {
        return Err(invalid(
            "code",
            "is not the authenticator's current code; check the device's clock and try the next code",
        ));
    }
    let codes = totp::recovery_codes().map_err(internal)?;
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    set(s, user, secret, hashes)?;
    s.totp.finish(user);
    tracing::info!(
        "two-factor authentication turned on: user={}",
        crate::auth::log_name(user)
    );
    Ok(TwoFactorRecoveryCodes {
        codes,
        ..TwoFactorRecoveryCodes::default()
    })
}

pub fn disable(s: &Shared, user: &str, code: &str) -> Result<(), ConnectError> {
    let config = s.orch.config().get();
    let Some(u) = find_user(&config, user).filter(|u| !u.totp_secret.is_empty()) else {
        return Err(ConnectError::failed_precondition(
            "two-factor authentication is not on for this user",
        ));
    };
    let recovery = totp::recovery_hash(code);
    if !s.totp.accept(user, &u.totp_secret, code, now())
        && !u.totp_recovery_sha256.contains(&recovery)
    {
        return Err(invalid(
            "code",
            "is neither a current code nor an unused recovery code",
        ));
    }
    set(s, user, String::new(), Vec::new())?;
    tracing::info!(
        "two-factor authentication turned off: user={}",
        crate::auth::log_name(user)
    );
    Ok(())
}

/// Turns `user`'s two-factor authentication off at another user's request.
pub fn reset(s: &Shared, by: &str, user: &str) -> Result<(), ConnectError> {
    if by == user {
        return Err(ConnectError::failed_precondition(
            "turn your own two-factor authentication off with DisableTwoFactor and a code",
        ));
    }
    let config = s.orch.config().get();
    match find_user(&config, user) {
        None => {
            return Err(ConnectError::not_found(format!(
                "no user {user}",
                user = quoted(&user)
            )));
        }
        Some(u) if u.totp_secret.is_empty() => {
            return Err(ConnectError::failed_precondition(format!(
                "user {user} has no two-factor authentication",
                user = quoted(&user)
            )));
        }
        Some(_) => {}
    }
    set(s, user, String::new(), Vec::new())?;
    tracing::warn!(
        "two-factor authentication reset: user={} by={}",
        crate::auth::log_name(user),
        crate::auth::log_name(by)
    );
    Ok(())
}

/// Uses up a recovery code of `user`; false when it is not one of theirs. The config is written only
/// when the code is one of theirs.
pub fn use_recovery_code(s: &Shared, user: &str, code: &str) -> bool {
    let hash = totp::recovery_hash(code);
    let config = s.orch.config().get();
    if !find_user(&config, user).is_some_and(|u| u.totp_recovery_sha256.contains(&hash)) {
        return false;
    }
    // Removed under the store's lock: of two logins with the same code, one wins.
    let mut used = false;
    let saved = modify_user(s, user, |u| {
        let before = u.totp_recovery_sha256.len();
        u.totp_recovery_sha256.retain(|h| *h != hash);
        used = u.totp_recovery_sha256.len() < before;
    });
    if let Err(e) = saved {
        tracing::error!(error = %e, "could not record a used recovery code; refusing it");
        return false;
    }
    used
}

fn set(s: &Shared, user: &str, secret: String, hashes: Vec<String>) -> Result<(), ConnectError> {
    modify_user(s, user, |u| {
        u.totp_secret = secret;
        u.totp_recovery_sha256 = hashes;
    })
    .map(|_| ())
    .map_err(errors::config)
}
