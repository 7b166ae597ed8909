//! Secrets never leave the server: GetConfig replaces repository passwords, the values of secret-looking
//! repository env variables, hook credentials (webhook, Discord, Slack, healthchecks and shoutrrr URLs,
//! tokens, SMTP URLs, ntfy topics), user password hashes, the OpenID Connect client secret and the multihost private key with a
//! placeholder, and leaves out users' two-factor secrets and recovery-code hashes; SetConfig and
//! AddRepo put the stored value back wherever a client returns it (two-factor fields always).
use crate::errors::invalid;
use cairn_proto::v1::__buffa::oneof::user::Password;
use cairn_proto::v1::{Config, Hook, Repo};
use connectrpc::ConnectError;
use serde_json::Value;

/// What a client sees instead of a secret (the same text Backrest uses for password hashes).
pub const REDACTED: &str = "********";

use cairn_config::seal::is_secret_env_name as is_secret_name;

/// Fields of a hook action (JSON names) that hold credentials.
const SECRET_HOOK_FIELDS: &[&str] = &[
    "webhookUrl",
    "token",
    "shoutrrrUrl",
    "botToken",
    "smtpUrl",
    "url",
];

/// The config as clients may see it.
pub fn redact(mut config: Config) -> Config {
    for repo in &mut config.repos {
        redact_repo(repo);
        repo.hooks.iter_mut().for_each(redact_hook);
    }
    for plan in &mut config.plans {
        plan.hooks.iter_mut().for_each(redact_hook);
    }
    if let Some(auth) = config.auth.as_option_mut() {
        for user in &mut auth.users {
            if let Some(Password::PasswordBcrypt(h) | Password::PasswordArgon2(h)) =
                &mut user.password
            {
                *h = REDACTED.into();
            }
            user.two_factor = !user.totp_secret.is_empty();
            user.totp_secret.clear();
            user.totp_recovery_sha256.clear();
        }
        if let Some(oidc) = auth.oidc.as_option_mut()
            && !oidc.client_secret.is_empty()
        {
            oidc.client_secret = REDACTED.into();
        }
    }
    if let Some(identity) = config
        .multihost
        .as_option_mut()
        .and_then(|m| m.identity.as_option_mut())
    {
        identity.ed25519priv.clear();
    }
    config
}

/// A hook as JSON, for walking its action's fields by name.
fn hook_json(hook: &Hook) -> Value {
    serde_json::to_value(hook).unwrap_or(Value::Null)
}

/// The hook's action fields (`actionWebhook`, ...) as (action key, field key, value).
fn secret_fields(v: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let Some(obj) = v.as_object() else { return out };
    for (action, fields) in obj.iter().filter(|(k, _)| k.starts_with("action")) {
        for (field, value) in fields.as_object().into_iter().flatten() {
            if let Some(text) = value.as_str()
                && SECRET_HOOK_FIELDS.contains(&field.as_str())
                && !text.is_empty()
            {
                out.push((action.clone(), field.clone(), text.to_string()));
            }
        }
    }
    out
}

fn redact_hook(hook: &mut Hook) {
    let mut v = hook_json(hook);
    let fields = secret_fields(&v);
    if fields.is_empty() {
        return;
    }
    for (action, field, _) in fields {
        v[&action][&field] = Value::String(REDACTED.into());
    }
    match serde_json::from_value(v) {
        Ok(h) => *hook = h,
        // Never send what could not be redacted: the action goes, the conditions stay.
        Err(e) => {
            tracing::warn!(error = %e, "a hook could not be redacted; its action is withheld");
            hook.action = None;
        }
    }
}

