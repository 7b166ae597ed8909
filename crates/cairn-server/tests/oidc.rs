//! Single sign-on's refusals over real loopback HTTP (the whole sign-in against a real provider is the
//! web UI's e2e test `webui/e2e/oidc.e2e.test.ts`): off when not configured, a provider that cannot be
//! reached, and answers that do not belong to a sign-in this browser started (even an error answer,
//! whose text would be shown) all send the browser back to the web UI with the reason and no session.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use serde_json::json;
use support::{Auth, Server};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The web UI location a sign-in step sends the browser to, and the error it carries.
async fn step(s: &Server, path: &str, cookie: Option<&str>) -> (String, String) {
    let mut req = no_redirects().get(format!("{}{path}", s.base));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 303, "{path}");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(!location.contains("oidc_token"), "{path}: {location}");
    let error = location
        .split_once("#oidc_error=")
        .map(|(_, e)| {
            url::form_urlencoded::parse(format!("e={e}").as_bytes())
                .next()
                .unwrap()
                .1
                .into_owned()
        })
        .unwrap_or_default();
    (location, error)
}

fn oidc_config(issuer: &str) -> serde_json::Value {
    json!({"version": 6, "modno": 1, "instance": "t", "auth": {"users": [], "oidc": {
        "issuer": issuer, "clientId": "cairn", "clientSecret": "s", "buttonLabel": "Company login"}}})
}

#[tokio::test(flavor = "multi_thread")]
async fn without_configuration_sign_in_is_off() {
    let s = Server::start(json!({"version": 6, "modno": 1, "instance": "t"})).await;
    let (location, error) = step(&s, "/auth/oidc/login", None).await;
    assert!(location.starts_with("../../#oidc_error="), "{location}");
    assert!(error.contains("not configured"), "{error}");
    let (_, state) = s
        .call("cairn.v1.Cairn/GetAuthState", json!({}), Auth::None)
        .await;
    assert_eq!(state.get("oidcLabel"), None, "{state}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_provider_shows_its_button_and_replaces_first_run_setup() {
    let s = Server::start(oidc_config("http://127.0.0.1:1")).await;
    let (_, state) = s
        .call("cairn.v1.Cairn/GetAuthState", json!({}), Auth::None)
        .await;
    assert_eq!(state["oidcLabel"], "Company login");
    assert_eq!(state.get("setupRequired"), None, "{state}");
    let (_, error) = step(&s, "/auth/oidc/login", None).await;
    assert!(
        error.contains("cannot reach the identity provider at http://127.0.0.1:1/"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_for_no_sign_in_of_this_browser_are_refused() {
    let s = Server::start(oidc_config("http://127.0.0.1:1")).await;
    let cases = [
        (
            "/auth/oidc/callback?code=c&state=unknown",
            Some("cairn_oidc_state=unknown"),
        ),
        (
            "/auth/oidc/callback?code=c&state=abc",
            Some("cairn_oidc_state=other"),
        ),
        ("/auth/oidc/callback?code=c&state=abc", None),
        ("/auth/oidc/callback?code=c", None),
    ];
    for (path, cookie) in cases {
        let (_, error) = step(&s, path, cookie).await;
        assert!(error.contains("start it again"), "{path}: {error}");
    }
    // A forged error answer cannot put its words on the sign-in page.
    let (_, error) = step(
        &s,
        "/auth/oidc/callback?error=access_denied&error_description=call+this+number&state=x",
        Some("cairn_oidc_state=x"),
    )
    .await;
    assert!(!error.contains("number"), "{error}");
    assert!(!s.config_text().contains("\"name\""), "no user was created");
}
