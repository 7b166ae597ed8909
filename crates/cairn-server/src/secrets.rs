//! Secrets never leave the server: GetConfig shows every secret field of the config (the list is
//! `cairn_config::secrets`, decided by type: repository passwords, secret env values, hook credentials,
//! password hashes, the OpenID Connect client secret, pairing secrets) as a placeholder, and leaves out
//! the ones only their own RPCs change (two-factor secrets and recovery-code hashes, the multihost
//! private key); SetConfig and AddRepo put the stored value back wherever a client returns the
//! placeholder (and always for the withheld ones).
use crate::errors::invalid;
use cairn_config::secrets::{SecretField, Shown, for_each_secret, hook_credentials, hook_secrets};
use cairn_proto::quoted;
use cairn_proto::v1::__buffa::oneof::user::Password;
use cairn_proto::v1::multihost::{PairingToken, Peer};
use cairn_proto::v1::{Config, Hook, Repo, User};
use connectrpc::ConnectError;
use std::convert::Infallible;

/// What a client sees instead of a secret (the same text Backrest uses for password hashes).
pub const REDACTED: &str = "********";

/// Hides one secret as its field says.
fn mask(field: SecretField, value: &mut String) -> Result<(), Infallible> {
    match field.shown {
        Shown::Masked if !value.is_empty() => *value = REDACTED.into(),
        Shown::Masked => {}
        Shown::Withheld => value.clear(),
    }
    Ok(())
}

/// The config as clients may see it.
pub fn redact(mut config: Config) -> Config {
    if let Some(auth) = config.auth.as_option_mut() {
        for user in &mut auth.users {
            user.two_factor = !user.totp_secret.is_empty();
        }
    }
    let Ok(()) = for_each_secret(&mut config, &mut mask);
    if let Some(auth) = config.auth.as_option_mut() {
        for user in &mut auth.users {
            user.totp_recovery_sha256.retain(|c| !c.is_empty());
            // Whatever field holds the hash, it is shown where Backrest's UI looks for it.
            if user.password.is_some() {
                user.password = Some(Password::PasswordBcrypt(REDACTED.into()));
            }
        }
    }
    config
}

/// A hook as GetConfig shows it.
fn redacted_hook(hook: &Hook) -> Hook {
    let mut h = hook.clone();
    let Ok(()) = hook_secrets(&mut h, &mut mask);
    h
}

/// Whether two hooks have the same kind of action.
fn same_action(a: &Hook, b: &Hook) -> bool {
    match (&a.action, &b.action) {
        (Some(x), Some(y)) => std::mem::discriminant(x) == std::mem::discriminant(y),
        _ => false,
    }
}

/// Puts back the credentials of hooks that carry the placeholder, from the stored hook of the same
/// owner that is identical once redacted, else the only stored hook with the same kind of action.
fn restore_hooks(field: &str, hooks: &mut [Hook], stored: &[Hook]) -> Result<(), ConnectError> {
    for (j, hook) in hooks.iter_mut().enumerate() {
        if !hook_credentials(hook).iter().any(|(_, v)| **v == REDACTED) {
            continue;
        }
        let same = stored.iter().find(|s| redacted_hook(s) == *hook);
        let same_kind: Vec<&Hook> = stored.iter().filter(|s| same_action(s, hook)).collect();
        let source = same.or(match same_kind.as_slice() {
            [only] => Some(*only),
            _ => None,
        });
        let Some(mut source) = source.cloned() else {
            return Err(invalid(
                &format!("{field}.hooks[{j}]"),
                format!(
                    "holds the placeholder {} but cairn cannot tell which stored hook it stands for; enter the value again",
                    quoted(REDACTED)
                ),
            ));
        };
        for ((_, value), (_, old)) in hook_credentials(hook)
            .into_iter()
            .zip(hook_credentials(&mut source))
        {
            if *value == REDACTED {
                *value = std::mem::take(old);
            }
        }
    }
    Ok(())
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
        keep_cairn_actions(&mut plan.hooks, old_hooks);
        restore_hooks(&format!("plans[{i}]"), &mut plan.hooks, old_hooks)?;
    }
    keep_left_out(incoming, stored);
    if let Some(auth) = incoming.auth.as_option_mut() {
        for (i, user) in auth.users.iter_mut().enumerate() {
            restore_user(&format!("auth.users[{i}]"), user, stored)?;
        }
        if let Some(oidc) = auth.oidc.as_option_mut() {
            let old = stored.auth.as_option().and_then(|a| a.oidc.as_option());
            restore_from(
                "auth.oidc.clientSecret",
                &mut oidc.client_secret,
                old.map(|o| &o.client_secret),
            )?;
        }
    }
    restore_identity(incoming, stored)?;
    if let (Some(mh), Some(old)) = (
        incoming.multihost.as_option_mut(),
        stored.multihost.as_option(),
    ) {
        restore_peers("sync.knownHosts", &mut mh.known_hosts, &old.known_hosts)?;
        restore_peers(
            "sync.authorizedClients",
            &mut mh.authorized_clients,
            &old.authorized_clients,
        )?;
        restore_tokens(&mut mh.pairing_tokens, &old.pairing_tokens)?;
    }
    Ok(())
}

