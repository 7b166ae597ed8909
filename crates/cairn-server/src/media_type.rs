//! Connect's rule for content types: a streaming RPC takes `application/connect+json` or
//! `application/connect+proto` (or gRPC's types), never the unary `application/json` or
//! `application/proto`. Such a request is answered 415 Unsupported Media Type with the types it
//! accepts in `Accept-Post`, as the Connect protocol says, instead of "method not found".
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cairn_proto::schema::Schema;

/// What a streaming RPC accepts over Connect.
const STREAMING_TYPES: &str = "application/connect+json, application/connect+proto";

pub async fn middleware(req: Request, next: Next) -> Response {
    if req.method() == Method::POST
        && is_unary_type(req.headers().get(header::CONTENT_TYPE))
        && Schema::get().is_streaming(req.uri().path())
    {
        let message = format!(
            "{} streams: send Content-Type {STREAMING_TYPES} (Connect streaming), or use gRPC or gRPC-Web",
            req.uri().path()
        );
        let mut resp = (StatusCode::UNSUPPORTED_MEDIA_TYPE, message).into_response();
        resp.headers_mut()
            .insert("accept-post", HeaderValue::from_static(STREAMING_TYPES));
        return resp;
    }
    next.run(req).await
}

fn is_unary_type(value: Option<&HeaderValue>) -> bool {
    let Some(ct) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let base = ct.split(';').next().unwrap_or_default().trim();
    base.eq_ignore_ascii_case("application/json") || base.eq_ignore_ascii_case("application/proto")
}
