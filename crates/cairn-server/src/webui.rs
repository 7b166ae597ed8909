//! The web UI: the single-page app built from `webui/` by build.rs and embedded in the binary, served
//! at `/` (the page) and `/assets/` (its hashed, immutable scripts and styles). Open to all: the
//! page holds no data, and every call it makes goes through the API's authentication.
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/webui_assets.rs"));

/// What the page may load: only this origin (the API included) and images from data: URLs; no
/// inline scripts or style sheets (React sets styles through the DOM, which CSP allows); no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// `GET /`: the page. Never cached, so a new binary's UI is picked up at once.
pub async fn index(headers: HeaderMap) -> Response {
    serve("index.html", "no-cache", &headers)
}

/// `GET /assets/{*file}`: a built asset; its name carries its content hash, so it is immutable.
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    serve(
        &format!("assets/{file}"),
        "public, max-age=31536000, immutable",
        &headers,
    )
}

fn serve(path: &str, cache: &'static str, req: &HeaderMap) -> Response {
    let Some(file) = Assets::get(path) else {
        return (StatusCode::NOT_FOUND, "no such file in the web UI").into_response();
    };
    let mime = file.metadata.mimetype();
    let gz = (compressible(mime) && accepts_gzip(req))
        .then(|| gzipped(path, &file.data))
        .flatten();
    let hash = hex::encode(&file.metadata.sha256_hash()[..16]);
    let etag = match gz {
        Some(_) => format!("\"{hash}-gz\""),
        None => format!("\"{hash}\""),
    };
    let fresh = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let gzip = gz.is_some();
    let mut resp = match (fresh, gz) {
        (true, _) => StatusCode::NOT_MODIFIED.into_response(),
        (false, Some(z)) => Response::new(Body::from(z)),
        (false, None) => Response::new(Body::from(file.data.into_owned())),
    };
    let h = resp.headers_mut();
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(ct) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// Scripts, styles and pages shrink about fourfold with gzip; images and fonts are compressed already.
fn compressible(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime.contains("javascript")
        || mime.contains("json")
        || mime.contains("svg")
}

fn accepts_gzip(req: &HeaderMap) -> bool {
    req.get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|e| {
                let mut parts = e.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let refused =
                    parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                name.eq_ignore_ascii_case("gzip") && !refused
            })
        })
}

/// The gzip of an embedded file, compressed once per process (the files never change).
fn gzipped(path: &str, data: &[u8]) -> Option<Bytes> {
    static CACHE: OnceLock<Mutex<HashMap<String, Bytes>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().get(path).cloned() {
        return Some(hit);
    }
    let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 3), Compression::best());
    enc.write_all(data).ok()?;
    let bytes = Bytes::from(enc.finish().ok()?);
    cache.lock().insert(path.to_string(), bytes.clone());
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_used_only_when_accepted() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, GZIP;q=0.5")));
        assert!(!accepts_gzip(&h("gzip;q=0, br")));
        assert!(!accepts_gzip(&h("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
        assert!(compressible("text/javascript") && compressible("image/svg+xml"));
        assert!(!compressible("image/png"));
    }
}