/// Keeps the stored value of cairn's own settings (field numbers of 1000 and up) that a client left
/// out: Backrest's UI does not know them, and rebuilds the auth section from its own schema.
fn keep_left_out(incoming: &mut Config, stored: &Config) {
    if incoming.cairn.is_unset() {
        incoming.cairn = stored.cairn.clone();
    }
    if let (Some(auth), Some(old)) = (incoming.auth.as_option_mut(), stored.auth.as_option())
        && auth.oidc.is_unset()
    {
        auth.oidc = old.oidc.clone();
    }
}

/// Gives a hook that arrives without an action the action of the stored hook with the same
/// conditions when that action is one of cairn's own (ntfy, email): Backrest's UI does not know them
/// and drops them from hooks it sends back.
fn keep_cairn_actions(hooks: &mut [Hook], stored: &[Hook]) {
    use cairn_proto::v1::__buffa::oneof::hook::Action;
    for hook in hooks.iter_mut().filter(|h| h.action.is_none()) {
        let own = stored.iter().find(|s| {
            s.conditions == hook.conditions
                && matches!(
                    s.action,
                    Some(Action::ActionNtfy(_) | Action::ActionEmail(_))
                )
        });
        if let Some(own) = own {
            hook.action = own.action.clone();
        }
    }
}

/// Puts a user's stored hash back where the client sent the placeholder or no password at all, and
/// its two-factor secrets always: they change only through enrolment, and `two_factor` is only ever
/// shown (GetConfig derives it from the secret), never stored.
fn restore_user(field: &str, user: &mut User, stored: &Config) -> Result<(), ConnectError> {
    let old = crate::auth::find_user(stored, &user.name);
    user.totp_secret = old.map(|u| u.totp_secret.clone()).unwrap_or_default();
    user.totp_recovery_sha256 = old
        .map(|u| u.totp_recovery_sha256.clone())
        .unwrap_or_default();
    user.two_factor = false;
    crate::auth::password::normalize(user);
    let hash = crate::auth::password::stored_hash(user);
    if !hash.is_empty() && hash != REDACTED {
        return Ok(());
    }
    let old = old.ok_or_else(|| {
        invalid(
            &format!("{field}.passwordBcrypt"),
            format!("user {} is new: set a password for it", quoted(&user.name)),
        )
    })?;
    user.password = old.password.clone();
    Ok(())
}

/// The multihost identity: its private key never leaves the server, so a client sends the key id
/// alone (or nothing); the stored identity is kept then. A full key pair replaces it (validation
/// checks that it is consistent); a bare key id that is not the stored one is refused.
fn restore_identity(incoming: &mut Config, stored: &Config) -> Result<(), ConnectError> {
    let Some(old) = stored
        .multihost
        .as_option()
        .and_then(|m| m.identity.as_option())
    else {
        return Ok(());
    };
    let mh = incoming.multihost.get_or_insert_default();
    let given = mh.identity.as_option();
    if given.is_some_and(|id| !id.ed25519priv.is_empty()) {
        return Ok(());
    }
    if let Some(id) = given.filter(|id| !id.keyid.is_empty() && id.keyid != old.keyid) {
        return Err(invalid(
            "sync.identity.keyId",
            format!(
                "is {} but this instance's identity is {}; its private key never leaves the server, so send the key id GetConfig gives (or leave the identity out), or replace the whole key pair",
                quoted(&id.keyid),
                quoted(&old.keyid)
            ),
        ));
    }
    mh.identity = old.clone().into();
    Ok(())
}

/// Puts the stored secret back where a client sent the placeholder, or refuses naming the field when
/// nothing is stored behind it.
fn restore_from(field: &str, value: &mut String, old: Option<&String>) -> Result<(), ConnectError> {
    if value != REDACTED {
        return Ok(());
    }
    *value = old.filter(|o| !o.is_empty()).cloned().ok_or_else(|| {
        invalid(
            field,
            format!(
                "holds the placeholder {} but nothing is stored for it; enter the value again",
                quoted(REDACTED)
            ),
        )
    })?;
    Ok(())
}

