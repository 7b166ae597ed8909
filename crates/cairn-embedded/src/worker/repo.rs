//! Opening a repository for a job: its storage, rustic_core on top with this run's settings kept in
//! memory, and the restic-format lock the job needs.
use super::Fail;
use super::progress::Capture;
use crate::flags::{DEFAULT_PACK_SIZE_MIB, RunSettings};
use crate::lock::{self, HeldLock};
use crate::protocol::{Event, FailKind, Job, KnownKey, Task};
use crate::repo_key::RepoKey;
use crate::storage::{RusticBackend, Storage};
use crate::worker::Out;
use rustic_core::repofile::ConfigFile;
use rustic_core::{
    ConfigOptions, Credentials, KeyOptions, OpenStatus, Repository, RepositoryBackends,
    RepositoryOptions,
};
use std::sync::Arc;
use std::time::Duration;

/// Concurrent pack reads unless `-o <backend>.connections` says otherwise (restic's default is 5 for
/// remote backends; reads here also decrypt, so more than the cores gains nothing locally).
pub const PACK_READERS: usize = 4;

pub struct Opened {
    pub repo: Repository<OpenStatus>,
    pub storage: Arc<dyn Storage>,
    pub backend: Arc<RusticBackend>,
    pub key: RepoKey,
    pub capture: Capture,
}

pub fn storage(job: &Job) -> Result<Arc<dyn Storage>, Fail> {
    job.location
        .open(&job.run)
        .map_err(|e| Fail::other(format!("cannot reach the repository: {e}")))
}

fn has_config(storage: &dyn Storage) -> Result<bool, Fail> {
    match storage.read("", "config", None) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Fail::other(format!(
            "cannot read {}/config: {e}",
            storage.location()
        ))),
    }
}

fn unopened(
    job: &Job,
    storage: &Arc<dyn Storage>,
    capture: &Capture,
) -> Result<(Repository<()>, Arc<RusticBackend>), Fail> {
    let backend = Arc::new(RusticBackend::new(
        storage.clone(),
        (job.run.limit_upload, job.run.limit_download),
        job.run.connections.unwrap_or(PACK_READERS),
    ));
    let mut opts = RepositoryOptions::default();
    match &job.cache_dir {
        Some(dir) => opts.cache_dir = Some(dir.clone()),
        None => opts.no_cache = true,
    }
    let backends = RepositoryBackends::new(backend.clone(), None);
    let repo = Repository::new_with_progress(&opts, &backends, capture.clone())?;
    Ok((repo, backend))
}

/// Opens the repository (`out` receives step titles when given).
pub fn open(job: &Job, out: &Out, titles: bool) -> Result<Opened, Fail> {
    let storage = storage(job)?;
    if !has_config(storage.as_ref())? {
        return Err(Fail::new(FailKind::NoRepository, storage.location()));
    }
    let capture = Capture::new(titles.then(|| out.clone()));
    let (mut repo, backend) = open_with_key(job, &storage, &capture, out)?;
    apply_run_settings(&mut repo, &backend, job, out)?;
    let master = repo.key();
    let key = RepoKey::new(&master.encrypt, &master.mac.k, &master.mac.r)
        .ok_or_else(|| Fail::other("the repository's master key has an unexpected size"))?;
    Ok(Opened {
        repo,
        storage,
        backend,
        key,
        capture,
    })
}

/// Opens with the master key cairn kept from an earlier job while the key file it came from still exists,
/// else with the password, reporting the key that opened it (see `KnownKey`).
fn open_with_key(
    job: &Job,
    storage: &Arc<dyn Storage>,
    capture: &Capture,
    out: &Out,
) -> Result<(Repository<OpenStatus>, Arc<RusticBackend>), Fail> {
    if let Some(known) = &job.known_key
        && key_file_exists(storage.as_ref(), &known.key_file)
    {
        let (repo, backend) = unopened(job, storage, capture)?;
        // A key that no longer opens the config (a repository made anew) falls back to the password.
        if let Ok(repo) = repo.open(&Credentials::Masterkey(known.master.clone())) {
            return Ok((repo, backend));
        }
    }
    let (repo, backend) = unopened(job, storage, capture)?;
    let repo = repo.open(&Credentials::password(&job.password))?;
    if let Some(id) = repo.key_id() {
        out.event(&Event::Key(KnownKey {
            key_file: id.to_hex().as_str().to_string(),
            master: repo.key(),
        }));
    }
    Ok((repo, backend))
}

