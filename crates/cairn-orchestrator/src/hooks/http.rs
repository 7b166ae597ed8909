//! HTTP deliveries for hooks (webhooks, chat services, ntfy). Every request has a timeout; only 2xx
//! answers count as delivered. The log names the host and the status, never the full URL (it often
//! holds a token).
use super::actions::note;
use super::error::HookError;
use cairn_oplog::LogWriter;
use parking_lot::Mutex;
use std::sync::LazyLock;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!("cairn/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
});

pub async fn get(url: &str, log: &Mutex<LogWriter>) -> Result<(), HookError> {
    send(CLIENT.get(url), url, log).await
}

pub async fn post_text(url: &str, body: &str, log: &Mutex<LogWriter>) -> Result<(), HookError> {
    let req = CLIENT
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(body.to_string());
    send(req, url, log).await
}

pub async fn post_json(
    url: &str,
    body: &serde_json::Value,
    log: &Mutex<LogWriter>,
) -> Result<(), HookError> {
    send(CLIENT.post(url).json(body), url, log).await
}

/// A push to an ntfy topic URL.
pub async fn ntfy(
    url: &str,
    token: &str,
    title: &str,
    priority: i32,
    text: &str,
    log: &Mutex<LogWriter>,
) -> Result<(), HookError> {
    let mut req = CLIENT
        .post(url)
        .header("Title", title)
        .body(text.to_string());
    if priority > 0 {
        req = req.header("Priority", priority.to_string());
    }
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    send(req, url, log).await
}

async fn send(
    req: reqwest::RequestBuilder,
    url: &str,
    log: &Mutex<LogWriter>,
) -> Result<(), HookError> {
    let host = reqwest::Url::parse(url)
        .map(|u| u.host_str().unwrap_or_default().to_string())
        .map_err(|source| HookError::Url {
            what: "hook's URL",
            source,
        })?;
    let resp = req.send().await.map_err(|e| HookError::Unreachable {
        host: host.clone(),
        reason: without_url(&e),
    })?;
    let status = resp.status();
    note(log, &format!("[http] {host} answered {status}"));
    if status.is_success() {
        Ok(())
    } else {
        let body = resp.text().await.unwrap_or_default();
        let body: String = body.chars().take(500).collect();
        Err(HookError::Refused { host, status, body })
    }
}

/// A reqwest error's text without the URL (which may carry a token).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "<url>");
    }
    s
}
