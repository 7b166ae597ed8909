//! Backrest's config migrations, by config `version` (current 6). Version N re-runs migration N and
//! every later one (each is idempotent), as Backrest does; versions before 3 need Backrest 1.4.0 first.
use crate::CURRENT_VERSION;
use cairn_proto::v1::{Config, schedule};
use sha2::{Digest, Sha256};

/// The process environment migration 005 consults (restic password variables that would clash).
#[derive(Clone, Debug, Default)]
pub struct MigrationEnv {
    /// `RESTIC_PASSWORD`, when set and non-empty.
    pub restic_password: Option<String>,
    /// `RESTIC_PASSWORD_FILE`, when set and non-empty.
    pub restic_password_file: Option<String>,
    /// `RESTIC_PASSWORD_COMMAND`, when set and non-empty.
    pub restic_password_command: Option<String>,
    /// `ISSUE_1139_FIX_PASSWORDS=1`: move the environment's password into the repos instead of refusing.
    pub fix_passwords: bool,
}

impl MigrationEnv {
    /// Reads the variables from this process's environment.
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self {
            restic_password: var("RESTIC_PASSWORD"),
            restic_password_file: var("RESTIC_PASSWORD_FILE"),
            restic_password_command: var("RESTIC_PASSWORD_COMMAND"),
            fix_passwords: var("ISSUE_1139_FIX_PASSWORDS").as_deref() == Some("1"),
        }
    }
}

/// Why a config cannot be brought to the current version; each names how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    /// A negative version.
    #[error("config version {0} is not a version; it must be 0 to {CURRENT_VERSION}")]
    NotAVersion(i32),
    /// Written by a newer Backrest or cairn.
    #[error(
        "config version {0} was written by a newer Backrest or cairn (this cairn reads up to {CURRENT_VERSION}); upgrade cairn"
    )]
    TooNew(i32),
    /// Version 0 (unset) on a config that has content.
    #[error(
        "config has no version but is not empty; set \"version\" to the Backrest config version it was written for"
    )]
    Unversioned,
    /// Older than the oldest migration cairn (like Backrest) still carries.
    #[error(
        "config version {0} is too old to migrate; open it once with Backrest 1.4.0 to upgrade it, then start cairn"
    )]
    TooOld(i32),
    /// Migration 005: repo passwords would be overridden by a password in the environment.
    #[error(
        "migration 005: RESTIC_PASSWORD, RESTIC_PASSWORD_FILE or RESTIC_PASSWORD_COMMAND is set in the environment and repos in the config have passwords; repo passwords now take precedence. Unset the variable, or start once with ISSUE_1139_FIX_PASSWORDS=1 to move it into the repos"
    )]
    PasswordInEnvironment,
}

type Migration = fn(&mut Config, &MigrationEnv) -> Result<(), MigrationError>;

/// Migration N is at index N-1; None marks migrations that cairn (like Backrest) no longer carries.
const MIGRATIONS: [Option<Migration>; CURRENT_VERSION as usize] = [
    None,
    None,
    Some(relative_scheduling),
    Some(repo_guids),
    Some(env_passwords),
    Some(ed25519_identity),
];

/// Brings `config` to the current version. Returns whether anything changed.
pub fn migrate(config: &mut Config, env: &MigrationEnv) -> Result<bool, MigrationError> {
    let before = config.clone();
    let version = config.version;
    if version < 0 {
        return Err(MigrationError::NotAVersion(version));
    }
    if version > CURRENT_VERSION {
        return Err(MigrationError::TooNew(version));
    }
    if version == 0 {
        if !is_empty(config) {
            return Err(MigrationError::Unversioned);
        }
        config.version = CURRENT_VERSION;
        return Ok(true);
    }
    for migration in MIGRATIONS.iter().skip(version as usize - 1) {
        let Some(m) = migration else {
            return Err(MigrationError::TooOld(version));
        };
        m(config, env)?;
    }
    config.version = CURRENT_VERSION;
    Ok(*config != before)
}

fn is_empty(c: &Config) -> bool {
    c.instance.is_empty()
        && c.repos.is_empty()
        && c.plans.is_empty()
        && c.auth.is_unset()
        && c.multihost.is_unset()
}

/// 003: prune and check schedules are relative to the last run.
fn relative_scheduling(config: &mut Config, _: &MigrationEnv) -> Result<(), MigrationError> {
    for repo in &mut config.repos {
        let schedules = [
            repo.prune_policy.as_option_mut().map(|p| &mut p.schedule),
            repo.check_policy.as_option_mut().map(|p| &mut p.schedule),
        ];
        for s in schedules.into_iter().flatten() {
            if let Some(s) = s.as_option_mut() {
                s.clock = schedule::Clock::CLOCK_LAST_RUN_TIME.into();
            }
        }
    }
    Ok(())
}

/// The guid migration 004 gives a repository whose real id was never read: sha256 of its config id.
pub fn placeholder_guid(repo_id: &str) -> String {
    hex::encode(Sha256::digest(repo_id.as_bytes()))
}