fn key_file_exists(storage: &dyn Storage, name: &str) -> bool {
    storage
        .list("keys")
        .is_ok_and(|keys| keys.iter().any(|(n, _)| n == name))
}

/// Whether the task writes packs: the only thing `--compression` and `--pack-size` change.
fn writes_packs(job: &Job) -> bool {
    matches!(job.task, Task::Backup(_) | Task::Prune { .. })
}

/// Whether the repository's config sets any of rustic's own pack sizes (then they are left to it).
fn sets_own_pack_sizes(config: &ConfigFile) -> bool {
    [
        config.datapack_size,
        config.datapack_growfactor,
        config.datapack_size_limit,
        config.treepack_size,
        config.treepack_growfactor,
        config.treepack_size_limit,
    ]
    .iter()
    .any(Option::is_some)
}

/// The zstd level for `--compression`; None for auto (the repository's own).
fn compression_level(value: &str) -> Option<i32> {
    match value {
        "off" => Some(0),
        "max" => Some(19),
        n => n.parse().ok(),
    }
}

/// This run's config changes, as rustic_core options. As restic 0.14: the target pack size is
/// `--pack-size` (or `RESTIC_PACK_SIZE`), else 16 MiB, for data and tree packs alike and not growing
/// with the repository (rustic_core's default is 32 MiB and growing); prune counts a pack as too small
/// below 1/25 of it (rustic_core's default is 30%, which repacked every pack a smaller size had made);
/// and compression is ignored in a format-1 repository.
fn run_options(config: &ConfigFile, run: &RunSettings) -> ConfigOptions {
    let mut opts = ConfigOptions::default();
    // Applying options resets this unless it is carried over.
    opts.set_extra_verify = config.extra_verify;
    opts.set_min_packsize_tolerate_percent = config.min_packsize_tolerate_percent.or(Some(4));
    if config.version >= 2 {
        opts.set_compression = run.compression.as_deref().and_then(compression_level);
    }
    let mib = match run.pack_size_mib {
        Some(mib) => Some(mib),
        None if sets_own_pack_sizes(config) => None,
        None => Some(DEFAULT_PACK_SIZE_MIB),
    };
    if let Some(mib) = mib {
        let size = Some(bytesize::ByteSize::mib(u64::from(mib)));
        (opts.set_datapack_size, opts.set_datapack_size_limit) = (size, size);
        (opts.set_treepack_size, opts.set_treepack_size_limit) = (size, size);
        (opts.set_datapack_growfactor, opts.set_treepack_growfactor) = (Some(0), Some(0));
    }
    opts
}

/// Whether `opts` would change `config`.
fn changes(config: &ConfigFile, opts: &ConfigOptions) -> bool {
    let mut changed = config.clone();
    opts.apply(&mut changed).is_ok_and(|()| changed != *config)
}

/// restic's `--compression` and `--pack-size` hold for one run: rustic_core reads them from the
/// repository config, so they are applied to the in-memory config only, for the tasks that write packs.
/// An append-only config (rustic's setting, which refuses any change) keeps its own, and the run says so.
fn apply_run_settings(
    repo: &mut Repository<OpenStatus>,
    backend: &RusticBackend,
    job: &Job,
    out: &Out,
) -> Result<(), Fail> {
    if !writes_packs(job) {
        return Ok(());
    }
    let opts = run_options(repo.config(), &job.run);
    if repo.config().append_only == Some(true) {
        if changes(repo.config(), &opts) {
            out.line("the repository's config is append-only (a rustic setting): its own pack size and compression are used".to_string());
        }
        return Ok(());
    }
    // rustic_core leaves an unchanged config alone, and refuses options it cannot apply.
    backend.keep_config_in_memory(true);
    let applied = repo.apply_config(&opts);
    backend.keep_config_in_memory(false);
    applied?;
    Ok(())
}

