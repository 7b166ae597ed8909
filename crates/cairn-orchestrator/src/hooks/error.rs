//! Why a hook was not delivered: one variant per way a delivery fails, each naming what to fix. The
//! text becomes the hook operation's message and the task's reason; a URL is never part of it (it
//! often holds a token), only its host.
use cairn_proto::quoted;
use std::process::ExitStatus;

/// Why a hook failed.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// A hook without an action (a config from a newer version, or a hand-edited one).
    #[error("the hook has no action")]
    NoAction,
    /// A template failed to render with this event's values.
    #[error("rendering the template: {0}")]
    Template(#[from] cairn_config::template::TemplateError),
    /// A URL setting does not parse; `what` names the setting.
    #[error("{source} in the {what}")]
    Url {
        /// Which URL: "hook's URL", "shoutrrr URL", "SMTP URL".
        what: &'static str,
        /// What the parser found wrong.
        #[source]
        source: url::ParseError,
    },
    /// A URL setting that parses but cannot be used (no host, missing tokens, an unknown service).
    #[error("{0}")]
    Setting(String),
    /// The HTTP request did not get an answer.
    #[error("request to {host} failed: {reason}")]
    Unreachable {
        /// The service's host.
        host: String,
        /// Why, with the URL taken out.
        reason: String,
    },
    /// The service answered with a status other than 2xx.
    #[error("{host} answered {status}: {body}")]
    Refused {
        /// The service's host.
        host: String,
        /// The HTTP status.
        status: reqwest::StatusCode,
        /// The start of the answer's body.
        body: String,
    },
    /// An email could not be put together or sent.
    #[error("{0}")]
    Email(String),
    /// The command could not be started or fed its script.
    #[error("{what} {program}: {source}")]
    Start {
        /// "cannot start" or "cannot pass the script to".
        what: &'static str,
        /// The interpreter.
        program: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Waiting for the command failed.
    #[error("waiting for the command: {0}")]
    Wait(#[source] std::io::Error),
    /// A `#!` line that cannot be split into words.
    #[error("cannot read the interpreter line #!{0}")]
    Interpreter(String),
    /// The command ran and failed.
    #[error("the command exited with {0}")]
    Exit(ExitStatus),
    /// The command ran past the hook timeout.
    #[error("timed out after {0}s and was killed")]
    TimedOut(u64),
    /// The task was cancelled while the hook ran.
    #[error("cancelled")]
    Cancelled,
    /// The hook's operation or log could not be written.
    #[error("{0}")]
    Oplog(#[from] cairn_oplog::OplogError),
    /// The hook's log could not be created.
    #[error("cannot create the hook's log: {0}")]
    Log(#[source] cairn_oplog::OplogError),
    /// A bug: the delivery panicked.
    #[error("the hook failed inside cairn (a bug; please report it): {0}")]
    Panicked(String),
    /// The delivery's task was stopped (cairn shutting down).
    #[error("the hook was stopped: {0}")]
    Stopped(String),
}

impl HookError {
    /// An unusable setting, e.g. a shoutrrr service cairn does not know.
    pub(crate) fn unsupported_service(service: &str) -> Self {
        HookError::Setting(format!(
            "shoutrrr service {} is not supported; use discord, slack, telegram, gotify, ntfy, generic or smtp",
            quoted(service)
        ))
    }
}
