//! Errors of loading, validating and storing the config, each naming what is wrong and how to fix it.
use std::fmt;
use std::path::PathBuf;

/// One problem with one field, named by its JSON path (e.g. `plans[2].schedule.cron`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem validation found, in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

impl ValidationErrors {
    /// The paths of all errors, for matching errors to UI fields.
    pub fn paths(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.path.as_str()).collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config {path} cannot be parsed: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config {path} cannot be migrated: {message}")]
    Migration { path: PathBuf, message: String },
    #[error("config is invalid ({n} problem(s)):\n{0}", n = .0.0.len())]
    Invalid(ValidationErrors),
    #[error(
        "config modno mismatch: the stored config is at modno {stored} but the update was based on {given}; reload and try again"
    )]
    StaleModno { stored: i32, given: i32 },
    #[error("cannot write config {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config {path}: {source}")]
    Sealed {
        path: PathBuf,
        #[source]
        source: crate::seal::SealError,
    },
}

pub type Result<T> = std::result::Result<T, ConfigError>;
