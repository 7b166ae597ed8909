//! A repository's `env` entries (`KEY=VALUE` lines) as name and value pairs, as written (each engine
//! expands `${VAR}` references where it uses them); an entry without `=` is an error naming it.
use crate::error::{EngineError, Result};
use cairn_proto::quoted;
use cairn_proto::v1::Repo;

/// Each entry of `repo.env` split at its first `=`.
pub fn env_pairs(repo: &Repo) -> Result<Vec<(String, String)>> {
    repo.env
        .iter()
        .map(|entry| {
            entry
                .split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| {
                    EngineError::Invalid(format!(
                        "repo {} env entry {entry} is not KEY=VALUE",
                        repo.id,
                        entry = quoted(&entry)
                    ))
                })
        })
        .collect()
}
