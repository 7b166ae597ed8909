//! Why a single sign-on attempt failed, in words the person signing in (and the admin reading the log)
//! can act on.
use cairn_proto::quoted;

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("single sign-on is not configured: set auth.oidc in the config")]
    Off,
    #[error("cannot reach the identity provider at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the identity provider answered {url} with an unusable response: {reason}")]
    BadResponse { url: String, reason: String },
    #[error("the identity provider refused: {0}")]
    Refused(String),
    #[error("the sign-in expired or was started in another browser; start it again")]
    UnknownState,
    #[error("too many sign-ins are in progress; try again in a few minutes")]
    Busy,
    #[error("the identity provider's ID token is not valid: {0}")]
    BadToken(String),
    #[error(
        "the identity provider did not send the claim {}, which names the cairn user; set auth.oidc.usernameClaim to a claim it sends",
        quoted(.0)
    )]
    NoName(String),
    #[error("{0}")]
    BadName(String),
    #[error("{} may not sign in here: not in an allowed group or email domain", quoted(.0))]
    NotAllowed(String),
    #[error(
        "there is no cairn user {}; ask an admin to add one, or to turn on auth.oidc.autoCreateUsers",
        quoted(.0)
    )]
    NoSuchUser(String),
    #[error("cannot add the user: {0}")]
    Config(String),
    #[error("cannot tell cairn's public URL from the request; set auth.oidc.redirectUrl")]
    NoRedirect,
    #[error("the system random number generator failed: {0}")]
    Random(String),
}