/// Takes the job's lock, telling cairn its name (and each refreshed name).
pub fn lock(opened: &Opened, job: &Job, out: &Out, exclusive: bool) -> Result<HeldLock, Fail> {
    let out = out.clone();
    let held = lock::acquire(
        opened.storage.clone(),
        &opened.key,
        exclusive,
        Duration::from_millis(job.lock_wait_ms),
        Arc::new(move |name: &str| out.event(&Event::Lock(name.to_string()))),
    )?;
    Ok(held)
}

pub fn repo_id(job: &Job, out: &Out) -> Result<serde_json::Value, Fail> {
    match open(job, out, false) {
        Ok(o) => Ok(serde_json::Value::String(
            o.repo.config().id.to_hex().to_string(),
        )),
        Err(f) if f.kind == FailKind::NoRepository => Ok(serde_json::Value::Null),
        Err(f) => Err(f),
    }
}

pub fn init(job: &Job, out: &Out) -> Result<serde_json::Value, Fail> {
    let storage = storage(job)?;
    if has_config(storage.as_ref())? {
        return repo_id(job, out);
    }
    let capture = Capture::new(None);
    let (repo, _) = unopened(job, &storage, &capture)?;
    let repo = repo.init(
        &Credentials::password(&job.password),
        &KeyOptions::default(),
        &ConfigOptions::default(),
    )?;
    Ok(serde_json::Value::String(
        repo.config().id.to_hex().to_string(),
    ))
}

pub fn remove_lock(job: &Job, name: &str) -> Result<serde_json::Value, Fail> {
    let storage = storage(job)?;
    lock::remove(storage.as_ref(), name)?;
    Ok(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The options applied to `config`, as the config they make.
    fn applied(config: &ConfigFile, run: &RunSettings) -> Option<ConfigFile> {
        let opts = run_options(config, run);
        let mut out = config.clone();
        opts.apply(&mut out).ok()?;
        Some(out)
    }

    /// A config as restic writes it: version, id and chunker polynomial only.
    fn restic_config(version: u32) -> ConfigFile {
        ConfigFile {
            version,
            chunker_polynomial: "3da3358b4dc173".into(),
            ..ConfigFile::default()
        }
    }

    #[test]
    fn a_run_packs_and_compresses_as_restic_does() {
        let mib = |n: u32| Some(n << 20);
        let plain = applied(&restic_config(2), &RunSettings::default()).unwrap();
        assert_eq!(
            (plain.datapack_size, plain.treepack_size),
            (mib(16), mib(16))
        );
        assert_eq!(
            (plain.datapack_growfactor, plain.datapack_size_limit),
            (Some(0), mib(16))
        );
        assert_eq!(plain.min_packsize_tolerate_percent, Some(4));
        assert_eq!(plain.compression, None);
        let run = RunSettings {
            compression: Some("max".into()),
            pack_size_mib: Some(64),
            ..RunSettings::default()
        };
        let flagged = applied(&restic_config(2), &run).unwrap();
        assert_eq!(
            (flagged.compression, flagged.treepack_size),
            (Some(19), mib(64))
        );
        // Format 1 has no compression; restic ignores the setting there.
        assert_eq!(applied(&restic_config(1), &run).unwrap().compression, None);
    }

    #[test]
    fn a_config_with_rustics_own_settings_keeps_them() {
        let own = ConfigFile {
            treepack_growfactor: Some(8),
            min_packsize_tolerate_percent: Some(50),
            extra_verify: Some(false),
            ..restic_config(2)
        };
        let kept = applied(&own, &RunSettings::default()).unwrap();
        assert_eq!(kept, own, "nothing to change");
        let run = RunSettings {
            pack_size_mib: Some(8),
            ..RunSettings::default()
        };
        let sized = applied(&own, &run).unwrap();
        assert_eq!(sized.datapack_size, Some(8 << 20));
        assert_eq!(
            (sized.extra_verify, sized.min_packsize_tolerate_percent),
            (Some(false), Some(50))
        );
    }
}
