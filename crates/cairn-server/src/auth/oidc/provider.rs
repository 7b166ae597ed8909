//! The identity provider as cairn sees it: its discovery document and signing keys, fetched with a
//! timeout and a size limit and cached (the document for an hour; the keys until a token names a key
//! id they lack, refetched at most every 30 s, so rotation at the provider needs no restart).
use super::error::OidcError;
use cairn_proto::quoted;
use jsonwebtoken::jwk::JwkSet;
use parking_lot::Mutex;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one request to the provider may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from the provider.
const MAX_BODY: usize = 1 << 20;
const METADATA_TTL: Duration = Duration::from_secs(3600);
const KEYS_MIN_AGE: Duration = Duration::from_secs(30);

/// The parts of the discovery document cairn uses (OpenID Connect Discovery 1.0 §3).
#[derive(Clone, Debug, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

struct Cached {
    issuer: String,
    metadata: Arc<Metadata>,
    fetched: Instant,
    keys: Option<(Arc<JwkSet>, Instant)>,
}

pub struct Provider {
    http: reqwest::Client,
    cache: Mutex<Option<Cached>>,
}

impl Provider {
    pub fn new() -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            cache: Mutex::new(None),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The discovery document of `issuer`, from the cache when fresh.
    pub async fn metadata(&self, issuer: &str) -> Result<Arc<Metadata>, OidcError> {
        if let Some(m) = self.with_cache(issuer, |c| {
            (c.fetched.elapsed() < METADATA_TTL).then(|| c.metadata.clone())
        }) {
            return Ok(m);
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let m: Metadata = self.get_json(self.http.get(&url), &url).await?;
        check_metadata(issuer, &m, &url)?;
        let m = Arc::new(m);
        *self.lock() = Some(Cached {
            issuer: issuer.to_string(),
            metadata: m.clone(),
            fetched: Instant::now(),
            keys: None,
        });
        Ok(m)
    }

    /// The provider's signing keys; `refresh` fetches them again unless they are under 30 s old.
    pub async fn keys(&self, issuer: &str, refresh: bool) -> Result<Arc<JwkSet>, OidcError> {
        let cached = self.with_cache(issuer, |c| c.keys.clone());
        if let Some((keys, at)) = cached
            && (!refresh || at.elapsed() < KEYS_MIN_AGE)
        {
            return Ok(keys);
        }
        let m = self.metadata(issuer).await?;
        let keys: JwkSet = self
            .get_json(self.http.get(&m.jwks_uri), &m.jwks_uri)
            .await?;
        let keys = Arc::new(keys);
        if let Some(c) = self.lock().as_mut().filter(|c| c.issuer == issuer) {
            c.keys = Some((keys.clone(), Instant::now()));
        }
        Ok(keys)
    }

    /// Sends `req` and reads its JSON answer (at most 1 MiB); an OAuth error answer is the provider's
    /// refusal.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<T, OidcError> {
        let unreachable = |e: reqwest::Error| OidcError::Unreachable {
            url: url.to_string(),
            reason: e.without_url().to_string(),
        };
        let bad = |reason: String| OidcError::BadResponse {
            url: url.to_string(),
            reason,
        };
        let mut resp = req.send().await.map_err(unreachable)?;
        let status = resp.status();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(bad("the answer is larger than 1 MiB".into()));
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(match serde_json::from_slice::<OAuthError>(&body) {
                Ok(e) => OidcError::Refused(e.to_string()),
                Err(_) => bad(format!("HTTP status {status}")),
            });
        }
        serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))
    }

    fn lock(&self) -> parking_lot::MutexGuard<'_, Option<Cached>> {
        self.cache.lock()
    }

    fn with_cache<T>(&self, issuer: &str, f: impl FnOnce(&Cached) -> Option<T>) -> Option<T> {
        self.lock()
            .as_ref()
            .filter(|c| c.issuer == issuer)
            .and_then(f)
    }
}

/// An OAuth 2.0 error answer (RFC 6749 §5.2).
#[derive(Deserialize)]
pub struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error_description {
            Some(d) => write!(f, "{}: {d}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

/// The document must be the configured issuer's (Discovery §4.3) and send credentials only to URLs
/// cairn trusts.
fn check_metadata(issuer: &str, m: &Metadata, url: &str) -> Result<(), OidcError> {
    let bad = |reason: String| OidcError::BadResponse {
        url: url.to_string(),
        reason,
    };
    if m.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(bad(format!(
            "it names the issuer {}, not {}; set auth.oidc.issuer to the provider's issuer",
            quoted(&m.issuer),
            quoted(issuer)
        )));
    }
    let endpoints = [
        Some(&m.authorization_endpoint),
        Some(&m.token_endpoint),
        Some(&m.jwks_uri),
        m.userinfo_endpoint.as_ref(),
    ];
    for e in endpoints.into_iter().flatten() {
        cairn_config::trusted_url(e).map_err(|reason| bad(format!("endpoint {reason}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(issuer: &str, token: &str) -> Metadata {
        Metadata {
            issuer: issuer.into(),
            authorization_endpoint: "https://id.example.com/auth".into(),
            token_endpoint: token.into(),
            userinfo_endpoint: None,
            jwks_uri: "https://id.example.com/jwks".into(),
            token_endpoint_auth_methods_supported: vec![],
        }
    }

    #[test]
    fn a_document_of_another_issuer_or_with_untrusted_endpoints_is_refused() {
        let ok = meta("https://id.example.com/", "https://id.example.com/token");
        assert!(check_metadata("https://id.example.com", &ok, "u").is_ok());
        let other = meta("https://evil.example.com", "https://id.example.com/token");
        let e = check_metadata("https://id.example.com", &other, "u").unwrap_err();
        assert!(e.to_string().contains("evil.example.com"), "{e}");
        let plain = meta("https://id.example.com", "http://id.example.com/token");
        assert!(check_metadata("https://id.example.com", &plain, "u").is_err());
    }
}
