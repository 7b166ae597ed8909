//! Errors of loading, validating and storing the config, each naming what is wrong and how to fix it.
use std::fmt;
use std::path::PathBuf;

/// One problem with one field, named by its JSON path (e.g. `plans[2].schedule.cron`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `plans[2].schedule.cron`.
    pub path: String,
    /// What is wrong with the field and how to fix it.
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

/// Why loading, validating or storing the config failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file exists but could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error from reading it.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid config document (bad JSON or a mistyped value), or the config could
    /// not be rendered back to JSON for writing.
    #[error("config {path} cannot be parsed: {source}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// What is wrong, starting with the JSON path of the bad value when there is one.
        #[source]
        source: crate::codec::CodecError,
    },
    /// The config cannot be migrated to the current version (too old, too new, or refused).
    #[error("config {path} cannot be migrated: {source}")]
    Migration {
        /// The config file.
        path: PathBuf,
        /// Why it cannot be migrated and how to fix it.
        #[source]
        source: crate::migrate::MigrationError,
    },
    /// The multihost identity could not be made.
    #[error("cannot make the instance's multihost identity: {0}")]
    Identity(#[from] crate::identity::IdentityError),
    /// Validation found problems; holds every field error found.
    #[error("config is invalid ({n} problem(s)):\n{0}", n = .0.0.len())]
    Invalid(ValidationErrors),
    /// An update was based on an older `modno` than the stored one: the config changed meanwhile.
    #[error(
        "config modno mismatch: the stored config is at modno {stored} but the update was based on {given}; reload and try again"
    )]
    StaleModno {
        /// The modno of the stored config.
        stored: i32,
        /// The modno the rejected update carried.
        given: i32,
    },
    /// The copy of the config the servers of one database share cannot be read or written.
    #[error("the shared copy of config {path} (in the database): {why}")]
    Shared {
        /// The config file this server keeps.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// Writing the config (the backup copy, temp file, rename or fsync) failed.
    #[error("cannot write config {path}: {source}")]
    Write {
        /// The config file being written.
        path: PathBuf,
        /// The I/O error from writing it.
        #[source]
        source: std::io::Error,
    },
    /// Sealed secrets could not be opened on load (missing key, damaged value) or sealed on write.
    #[error("config {path}: {source}")]
    Sealed {
        /// The config file holding the secrets.
        path: PathBuf,
        /// What went wrong sealing or opening the secret.
        #[source]
        source: crate::seal::SealError,
    },
}

/// A result whose error is a [`ConfigError`].
pub type Result<T> = std::result::Result<T, ConfigError>;
