//! HTTP for the storages that speak it (REST, S3, GCS, Azure): one blocking client with timeouts, requests
//! retried with backoff on connection failures, timeouts, 429 and 5xx answers, 404 as `NotFound`, and ranged
//! reads whose length is checked.
use super::other;
use crate::tls::TlsOptions;
use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use std::io;
use std::time::Duration;

const ATTEMPTS: u32 = 4;

/// The error with its causes (reqwest's own text is only "error sending request"), without the URL,
/// which may carry credentials.
pub fn error(e: reqwest::Error) -> io::Error {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        cause = c.source();
    }
    other(format!("{text}{}", tls_hint(&text)))
}

/// What to do about a TLS failure, from rustls's words for it.
fn tls_hint(text: &str) -> &'static str {
    if text.contains("invalid peer certificate: UnknownIssuer") {
        "; the server's certificate is not trusted: give its CA with --cacert in the repository's flags (or skip the check with --insecure-tls)"
    } else if ["BadCertificate", "CertificateRequired", "UnknownCA"]
        .iter()
        .any(|alert| text.contains(alert))
    {
        "; the server refused this client's certificate or wants one: give a certificate and its key with --tls-client-cert in the repository's flags"
    } else {
        ""
    }
}

/// The client, trusting and presenting what `tls` says.
pub fn client(tls: &TlsOptions) -> io::Result<Client> {
    let builder = Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(600));
    tls.apply(builder)?.build().map_err(error)
}

/// The other side of a request, for errors: its name, and what to check when it refuses the credentials.
pub struct Service {
    pub name: &'static str,
    pub credentials: &'static str,
}

/// Sends the request `make` builds, again for each retry (so signatures and tokens are fresh per
/// attempt); a refusal names the service, the status, the service's own words and, for 401/403, the
/// credentials to check.
pub fn send(
    client: &Client,
    service: &Service,
    make: impl Fn(&Client) -> io::Result<RequestBuilder>,
) -> io::Result<Response> {
    let mut delay = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        let result = make(client)?.send();
        let retry = match &result {
            // 429 is how Google Cloud Storage asks a client to slow down (S3 and Azure use 503).
            Ok(r) => r.status().is_server_error() || r.status() == StatusCode::TOO_MANY_REQUESTS,
            Err(e) => e.is_connect() || e.is_timeout(),
        };
        if !retry || attempt == ATTEMPTS {
            let response = result.map_err(error)?;
            return match response.status() {
                s if s.is_success() => Ok(response),
                StatusCode::NOT_FOUND => Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{} not found", response.url().path()),
                )),
                _ => Err(refusal(service, response)),
            };
        }
        std::thread::sleep(delay);
        delay *= 2;
        attempt += 1;
    }
}

/// The error for a refused request, with the start of the service's explanation.
fn refusal(service: &Service, response: Response) -> io::Error {
    let status = response.status();
    let path = response.url().path().to_string();
    let said: String = response
        .text()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect();
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(": {said}")
    };
    let name = service.name;
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{name} refused {path} ({status}){said}; check {}",
                service.credentials
            ),
        ),
        _ => other(format!("{name} answered {status} for {path}{said}")),
    }
}

/// A GET, for `length` bytes from `offset` when a range is given.
pub fn get(build: RequestBuilder, range: Option<(u64, u32)>) -> RequestBuilder {
    match range {
        Some((offset, length)) => build.header(
            "Range",
            format!("bytes={offset}-{}", offset + u64::from(length).max(1) - 1),
        ),
        None => build,
    }
}

/// The body of a (ranged) read, refused when it is not as long as asked for.
pub fn body(response: Response, range: Option<(u64, u32)>, what: &str) -> io::Result<Bytes> {
    let body = response.bytes().map_err(error)?;
    match range {
        Some((_, length)) if body.len() != length as usize => Err(other(format!(
            "the server sent {} bytes of {what} where {length} were asked for",
            body.len()
        ))),
        _ => Ok(body),
    }
}
