//! A job's failure: what kind (so cairn can map it to its engine errors) and a message for people.
use crate::lock::LockError;
use crate::protocol::FailKind;
use rustic_core::RusticError;

#[derive(Debug)]
pub struct Fail {
    pub kind: FailKind,
    pub message: String,
}

impl Fail {
    pub fn new(kind: FailKind, message: impl Into<String>) -> Self {
        Fail {
            kind,
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> Self {
        Fail::new(FailKind::Other, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Fail::new(FailKind::Invalid, message)
    }
}

/// rustic_core's errors, in one line, without its "Error:" prefix.
pub fn describe(err: &RusticError) -> String {
    let text = err.display_log();
    let text = text.strip_prefix("Error: ").unwrap_or(&text);
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl From<Box<RusticError>> for Fail {
    fn from(err: Box<RusticError>) -> Self {
        let kind = if err.is_code("C002") {
            FailKind::WrongPassword
        } else {
            FailKind::Other
        };
        Fail::new(kind, describe(&err))
    }
}

impl From<LockError> for Fail {
    fn from(err: LockError) -> Self {
        match err {
            LockError::Held(m) => Fail::new(FailKind::Locked, m),
            LockError::Io(e) => Fail::other(format!("cannot reach the repository's locks: {e}")),
        }
    }
}

impl From<std::io::Error> for Fail {
    fn from(err: std::io::Error) -> Self {
        Fail::other(err.to_string())
    }
}
