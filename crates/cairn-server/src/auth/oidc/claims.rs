//! From the provider's claims to a cairn user: the user name comes from one claim
//! (`preferred_username` unless configured), and when allowed groups or domains are set only a member
//! of one of the groups, or a user whose verified email is in one of the domains, gets in.
use super::error::OidcError;
use cairn_proto::quoted;
use cairn_proto::v1::Oidc;
use serde_json::{Map, Value};

/// The name claim used when none is configured.
pub const DEFAULT_NAME_CLAIM: &str = "preferred_username";
/// The groups claim used when none is configured.
pub const DEFAULT_GROUPS_CLAIM: &str = "groups";

/// The cairn user name the claims map to.
pub fn user_name(claims: &Map<String, Value>, oidc: &Oidc) -> Result<String, OidcError> {
    let claim = or_default(&oidc.username_claim, DEFAULT_NAME_CLAIM);
    let name = claims
        .get(claim)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| OidcError::NoName(claim.to_string()))?;
    if let Some(problem) = cairn_config::user_name_problem(name) {
        return Err(OidcError::BadName(format!(
            "the claim {claim} cannot be a cairn user name: {problem}",
            claim = quoted(&claim)
        )));
    }
    Ok(name.to_string())
}

/// Whether the claims pass the allowed groups and domains (everyone passes when neither is set).
pub fn is_allowed(claims: &Map<String, Value>, oidc: &Oidc) -> bool {
    if oidc.allowed_groups.is_empty() && oidc.allowed_domains.is_empty() {
        return true;
    }
    let groups_claim = or_default(&oidc.groups_claim, DEFAULT_GROUPS_CLAIM);
    let in_group =
        groups(claims.get(groups_claim)).any(|g| oidc.allowed_groups.iter().any(|a| a == g));
    in_group
        || verified_domain(claims).is_some_and(|d| {
            oidc.allowed_domains
                .iter()
                .any(|a| a.trim_start_matches('.').eq_ignore_ascii_case(d))
        })
}

/// A groups claim: a list of names, or one name.
fn groups(value: Option<&Value>) -> impl Iterator<Item = &str> {
    let list: Vec<&str> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    list.into_iter()
}

/// The domain of the user's email, when the provider says it verified it.
fn verified_domain(claims: &Map<String, Value>) -> Option<&str> {
    let verified = matches!(claims.get("email_verified"), Some(Value::Bool(true)))
        || matches!(claims.get("email_verified"), Some(Value::String(s)) if s == "true");
    let email = claims.get("email")?.as_str()?;
    verified.then(|| email.rsplit_once('@').map(|(_, d)| d))?
}

/// Merges UserInfo claims into the ID token's (which win), when both are about the same subject.
pub fn merge_userinfo(claims: &mut Map<String, Value>, userinfo: Map<String, Value>) -> bool {
    if userinfo.get("sub") != claims.get("sub") {
        return false;
    }
    for (k, v) in userinfo {
        claims.entry(k).or_insert(v);
    }
    true
}

fn or_default<'a>(configured: &'a str, default: &'a str) -> &'a str {
    if configured.is_empty() {
        default
    } else {
        configured
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn limited() -> Oidc {
        Oidc {
            allowed_groups: vec!["backup-admins".into()],
            allowed_domains: vec!["example.com".into()],
            ..Oidc::default()
        }
    }

    #[test]
    fn the_name_comes_from_the_configured_claim() {
        let c = claims(json!({"preferred_username": "alice", "email": "a@example.com"}));
        assert_eq!(user_name(&c, &Oidc::default()).unwrap(), "alice");
        let by_email = Oidc {
            username_claim: "email".into(),
            ..Oidc::default()
        };
        assert_eq!(user_name(&c, &by_email).unwrap(), "a@example.com");
        let e = user_name(&claims(json!({"sub": "1"})), &Oidc::default()).unwrap_err();
        assert!(e.to_string().contains("preferred_username"), "{e}");
        let odd = claims(json!({"preferred_username": "a b;rm"}));
        assert!(matches!(
            user_name(&odd, &Oidc::default()),
            Err(OidcError::BadName(_))
        ));
    }

    #[test]
    fn groups_or_verified_domains_let_users_in() {
        let o = limited();
        assert!(is_allowed(
            &claims(json!({"groups": ["x", "backup-admins"]})),
            &o
        ));
        assert!(is_allowed(&claims(json!({"groups": "backup-admins"})), &o));
        assert!(is_allowed(
            &claims(json!({"email": "b@EXAMPLE.com", "email_verified": true})),
            &o
        ));
        assert!(
            !is_allowed(&claims(json!({"email": "b@example.com"})), &o),
            "unverified"
        );
        assert!(!is_allowed(
            &claims(json!({"email": "b@example.com.evil", "email_verified": true})),
            &o
        ));
        assert!(!is_allowed(&claims(json!({"groups": ["users"]})), &o));
        assert!(is_allowed(&claims(json!({})), &Oidc::default()));
    }

    #[test]
    fn userinfo_fills_in_claims_only_for_the_same_subject() {
        let mut c = claims(json!({"sub": "1", "email": "id@token"}));
        assert!(merge_userinfo(
            &mut c,
            claims(json!({"sub": "1", "email": "x", "groups": ["g"]}))
        ));
        assert_eq!(
            (c["email"].as_str(), c["groups"][0].as_str()),
            (Some("id@token"), Some("g"))
        );
        assert!(!merge_userinfo(
            &mut c,
            claims(json!({"sub": "2", "name": "n"}))
        ));
        assert!(!c.contains_key("name"));
    }
}
