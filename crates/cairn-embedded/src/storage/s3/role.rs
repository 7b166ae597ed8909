//! S3 credentials of the role the machine runs as, asked where restic's S3 client asks once the
//! environment and the credentials file have none: a container's credentials endpoint (ECS:
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on 169.254.170.2, or `AWS_CONTAINER_CREDENTIALS_FULL_URI`
//! with `AWS_CONTAINER_AUTHORIZATION_TOKEN` or `..._TOKEN_FILE`), else the EC2 instance metadata service
//! (IMDSv2: a session token, the role's name, then its credentials; IMDSv1 where no token is offered).
//! As in AWS's SDKs, `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves the service and
//! `AWS_EC2_METADATA_DISABLED=true` turns it off. Role credentials are temporary: they are kept until
//! five minutes before they expire, then asked for again. They are never logged.
use super::credentials::with_token;
use crate::storage::other;
use cairn_proto::quoted;
use parking_lot::Mutex;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder};
use rusty_s3::Credentials;
use serde::Deserialize;
use std::io;
use std::time::{Duration, Instant};

const INSTANCE_SERVICE: &str = "http://169.254.169.254";
const CONTAINER_HOST: &str = "http://169.254.170.2";
/// Hosts a full container credentials URI may name over plain http (ECS, EKS pod identity on IPv4 and
/// IPv6).
const CONTAINER_HOSTS: [&str; 3] = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"];
const TOKEN_HEADER: &str = "X-aws-ec2-metadata-token";
/// Credentials are asked for again this long before they expire...
const RENEW_BEFORE: Duration = Duration::from_secs(300);
/// ...but not more often than this, whatever their expiry says (a service handing out credentials
/// close to their end, a clock off by minutes).
const ASK_AT_MOST_EVERY: Duration = Duration::from_secs(60);
/// The session token request; a service that drops its answer (a container behind an instance whose
/// hop limit is 1) is taken to offer IMDSv1 only, as AWS's SDKs do.
const TOKEN_WAIT: Duration = Duration::from_secs(2);

enum Source {
    Container {
        url: String,
        authorization: Authorization,
    },
    Instance {
        endpoint: String,
    },
}

/// The `Authorization` header of a full container credentials URI.
enum Authorization {
    None,
    Value(String),
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, read anew for each request: EKS replaces it.
    File(String),
}

/// Credentials obtained, when they expire and when they were obtained.
struct Kept {
    credentials: Credentials,
    expires: Option<jiff::Timestamp>,
    obtained: Instant,
}

impl Kept {
    /// Whether they are still good `margin` from now (credentials without an expiry always are).
    fn valid_for(&self, margin: Duration) -> bool {
        self.expires.is_none_or(|at| valid_for(&at, margin))
    }
}

/// The credentials the machine's role gives, kept while they are valid.
pub struct RoleCredentials {
    source: Source,
    client: Client,
    kept: Mutex<Option<Kept>>,
}

/// What both endpoints answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
    expiration: Option<String>,
}

