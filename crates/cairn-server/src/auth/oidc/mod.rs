//! OpenID Connect single sign-on beside local users. `GET /auth/oidc/login` sends the browser to the
//! provider (authorization code flow with PKCE, a `state` bound to the browser by a cookie, a nonce);
//! `GET /auth/oidc/callback` takes the provider's answer, validates the ID token, maps its claims to a
//! cairn user (creating it when `autoCreateUsers` allows) and hands the web UI a session token in the
//! URL fragment (`#oidc_token=`, never sent to a server), or the reason it failed (`#oidc_error=`).
//! Each attempt is logged in the same one-line form as password logins, with `via=oidc`. A provider's
//! own second factor applies; cairn's two-factor check is for password logins.
pub mod claims;
pub mod error;
pub mod flow;
pub mod id_token;
pub mod pending;
pub mod provider;

use super::{
    Attempt, auth_settings, find_user, log_name, password, record_attempt, session, source_of,
};
use crate::state::Shared;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_proto::v1::{Config, Oidc, User};
use error::OidcError;
use pending::PendingLogins;
use provider::Provider;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;

/// The cookie holding the `state` of the browser's sign-in.
const COOKIE: &str = "cairn_oidc_state";
/// The web UI, seen from `/auth/oidc/*` (relative, so it also works below a reverse proxy's prefix).
const UI: &str = "../../";
/// The button's text when none is configured.
pub const DEFAULT_LABEL: &str = "Sign in with single sign-on";

/// What single sign-on keeps between requests.
pub struct OidcState {
    pub provider: Provider,
    pub pending: PendingLogins,
}

impl OidcState {
    pub fn new() -> Result<Self, reqwest::Error> {
        Ok(Self {
            provider: Provider::new()?,
            pending: PendingLogins::default(),
        })
    }
}

/// The OpenID Connect settings, when single sign-on is on.
pub fn settings(config: &Config) -> Option<Oidc> {
    auth_settings(config)
        .oidc
        .into_option()
        .filter(|o| !o.issuer.is_empty())
}

/// The sign-in button's text.
pub fn label(o: &Oidc) -> String {
    if o.button_label.is_empty() {
        DEFAULT_LABEL.to_string()
    } else {
        o.button_label.clone()
    }
}

/// `GET /auth/oidc/login`: off to the provider.
pub async fn login(State(s): State<Arc<Shared>>, req: Request) -> Response {
    match start(&s, req.headers(), req.uri()).await {
        Ok((url, cookie)) => redirect(url.as_str(), &cookie),
        Err(e) => redirect(&ui_error(&e), &clear_cookie()),
    }
}

