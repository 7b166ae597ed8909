//! Which strings of a config are secrets, decided by the message types: every secret-bearing field is
//! reached by [`for_each_secret`] (an exhaustive match over hook actions, so a new action cannot be
//! forgotten) and declared in [`SECRET_FIELDS`] with how clients are kept from it; every other string
//! field is declared in [`PUBLIC_FIELDS`]. A test walks the compiled schema and fails on any string
//! field in neither list, and fills every field with its own value to prove the walker reaches exactly
//! the declared secrets. Sealing at rest (`seal.rs`) and the server's GetConfig redaction both use
//! this one list.
use cairn_proto::v1::__buffa::oneof::hook::Action;
use cairn_proto::v1::__buffa::oneof::user::Password;
use cairn_proto::v1::{Config, Hook, Repo};

/// How clients are kept from a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// As a placeholder; a client sending the placeholder back keeps the stored value.
    Masked,
    /// Not at all (empty); clients never change it through SetConfig, so the stored value is kept.
    Withheld,
}

/// A secret field: its fully qualified proto name, how clients are kept from it, and whether it is
/// sealed at rest (password and code hashes are not: they are already one-way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretField {
    /// The field's fully qualified proto name, e.g. `v1.Repo.password`.
    pub name: &'static str,
    /// How GetConfig keeps it from clients.
    pub shown: Shown,
    /// Whether config.json holds it sealed when `cairn.sealSecrets` is on.
    pub sealed: bool,
}

const fn masked(name: &'static str) -> SecretField {
    SecretField {
        name,
        shown: Shown::Masked,
        sealed: true,
    }
}

const fn withheld(name: &'static str) -> SecretField {
    SecretField {
        name,
        shown: Shown::Withheld,
        sealed: true,
    }
}

const fn hash(name: &'static str, shown: Shown) -> SecretField {
    SecretField {
        name,
        shown,
        sealed: false,
    }
}

// Repository env entries (`NAME=value`) are secrets when the name says so (see
// [`is_secret_env_name`]); the rest of the list is public.
const REPO_ENV: SecretField = masked("v1.Repo.env");
const REPO_PASSWORD: SecretField = masked("v1.Repo.password");
const USER_BCRYPT: SecretField = hash("v1.User.password_bcrypt", Shown::Masked);
const USER_ARGON2: SecretField = hash("v1.User.password_argon2", Shown::Masked);
const USER_TOTP: SecretField = withheld("v1.User.totp_secret");
const USER_RECOVERY: SecretField = hash("v1.User.totp_recovery_sha256", Shown::Withheld);
const OIDC_CLIENT_SECRET: SecretField = masked("v1.Oidc.client_secret");
const IDENTITY_PRIVATE_KEY: SecretField = withheld("v1.PrivateKey.ed25519priv");
const PAIRING_TOKEN_SECRET: SecretField = masked("v1.Multihost.PairingToken.secret");
const PEER_PAIRING_SECRET: SecretField = masked("v1.Multihost.Peer.initial_pairing_secret");
const WEBHOOK_URL: SecretField = masked("v1.Hook.Webhook.webhook_url");
const DISCORD_URL: SecretField = masked("v1.Hook.Discord.webhook_url");
const SLACK_URL: SecretField = masked("v1.Hook.Slack.webhook_url");
const HEALTHCHECKS_URL: SecretField = masked("v1.Hook.Healthchecks.webhook_url");
const GOTIFY_TOKEN: SecretField = masked("v1.Hook.Gotify.token");
const SHOUTRRR_URL: SecretField = masked("v1.Hook.Shoutrrr.shoutrrr_url");
const TELEGRAM_TOKEN: SecretField = masked("v1.Hook.Telegram.bot_token");
const NTFY_URL: SecretField = masked("v1.Hook.Ntfy.url");
const NTFY_TOKEN: SecretField = masked("v1.Hook.Ntfy.token");
const EMAIL_SMTP_URL: SecretField = masked("v1.Hook.Email.smtp_url");

/// Every secret string field of the config.
pub const SECRET_FIELDS: &[SecretField] = &[
    REPO_ENV,
    REPO_PASSWORD,
    USER_BCRYPT,
    USER_ARGON2,
    USER_TOTP,
    USER_RECOVERY,
    OIDC_CLIENT_SECRET,
    IDENTITY_PRIVATE_KEY,
    PAIRING_TOKEN_SECRET,
    PEER_PAIRING_SECRET,
    WEBHOOK_URL,
    DISCORD_URL,
    SLACK_URL,
    HEALTHCHECKS_URL,
    GOTIFY_TOKEN,
    SHOUTRRR_URL,
    TELEGRAM_TOKEN,
    NTFY_URL,
    NTFY_TOKEN,
    EMAIL_SMTP_URL,
];