/// Peers' initial pairing secrets, matched by instance id.
fn restore_peers(list: &str, peers: &mut [Peer], stored: &[Peer]) -> Result<(), ConnectError> {
    for (i, p) in peers.iter_mut().enumerate() {
        let old = stored.iter().find(|o| o.instance_id == p.instance_id);
        restore_from(
            &format!("{list}[{i}].initialPairingSecret"),
            &mut p.initial_pairing_secret,
            old.map(|o| &o.initial_pairing_secret),
        )?;
    }
    Ok(())
}

/// Pairing tokens' secrets, matched by label and creation time.
fn restore_tokens(
    tokens: &mut [PairingToken],
    stored: &[PairingToken],
) -> Result<(), ConnectError> {
    for (i, t) in tokens.iter_mut().enumerate() {
        let old = stored
            .iter()
            .find(|o| o.label == t.label && o.created_at_unix == t.created_at_unix);
        restore_from(
            &format!("sync.pairingTokens[{i}].secret"),
            &mut t.secret,
            old.map(|o| &o.secret),
        )?;
    }
    Ok(())
}

/// Restores one repository's password and secret env values from its stored version.
pub fn restore_repo(field: &str, repo: &mut Repo, old: Option<&Repo>) -> Result<(), ConnectError> {
    let missing = |what: &str| {
        invalid(
            field,
            format!(
                "{what} is the placeholder {} but no stored repository {} has one; enter the real value",
                quoted(REDACTED),
                quoted(&repo.id)
            ),
        )
    };
    if repo.password == REDACTED {
        repo.password = old
            .map(|o| o.password.clone())
            .ok_or_else(|| missing("password"))?;
    }
    if let Some(o) = old.filter(|_| repo.engine.is_empty()) {
        // Backrest's UI does not know `engine`: empty keeps the stored one.
        repo.engine = o.engine.clone();
    }
    let old_hooks = old.map(|o| o.hooks.as_slice()).unwrap_or_default();
    keep_cairn_actions(&mut repo.hooks, old_hooks);
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
    use cairn_proto::v1::{Auth, Oidc};

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
    fn pairing_secrets_are_masked_and_restored_and_the_private_key_withheld() {
        let stored: Config = serde_json::from_value(serde_json::json!({
            "sync": {
                "identity": {"keyId": "ed25519.k", "ed25519priv": "private-key-1", "ed25519pub": "pub"},
                "knownHosts": [{"instanceId": "hub", "keyId": "k2", "initialPairingSecret": "pairing-secret-2"}],
                "pairingTokens": [{"secret": "token-secret-3", "label": "laptop", "createdAtUnix": 5}]
            }
        }))
        .unwrap();
        let shown = redact(stored.clone());
        let text = serde_json::to_string(&shown).unwrap();
        for secret in ["private-key-1", "pairing-secret-2", "token-secret-3"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(
            text.contains("ed25519.k") && text.contains("laptop"),
            "{text}"
        );
        let mut back = shown.clone();
        restore(&mut back, &stored).unwrap();
        assert_eq!(back, stored);
        let mut relabelled = shown;
        relabelled.multihost.as_option_mut().unwrap().pairing_tokens[0].label = "other".into();
        assert!(
            restore(&mut relabelled, &stored).is_err(),
            "nothing stored behind it"
        );
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

    /// What Backrest's settings dialog sends back: the auth section rebuilt from its own schema
    /// (cairn's fields gone, hashes as the placeholder or missing), the identity as its key id alone.
    #[test]
    fn what_a_backrest_client_leaves_out_is_kept() {
        let mut stored = config();
        let identity = cairn_config::identity::generate().unwrap();
        stored.multihost.get_or_insert_default().identity = identity.clone().into();
        stored.repos[0].engine = "embedded".into();
        stored.cairn.get_or_insert_default().seal_secrets = true;
        let mut sent = redact(stored.clone());
        sent.cairn = Default::default();
        sent.repos[0].engine.clear();
        let auth = sent.auth.as_option_mut().unwrap();
        auth.oidc = Default::default();
        auth.users[0].password = None;
        sent.multihost.as_option_mut().unwrap().identity = cairn_proto::v1::PrivateKey {
            keyid: identity.keyid.clone(),
            ..Default::default()
        }
        .into();
        let mut back = sent.clone();
        restore(&mut back, &stored).unwrap();
        assert_eq!(back, stored);

        sent.multihost = Default::default();
        let mut back = sent.clone();
        restore(&mut back, &stored).unwrap();
        assert_eq!(back, stored, "no identity at all keeps the stored one");

        sent.multihost.get_or_insert_default().identity = cairn_proto::v1::PrivateKey {
            keyid: "ed25519.someone-else".into(),
            ..Default::default()
        }
        .into();
        let err = restore(&mut sent, &stored).unwrap_err();
        assert!(err.to_string().contains("ed25519.someone-else"), "{err}");
    }
}
