//! Who is calling. Every Connect service path and `/metrics` needs a session token (`Authorization:
//! Bearer`), an API token, or HTTP Basic credentials, unless `auth.disabled` is set. Open to all:
//! Login, cairn's GetAuthState and first-run Setup, single sign-on (`/auth/oidc/`), `/healthz`, `/download/` (its URL is itself a
//! signed, expiring token) and the web UI's static files.
use cairn_proto::quoted;
pub mod api_token;
pub mod basic_cache;
mod denied;
pub mod first_run;
pub mod oidc;
pub mod password;
pub mod session;
pub mod throttle;
pub mod totp;

use crate::state::Shared;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use basic_cache::BasicCache;
use cairn_proto::v1::{Auth, Config, User};
pub use denied::Denied;
use password::Verdict;
use std::sync::Arc;

/// The authenticated caller, put in each request's extensions. `user` is empty when auth is disabled.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: String,
}

/// Paths that need no credentials.
const OPEN_RPCS: &[&str] = &[
    "/v1.Authentication/Login",
    "/cairn.v1.Cairn/GetAuthState",
    "/cairn.v1.Cairn/Setup",
    // Peers authenticate inside the stream, with their identity keys (see cairn-fleet).
    "/v1sync.BackrestSyncService/Sync",
];

fn needs_auth(path: &str) -> bool {
    if OPEN_RPCS.contains(&path) {
        return false;
    }
    ["/v1.", "/v1sync.", "/cairn.v1."]
        .iter()
        .any(|p| path.starts_with(p))
        || path == "/metrics"
}

pub async fn middleware(State(s): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    if !needs_auth(req.uri().path()) || req.method() == axum::http::Method::OPTIONS {
        return next.run(req).await;
    }
    let source = source_of(req.extensions());
    match authenticate(&s, req.headers(), source).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(Denied::NoUsers)
            if first_run::PATHS.contains(&req.uri().path())
                && first_run::pending(&s.orch.config().get()) =>
        {
            req.extensions_mut().insert(first_run::FirstRun);
            next.run(req).await
        }
        Err(why) => unauthenticated(req.headers(), req.uri().path(), &why.to_string()),
    }
}

/// The config's auth section; a config without one has authentication on and no user.
pub fn auth_settings(config: &Config) -> Auth {
    config.auth.as_option().cloned().unwrap_or_default()
}

/// The address a request came from, when the server was started with connection info (plain HTTP)
/// or serves TLS (which records the peer's address itself).
pub fn source_of(extensions: &axum::http::Extensions) -> throttle::Source {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .or_else(|| extensions.get::<connectrpc::PeerAddr>().map(|p| p.0.ip()))
}

/// A source address as login log lines show it.
pub fn source_text(source: throttle::Source) -> String {
    source.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
}

/// Checks the request's credentials against the current config.
pub async fn authenticate(
    s: &Shared,
    headers: &HeaderMap,
    source: throttle::Source,
) -> Result<Principal, Denied> {
    let config = s.orch.config().get();
    let auth = auth_settings(&config);
    if auth.disabled {
        return Ok(Principal {
            user: String::new(),
        });
    }
    if auth.users.is_empty() {
        return Err(Denied::NoUsers);
    }
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Denied::MissingHeader)?;
    if let Some(b64) = value.strip_prefix("Basic ") {
        let (user, pass) = decode_basic(b64)?;
        return check_basic(s, &config, &user, &pass, source).await;
    }
    let token = value.strip_prefix("Bearer ").ok_or(Denied::Scheme)?.trim();
    let now = chrono::Utc::now();
    if token.starts_with(api_token::PREFIX) {
        let t = api_token::find(&config, token, now.timestamp_millis())
            .ok_or(Denied::UnknownApiToken)?;
        find_user(&config, &t.user).ok_or(Denied::ApiTokenUserGone)?;
        return Ok(Principal {
            user: t.user.clone(),
        });
    }
    let claims = s.sessions.verify(token)?;
    let user = find_user(&config, &claims.sub).ok_or(Denied::SessionUserGone)?;
    if claims.pwf != session::fingerprint(password::stored_hash(user)) {
        return Err(Denied::PasswordChanged);
    }
    s.throttle.trust(&claims.sub, source);
    Ok(Principal { user: claims.sub })
}

fn decode_basic(b64: &str) -> Result<(String, String), Denied> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(Denied::MalformedBasic)?;
    let (user, pass) = raw.split_once(':').ok_or(Denied::MalformedBasic)?;
    Ok((user.to_string(), pass.to_string()))
}