/// Puts back the credentials of hooks that carry the placeholder, from the stored hook of the same
/// owner that is identical once redacted, else the only stored hook with the same kind of action.
fn restore_hooks(field: &str, hooks: &mut [Hook], stored: &[Hook]) -> Result<(), ConnectError> {
    for (j, hook) in hooks.iter_mut().enumerate() {
        let mut v = hook_json(hook);
        let placeholders: Vec<(String, String)> = secret_fields(&v)
            .into_iter()
            .filter(|(_, _, text)| text == REDACTED)
            .map(|(a, f, _)| (a, f))
            .collect();
        let Some((action, _)) = placeholders.first().cloned() else {
            continue;
        };
        let same = stored.iter().find(|s| {
            let mut r = (*s).clone();
            redact_hook(&mut r);
            r == *hook
        });
        let same_kind: Vec<&Hook> = stored
            .iter()
            .filter(|s| hook_json(s).get(&action).is_some())
            .collect();
        let source = same.or(match same_kind.as_slice() {
            [only] => Some(*only),
            _ => None,
        });
        let Some(source) = source.map(hook_json) else {
            return Err(invalid(
                &format!("{field}.hooks[{j}]"),
                format!(
                    "holds the placeholder {REDACTED:?} but cairn cannot tell which stored hook it stands for; enter the value again"
                ),
            ));
        };
        for (a, f) in placeholders {
            v[&a][&f] = source[&a][&f].clone();
        }
        *hook =
            serde_json::from_value(v).map_err(|e| invalid(&format!("{field}.hooks[{j}]"), e))?;
    }
    Ok(())
}

fn redact_repo(repo: &mut Repo) {
    if !repo.password.is_empty() {
        repo.password = REDACTED.into();
    }
    for entry in &mut repo.env {
        if let Some((name, value)) = entry.split_once('=')
            && is_secret_name(name)
            && !value.is_empty()
        {
            *entry = format!("{name}={REDACTED}");
        }
    }
}

/// Puts stored secrets back where `incoming` carries the placeholder; an error names a placeholder
/// that has nothing stored behind it.
pub fn restore(incoming: &mut Config, stored: &Config) -> Result<(), ConnectError> {
    for (i, repo) in incoming.repos.iter_mut().enumerate() {
        let old = stored.repos.iter().find(|r| r.id == repo.id);
        restore_repo(&format!("repos[{i}]"), repo, old)?;
    }
    for (i, plan) in incoming.plans.iter_mut().enumerate() {
        let old = stored.plans.iter().find(|p| p.id == plan.id);
        let old_hooks = old.map(|p| p.hooks.as_slice()).unwrap_or_default();
        restore_hooks(&format!("plans[{i}]"), &mut plan.hooks, old_hooks)?;
    }
    if let Some(auth) = incoming.auth.as_option_mut() {
        for (i, user) in auth.users.iter_mut().enumerate() {
            // Two-factor secrets change only through enrolment: a client's values never count, and
            // `two_factor` is only ever shown (GetConfig derives it from the secret), never stored.
            let old = crate::auth::find_user(stored, &user.name);
            user.totp_secret = old.map(|u| u.totp_secret.clone()).unwrap_or_default();
            user.totp_recovery_sha256 = old
                .map(|u| u.totp_recovery_sha256.clone())
                .unwrap_or_default();
            user.two_factor = false;
            crate::auth::password::normalize(user);
            if crate::auth::password::stored_hash(user) != REDACTED {
                continue;
            }
            let old = crate::auth::find_user(stored, &user.name).ok_or_else(|| {
                invalid(
                    &format!("auth.users[{i}].passwordBcrypt"),
                    format!("user {:?} is new: set a password for it", user.name),
                )
            })?;
            user.password = old.password.clone();
        }
        if let Some(oidc) = auth.oidc.as_option_mut()
            && oidc.client_secret == REDACTED
        {
            oidc.client_secret = stored
                .auth
                .as_option()
                .and_then(|a| a.oidc.as_option())
                .map(|o| o.client_secret.clone())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    invalid(
                        "auth.oidc.clientSecret",
                        "no client secret is stored: enter the provider's client secret",
                    )
                })?;
        }
    }
    let stored_identity = stored
        .multihost
        .as_option()
        .and_then(|m| m.identity.as_option());
    if let (Some(identity), Some(old)) = (
        incoming
            .multihost
            .as_option_mut()
            .and_then(|m| m.identity.as_option_mut()),
        stored_identity,
    ) && identity.ed25519priv.is_empty()
        && identity.keyid == old.keyid
    {
        identity.ed25519priv = old.ed25519priv.clone();
    }
    Ok(())
}

