//! Long-lived API tokens for scripts: `cairn_<id>_<secret>`, shown once when created. The config keeps
//! only the token's SHA-256, its id, label, user and expiry.
use crate::state::{ServerError, random_bytes};
use cairn_proto::v1::{ApiToken, Config};
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "cairn_";

/// A token just made: the secret text and what the config stores of it.
pub struct NewToken {
    pub token: String,
    pub info: ApiToken,
}

/// Makes a token for `user`; `ttl_days` 0 means it never expires.
pub fn generate(
    label: &str,
    user: &str,
    ttl_days: i64,
    now_ms: i64,
) -> Result<NewToken, ServerError> {
    let id = hex::encode(random_bytes::<6>()?);
    let token = format!("{PREFIX}{id}_{}", hex::encode(random_bytes::<32>()?));
    let info = ApiToken {
        id,
        label: label.to_string(),
        user: user.to_string(),
        sha256: sha256_hex(&token),
        created_ms: now_ms,
        expires_ms: if ttl_days > 0 {
            now_ms + ttl_days * 86_400_000
        } else {
            0
        },
        ..ApiToken::default()
    };
    Ok(NewToken { token, info })
}

/// The stored token matching `token`, if it exists and has not expired.
pub fn find<'a>(config: &'a Config, token: &str, now_ms: i64) -> Option<&'a ApiToken> {
    let digest = sha256_hex(token);
    config
        .cairn
        .as_option()?
        .api_tokens
        .iter()
        .find(|t| t.sha256 == digest && (t.expires_ms == 0 || t.expires_ms > now_ms))
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::v1::CairnSettings;

    #[test]
    fn tokens_are_found_by_hash_until_they_expire() {
        let t = generate("ci", "alice", 1, 1_000).unwrap();
        assert!(t.token.starts_with(PREFIX));
        assert!(!t.info.sha256.contains(&t.token));
        let config = Config {
            cairn: CairnSettings {
                api_tokens: vec![t.info.clone()],
                ..CairnSettings::default()
            }
            .into(),
            ..Config::default()
        };
        assert_eq!(
            find(&config, &t.token, 2_000).map(|x| x.user.as_str()),
            Some("alice")
        );
        assert!(find(&config, &t.token, 1_000 + 86_400_000).is_none());
        assert!(find(&config, "cairn_x_y", 2_000).is_none());
    }
}
