//! Where a `gs:` repository's access token comes from, in the order restic's Google client looks:
//! `GOOGLE_ACCESS_TOKEN` as given; else the credentials file `GOOGLE_APPLICATION_CREDENTIALS` (or gcloud's
//! `~/.config/gcloud/application_default_credentials.json`), either a service account (a JWT signed with
//! its RS256 key, exchanged at its `token_uri`) or an authorized user (its refresh token exchanged).
//! Tokens are kept until a minute before they expire. Against an emulator (`STORAGE_EMULATOR_HOST`)
//! no token is sent, as Google's own clients do.
use crate::storage::{http, other};
use cairn_proto::quoted;
use parking_lot::Mutex;
use reqwest::blocking::Client;
use serde::Deserialize;
use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Read and write access to objects, what restic asks for.
const SCOPE: &str = "https://www.googleapis.com/auth/devstorage.read_write";
const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
const SERVER: &str = "Google's token server";
const SERVICE: http::Service = http::Service {
    name: SERVER,
    credentials: "the credentials file (GOOGLE_APPLICATION_CREDENTIALS or gcloud's): its key may be deleted or its refresh token revoked",
};

/// A credentials file as Google writes them (service account keys and gcloud's user credentials).
#[derive(Deserialize)]
struct CredentialsFile {
    #[serde(rename = "type")]
    kind: String,
    client_email: Option<String>,
    private_key: Option<String>,
    token_uri: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
}

/// How a token is obtained.
enum Grant {
    /// An emulator: no token.
    Anonymous,
    /// `GOOGLE_ACCESS_TOKEN`, used as it is.
    Fixed(String),
    /// A service account's key: a signed JWT is exchanged for a token.
    ServiceAccount {
        email: String,
        key: jsonwebtoken::EncodingKey,
        token_uri: String,
    },
    /// gcloud's user credentials: the refresh token is exchanged for a token.
    User {
        client_id: String,
        client_secret: String,
        refresh_token: String,
        token_uri: String,
    },
}

