//! Secrets never leave the server: GetConfig replaces repository passwords, the values of secret-looking
//! repository env variables, user password hashes and the multihost private key with a placeholder;
//! SetConfig and AddRepo put the stored value back wherever a client returns the placeholder.
use crate::errors::invalid;
use cairn_proto::v1::__buffa::oneof::user::Password;
use cairn_proto::v1::{Config, Repo};
use connectrpc::ConnectError;

/// What a client sees instead of a secret (the same text Backrest uses for password hashes).
pub const REDACTED: &str = "********";

/// Env variable names whose values are secrets: any name containing one of these.
const SECRET_NAME_PARTS: &[&str] = &["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"];

fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_PARTS.iter().any(|p| upper.contains(p))
}

/// The config as clients may see it.
pub fn redact(mut config: Config) -> Config {
    for repo in &mut config.repos {
        redact_repo(repo);
    }
    if let Some(auth) = config.auth.as_option_mut() {
        for user in &mut auth.users {
            if let Some(Password::PasswordBcrypt(h) | Password::PasswordArgon2(h)) =
                &mut user.password
            {
                *h = REDACTED.into();
            }
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
    if let Some(auth) = incoming.auth.as_option_mut() {
        for (i, user) in auth.users.iter_mut().enumerate() {
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
    use cairn_proto::v1::{Auth, User};

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
    fn a_placeholder_with_nothing_stored_behind_it_is_refused() {
        let mut incoming = redact(config());
        incoming.repos[0].id = "new".into();
        let e = restore(&mut incoming, &config()).unwrap_err();
        assert!(e.to_string().contains("repos[0]"), "{e}");
    }
}
