//! The embedded engine: rustic_core, run in a worker process per operation so that cairn needs no
//! restic binary and a slow, stuck, panicking or memory-hungry operation never harms the server. Around
//! rustic_core it adds what a backup daemon needs and the library lacks: kill-to-cancel with lock
//! clean-up, restic-format locks, per-item backup errors, bounded restore memory, and restic's flags,
//! excludes and repository URIs (see `docs/engines.md`).
use cairn_proto::quoted;
mod client;
mod console;
mod engine_impl;
mod excludes;
mod files_from;
mod flags;
mod host;
mod key_cache;
mod location;
mod lock;
mod object_place;
mod pack_journal;
mod protocol;
mod repo_key;
mod storage;
mod tag_files;
mod tls;
mod tree_reader_impl;
mod worker;

pub use client::WorkerCommand;
pub use object_place::ObjectPlace;
pub use worker::main as worker_main;

use cairn_engine::expand_env;
use cairn_engine::shared::ls_cache::LsCache;
use cairn_engine::{EngineError, Result};
use cairn_proto::v1::Repo;
use client::Client;
use flags::{Flags, RunSettings, Scope};
use location::Location;
use protocol::{Job, Task};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Default data limit of a worker (`CAIRN_WORKER_MEMORY_MIB` changes it; 0 for none).
const DEFAULT_MEMORY_MIB: u64 = 2048;
/// How long an operation waits for another process's conflicting lock by default.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// The embedded engine: runs each operation with rustic_core in its own worker process, so no
/// restic binary is needed.
pub struct EmbeddedEngine {
    client: Client,
    lock_wait: Duration,
    ls_cache: Arc<LsCache>,
}

impl std::fmt::Debug for EmbeddedEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedEngine")
            .field("worker", &self.client.worker)
            .finish()
    }
}

/// A repository's environment entries, `${VAR}`-expanded from cairn's environment.
fn repo_env(repo: &Repo) -> Result<Vec<(String, String)>> {
    let lookup = |k: &str| std::env::var(k).ok();
    Ok(cairn_engine::shared::repo_env::env_pairs(repo)?
        .into_iter()
        .map(|(k, v)| {
            let v = expand_env(&v, lookup);
            (k, v)
        })
        .collect())
}

fn env_value<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
    env.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The password: the repository's own, else restic's RESTIC_PASSWORD, _FILE or _COMMAND from its env.
fn password(repo: &Repo, env: &[(String, String)]) -> Result<String> {
    if !repo.password.is_empty() {
        return Ok(repo.password.clone());
    }
    if let Some(p) = env_value(env, "RESTIC_PASSWORD") {
        return Ok(p.to_string());
    }
    if let Some(file) = env_value(env, "RESTIC_PASSWORD_FILE") {
        let text = std::fs::read_to_string(file).map_err(|e| EngineError::io(file, e))?;
        return Ok(text.lines().next().unwrap_or_default().to_string());
    }
    if let Some(command) = env_value(env, "RESTIC_PASSWORD_COMMAND") {
        let out = std::process::Command::new("sh")
            .args(["-c", command])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .map_err(|e| EngineError::io("RESTIC_PASSWORD_COMMAND", e))?;
        if !out.status.success() {
            return Err(EngineError::Invalid(format!(
                "repo {}: RESTIC_PASSWORD_COMMAND failed ({})",
                repo.id, out.status
            )));
        }
        return Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string());
    }
    Err(EngineError::Invalid(format!(
        "repo {} has no password; set one (or RESTIC_PASSWORD_FILE in its env)",
        repo.id
    )))
}

/// restic's `RESTIC_COMPRESSION` and `RESTIC_PACK_SIZE`, the defaults of the flags they name: from the
/// repository's env, else cairn's own (the env restic would run with). As restic 0.14 does, a value it
/// cannot read is ignored (and logged here), while a pack size outside its bounds is refused.
fn env_run_settings(env: &[(String, String)]) -> Result<RunSettings> {
    let var = |name: &str| {
        env_value(env, name)
            .map(str::to_string)
            .or_else(|| std::env::var(name).ok())
            .filter(|v| !v.trim().is_empty())
    };
    let mut run = RunSettings::default();
    if let Some(value) = var("RESTIC_COMPRESSION") {
        match flags::compression(value) {
            Ok(mode) => run.compression = Some(mode),
            Err(e) => tracing::warn!("RESTIC_COMPRESSION ignored, as restic ignores it: {e}"),
        }
    }
    if let Some(value) = var("RESTIC_PACK_SIZE") {
        if value.trim().parse::<u32>().is_err() {
            tracing::warn!(
                "RESTIC_PACK_SIZE={} is not a number of MiB; ignored, as restic ignores it",
                quoted(&value)
            );
        } else {
            let mib = flags::pack_size(&value)
                .map_err(|e| EngineError::Invalid(format!("RESTIC_PACK_SIZE: {e}")))?;
            run.pack_size_mib = Some(mib);
        }
    }
    Ok(run)
}