/// Every other string field of the config, shown to clients as it is. Some deserve a word: a
/// repository URI may hold rest-server credentials (Backrest shows and edits it, so cairn does too;
/// put them in env instead); an API token's SHA-256 cannot be turned back into the token; the
/// multihost public key and key ids are public by design.
pub const PUBLIC_FIELDS: &[&str] = &[
    "v1.Config.instance",
    "v1.Repo.id",
    "v1.Repo.uri",
    "v1.Repo.guid",
    "v1.Repo.flags",
    "v1.Repo.origin_instance_id",
    "v1.Repo.engine",
    "v1.Plan.id",
    "v1.Plan.repo",
    "v1.PlanMirror.repo",
    "v1.Plan.paths",
    "v1.Plan.excludes",
    "v1.Plan.iexcludes",
    "v1.Plan.backup_flags",
    "v1.Schedule.cron",
    "v1.Hook.Command.command",
    "v1.Hook.Webhook.template",
    "v1.Hook.Discord.template",
    "v1.Hook.Gotify.base_url",
    "v1.Hook.Gotify.template",
    "v1.Hook.Gotify.title_template",
    "v1.Hook.Slack.template",
    "v1.Hook.Shoutrrr.template",
    "v1.Hook.Healthchecks.template",
    "v1.Hook.Ntfy.template",
    "v1.Hook.Ntfy.title_template",
    "v1.Hook.Email.from",
    "v1.Hook.Email.to",
    "v1.Hook.Email.subject_template",
    "v1.Hook.Email.template",
    "v1.Hook.Telegram.chat_id",
    "v1.Hook.Telegram.template",
    "v1.User.name",
    "v1.Oidc.issuer",
    "v1.Oidc.client_id",
    "v1.Oidc.redirect_url",
    "v1.Oidc.scopes",
    "v1.Oidc.username_claim",
    "v1.Oidc.groups_claim",
    "v1.Oidc.allowed_groups",
    "v1.Oidc.allowed_domains",
    "v1.Oidc.button_label",
    "v1.PrivateKey.keyid",
    "v1.PrivateKey.ed25519pub",
    "v1.Multihost.Peer.instance_id",
    "v1.Multihost.Peer.keyid",
    "v1.Multihost.Peer.instance_url",
    "v1.Multihost.Permission.scopes",
    "v1.Multihost.PairingToken.label",
    "v1.ApiToken.id",
    "v1.ApiToken.label",
    "v1.ApiToken.user",
    "v1.ApiToken.sha256",
    "v1.HistoryLimit.kind",
];

/// Env variable names whose values are secrets: any name containing one of these.
const SECRET_NAME_PARTS: &[&str] = &["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"];

/// Whether an env variable's value is a secret, by its name.
pub fn is_secret_env_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_PARTS.iter().any(|p| upper.contains(p))
}

/// Calls `f` with each secret of the config and the field it is in (a repeated field once per item;
/// an env entry with its value only). Stops at the first error.
pub fn for_each_secret<E>(
    config: &mut Config,
    f: &mut dyn FnMut(SecretField, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    for repo in &mut config.repos {
        repo_secrets(repo, f)?;
    }
    for plan in &mut config.plans {
        plan.hooks.iter_mut().try_for_each(|h| hook_secrets(h, f))?;
    }
    if let Some(auth) = config.auth.as_option_mut() {
        for user in &mut auth.users {
            match &mut user.password {
                Some(Password::PasswordBcrypt(h)) => f(USER_BCRYPT, h)?,
                Some(Password::PasswordArgon2(h)) => f(USER_ARGON2, h)?,
                None => {}
            }
            f(USER_TOTP, &mut user.totp_secret)?;
            for code in &mut user.totp_recovery_sha256 {
                f(USER_RECOVERY, code)?;
            }
        }
        if let Some(oidc) = auth.oidc.as_option_mut() {
            f(OIDC_CLIENT_SECRET, &mut oidc.client_secret)?;
        }
    }
    if let Some(mh) = config.multihost.as_option_mut() {
        if let Some(identity) = mh.identity.as_option_mut() {
            f(IDENTITY_PRIVATE_KEY, &mut identity.ed25519priv)?;
        }
        for peer in mh.known_hosts.iter_mut().chain(&mut mh.authorized_clients) {
            f(PEER_PAIRING_SECRET, &mut peer.initial_pairing_secret)?;
        }
        for token in &mut mh.pairing_tokens {
            f(PAIRING_TOKEN_SECRET, &mut token.secret)?;
        }
    }
    Ok(())
}

/// One repository's secrets: its password, secret env values and its hooks' credentials.
pub fn repo_secrets<E>(
    repo: &mut Repo,
    f: &mut dyn FnMut(SecretField, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    f(REPO_PASSWORD, &mut repo.password)?;
    for entry in &mut repo.env {
        if let Some((name, value)) = entry.split_once('=')
            && is_secret_env_name(name)
        {
            let mut v = value.to_string();
            f(REPO_ENV, &mut v)?;
            *entry = format!("{name}={v}");
        }
    }
    repo.hooks.iter_mut().try_for_each(|h| hook_secrets(h, f))
}

/// The credentials of one hook's action.
pub fn hook_secrets<E>(
    hook: &mut Hook,
    f: &mut dyn FnMut(SecretField, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    hook_credentials(hook)
        .into_iter()
        .try_for_each(|(field, value)| f(field, value))
}

/// A hook's credentials with their fields, in order (the same order for every hook of one action
/// type).
pub fn hook_credentials(hook: &mut Hook) -> Vec<(SecretField, &mut String)> {
    let Some(action) = hook.action.as_mut() else {
        return Vec::new();
    };
    match action {
        Action::ActionCommand(_) => vec![],
        Action::ActionWebhook(w) => vec![(WEBHOOK_URL, &mut w.webhook_url)],
        Action::ActionDiscord(d) => vec![(DISCORD_URL, &mut d.webhook_url)],
        Action::ActionSlack(s) => vec![(SLACK_URL, &mut s.webhook_url)],
        Action::ActionHealthchecks(h) => vec![(HEALTHCHECKS_URL, &mut h.webhook_url)],
        Action::ActionGotify(g) => vec![(GOTIFY_TOKEN, &mut g.token)],
        Action::ActionShoutrrr(s) => vec![(SHOUTRRR_URL, &mut s.shoutrrr_url)],
        Action::ActionTelegram(t) => vec![(TELEGRAM_TOKEN, &mut t.bot_token)],
        Action::ActionNtfy(n) => vec![(NTFY_URL, &mut n.url), (NTFY_TOKEN, &mut n.token)],
        Action::ActionEmail(e) => vec![(EMAIL_SMTP_URL, &mut e.smtp_url)],
    }
}
