//! Why a request's credentials do not let it in: one variant per reason, each telling the caller
//! what to do instead. The text is the `unauthenticated` answer's message.
use super::Refusal;

/// Why a request is not authenticated.
#[derive(Debug, thiserror::Error)]
pub enum Denied {
    /// Authentication is on and no user exists.
    #[error(
        "no user exists yet: create the first one in the web UI, with `cairn setup`, or with cairn.v1.Cairn/Setup"
    )]
    NoUsers,
    /// No credentials at all.
    #[error(
        "missing Authorization header: log in, or send a token (Bearer) or HTTP Basic credentials"
    )]
    MissingHeader,
    /// Basic credentials that are not base64 of `user:password`.
    #[error("malformed HTTP Basic credentials")]
    MalformedBasic,
    /// A scheme other than Bearer and Basic.
    #[error("unsupported Authorization scheme: use Bearer or Basic")]
    Scheme,
    /// An API token that is not in the config (or no longer valid).
    #[error("the API token is unknown, revoked or expired")]
    UnknownApiToken,
    /// An API token of a removed user.
    #[error("the API token's user no longer exists")]
    ApiTokenUserGone,
    /// A session past its expiry.
    #[error("the session has expired; log in again")]
    SessionExpired,
    /// A session token that does not verify.
    #[error("the session token is not valid; log in again")]
    SessionInvalid,
    /// A session of a removed user.
    #[error("the session's user no longer exists")]
    SessionUserGone,
    /// A session begun before the user's password changed.
    #[error("the password was changed since this session began; log in again")]
    PasswordChanged,
    /// HTTP Basic for a user with two-factor authentication.
    #[error(
        "this user has two-factor authentication, which HTTP Basic cannot carry; use an API token (cairn token create) for scripts"
    )]
    BasicNeedsCode,
    /// HTTP Basic credentials that the login check refused.
    #[error("{0}")]
    Login(Refusal),
}
