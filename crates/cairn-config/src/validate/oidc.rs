//! OpenID Connect rules: an issuer URL cairn may trust (https, or http on a loopback address), a client
//! id, a callback URL that ends where cairn serves it, and auto-creation only when limited to a group or
//! domain.
use super::Check;
use cairn_proto::quoted;
use cairn_proto::v1::Oidc;

/// Where cairn serves the provider's redirect back, below its public URL.
pub const CALLBACK_PATH: &str = "auth/oidc/callback";

pub(super) fn check(k: &mut Check, o: &Oidc) {
    if o.issuer.is_empty() {
        if !o.client_id.is_empty() {
            k.err(
                "auth.oidc.issuer",
                "the provider's issuer URL is required (or remove auth.oidc to turn single sign-on off)",
            );
        }
        return;
    }
    if let Err(e) = trusted_url(&o.issuer) {
        k.err("auth.oidc.issuer", e.to_string());
    }
    if o.client_id.is_empty() {
        k.err(
            "auth.oidc.clientId",
            "the client id registered with the provider is required",
        );
    }
    if !o.redirect_url.is_empty() {
        match trusted_url(&o.redirect_url) {
            Err(e) => k.err("auth.oidc.redirectUrl", e.to_string()),
            Ok(u) if !u.path().ends_with(&format!("/{CALLBACK_PATH}")) => k.err(
                "auth.oidc.redirectUrl",
                format!(
                    "must end with /{CALLBACK_PATH}, where cairn receives the provider's answer"
                ),
            ),
            Ok(_) => {}
        }
    }
    if o.auto_create_users && o.allowed_groups.is_empty() && o.allowed_domains.is_empty() {
        k.err(
            "auth.oidc.autoCreateUsers",
            "would let every account of the provider in; list allowedGroups or allowedDomains",
        );
    }
    for (i, d) in o.allowed_domains.iter().enumerate() {
        if d.is_empty() || d.contains('@') || d.contains(char::is_whitespace) {
            k.err(
                format!("auth.oidc.allowedDomains[{i}]"),
                format!("{} is not a domain; write it as example.com", quoted(d)),
            );
        }
    }
}

/// A URL cairn may send credentials to: https, or http to a loopback address (a provider on the same
/// machine, as in tests).
pub fn trusted_url(text: &str) -> Result<url::Url, UrlError> {
    let u = url::Url::parse(text).map_err(|source| UrlError::NotAUrl {
        text: text.to_string(),
        source,
    })?;
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match u.scheme() {
        "https" => Ok(u),
        "http" if loopback => Ok(u),
        "http" => Err(UrlError::PlainHttp(text.to_string())),
        other => Err(UrlError::Scheme {
            text: text.to_string(),
            scheme: other.to_string(),
        }),
    }
}

/// Why a URL is not one cairn sends credentials to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not a URL at all.
    #[error("{} is not a URL: {source}", quoted(.text))]
    NotAUrl {
        /// The text given.
        text: String,
        /// What the URL parser found wrong.
        #[source]
        source: url::ParseError,
    },
    /// Plain http to a host other than loopback.
    #[error("{} must use https (plain http only to a loopback address)", quoted(.0))]
    PlainHttp(String),
    /// A scheme other than http(s).
    #[error("{}: the scheme {} is not http(s)", quoted(.text), quoted(.scheme))]
    Scheme {
        /// The URL given.
        text: String,
        /// Its scheme.
        scheme: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(o: Oidc) -> Vec<String> {
        let mut k = Check::default();
        check(&mut k, &o);
        k.errors.iter().map(|e| e.path.clone()).collect()
    }

    fn base() -> Oidc {
        Oidc {
            issuer: "https://id.example.com/realms/home".into(),
            client_id: "cairn".into(),
            ..Oidc::default()
        }
    }

    #[test]
    fn a_complete_setting_passes_and_an_empty_one_is_off() {
        assert!(errors(base()).is_empty());
        assert!(errors(Oidc::default()).is_empty());
    }

    #[test]
    fn issuers_must_be_https_unless_on_loopback() {
        for bad in ["http://id.example.com", "ftp://x", "not a url"] {
            let o = Oidc {
                issuer: bad.into(),
                ..base()
            };
            assert_eq!(errors(o), ["auth.oidc.issuer"], "{bad}");
        }
        for good in [
            "http://127.0.0.1:9000",
            "http://localhost/x",
            "http://[::1]:1",
        ] {
            let o = Oidc {
                issuer: good.into(),
                ..base()
            };
            assert!(errors(o).is_empty(), "{good}");
        }
    }

    #[test]
    fn missing_or_wrong_fields_are_named() {
        let o = Oidc {
            client_id: String::new(),
            redirect_url: "https://backup.example.com/callback".into(),
            auto_create_users: true,
            ..base()
        };
        assert_eq!(
            errors(o),
            [
                "auth.oidc.clientId",
                "auth.oidc.redirectUrl",
                "auth.oidc.autoCreateUsers"
            ]
        );
        let o = Oidc {
            redirect_url: "https://backup.example.com/cairn/auth/oidc/callback".into(),
            auto_create_users: true,
            allowed_domains: vec!["example.com".into(), "a@b.c".into()],
            ..base()
        };
        assert_eq!(errors(o), ["auth.oidc.allowedDomains[1]"]);
    }
}