impl RoleCredentials {
    /// Where the role's credentials are to be asked for (`var` reads the environment); `None` when the
    /// instance metadata service is turned off and no container endpoint is set.
    pub fn find(var: impl Fn(&str) -> Option<String>) -> io::Result<Option<Self>> {
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let source = if let Some(path) = set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            Source::Container {
                url: format!("{CONTAINER_HOST}{path}"),
                authorization: Authorization::None,
            }
        } else if let Some(url) = set("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            allowed_container_uri(&url)?;
            Source::Container {
                url,
                authorization: container_authorization(&set),
            }
        } else if set("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(None);
        } else {
            let endpoint = set("AWS_EC2_METADATA_SERVICE_ENDPOINT")
                .unwrap_or_else(|| INSTANCE_SERVICE.into())
                .trim_end_matches('/')
                .to_string();
            Source::Instance { endpoint }
        };
        // Never through a proxy: the answers are credentials, and the token goes with the request.
        let client = Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(crate::storage::http::error)?;
        Ok(Some(RoleCredentials {
            source,
            client,
            kept: Mutex::new(None),
        }))
    }

    /// The credentials to sign with: the kept ones, or new ones when they are about to expire. While
    /// the service cannot be reached, kept credentials serve until they have actually expired.
    pub fn current(&self) -> io::Result<Credentials> {
        let mut kept = self.kept.lock();
        if let Some(k) = kept.as_ref()
            && (k.valid_for(RENEW_BEFORE)
                || (k.obtained.elapsed() < ASK_AT_MOST_EVERY && k.valid_for(Duration::ZERO)))
        {
            return Ok(k.credentials.clone());
        }
        match self.fetch() {
            Ok((credentials, expires)) => {
                *kept = Some(Kept {
                    credentials: credentials.clone(),
                    expires,
                    obtained: Instant::now(),
                });
                Ok(credentials)
            }
            Err(e) => match kept.as_ref() {
                Some(k) if k.valid_for(Duration::ZERO) => Ok(k.credentials.clone()),
                _ => Err(e),
            },
        }
    }

    fn fetch(&self) -> io::Result<(Credentials, Option<jiff::Timestamp>)> {
        let text = match &self.source {
            Source::Container { url, authorization } => {
                let request = self.client.get(url);
                let request = match authorization.value()? {
                    Some(value) => request.header("Authorization", value),
                    None => request,
                };
                self.ask(request, url)?
            }
            Source::Instance { endpoint } => self.ask_instance(endpoint)?,
        };
        parse(&text).map_err(|e| {
            other(format!(
                "{} sent credentials that cannot be read: {e}",
                self.name()
            ))
        })
    }

    /// IMDSv2: a session token (none where only IMDSv1 is offered), the role's name, its credentials.
    fn ask_instance(&self, endpoint: &str) -> io::Result<String> {
        let token = self.session_token(endpoint)?;
        let with_token = |request: RequestBuilder| match &token {
            Some(t) => request.header(TOKEN_HEADER, t),
            None => request,
        };
        let roles_url = format!("{endpoint}/latest/meta-data/iam/security-credentials/");
        let roles = self.ask(with_token(self.client.get(&roles_url)), &roles_url)?;
        let role = roles
            .lines()
            .map(str::trim)
            .find(|r| !r.is_empty())
            .ok_or_else(|| {
                other("this EC2 instance has no role: attach an instance profile that may use the bucket")
            })?;
        let url = format!("{roles_url}{role}");
        self.ask(with_token(self.client.get(&url)), &url)
    }

    fn session_token(&self, endpoint: &str) -> io::Result<Option<String>> {
        let url = format!("{endpoint}/latest/api/token");
        let sent = self
            .client
            .put(&url)
            .header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
            .timeout(TOKEN_WAIT)
            .send();
        let answer = match sent {
            Ok(answer) => answer,
            Err(e) if e.is_timeout() && !e.is_connect() => return Ok(None),
            Err(e) => return Err(self.unanswered(&url, e)),
        };
        match answer.status() {
            s if s.is_success() => answer.text().map(Some).map_err(crate::storage::http::error),
            // A service that offers no session tokens (IMDSv1 only).
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Ok(None),
            s => Err(other(format!(
                "{} refused a session token ({s}) at {url}",
                self.name()
            ))),
        }
    }

    /// The body of a successful answer.
    fn ask(&self, request: RequestBuilder, url: &str) -> io::Result<String> {
        let answer = request.send().map_err(|e| self.unanswered(url, e))?;
        let status = answer.status();
        if !status.is_success() {
            return Err(other(format!(
                "{} answered {status} for {url}",
                self.name()
            )));
        }
        answer.text().map_err(crate::storage::http::error)
    }

    fn unanswered(&self, url: &str, e: reqwest::Error) -> io::Error {
        other(format!(
            "{} did not answer at {url}: {}",
            self.name(),
            e.without_url()
        ))
    }

    fn name(&self) -> &'static str {
        match self.source {
            Source::Container { .. } => "the container credentials endpoint",
            Source::Instance { .. } => "the EC2 instance metadata service",
        }
    }
}

/// Whether credentials expiring at `expires` are still good `margin` from now.
fn valid_for(expires: &jiff::Timestamp, margin: Duration) -> bool {
    let margin = jiff::SignedDuration::try_from(margin).unwrap_or_default();
    jiff::Timestamp::now()
        .checked_add(margin)
        .is_ok_and(|then| then < *expires)
}

/// The answer's keys and when they expire.
fn parse(text: &str) -> Result<(Credentials, Option<jiff::Timestamp>), String> {
    let answer: Answer = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let expires = answer
        .expiration
        .map(|t| {
            t.parse::<jiff::Timestamp>()
                .map_err(|e| format!("Expiration {t}: {e}", t = quoted(&t)))
        })
        .transpose()?;
    let token = answer.token.filter(|t| !t.is_empty());
    let credentials = with_token(answer.access_key_id, answer.secret_access_key, token);
    Ok((credentials, expires))
}

/// A full container credentials URI must be https, on loopback, or one of the container hosts, as
/// AWS's SDKs require: the authorization token is sent to it.
fn allowed_container_uri(text: &str) -> io::Result<()> {
    let url = reqwest::Url::parse(text).map_err(|e| {
        other(format!(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI {text} is not a URL: {e}",
            text = quoted(&text)
        ))
    })?;
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || CONTAINER_HOSTS.contains(&host)
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
        return Ok(());
    }
    Err(other(format!(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI {text} must be https, or http on loopback or 169.254.170.2/.23, so the authorization token is not sent in the clear",
        text = quoted(&text)
    )))
}