/// The token source of one storage, with the token it last obtained.
pub struct GcsAuth {
    grant: Grant,
    cached: Mutex<Option<(String, Instant)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl GcsAuth {
    /// Picks the source from the environment (`var` reads it); `emulated` means no token is needed.
    pub fn find(var: impl Fn(&str) -> Option<String>, emulated: bool) -> io::Result<Self> {
        let grant = if emulated {
            Grant::Anonymous
        } else if let Some(token) = var("GOOGLE_ACCESS_TOKEN").filter(|t| !t.trim().is_empty()) {
            Grant::Fixed(token.trim().to_string())
        } else {
            let path = credentials_path(&var).ok_or_else(|| {
                other(
                    "gs: repositories need GOOGLE_ACCESS_TOKEN or GOOGLE_APPLICATION_CREDENTIALS (a service account's \
                     JSON key file) in the repository's env, or gcloud's application default credentials; the \
                     embedded engine does not ask the metadata server of a Compute Engine instance, the restic engine does",
                )
            })?;
            let text = std::fs::read_to_string(&path).map_err(|e| {
                other(format!(
                    "cannot read the Google credentials file {}: {e}",
                    path.display()
                ))
            })?;
            grant_from_file(&text).map_err(|e| {
                other(format!(
                    "the Google credentials file {}: {e}",
                    path.display()
                ))
            })?
        };
        Ok(GcsAuth {
            grant,
            cached: Mutex::new(None),
        })
    }

    /// The `Authorization` header's value, if one is to be sent.
    pub fn header(&self, client: &Client) -> io::Result<Option<String>> {
        match &self.grant {
            Grant::Anonymous => Ok(None),
            Grant::Fixed(token) => Ok(Some(format!("Bearer {token}"))),
            _ => self.exchanged(client).map(|t| Some(format!("Bearer {t}"))),
        }
    }

    /// The kept token, or a new one when it is missing or about to expire.
    fn exchanged(&self, client: &Client) -> io::Result<String> {
        let mut cached = self.cached.lock();
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let (uri, form) = self.request_form()?;
        let answer: TokenAnswer = http::send(client, &SERVICE, |c| Ok(c.post(&uri).form(&form)))?
            .json()
            .map_err(|e| other(format!("{SERVER} sent an answer that cannot be read: {e}")))?;
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600).saturating_sub(60));
        *cached = Some((answer.access_token.clone(), Instant::now() + lifetime));
        Ok(answer.access_token)
    }

    /// Where to ask for a token and the form to send.
    fn request_form(&self) -> io::Result<(String, Vec<(&'static str, String)>)> {
        match &self.grant {
            Grant::ServiceAccount {
                email,
                key,
                token_uri,
            } => Ok((
                token_uri.clone(),
                vec![
                    (
                        "grant_type",
                        "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
                    ),
                    ("assertion", assertion(email, key, token_uri, now())?),
                ],
            )),
            Grant::User {
                client_id,
                client_secret,
                refresh_token,
                token_uri,
            } => Ok((
                token_uri.clone(),
                vec![
                    ("grant_type", "refresh_token".into()),
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.clone()),
                    ("refresh_token", refresh_token.clone()),
                ],
            )),
            Grant::Anonymous | Grant::Fixed(_) => Err(other("this token is not exchanged")),
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's file when it exists.
fn credentials_path(var: &impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = var("GOOGLE_APPLICATION_CREDENTIALS").filter(|p| !p.trim().is_empty()) {
        return Some(PathBuf::from(p));
    }
    let config = var("CLOUDSDK_CONFIG")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config/gcloud")))?;
    Some(config.join("application_default_credentials.json")).filter(|p| p.is_file())
}

/// Why a credentials file cannot be used; displays after the file's name.
#[derive(Debug, thiserror::Error)]
enum CredentialsError {
    #[error("is not a credentials file: {0}")]
    NotCredentials(#[from] serde_json::Error),
    #[error("has no {}", quoted(.0))]
    Missing(&'static str),
    #[error("has a private_key that is not an RSA key: {0}")]
    NotRsa(#[from] jsonwebtoken::errors::Error),
    #[error(
        "is of type {}; use a service_account key or gcloud's authorized_user credentials",
        quoted(.0)
    )]
    Kind(String),
}

fn grant_from_file(text: &str) -> Result<Grant, CredentialsError> {
    let file: CredentialsFile = serde_json::from_str(text)?;
    let need = |v: Option<String>, field: &'static str| {
        v.filter(|s| !s.is_empty())
            .ok_or(CredentialsError::Missing(field))
    };
    let token_uri = file
        .token_uri
        .clone()
        .unwrap_or_else(|| GOOGLE_TOKEN_URI.into());
    match file.kind.as_str() {
        "service_account" => {
            let pem = need(file.private_key, "private_key")?;
            let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())?;
            Ok(Grant::ServiceAccount {
                email: need(file.client_email, "client_email")?,
                key,
                token_uri,
            })
        }
        "authorized_user" => Ok(Grant::User {
            client_id: need(file.client_id, "client_id")?,
            client_secret: need(file.client_secret, "client_secret")?,
            refresh_token: need(file.refresh_token, "refresh_token")?,
            token_uri,
        }),
        other => Err(CredentialsError::Kind(other.to_string())),
    }
}

/// The signed JWT a service account trades for a token (RFC 7523), valid for an hour from `iat`.
fn assertion(
    email: &str,
    key: &jsonwebtoken::EncodingKey,
    token_uri: &str,
    iat: u64,
) -> io::Result<String> {
    let claims = Claims {
        iss: email,
        scope: SCOPE,
        aud: token_uri,
        iat,
        exp: iat + 3600,
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        key,
    )
    .map_err(|e| {
        other(format!(
            "cannot sign the service account's token request: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A throwaway 2048-bit key made for this test only (`openssl genpkey -algorithm RSA`).
    const TEST_KEY: &str = include_str!("testdata/gcs_test_key.pem");
    const TEST_PUBLIC: &str = include_str!("testdata/gcs_test_key.pub.pem");

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn an_access_token_in_the_env_is_used_as_it_is() {
        let auth = GcsAuth::find(env(&[("GOOGLE_ACCESS_TOKEN", " ya29.x ")]), false).unwrap();
        let client = Client::new();
        assert_eq!(
            auth.header(&client).unwrap().as_deref(),
            Some("Bearer ya29.x")
        );
        let emulated = GcsAuth::find(env(&[]), true).unwrap();
        assert_eq!(emulated.header(&client).unwrap(), None);
    }

    #[test]
    fn missing_credentials_say_what_to_set() {
        let err = GcsAuth::find(env(&[("HOME", "/nonexistent")]), false)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds.json");
        std::fs::write(&file, r#"{"type":"external_account"}"#).unwrap();
        let path = file.to_string_lossy().into_owned();
        let err = GcsAuth::find(env(&[("GOOGLE_APPLICATION_CREDENTIALS", &path)]), false)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("external_account") && err.contains(&path),
            "{err}"
        );
        std::fs::write(&file, r#"{"type":"service_account","private_key":"nope"}"#).unwrap();
        let err = GcsAuth::find(env(&[("GOOGLE_APPLICATION_CREDENTIALS", &path)]), false)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not an RSA key"), "{err}");
    }

    #[test]
    fn a_service_account_sends_a_jwt_its_public_key_verifies() {
        let file = serde_json::json!({
            "type": "service_account",
            "client_email": "backup@project.iam.gserviceaccount.com",
            "private_key": TEST_KEY,
            "token_uri": "https://oauth2.example/token",
        });
        let auth = GcsAuth {
            grant: grant_from_file(&file.to_string()).unwrap(),
            cached: Mutex::new(None),
        };
        let (uri, form) = auth.request_form().unwrap();
        assert_eq!(uri, "https://oauth2.example/token");
        assert_eq!(
            form[0],
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:jwt-bearer".into()
            )
        );
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_audience(&["https://oauth2.example/token"]);
        validation.set_issuer(&["backup@project.iam.gserviceaccount.com"]);
        let key = jsonwebtoken::DecodingKey::from_rsa_pem(TEST_PUBLIC.as_bytes()).unwrap();
        let claims = jsonwebtoken::decode::<serde_json::Value>(&form[1].1, &key, &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["scope"], SCOPE);
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            3600
        );
    }

    #[test]
    fn gcloud_user_credentials_trade_their_refresh_token() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("gcloud")).unwrap();
        std::fs::write(
            dir.path().join("gcloud/application_default_credentials.json"),
            r#"{"type":"authorized_user","client_id":"id","client_secret":"s","refresh_token":"r"}"#,
        )
        .unwrap();
        let config = dir.path().join("gcloud").to_string_lossy().into_owned();
        let auth = GcsAuth::find(env(&[("CLOUDSDK_CONFIG", &config)]), false).unwrap();
        let (uri, form) = auth.request_form().unwrap();
        assert_eq!(uri, GOOGLE_TOKEN_URI);
        assert!(form.contains(&("grant_type", "refresh_token".into())));
        assert!(form.contains(&("refresh_token", "r".into())));
    }
}