async fn start(
    s: &Shared,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Result<(url::Url, String), OidcError> {
    let oidc = settings(&s.orch.config().get()).ok_or(OidcError::Off)?;
    let redirect_uri = redirect_uri(&oidc, headers, uri)?;
    let metadata = s.oidc.provider.metadata(&oidc.issuer).await?;
    let (state, p) = s.oidc.pending.start(&redirect_uri, Instant::now())?;
    let url = flow::authorization_url(&metadata, &oidc, &state, &p)?;
    let secure = if redirect_uri.starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{COOKIE}={state}; HttpOnly; SameSite=Lax; Max-Age=600{secure}");
    Ok((url, cookie))
}

/// Where the provider sends the browser back: the configured URL, or this server as the request
/// reached it.
fn redirect_uri(
    oidc: &Oidc,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
) -> Result<String, OidcError> {
    if !oidc.redirect_url.is_empty() {
        return Ok(oidc.redirect_url.clone());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .ok_or(OidcError::NoRedirect)?;
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let scheme = if https { "https" } else { "http" };
    let url = url::Url::parse(&format!(
        "{scheme}://{host}/{}",
        cairn_config::OIDC_CALLBACK_PATH
    ))
    .map_err(|_| OidcError::NoRedirect)?;
    // A Host header holding a path or query would move the callback elsewhere.
    if url.path() != format!("/{}", cairn_config::OIDC_CALLBACK_PATH) || url.query().is_some() {
        return Err(OidcError::NoRedirect);
    }
    Ok(url.to_string())
}

/// The provider's answer (RFC 6749 §4.1.2).
#[derive(Deserialize)]
pub struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/oidc/callback`: back from the provider.
pub async fn callback(
    State(s): State<Arc<Shared>>,
    Query(answer): Query<Answer>,
    req: Request,
) -> Response {
    let source = source_of(req.extensions());
    let browser_state = cookie(req.headers(), COOKIE);
    match sign_in(&s, answer, browser_state.as_deref()).await {
        Ok((name, token)) => {
            record_attempt(&s, Attempt::Succeeded, source, Some(&name), "oidc", None);
            s.throttle.trust(&name, source);
            redirect(&format!("{UI}#oidc_token={token}"), &clear_cookie())
        }
        Err((name, e)) => {
            let reason = e.to_string();
            record_attempt(
                &s,
                Attempt::Failed,
                source,
                name.as_deref(),
                "oidc",
                Some(&reason),
            );
            redirect(&ui_error(&e), &clear_cookie())
        }
    }
}

type Failure = (Option<String>, OidcError);

/// The whole callback: the user name and a session token, or why not (and who, when known).
async fn sign_in(
    s: &Shared,
    answer: Answer,
    browser_state: Option<&str>,
) -> Result<(String, String), Failure> {
    let anon = |e: OidcError| (None, e);
    let oidc = settings(&s.orch.config().get()).ok_or(anon(OidcError::Off))?;
    // Only an answer to a sign-in this browser started counts, even an error: its text is shown.
    let state = answer.state.ok_or(anon(OidcError::UnknownState))?;
    if browser_state != Some(state.as_str()) {
        return Err(anon(OidcError::UnknownState));
    }
    let p = s
        .oidc
        .pending
        .take(&state, Instant::now())
        .ok_or(anon(OidcError::UnknownState))?;
    if let Some(error) = answer.error {
        let detail = answer.error_description.unwrap_or_default();
        return Err(anon(OidcError::Refused(
            format!("{error} {detail}").trim().to_string(),
        )));
    }
    let code = answer
        .code
        .ok_or(anon(OidcError::Refused("it sent no code".into())))?;
    let claims = flow::finish(&s.oidc.provider, &oidc, &code, &p)
        .await
        .map_err(anon)?;
    let name = claims::user_name(&claims, &oidc).map_err(anon)?;
    let named = |e: OidcError| (Some(name.clone()), e);
    if !claims::is_allowed(&claims, &oidc) {
        return Err(named(OidcError::NotAllowed(name.clone())));
    }
    let user = ensure_user(s, &oidc, &name).await.map_err(named)?;
    let fingerprint = session::fingerprint(password::stored_hash(&user));
    let now = chrono::Utc::now().timestamp();
    let token = s
        .sessions
        .issue(&name, &fingerprint, now, session::SESSION_TTL_SECONDS);
    Ok((name, token))
}

/// The cairn user `name`, created first when auto-creation is on. A created user's password is a
/// random one nobody knows (an admin may set one later).
async fn ensure_user(s: &Shared, oidc: &Oidc, name: &str) -> Result<User, OidcError> {
    if let Some(u) = find_user(&s.orch.config().get(), name) {
        return Ok(u.clone());
    }
    if !oidc.auto_create_users {
        return Err(OidcError::NoSuchUser(name.to_string()));
    }
    let hash = crate::authentication::hash(s, pending::random_text()?)
        .await
        .map_err(|e| OidcError::Config(e.message.unwrap_or_default()))?;
    let config = s
        .orch
        .config()
        .modify(|c| -> Result<(), cairn_config::ConfigError> {
            let auth = c.auth.get_or_insert_default();
            if !auth.users.iter().any(|u| u.name == name) {
                auth.users.push(User {
                    name: name.to_string(),
                    password: Some(crate::auth::password::stored(hash)),
                    ..User::default()
                });
            }
            Ok(())
        })
        .map_err(|e| OidcError::Config(e.to_string()))?;
    tracing::info!("single sign-on created user {}", log_name(name));
    find_user(&config, name)
        .cloned()
        .ok_or_else(|| OidcError::Config("the user was not stored".into()))
}

/// The value of cookie `name` in the request.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The web UI with `e` for the sign-in page to show.
fn ui_error(e: &OidcError) -> String {
    let text: String = url::form_urlencoded::byte_serialize(e.to_string().as_bytes()).collect();
    format!("{UI}#oidc_error={text}")
}

/// A 303 to `location` that also sets `cookie`; never cached.
fn redirect(location: &str, cookie: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let h = resp.headers_mut();
    for (name, value) in [
        (header::LOCATION, location),
        (header::SET_COOKIE, cookie),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_url_follows_the_request_unless_configured() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("backup.lan:9898"));
        let uri: axum::http::Uri = "/auth/oidc/login".parse().unwrap();
        let o = Oidc::default();
        assert_eq!(
            redirect_uri(&o, &h, &uri).unwrap(),
            "http://backup.lan:9898/auth/oidc/callback"
        );
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(
            redirect_uri(&o, &h, &uri).unwrap(),
            "https://backup.lan:9898/auth/oidc/callback"
        );
        h.insert(header::HOST, HeaderValue::from_static("a/b?c"));
        assert!(matches!(
            redirect_uri(&o, &h, &uri),
            Err(OidcError::NoRedirect)
        ));
        let configured = Oidc {
            redirect_url: "https://x.example.com/cairn/auth/oidc/callback".into(),
            ..Oidc::default()
        };
        assert_eq!(
            redirect_uri(&configured, &HeaderMap::new(), &uri).unwrap(),
            configured.redirect_url
        );
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; cairn_oidc_state=xyz; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&HeaderMap::new(), COOKIE), None);
    }

    #[test]
    fn errors_reach_the_ui_encoded_in_the_fragment() {
        let e = OidcError::NotAllowed("mallory & co".into());
        let u = ui_error(&e);
        assert!(u.starts_with("../../#oidc_error="), "{u}");
        assert!(!u.contains(' ') && !u.contains('&'), "{u}");
    }
}