/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, else `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
fn container_authorization(set: &impl Fn(&str) -> Option<String>) -> Authorization {
    match (
        set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
        set("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
    ) {
        (Some(path), _) => Authorization::File(path),
        (None, Some(value)) => Authorization::Value(value),
        (None, None) => Authorization::None,
    }
}

impl Authorization {
    fn value(&self) -> io::Result<Option<String>> {
        match self {
            Authorization::None => Ok(None),
            Authorization::Value(v) => Ok(Some(v.clone())),
            Authorization::File(path) => std::fs::read_to_string(path)
                .map(|t| Some(t.trim().to_string()))
                .map_err(|e| {
                    other(format!(
                        "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path}: {e}"
                    ))
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::env;

    fn in_secs(secs: i64) -> jiff::Timestamp {
        jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap()
    }

    #[test]
    fn answers_are_read_with_their_expiry() {
        let later = in_secs(3600).strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let (c, expires) = parse(&format!(
            r#"{{"Code":"Success","AccessKeyId":"AK","SecretAccessKey":"SK","Token":"T","Expiration":"{later}"}}"#
        ))
        .unwrap();
        assert_eq!((c.key(), c.secret(), c.token()), ("AK", "SK", Some("T")));
        assert_eq!(expires.unwrap().to_string(), later);
        assert!(valid_for(&expires.unwrap(), RENEW_BEFORE));
        assert!(
            !valid_for(&in_secs(60), RENEW_BEFORE),
            "renewed five minutes ahead"
        );
        assert!(valid_for(&in_secs(60), Duration::ZERO));
        assert!(parse(r#"{"AccessKeyId":"AK"}"#).is_err());
        assert!(parse(r#"{"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"soon"}"#).is_err());
    }

    #[test]
    fn the_source_follows_the_sdks_variables() {
        let relative = RoleCredentials::find(env(&[(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/creds/x",
        )]))
        .unwrap()
        .unwrap();
        assert!(
            matches!(&relative.source, Source::Container { url, authorization: Authorization::None } if url == "http://169.254.170.2/v2/creds/x")
        );
        let dir = tempfile::tempdir().unwrap();
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, "secret-token\n").unwrap();
        let full = RoleCredentials::find(env(&[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:8080/creds",
            ),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                token_file.to_str().unwrap(),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored"),
        ]))
        .unwrap()
        .unwrap();
        let Source::Container { authorization, .. } = &full.source else {
            panic!("a container source");
        };
        assert_eq!(
            authorization.value().unwrap().as_deref(),
            Some("secret-token")
        );
        std::fs::write(&token_file, "replaced-token").unwrap();
        assert_eq!(
            authorization.value().unwrap().as_deref(),
            Some("replaced-token"),
            "the token file is read for each request"
        );
        for allowed in [
            "https://creds.example.com/x",
            "http://[fd00:ec2::23]/v1/credentials",
        ] {
            assert!(
                RoleCredentials::find(env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed)]))
                    .is_ok(),
                "{allowed}"
            );
        }
        for refused in ["http://example.com/creds", "ftp://127.0.0.1/x", "not a url"] {
            let e = RoleCredentials::find(env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", refused)]))
                .err()
                .unwrap()
                .to_string();
            assert!(
                e.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                "{refused}: {e}"
            );
        }
        assert!(
            RoleCredentials::find(env(&[("AWS_EC2_METADATA_DISABLED", "TRUE")]))
                .unwrap()
                .is_none()
        );
        let moved = RoleCredentials::find(env(&[(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "http://127.0.0.1:1338/",
        )]))
        .unwrap()
        .unwrap();
        assert!(
            matches!(&moved.source, Source::Instance { endpoint } if endpoint == "http://127.0.0.1:1338")
        );
        let default = RoleCredentials::find(env(&[])).unwrap().unwrap();
        assert!(
            matches!(&default.source, Source::Instance { endpoint } if endpoint == INSTANCE_SERVICE)
        );
    }

    /// A metadata service on a loopback port nothing listens on: refused at once.
    fn silent_role() -> (String, RoleCredentials) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let endpoint = format!("http://127.0.0.1:{port}");
        let role = RoleCredentials::find(env(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)]))
            .unwrap()
            .unwrap();
        (endpoint, role)
    }

    #[test]
    fn kept_credentials_serve_until_they_expire_while_the_service_is_away() {
        let (_, role) = silent_role();
        let keep = |expires: jiff::Timestamp| {
            *role.kept.lock() = Some(Kept {
                credentials: Credentials::new_with_token("AK", "SK", "T"),
                expires: Some(expires),
                obtained: Instant::now()
                    .checked_sub(Duration::from_secs(600))
                    .unwrap(),
            });
        };
        keep(in_secs(120));
        assert_eq!(
            role.current().unwrap().key(),
            "AK",
            "due for renewal, still valid: kept"
        );
        keep(in_secs(-1));
        let e = role.current().unwrap_err().to_string();
        assert!(e.contains("did not answer"), "expired: asked again: {e}");
    }

    #[test]
    fn a_silent_metadata_service_is_named_in_the_error() {
        let (endpoint, role) = silent_role();
        let e = role.current().unwrap_err().to_string();
        assert!(
            e.contains("the EC2 instance metadata service did not answer"),
            "{e}"
        );
        assert!(e.contains(&endpoint), "{e}");
    }
}