/// 004: repos without a guid get a placeholder (sha256 of the repo id) until the real one is read.
fn repo_guids(config: &mut Config, _: &MigrationEnv) -> Result<(), MigrationError> {
    for repo in config.repos.iter_mut().filter(|r| r.guid.is_empty()) {
        repo.guid = placeholder_guid(&repo.id);
    }
    Ok(())
}

/// 005: a config password must not be silently overridden by RESTIC_PASSWORD* in the environment.
fn env_passwords(config: &mut Config, env: &MigrationEnv) -> Result<(), MigrationError> {
    let with_password = config.repos.iter().any(|r| !r.password.is_empty());
    let env_set = env.restic_password.is_some()
        || env.restic_password_file.is_some()
        || env.restic_password_command.is_some();
    if !with_password || !env_set {
        return Ok(());
    }
    if !env.fix_passwords {
        return Err(MigrationError::PasswordInEnvironment);
    }
    for repo in &mut config.repos {
        if let Some(pw) = &env.restic_password {
            repo.password = pw.clone();
        } else {
            let (name, value) = match (&env.restic_password_file, &env.restic_password_command) {
                (Some(f), _) => ("RESTIC_PASSWORD_FILE", f),
                (None, Some(c)) => ("RESTIC_PASSWORD_COMMAND", c),
                (None, None) => continue,
            };
            repo.password.clear();
            repo.env.retain(|e| !e.starts_with(&format!("{name}=")));
            repo.env.push(format!("{name}={value}"));
            repo.env.sort();
        }
    }
    Ok(())
}

/// 006: identities that are not complete ed25519 key pairs are dropped (a new one is made when
/// multihost needs it).
fn ed25519_identity(config: &mut Config, _: &MigrationEnv) -> Result<(), MigrationError> {
    if let Some(mh) = config.multihost.as_option_mut() {
        let valid = mh.identity.as_option().is_some_and(|id| {
            id.keyid.starts_with("ed25519.")
                && !id.ed25519priv.is_empty()
                && !id.ed25519pub.is_empty()
        });
        if !valid && mh.identity.is_set() {
            mh.identity = Default::default();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::v1::{PrunePolicy, Repo, Schedule};

    fn repo(id: &str) -> Repo {
        Repo {
            id: id.into(),
            uri: "/r".into(),
            password: "pw".into(),
            ..Repo::default()
        }
    }

    #[test]
    fn empty_unversioned_config_becomes_current_and_non_empty_is_refused() {
        let mut c = Config::default();
        assert!(migrate(&mut c, &MigrationEnv::default()).unwrap());
        assert_eq!(c.version, CURRENT_VERSION);
        let mut c = Config {
            instance: "x".into(),
            ..Config::default()
        };
        assert!(
            migrate(&mut c, &MigrationEnv::default())
                .unwrap_err()
                .to_string()
                .contains("no version")
        );
    }

    #[test]
    fn too_old_and_too_new_are_refused_clearly() {
        for (v, needle) in [(1, "Backrest 1.4.0"), (2, "Backrest 1.4.0"), (7, "newer")] {
            let mut c = Config {
                version: v,
                instance: "x".into(),
                ..Config::default()
            };
            assert!(
                migrate(&mut c, &MigrationEnv::default())
                    .unwrap_err()
                    .to_string()
                    .contains(needle),
                "{v}"
            );
        }
    }

    #[test]
    fn version_3_gets_relative_prune_schedules_and_guids() {
        let mut r = repo("b2");
        r.prune_policy = PrunePolicy {
            schedule: Schedule {
                clock: schedule::Clock::CLOCK_LOCAL.into(),
                ..Schedule::default()
            }
            .into(),
            ..PrunePolicy::default()
        }
        .into();
        let mut c = Config {
            version: 3,
            repos: vec![r],
            ..Config::default()
        };
        migrate(&mut c, &MigrationEnv::default()).unwrap();
        let clock = c.repos[0]
            .prune_policy
            .as_option()
            .unwrap()
            .schedule
            .as_option()
            .unwrap()
            .clock;
        assert_eq!(clock.as_known(), Some(schedule::Clock::CLOCK_LAST_RUN_TIME));
        assert_eq!(c.repos[0].guid, hex::encode(Sha256::digest(b"b2")));
        assert_eq!(c.version, 6);
    }

    #[test]
    fn env_password_is_refused_or_moved_into_repos() {
        let env = MigrationEnv {
            restic_password_file: Some("/pw".into()),
            ..MigrationEnv::default()
        };
        let mut c = Config {
            version: 5,
            repos: vec![repo("a")],
            ..Config::default()
        };
        assert!(
            migrate(&mut c.clone(), &env)
                .unwrap_err()
                .to_string()
                .contains("ISSUE_1139_FIX_PASSWORDS")
        );
        let env = MigrationEnv {
            fix_passwords: true,
            ..env
        };
        migrate(&mut c, &env).unwrap();
        assert_eq!(c.repos[0].password, "");
        assert_eq!(c.repos[0].env, vec!["RESTIC_PASSWORD_FILE=/pw".to_string()]);
    }

    #[test]
    fn current_version_without_changes_reports_unchanged() {
        let mut c = Config {
            version: 6,
            instance: "x".into(),
            ..Config::default()
        };
        assert!(!migrate(&mut c, &MigrationEnv::default()).unwrap());
    }
}