/// Restores one repository's password and secret env values from its stored version.
pub fn restore_repo(field: &str, repo: &mut Repo, old: Option<&Repo>) -> Result<(), ConnectError> {
    let missing = |what: &str| {
        invalid(
            field,
            format!(
                "{what} is the placeholder {REDACTED:?} but no stored repository {:?} has one; enter the real value",
                repo.id
            ),
        )
    };
    if repo.password == REDACTED {
        repo.password = old
            .map(|o| o.password.clone())
            .ok_or_else(|| missing("password"))?;
    }
    let old_hooks = old.map(|o| o.hooks.as_slice()).unwrap_or_default();
    restore_hooks(field, &mut repo.hooks, old_hooks)?;
    for entry in &mut repo.env {
        let Some((name, value)) = entry.split_once('=') else {
            continue;
        };
        if value != REDACTED {
            continue;
        }
        let prefix = format!("{name}=");
        let stored = old
            .and_then(|o| o.env.iter().find(|e| e.starts_with(&prefix)))
            .ok_or_else(|| missing(&format!("env {name}")))?;
        *entry = stored.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::v1::{Auth, Oidc, User};

    fn config() -> Config {
        Config {
            repos: vec![Repo {
                id: "r".into(),
                password: "hunter2".into(),
                env: vec![
                    "AWS_SECRET_ACCESS_KEY=abc".into(),
                    "AWS_DEFAULT_REGION=eu".into(),
                ],
                ..Repo::default()
            }],
            auth: Auth {
                users: vec![User {
                    name: "u".into(),
                    password: Some(Password::PasswordArgon2("$argon2id$x".into())),
                    ..User::default()
                }],
                oidc: Oidc {
                    issuer: "https://id.example.com".into(),
                    client_id: "cairn".into(),
                    client_secret: "oidc-client-secret".into(),
                    ..Oidc::default()
                }
                .into(),
                ..Auth::default()
            }
            .into(),
            ..Config::default()
        }
    }

    #[test]
    fn redaction_hides_secrets_and_restoring_brings_them_back() {
        let stored = config();
        let shown = redact(stored.clone());
        let text = format!("{shown:?}");
        assert!(!text.contains("hunter2") && !text.contains("abc") && !text.contains("argon2id"));
        assert!(!text.contains("oidc-client-secret"), "{text}");
        assert!(
            shown.repos[0]
                .env
                .contains(&"AWS_DEFAULT_REGION=eu".to_string())
        );
        let mut back = shown.clone();
        restore(&mut back, &stored).unwrap();
        assert_eq!(back, stored);
    }

    #[test]
    fn hook_credentials_are_redacted_and_restored_even_when_hooks_are_reordered() {
        let hook = |j: serde_json::Value| -> Hook { serde_json::from_value(j).unwrap() };
        let mut stored = config();
        stored.repos[0].hooks = vec![
            hook(serde_json::json!({"conditions": ["CONDITION_ANY_ERROR"],
                "actionDiscord": {"webhookUrl": "https://discord/secret-1", "template": "t"}})),
            hook(serde_json::json!({"conditions": ["CONDITION_SNAPSHOT_END"],
                "actionTelegram": {"botToken": "bot-secret", "chatId": "42"}})),
        ];
        let shown = redact(stored.clone());
        let text = format!("{shown:?}");
        assert!(!text.contains("secret-1") && !text.contains("bot-secret") && text.contains("42"));
        let mut back = shown.clone();
        back.repos[0].hooks.reverse();
        restore(&mut back, &stored).unwrap();
        back.repos[0].hooks.reverse();
        assert_eq!(back, stored);
        let mut edited = shown.clone();
        edited.repos[0].hooks.push(shown.repos[0].hooks[0].clone());
        assert!(
            restore(&mut edited, &stored).is_ok(),
            "a copy of a hook keeps its secret"
        );
    }

    #[test]
    fn a_placeholder_with_nothing_stored_behind_it_is_refused() {
        let mut incoming = redact(config());
        incoming.repos[0].id = "new".into();
        let e = restore(&mut incoming, &config()).unwrap_err();
        assert!(e.to_string().contains("repos[0]"), "{e}");
    }
}
