//! The authorization code flow with PKCE, from cairn's side: the URL that sends the browser to the
//! provider, and, when the provider sends it back with a code, the exchange of that code for tokens,
//! the ID token's validation and the claims (with UserInfo's, when the provider has that endpoint).
use super::claims::merge_userinfo;
use super::error::OidcError;
use super::id_token::{self, Expected};
use super::pending::Pending;
use super::provider::{Metadata, Provider};
use base64::Engine as _;
use cairn_proto::quoted;
use cairn_proto::v1::Oidc;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Scopes asked for besides `openid` when none are configured.
const DEFAULT_SCOPES: &[&str] = &["profile", "email"];

/// The provider's authorization URL for the sign-in `state`.
pub fn authorization_url(
    m: &Metadata,
    oidc: &Oidc,
    state: &str,
    p: &Pending,
) -> Result<url::Url, OidcError> {
    let mut url =
        url::Url::parse(&m.authorization_endpoint).map_err(|e| OidcError::BadResponse {
            url: m.authorization_endpoint.clone(),
            reason: e.to_string(),
        })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &oidc.client_id)
        .append_pair("redirect_uri", &p.redirect_uri)
        .append_pair("scope", &scopes(oidc))
        .append_pair("state", state)
        .append_pair("nonce", &p.nonce)
        .append_pair("code_challenge", &p.challenge())
        .append_pair("code_challenge_method", "S256");
    Ok(url)
}

fn scopes(oidc: &Oidc) -> String {
    let extra: Vec<&str> = if oidc.scopes.is_empty() {
        DEFAULT_SCOPES.to_vec()
    } else {
        oidc.scopes.iter().map(String::as_str).collect()
    };
    std::iter::once("openid")
        .chain(extra.into_iter().filter(|s| *s != "openid"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

/// Exchanges `code` and returns the signed-in user's claims.
pub async fn finish(
    provider: &Provider,
    oidc: &Oidc,
    code: &str,
    p: &Pending,
) -> Result<Map<String, Value>, OidcError> {
    let m = provider.metadata(&oidc.issuer).await?;
    let tokens = exchange(provider, &m, oidc, code, p).await?;
    let id_token = tokens.id_token.ok_or_else(|| OidcError::BadResponse {
        url: m.token_endpoint.clone(),
        reason: "it holds no id_token (is the openid scope allowed for this client?)".into(),
    })?;
    let mut claims = verify(provider, &m, oidc, &id_token, &p.nonce).await?;
    if let (Some(endpoint), Some(access)) = (&m.userinfo_endpoint, &tokens.access_token) {
        let info: Map<String, Value> = provider
            .get_json(provider.http().get(endpoint).bearer_auth(access), endpoint)
            .await?;
        if !merge_userinfo(&mut claims, info) {
            return Err(OidcError::BadResponse {
                url: endpoint.clone(),
                reason: "its subject is not the ID token's".into(),
            });
        }
    }
    Ok(claims)
}

/// The token request, authenticated as the provider supports: HTTP Basic (its default), the secret in
/// the form, or no secret for a public client.
async fn exchange(
    provider: &Provider,
    m: &Metadata,
    oidc: &Oidc,
    code: &str,
    p: &Pending,
) -> Result<TokenResponse, OidcError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", p.redirect_uri.as_str()),
        ("code_verifier", p.verifier.as_str()),
    ];
    let mut req = provider.http().post(&m.token_endpoint);
    let methods = &m.token_endpoint_auth_methods_supported;
    let supports = |name: &str| methods.iter().any(|x| x == name);
    if oidc.client_secret.is_empty() {
        form.push(("client_id", &oidc.client_id));
    } else if methods.is_empty() || supports("client_secret_basic") {
        req = req.header(
            reqwest::header::AUTHORIZATION,
            basic_credentials(&oidc.client_id, &oidc.client_secret),
        );
    } else if supports("client_secret_post") {
        form.push(("client_id", &oidc.client_id));
        form.push(("client_secret", &oidc.client_secret));
    } else {
        return Err(OidcError::Refused(format!(
            "the provider takes client credentials only by {}; cairn sends client_secret_basic or client_secret_post",
            methods.join(", ")
        )));
    }
    provider.get_json(req.form(&form), &m.token_endpoint).await
}

/// `client_secret_basic`: id and secret each form-encoded, then joined and base64-encoded (RFC 6749
/// §2.3.1).
fn basic_credentials(id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(id), enc(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// The ID token's claims, checked against the provider's keys (fetched again once if the token names
/// a key cairn has not seen: the provider may have rotated).
async fn verify(
    provider: &Provider,
    m: &Metadata,
    oidc: &Oidc,
    token: &str,
    nonce: &str,
) -> Result<Map<String, Value>, OidcError> {
    let (kid, alg) = id_token::header(token)?;
    let expected = Expected {
        issuer: &m.issuer,
        client_id: &oidc.client_id,
        nonce,
    };
    for refresh in [false, true] {
        let keys = provider.keys(&oidc.issuer, refresh).await?;
        if let Some(key) = id_token::find_key(&keys, kid.as_deref(), alg) {
            return id_token::validate(token, key, alg, &expected);
        }
    }
    Err(OidcError::BadToken(format!(
        "no key of the provider matches its key id {}",
        kid.as_deref()
            .map_or_else(|| "(none)".to_string(), |k| quoted(k).to_string())
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_always_start_with_openid() {
        assert_eq!(scopes(&Oidc::default()), "openid profile email");
        let o = Oidc {
            scopes: vec!["openid".into(), "groups".into()],
            ..Oidc::default()
        };
        assert_eq!(scopes(&o), "openid groups");
    }

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        // RFC 6749 §2.3.1: "a b:c" becomes "a+b%3Ac" before base64.
        let h = basic_credentials("cairn", "a b:c");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(h.trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(raw, b"cairn:a+b%3Ac");
    }
}
