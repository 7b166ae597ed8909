//! Session tokens: HS256 JWTs (`sub` = user name, `exp` = issue time + 7 days, as Backrest's) signed
//! with a 64-byte key kept in the data directory, so sessions survive restarts. Each token also carries
//! a fingerprint of the user's password hash: changing a password ends that user's sessions.
use super::Denied;
use crate::signer::{Refusal, Signer};
use crate::state::{ServerError, random_bytes};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// How long a session lasts.
pub const SESSION_TTL_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// Fingerprint of the password hash the session was opened with.
    #[serde(default)]
    pub pwf: String,
}

pub struct SessionKeys(Signer);

impl SessionKeys {
    /// Reads the key at `path`, creating it (mode 0600) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self, ServerError> {
        let err = |source| ServerError::SessionKey {
            path: path.to_path_buf(),
            source,
        };
        let key = match std::fs::read(path) {
            Ok(k) if k.len() >= 32 => k,
            Ok(_) => {
                return Err(err(std::io::Error::other(
                    "the key is shorter than 32 bytes; delete the file to make a new one",
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let k = random_bytes::<64>()?.to_vec();
                write_private(path, &k).map_err(err)?;
                k
            }
            Err(e) => return Err(err(e)),
        };
        Ok(Self::from_secret(&key))
    }

    pub fn from_secret(key: &[u8]) -> Self {
        Self(Signer::new(key))
    }

    /// A token for `user`, valid from `now` (unix seconds) for `ttl` seconds.
    pub fn issue(&self, user: &str, password_fingerprint: &str, now: i64, ttl: i64) -> String {
        let claims = Claims {
            sub: user.to_string(),
            exp: now + ttl,
            iat: now,
            pwf: password_fingerprint.to_string(),
        };
        self.0.sign(&claims)
    }

    /// The claims of a valid, unexpired token.
    pub fn verify(&self, token: &str) -> Result<Claims, Denied> {
        self.0.verify(token, &["exp", "sub"]).map_err(|r| match r {
            Refusal::Expired => Denied::SessionExpired,
            Refusal::Invalid => Denied::SessionInvalid,
        })
    }
}

/// A short fingerprint of a stored password hash.
pub fn fingerprint(stored_hash: &str) -> String {
    hex::encode(&Sha256::digest(stored_hash.as_bytes())[..8])
}

/// Writes a private file atomically: temp file with mode 0600, fsync, rename.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_until_they_expire_and_only_with_their_key() {
        let keys = SessionKeys::from_secret(&[7u8; 64]);
        let now = chrono::Utc::now().timestamp();
        let t = keys.issue("alice", "fp", now, 60);
        let c = keys.verify(&t).unwrap();
        assert_eq!((c.sub.as_str(), c.pwf.as_str()), ("alice", "fp"));
        let old = keys.issue("alice", "fp", now - 120, 60);
        assert!(
            keys.verify(&old)
                .unwrap_err()
                .to_string()
                .contains("expired")
        );
        let other = SessionKeys::from_secret(&[8u8; 64]);
        assert!(other.verify(&t).is_err());
        assert!(keys.verify("garbage").is_err());
    }

    #[test]
    fn the_key_file_is_created_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt-secret");
        let a = SessionKeys::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = SessionKeys::load_or_create(&path).unwrap();
        let t = a.issue("u", "", chrono::Utc::now().timestamp(), 60);
        assert!(b.verify(&t).is_ok());
    }
}
