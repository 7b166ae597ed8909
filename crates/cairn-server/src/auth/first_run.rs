//! Backrest's first-run flow against cairn. While setup is pending (authentication on, no user, no
//! single sign-on) Backrest's UI reads the config, hashes the new user's password and saves its
//! settings dialog without credentials. cairn lets exactly that through and no more, so the exposure
//! equals that of its own Setup RPC: GetConfig shows only what the dialog needs (instance id, auth
//! section, identity key id), and SetConfig takes only the auth section and, while unset, the
//! instance id, onto the stored config; the result must end setup (a user, or auth disabled).
//! Everything else stays refused, and all of it closes once the first user exists.
use crate::errors::invalid;
use cairn_proto::v1::{Config, Multihost, PrivateKey};
use connectrpc::ConnectError;

/// The RPCs Backrest's first-run dialog sends.
pub const PATHS: &[&str] = &[
    "/v1.Backrest/GetConfig",
    "/v1.Backrest/SetConfig",
    "/v1.Authentication/HashPassword",
];

/// Put in a request's extensions when it is let through as part of the first-run flow.
#[derive(Clone, Copy, Debug)]
pub struct FirstRun;

/// Whether setup is pending: authentication on, no user yet, and no single sign-on that could
/// create one.
pub fn pending(config: &Config) -> bool {
    let auth = super::auth_settings(config);
    !auth.disabled && auth.users.is_empty() && super::oidc::settings(config).is_none()
}

/// The part of the (already redacted) config the first-run dialog reads.
pub fn view(redacted: &Config) -> Config {
    let keyid = redacted
        .multihost
        .as_option()
        .and_then(|m| m.identity.as_option())
        .map(|i| i.keyid.clone())
        .unwrap_or_default();
    Config {
        modno: redacted.modno,
        version: redacted.version,
        instance: redacted.instance.clone(),
        auth: redacted.auth.clone(),
        multihost: Multihost {
            identity: PrivateKey {
                keyid,
                ..PrivateKey::default()
            }
            .into(),
            ..Multihost::default()
        }
        .into(),
        ..Config::default()
    }
}

/// The stored config with the dialog's auth section and, while the stored one is empty, its
/// instance id; refused unless it ends setup.
pub fn apply(stored: &Config, incoming: Config) -> Result<Config, ConnectError> {
    let mut next = stored.clone();
    next.modno = incoming.modno;
    if next.instance.is_empty() {
        next.instance = incoming.instance;
    }
    next.auth = incoming.auth;
    if pending(&next) {
        return Err(invalid(
            "auth",
            "first-run setup: add a user with a password, or disable authentication",
        ));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::v1::{Auth, Repo, User};

    fn stored() -> Config {
        Config {
            modno: 3,
            instance: "nas".into(),
            repos: vec![Repo {
                id: "r".into(),
                uri: "/srv/r".into(),
                ..Repo::default()
            }],
            auth: Auth::default().into(),
            ..Config::default()
        }
    }

    #[test]
    fn the_view_holds_no_repositories_or_plans() {
        let v = view(&stored());
        assert!(v.repos.is_empty() && v.plans.is_empty());
        assert_eq!((v.modno, v.instance.as_str()), (3, "nas"));
    }

    #[test]
    fn only_auth_and_an_unset_instance_are_taken() {
        let mut incoming = view(&stored());
        incoming.instance = "other".into();
        incoming.repos.clear();
        incoming.auth.get_or_insert_default().users.push(User {
            name: "admin".into(),
            ..User::default()
        });
        let next = apply(&stored(), incoming).unwrap();
        assert_eq!(next.instance, "nas");
        assert_eq!(next.repos.len(), 1, "the repository list is the stored one");
        assert_eq!(next.auth.as_option().unwrap().users[0].name, "admin");
    }

    #[test]
    fn a_save_that_leaves_setup_pending_is_refused() {
        assert!(apply(&stored(), view(&stored())).is_err());
        let mut off = view(&stored());
        off.auth.get_or_insert_default().disabled = true;
        assert!(apply(&stored(), off).is_ok());
    }
}
