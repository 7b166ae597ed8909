//! Password hashes. Every new password is hashed with bcrypt and stored as Backrest stores it (base64
//! of the bcrypt string, in `passwordBcrypt`), so a config cairn wrote still logs in with Backrest.
//! argon2id hashes, which earlier cairn versions wrote to `passwordArgon2`, still verify and are
//! replaced by bcrypt at the user's next successful login. docs/security.md says why cairn keeps no
//! stronger hash beside the bcrypt one.
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use base64::Engine as _;
use cairn_proto::v1::__buffa::oneof::user::Password;
use cairn_proto::v1::User;

/// bcrypt's work factor: 2^12 rounds (Backrest uses 10; both verify the other's hashes).
pub const BCRYPT_COST: u32 = 12;

/// bcrypt reads at most this many bytes of a password.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// Why a password cannot be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("the password is empty; choose a password")]
    Empty,
    #[error(
        "the password is {0} bytes long; bcrypt, which Backrest and cairn use, reads at most {MAX_PASSWORD_BYTES}: choose a shorter one"
    )]
    TooLong(usize),
    #[error("hashing failed: {0}")]
    Failed(String),
}

/// The outcome of checking a password against a user's stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Right password; `rehash` when the stored hash is one Backrest cannot read (argon2id) and
    /// should be replaced.
    Right {
        rehash: bool,
    },
    Wrong,
}

/// The stored form of a new password: base64 of its bcrypt string, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    if password.is_empty() {
        return Err(HashError::Empty);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(HashError::TooLong(password.len()));
    }
    bcrypt::non_truncating_hash(password, BCRYPT_COST)
        .map(|h| base64::engine::general_purpose::STANDARD.encode(h))
        .map_err(|e| HashError::Failed(e.to_string()))
}

/// A user's password field holding a hash from [`hash_password`].
pub fn stored(hash: String) -> Password {
    Password::PasswordBcrypt(hash)
}

/// The user's stored hash, whichever field holds it.
pub fn stored_hash(user: &User) -> &str {
    match &user.password {
        Some(Password::PasswordBcrypt(h) | Password::PasswordArgon2(h)) => h,
        None => "",
    }
}

/// Checks `password` against the user's stored hash (bcrypt as Backrest stores it, or argon2id).
pub fn verify(user: &User, password: &str) -> Verdict {
    let stored = stored_hash(user);
    if stored.is_empty() {
        return Verdict::Wrong;
    }
    if stored.starts_with("$argon2") {
        let ok = PasswordHash::new(stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        return if ok {
            Verdict::Right { rehash: true }
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
        Ok(true) => Verdict::Right { rehash: false },
        _ => Verdict::Wrong,
    }
}

/// Moves an argon2id hash that a client put in `passwordBcrypt` into `passwordArgon2`, the field
/// that names what it holds.
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
    use argon2::password_hash::{PasswordHasher, SaltString};

    fn user(p: Password) -> User {
        User {
            name: "u".into(),
            password: Some(p),
            ..User::default()
        }
    }

    #[test]
    fn new_hashes_are_base64_bcrypt_as_backrest_stores_them() {
        let h = hash_password("s3cret").unwrap();
        let text = base64::engine::general_purpose::STANDARD
            .decode(&h)
            .unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("$2b$12$"), "{text}");
        assert!(bcrypt::verify("s3cret", &text).unwrap());
        let u = user(stored(h));
        assert_eq!(verify(&u, "s3cret"), Verdict::Right { rehash: false });
        assert_eq!(verify(&u, "wrong"), Verdict::Wrong);
        assert!(matches!(hash_password(""), Err(HashError::Empty)));
        assert!(matches!(
            hash_password(&"x".repeat(73)),
            Err(HashError::TooLong(73))
        ));
    }

    #[test]
    fn backrest_cost_10_hashes_verify() {
        let b = bcrypt::hash("pw", 10).unwrap();
        let stored = base64::engine::general_purpose::STANDARD.encode(b);
        let u = user(Password::PasswordBcrypt(stored));
        assert_eq!(verify(&u, "pw"), Verdict::Right { rehash: false });
        assert_eq!(verify(&u, "nope"), Verdict::Wrong);
        assert_eq!(verify(&User::default(), ""), Verdict::Wrong);
    }

    #[test]
    fn argon2_hashes_from_older_cairn_verify_and_ask_for_a_rehash() {
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let h = Argon2::default()
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        let u = user(Password::PasswordArgon2(h));
        assert_eq!(verify(&u, "pw"), Verdict::Right { rehash: true });
        assert_eq!(verify(&u, "nope"), Verdict::Wrong);
    }

    #[test]
    fn argon2_in_the_bcrypt_field_moves_to_its_own_field() {
        let mut u = user(Password::PasswordBcrypt("$argon2id$v=19$x".into()));
        normalize(&mut u);
        assert!(matches!(u.password, Some(Password::PasswordArgon2(_))));
    }
}
