//! GeneratePairingToken: a host issues a token a client pastes to pair with it, as Backrest does (see
//! `cairn_config::pairing` for the format). The token is stored under `sync.pairingTokens` with its
//! label, expiry (0: never), number of uses and the permissions a client pairing with it gets; its
//! secret appears only in the answer (GetConfig shows the placeholder) and is never logged.
use crate::errors::{Refused, invalid};
use crate::state::Shared;
use cairn_config::pairing::{PairingToken, new_secret};
use cairn_proto::v1::multihost::PairingToken as StoredToken;
use cairn_proto::v1::{GeneratePairingTokenRequest, GeneratePairingTokenResponse};
use connectrpc::ConnectError;

/// Issues a token; refused without an instance id, or with a negative time to live or fewer than one
/// use (Backrest would store a token that can never be used).
pub async fn generate(
    s: &Shared,
    req: GeneratePairingTokenRequest,
) -> Result<GeneratePairingTokenResponse, ConnectError> {
    if req.ttl_seconds < 0 {
        return Err(invalid(
            "ttlSeconds",
            "must be 0 (never expires) or a number of seconds",
        ));
    }
    if req.max_uses < 1 {
        return Err(invalid("maxUses", "must be at least 1"));
    }
    let secret = new_secret().map_err(|e| ConnectError::internal(e.to_string()))?;
    let now = chrono::Utc::now().timestamp();
    let mut token = None;
    s.orch
        .config()
        .modify(|c| -> Result<(), Refused> {
            if c.instance.is_empty() {
                return Err(Refused(ConnectError::failed_precondition(
                    "set the instance id before issuing pairing tokens",
                )));
            }
            let key_id = c
                .multihost
                .as_option()
                .and_then(|m| m.identity.as_option())
                .map(|i| i.keyid.clone())
                .ok_or_else(|| {
                    Refused(ConnectError::failed_precondition(
                        "this instance has no multihost identity yet; restart cairn to have one made",
                    ))
                })?;
            c.multihost.get_or_insert_default().pairing_tokens.push(StoredToken {
                secret: secret.clone(),
                label: req.label.clone(),
                created_at_unix: now,
                expires_at_unix: if req.ttl_seconds > 0 { now + req.ttl_seconds } else { 0 },
                max_uses: req.max_uses,
                uses: 0,
                permissions: req.permissions.clone(),
                ..StoredToken::default()
            });
            token = Some(PairingToken {
                key_id,
                secret: secret.clone(),
                instance_id: c.instance.clone(),
            });
            Ok(())
        })
        .map_err(|r| r.0)?;
    s.orch.config_changed().await.map_err(crate::errors::orch)?;
    tracing::info!(label = %req.label, max_uses = req.max_uses, ttl_seconds = req.ttl_seconds, "issued a pairing token");
    Ok(GeneratePairingTokenResponse {
        token: token.map(|t| t.format()).unwrap_or_default(),
        ..GeneratePairingTokenResponse::default()
    })
}