async fn check_basic(
    s: &Shared,
    config: &Config,
    user: &str,
    password: &str,
    source: throttle::Source,
) -> Result<Principal, Denied> {
    // A user with two-factor authentication is never let in from the cache: it may hold a check
    // made before two-factor was turned on, and Basic cannot carry a code.
    if let Some(u) = find_user(config, user).filter(|u| u.totp_secret.is_empty()) {
        let key = BasicCache::key(user, password, password::stored_hash(u));
        if s.basic_cache.contains(&key) {
            return Ok(Principal {
                user: user.to_string(),
            });
        }
    }
    let u = verify_login(s, config, user, password, None, source, "basic")
        .await
        .map_err(|r| match r {
            Refusal::NeedsCode => Denied::BasicNeedsCode,
            other => Denied::Login(other),
        })?;
    s.basic_cache.remember(BasicCache::key(
        user,
        password,
        password::stored_hash(&u.user),
    ));
    Ok(Principal {
        user: user.to_string(),
    })
}

/// A user name as login log lines show it: letters, digits and `-._@` as they are, every other byte
/// as `%XX`.
pub fn log_name(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._@".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Why a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("invalid user name or password")]
    Wrong,
    #[error("too many failed logins for this user or from this address; try again in {} s", .0.as_secs().max(1))]
    Throttled(std::time::Duration),
    #[error(
        "this user has two-factor authentication: send the authenticator's one-time code (or a recovery code) as totpCode"
    )]
    NeedsCode,
    #[error("invalid one-time code")]
    WrongCode,
}

/// A user whose password was just verified.
pub struct Verified {
    pub user: User,
    /// The stored hash is one Backrest cannot read (argon2id), to replace with bcrypt.
    pub rehash: bool,
}

/// Checks a password as a login does (the Login RPC, HTTP Basic): throttled per source and user name
/// (see [`throttle`]), logged in one line per attempt for tools such as fail2ban (the source comes
/// first; the name is percent-encoded, so it can hold neither a space, `=`, nor a line break and
/// cannot forge a field or a line), and counted in `/metrics`.
pub async fn verify_login(
    s: &Shared,
    config: &Config,
    name: &str,
    password: &str,
    code: Option<&str>,
    source: throttle::Source,
    via: &str,
) -> Result<Verified, Refusal> {
    let now = std::time::Instant::now();
    if let throttle::Verdict::Wait(wait) = s.throttle.check(name, source, now) {
        record_attempt(s, Attempt::Throttled, source, Some(name), via, None);
        return Err(Refusal::Throttled(wait));
    }
    let verdict = match find_user(config, name).cloned() {
        Some(user) => match check_password(s, &user, password).await {
            Verdict::Right { rehash } => Some(Verified { user, rehash }),
            Verdict::Wrong => None,
        },
        None => {
            check_unknown_user(s, password).await;
            None
        }
    };
    let outcome = match verdict {
        Some(v) => second_factor(s, &v.user, code).map(|()| v),
        None => Err(Refusal::Wrong),
    };
    let attempt = match &outcome {
        Ok(_) => {
            s.throttle.succeeded(name, source);
            Attempt::Succeeded
        }
        Err(refusal) => {
            // A missing code counts too, so passwords cannot be tried at speed by stopping there.
            s.throttle.failed(name, source, std::time::Instant::now());
            match refusal {
                Refusal::NeedsCode => Attempt::NeedsCode,
                _ => Attempt::Failed,
            }
        }
    };
    record_attempt(s, attempt, source, Some(name), via, None);
    outcome
}

/// How a login attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    Succeeded,
    Failed,
    Throttled,
    NeedsCode,
}

/// Writes a login attempt's one log line, for tools such as fail2ban, and counts it in `/metrics`.
/// Every way of logging in (the Login RPC, HTTP Basic, single sign-on) goes through here, so the lines
/// keep one form: the source first; the user name percent-encoded (see [`log_name`]), or `-` when not
/// known; then `via`, and the reason quoted when there is one.
pub fn record_attempt(
    s: &Shared,
    attempt: Attempt,
    source: throttle::Source,
    user: Option<&str>,
    via: &str,
    reason: Option<&str>,
) {
    let src = source_text(source);
    let user = user.map_or_else(|| "-".to_string(), log_name);
    let reason = reason
        .map(|r| format!(" reason={r}", r = quoted(&r)))
        .unwrap_or_default();
    match attempt {
        Attempt::Succeeded => {
            tracing::info!("login succeeded: source={src} user={user} via={via}{reason}");
            s.metrics.login("success");
        }
        Attempt::NeedsCode => {
            tracing::info!(
                "login needs a second factor: source={src} user={user} via={via}{reason}"
            );
            s.metrics.login("second_factor_required");
        }
        Attempt::Failed => {
            tracing::warn!("login failed: source={src} user={user} via={via}{reason}");
            s.metrics.login("failure");
        }
        Attempt::Throttled => {
            tracing::warn!("login throttled: source={src} user={user} via={via}{reason}");
            s.metrics.login("throttled");
        }
    }
}

