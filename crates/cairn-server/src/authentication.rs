//! Backrest's `v1.Authentication` service: Login (open) and HashPassword (open only while the
//! first-run setup is pending, as Backrest's first-run dialog needs it; otherwise behind
//! authentication in cairn, where Backrest leaves it open as a free CPU-burning endpoint).
use crate::auth::password;
use crate::auth::session::{SESSION_TTL_SECONDS, fingerprint};
use crate::auth::throttle::Source;
use crate::auth::{Refusal, auth_settings, find_user, modify_user, source_of, verify_login};
use crate::state::Shared;
use cairn_proto::types::StringValue;
use cairn_proto::v1::{Authentication, LoginRequest, LoginResponse};
use connectrpc::{ConnectError, RequestContext, Response, ServiceRequest, ServiceResult};
use std::sync::Arc;

pub struct AuthenticationApi {
    s: Arc<Shared>,
}

impl AuthenticationApi {
    pub fn new(s: Arc<Shared>) -> Self {
        Self { s }
    }
}

impl Authentication for AuthenticationApi {
    async fn login(
        &self,
        ctx: RequestContext,
        req: ServiceRequest<'_, LoginRequest>,
    ) -> ServiceResult<LoginResponse> {
        let source = source_of(ctx.extensions());
        let code = Some(req.totp_code).filter(|c| !c.is_empty());
        let token = login(&self.s, req.username, req.password, code, source).await?;
        Response::ok(LoginResponse {
            token,
            ..LoginResponse::default()
        })
    }

    async fn hash_password(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, StringValue>,
    ) -> ServiceResult<StringValue> {
        let value = hash(&self.s, req.value.to_string()).await?;
        Response::ok(StringValue {
            value,
            ..StringValue::default()
        })
    }
}

/// Hashes a new password off the async threads, at most `HASHES_AT_ONCE` at a time.
pub async fn hash(s: &Shared, password: String) -> Result<String, ConnectError> {
    let _permit = s
        .hash_gate
        .acquire()
        .await
        .map_err(|e| ConnectError::unavailable(e.to_string()))?;
    tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(|e| ConnectError::internal(e.to_string()))?
        .map_err(|e| ConnectError::invalid_argument(e.to_string()))
}

/// Checks a user's password and opens a session; an argon2id hash is replaced by bcrypt, which
/// Backrest reads too.
pub async fn login(
    s: &Shared,
    name: &str,
    password: &str,
    code: Option<&str>,
    source: Source,
) -> Result<String, ConnectError> {
    let config = s.orch.config().get();
    if auth_settings(&config).disabled {
        return Err(ConnectError::failed_precondition(
            "authentication is disabled in the config; no login is needed",
        ));
    }
    let verified = match verify_login(s, &config, name, password, code, source, "login").await {
        Ok(v) => v,
        Err(r @ Refusal::Throttled(_)) => {
            return Err(ConnectError::resource_exhausted(r.to_string()));
        }
        Err(r) => return Err(ConnectError::unauthenticated(r.to_string())),
    };
    let hash = password::stored_hash(&verified.user).to_string();
    let stored = if verified.rehash {
        rehash(s, name, password, &hash).await?
    } else {
        hash
    };
    Ok(session_token(s, name, &stored))
}

pub fn session_token(s: &Shared, name: &str, stored_hash: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    s.sessions
        .issue(name, &fingerprint(stored_hash), now, SESSION_TTL_SECONDS)
}

/// Replaces a user's argon2id hash with a bcrypt hash of the same password, unless the stored hash
/// changed since it was verified (a password change, or another login's rehash, wins); returns the
/// hash stored afterwards.
async fn rehash(
    s: &Shared,
    name: &str,
    password: &str,
    verified: &str,
) -> Result<String, ConnectError> {
    let new_hash = hash(s, password.to_string()).await?;
    let saved = modify_user(s, name, |u| {
        if password::stored_hash(u) == verified {
            u.password = Some(password::stored(new_hash.clone()));
        }
    })
    .map_err(crate::errors::config)?;
    let now = find_user(&saved, name)
        .map(|u| password::stored_hash(u).to_string())
        .unwrap_or_default();
    if now == new_hash {
        tracing::info!(user = %name, "replaced the user's argon2id password hash with bcrypt, which Backrest reads too");
    }
    Ok(now)
}