/// A run's settings: restic's variables, overridden by the repository's flags, overridden by `extra`.
fn run_settings(repo: &Repo, env: &[(String, String)], extra: RunSettings) -> Result<RunSettings> {
    Ok(merge(
        merge(env_run_settings(env)?, repo_flags(repo)?.run),
        extra,
    ))
}

/// Where rustic_core keeps its cache: `$XDG_CACHE_HOME` (the repository's env first), else `~/.cache`.
fn cache_dir(env: &[(String, String)]) -> Option<PathBuf> {
    let base = env_value(env, "XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("cairn").join("embedded"))
}

/// The repository's flags, parsed (and refused if the engine cannot honour one). Like Backrest, an
/// `sftp:` repository with no sftp option gets `-o sftp.args=-oBatchMode=yes`, so ssh fails instead of
/// waiting for a password nobody can type.
pub fn repo_flags(repo: &Repo) -> Result<Flags> {
    let words =
        cairn_engine::shared::repo_flags::repo_flags(repo, &|k: &str| std::env::var(k).ok(), true)?;
    flags::parse(&words, Scope::Repository)
}

/// Checks that the embedded engine can serve this repository as configured (URI and flags).
pub fn validate(repo: &Repo) -> Result<()> {
    Location::parse(&expand_env(&repo.uri, |k| std::env::var(k).ok()))?;
    repo_flags(repo)?;
    env_run_settings(&repo_env(repo)?)?;
    Ok(())
}

/// Later settings win where they are set (sftp.command and sftp.args as one: restic allows only one).
fn merge(base: RunSettings, over: RunSettings) -> RunSettings {
    let sftp_over = over.sftp_command.is_some() || !over.sftp_args.is_empty();
    let (sftp_command, sftp_args) = if sftp_over {
        (over.sftp_command, over.sftp_args)
    } else {
        (base.sftp_command, base.sftp_args)
    };
    RunSettings {
        compression: over.compression.or(base.compression),
        pack_size_mib: over.pack_size_mib.or(base.pack_size_mib),
        limit_upload: over.limit_upload.or(base.limit_upload),
        limit_download: over.limit_download.or(base.limit_download),
        connections: over.connections.or(base.connections),
        rclone_program: over.rclone_program.or(base.rclone_program),
        rclone_args: if over.rclone_args.is_empty() {
            base.rclone_args
        } else {
            over.rclone_args
        },
        s3_region: over.s3_region.or(base.s3_region),
        s3_bucket_lookup: over.s3_bucket_lookup.or(base.s3_bucket_lookup),
        azure_endpoint: over.azure_endpoint.or(base.azure_endpoint),
        azure_endpoint_suffix: over.azure_endpoint_suffix.or(base.azure_endpoint_suffix),
        sftp_command,
        sftp_args,
        tls: base.tls.merge(over.tls),
    }
}

impl EmbeddedEngine {
    /// An engine starting its workers with `worker`; each worker's data limit is
    /// `CAIRN_WORKER_MEMORY_MIB` MiB (default 2048), and conflicting locks are waited on for 60 s.
    pub fn new(worker: WorkerCommand) -> Self {
        let mib = std::env::var("CAIRN_WORKER_MEMORY_MIB")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_MEMORY_MIB);
        EmbeddedEngine {
            client: Client {
                worker,
                memory_limit: mib << 20,
                keys: Default::default(),
            },
            lock_wait: DEFAULT_LOCK_WAIT,
            ls_cache: Default::default(),
        }
    }

    /// The data limit of each worker, in bytes (0 for none).
    pub fn with_memory_limit(mut self, bytes: u64) -> Self {
        self.client.memory_limit = bytes;
        self
    }

    /// How long to wait for a conflicting lock before failing.
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The job for `task` on `repo`, with run settings from the repository's flags and `extra`.
    fn job(
        &self,
        repo: &Repo,
        task: Task,
        extra: RunSettings,
    ) -> Result<(Job, Vec<(String, String)>)> {
        let env = repo_env(repo)?;
        let location = Location::parse(&expand_env(&repo.uri, |k| std::env::var(k).ok()))?;
        let run = run_settings(repo, &env, extra)?;
        let password = match task {
            Task::RemoveLock { .. } => String::new(),
            _ => password(repo, &env)?,
        };
        let job = Job {
            location,
            password,
            run,
            cache_dir: cache_dir(&env),
            lock_wait_ms: u64::try_from(self.lock_wait.as_millis()).unwrap_or(u64::MAX),
            known_key: None,
            task,
        };
        Ok((job, env))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sftp_repositories_get_batch_mode_unless_they_set_an_sftp_option() {
        let repo = |uri: &str, flags: &[&str]| Repo {
            id: "r".into(),
            uri: uri.into(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            ..Repo::default()
        };
        let run = |r: Repo| repo_flags(&r).unwrap().run;
        assert_eq!(
            run(repo("sftp:h:/r", &[])).sftp_args,
            vec!["-oBatchMode=yes"]
        );
        assert!(run(repo("/srv/r", &[])).sftp_args.is_empty());
        let own = run(repo("sftp:h:/r", &["-o 'sftp.command=ssh h -s sftp'"]));
        assert!(own.sftp_args.is_empty());
        assert_eq!(own.sftp_command.unwrap(), vec!["ssh", "h", "-s", "sftp"]);
    }

    #[test]
    fn passwords_come_from_the_repo_or_restics_variables() {
        let repo = |pw: &str| Repo {
            id: "r".into(),
            password: pw.into(),
            ..Repo::default()
        };
        assert_eq!(password(&repo("pw"), &[]).unwrap(), "pw");
        let env = vec![("RESTIC_PASSWORD".to_string(), "from-env".to_string())];
        assert_eq!(password(&repo(""), &env).unwrap(), "from-env");
        let env = vec![(
            "RESTIC_PASSWORD_COMMAND".to_string(),
            "echo from-cmd".to_string(),
        )];
        assert_eq!(password(&repo(""), &env).unwrap(), "from-cmd");
        assert!(
            password(&repo(""), &[])
                .unwrap_err()
                .to_string()
                .contains("no password")
        );
    }

    #[test]
    fn restics_variables_are_read_as_the_flags_they_default() {
        let repo = |flags: &[&str], env: &[&str]| Repo {
            id: "r".into(),
            uri: "/srv/r".into(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            env: env.iter().map(|e| e.to_string()).collect(),
            ..Repo::default()
        };
        let run = |r: &Repo, extra| run_settings(r, &repo_env(r).unwrap(), extra);
        let from_env = run(
            &repo(&[], &["RESTIC_PACK_SIZE=64", "RESTIC_COMPRESSION=max"]),
            RunSettings::default(),
        )
        .unwrap();
        assert_eq!(from_env.pack_size_mib, Some(64));
        assert_eq!(from_env.compression.as_deref(), Some("max"));
        let flagged = repo(&["--pack-size 8"], &["RESTIC_PACK_SIZE=64"]);
        assert_eq!(
            run(&flagged, RunSettings::default()).unwrap().pack_size_mib,
            Some(8)
        );
        let extra = RunSettings {
            pack_size_mib: Some(32),
            ..Default::default()
        };
        assert_eq!(run(&flagged, extra).unwrap().pack_size_mib, Some(32));
        // What restic cannot read it ignores; a size out of its bounds it refuses.
        let unread = repo(&[], &["RESTIC_PACK_SIZE=big", "RESTIC_COMPRESSION=best"]);
        let ignored = run(&unread, RunSettings::default()).unwrap();
        assert_eq!((ignored.pack_size_mib, ignored.compression), (None, None));
        let err = validate(&repo(&[], &["RESTIC_PACK_SIZE=1"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("RESTIC_PACK_SIZE") && err.contains("from 4 to 128"),
            "{err}"
        );
    }

    #[test]
    fn run_settings_merge_with_later_ones_winning() {
        let base = RunSettings {
            limit_upload: Some(1),
            compression: Some("max".into()),
            ..Default::default()
        };
        let over = RunSettings {
            limit_upload: Some(2),
            ..Default::default()
        };
        let m = merge(base, over);
        assert_eq!(
            (m.limit_upload, m.compression.as_deref()),
            (Some(2), Some("max"))
        );
    }

    #[test]
    fn validation_names_what_the_engine_cannot_do() {
        let repo = Repo {
            id: "r".into(),
            uri: "/srv/repo".into(),
            flags: vec!["--no-lock".into()],
            ..Repo::default()
        };
        assert!(
            validate(&repo)
                .unwrap_err()
                .to_string()
                .contains("--no-lock")
        );
        let b2 = Repo {
            uri: "b2:bucket:path".into(),
            flags: vec![],
            ..repo.clone()
        };
        assert!(validate(&b2).unwrap_err().to_string().contains("b2:"));
        let s3 = Repo {
            uri: "s3:host/bucket".into(),
            flags: vec![],
            ..repo
        };
        assert!(validate(&s3).is_ok(), "s3: is reached");
    }
}