/// The second factor of a user who has one: a current one-time code, or an unused recovery code
/// (which is then used up).
fn second_factor(s: &Shared, user: &User, code: Option<&str>) -> Result<(), Refusal> {
    if user.totp_secret.is_empty() {
        return Ok(());
    }
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or(Refusal::NeedsCode)?;
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    if s.totp.accept(&user.name, &user.totp_secret, code, now)
        || crate::two_factor::use_recovery_code(s, &user.name, code)
    {
        Ok(())
    } else {
        Err(Refusal::WrongCode)
    }
}

/// Password hashes computed at once: each bcrypt hash (cost 12) keeps a core busy for about a quarter
/// of a second (an argon2id one from an older cairn needs ~19 MiB), so a flood of logins queues here
/// instead of starving the server.
pub const HASHES_AT_ONCE: usize = 2;

/// Verifies a password off the async threads, at most [`HASHES_AT_ONCE`] at a time.
pub async fn check_password(s: &Shared, user: &User, password: &str) -> Verdict {
    let Ok(_permit) = s.hash_gate.acquire().await else {
        return Verdict::Wrong;
    };
    let (user, password) = (user.clone(), password.to_string());
    tokio::task::spawn_blocking(move || password::verify(&user, &password))
        .await
        .unwrap_or(Verdict::Wrong)
}

/// Spends what checking a real user's password costs, so response times do not tell which user
/// names exist.
pub async fn check_unknown_user(s: &Shared, password: &str) {
    static DUMMY: std::sync::OnceLock<User> = std::sync::OnceLock::new();
    let Ok(_permit) = s.hash_gate.acquire().await else {
        return;
    };
    let password = password.to_string();
    let _ = tokio::task::spawn_blocking(move || {
        let dummy = DUMMY.get_or_init(|| User {
            name: String::new(),
            password: password::hash_password("no user has this password")
                .ok()
                .map(password::stored),
            ..User::default()
        });
        password::verify(dummy, &password)
    })
    .await;
}

/// Changes the user named `name`, if there is one, in the stored config (under the store's lock, so
/// the change applies to the user as stored now).
pub fn modify_user(
    s: &Shared,
    name: &str,
    f: impl FnOnce(&mut User),
) -> Result<Config, cairn_config::ConfigError> {
    s.orch
        .config()
        .modify(|c| -> Result<(), cairn_config::ConfigError> {
            if let Some(u) = c
                .auth
                .as_option_mut()
                .and_then(|a| a.users.iter_mut().find(|u| u.name == name))
            {
                f(u);
            }
            Ok(())
        })
}

pub fn find_user<'a>(config: &'a Config, name: &str) -> Option<&'a User> {
    config
        .auth
        .as_option()?
        .users
        .iter()
        .find(|u| u.name == name)
}

/// A 401 in the caller's protocol: a Connect error body, or gRPC status 16 in headers.
fn unauthenticated(req_headers: &HeaderMap, path: &str, message: &str) -> Response {
    let is_grpc = req_headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/grpc"));
    if is_grpc {
        let ct = req_headers
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or(HeaderValue::from_static("application/grpc"));
        let mut resp = StatusCode::OK.into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, ct);
        h.insert("grpc-status", HeaderValue::from_static("16"));
        if let Ok(v) = HeaderValue::from_str(&percent_encode(message)) {
            h.insert("grpc-message", v);
        }
        return resp;
    }
    let body = serde_json::json!({"code": "unauthenticated", "message": message});
    let mut resp = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    if path == "/metrics" {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"cairn\""),
        );
    }
    resp
}

/// gRPC's percent-encoding of grpc-message.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if (0x20..0x7f).contains(&b) && b != b'%' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_open_paths_skip_authentication() {
        for p in OPEN_RPCS {
            assert!(!needs_auth(p));
        }
        assert!(!needs_auth("/healthz"));
        assert!(!needs_auth("/download/abc/"));
        assert!(!needs_auth("/index.html"));
        assert!(needs_auth("/v1.Backrest/GetConfig"));
        assert!(needs_auth("/v1.Authentication/HashPassword"));
        assert!(needs_auth("/cairn.v1.Cairn/GetStatus"));
        assert!(needs_auth("/cairn.v1.Cairn/StartBackup"));
        assert!(needs_auth("/metrics"));
    }

    #[test]
    fn grpc_messages_are_percent_encoded() {
        assert_eq!(percent_encode("a b%é"), "a b%25%C3%A9");
    }
}
