//! cairn's configuration: reads and writes Backrest's `config.json` (protobuf JSON of `v1.Config`),
//! runs Backrest's migrations, validates with every rule (errors name their field path), keeps keys it
//! does not understand, and stores changes atomically behind a `modno` check.
mod codec;
mod defaults;
mod error;
pub mod identity;
mod migrate;
pub mod pairing;
mod store;
mod unknown;
mod validate;

/// The config schema version this build writes (Backrest's current version).
pub const CURRENT_VERSION: i32 = 6;

pub mod seal;
pub mod secrets;
pub mod template;

pub use codec::{CodecError, Document, parse, render};
pub use defaults::{default_config, instance_id_from_hostname};
pub use error::{ConfigError, FieldError, Result, ValidationErrors};
pub use migrate::{MigrationEnv, MigrationError, migrate, placeholder_guid};
pub use store::{ConfigStore, KEEP_BACKUPS, SharedCopy, list_backups, write_atomic};
pub use validate::oidc::{CALLBACK_PATH as OIDC_CALLBACK_PATH, UrlError, trusted_url};
pub use validate::schedule::{CronError, is_enabled as schedule_enabled, parse_cron};
pub use validate::settings::HISTORY_KINDS;
pub use validate::{MAX_VERIFY_FILES, normalize, user_name_problem, validate, warnings};

#[cfg(test)]
mod shared_tests;
