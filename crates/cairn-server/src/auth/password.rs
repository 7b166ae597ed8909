//! Password hashes. Every new password is hashed with argon2id (PHC string form); bcrypt hashes from
//! imported Backrest configs (base64 of the bcrypt string, as Backrest stores them) are verified and
//! replaced with argon2id at the user's next successful login.
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use cairn_proto::v1::__buffa::oneof::user::Password;
use cairn_proto::v1::User;

/// Why a password cannot be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("the password is empty; choose a password")]
    Empty,
    #[error("hashing failed: {0}")]
    Failed(String),
}

/// The outcome of checking a password against a user's stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Right password; `upgrade` when the stored hash is an old bcrypt one that should be replaced.
    Right {
        upgrade: bool,
    },
    Wrong,
}

/// An argon2id PHC string for `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    if password.is_empty() {
        return Err(HashError::Empty);
    }
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| HashError::Failed(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError::Failed(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Failed(e.to_string()))
}

/// The user's stored hash, whichever field holds it.
pub fn stored_hash(user: &User) -> &str {
    match &user.password {
        Some(Password::PasswordBcrypt(h) | Password::PasswordArgon2(h)) => h,
        None => "",
    }
}

/// Checks `password` against the user's stored hash (argon2id, or bcrypt as Backrest stores it).
pub fn verify(user: &User, password: &str) -> Verdict {
    let stored = stored_hash(user);
    if stored.is_empty() {
        return Verdict::Wrong;
    }
    if stored.starts_with("$argon2") {
        let ok = PasswordHash::new(stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        return if ok {
            Verdict::Right { upgrade: false }
        } else {
            Verdict::Wrong
        };
    }
    let bcrypt_text = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| stored.to_string());
    match bcrypt::verify(password, &bcrypt_text) {
        Ok(true) => Verdict::Right { upgrade: true },
        _ => Verdict::Wrong,
    }
}

/// Moves an argon2id hash that a Backrest client put in `passwordBcrypt` (it stores whatever
/// HashPassword returned there) into `passwordArgon2`, where cairn keeps it.
pub fn normalize(user: &mut User) {
    if let Some(Password::PasswordBcrypt(h)) = &user.password
        && h.starts_with("$argon2")
    {
        user.password = Some(Password::PasswordArgon2(h.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(p: Password) -> User {
        User {
            name: "u".into(),
            password: Some(p),
            ..User::default()
        }
    }

    #[test]
    fn argon2_hashes_verify_and_need_no_upgrade() {
        let h = hash_password("s3cret").unwrap();
        assert!(h.starts_with("$argon2id$"));
        let u = user(Password::PasswordArgon2(h));
        assert_eq!(verify(&u, "s3cret"), Verdict::Right { upgrade: false });
        assert_eq!(verify(&u, "wrong"), Verdict::Wrong);
        assert!(matches!(hash_password(""), Err(HashError::Empty)));
    }

    #[test]
    fn backrest_bcrypt_hashes_verify_and_ask_for_an_upgrade() {
        let b = bcrypt::hash("pw", 4).unwrap();
        let stored = base64::engine::general_purpose::STANDARD.encode(b);
        let u = user(Password::PasswordBcrypt(stored));
        assert_eq!(verify(&u, "pw"), Verdict::Right { upgrade: true });
        assert_eq!(verify(&u, "nope"), Verdict::Wrong);
        assert_eq!(verify(&User::default(), ""), Verdict::Wrong);
    }

    #[test]
    fn argon2_in_the_bcrypt_field_moves_to_its_own_field() {
        let mut u = user(Password::PasswordBcrypt("$argon2id$v=19$x".into()));
        normalize(&mut u);
        assert!(matches!(u.password, Some(Password::PasswordArgon2(_))));
    }
}
