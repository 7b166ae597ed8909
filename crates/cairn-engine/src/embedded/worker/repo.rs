//! Opening a repository for a job: its storage, rustic_core on top with this run's settings kept in
//! memory, and the restic-format lock the job needs.
use super::Fail;
use super::progress::Capture;
use crate::embedded::flags::DEFAULT_PACK_SIZE_MIB;
use crate::embedded::lock::{self, HeldLock};
use crate::embedded::protocol::{Event, FailKind, Job, KnownKey};
use crate::embedded::repo_key::RepoKey;
use crate::embedded::storage::{RusticBackend, Storage};
use crate::embedded::worker::Out;
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
    apply_run_settings(&mut repo, &backend, job)?;
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

/// The target pack size for this run, in MiB: `--pack-size` (or `RESTIC_PACK_SIZE`), else restic's own
/// default, unless the repository's config sets rustic's pack sizes itself (left to it then). rustic_core's
/// default is 32 MiB and growing; restic's 16 MiB gives packs like restic's and half the memory, since
/// the packs being filled and written are held in memory.
fn pack_size_mib(repo: &Repository<OpenStatus>, job: &Job) -> Option<u32> {
    let config = repo.config();
    let own = config.datapack_size.is_some() || config.append_only == Some(true);
    job.run
        .pack_size_mib
        .or((!own).then_some(DEFAULT_PACK_SIZE_MIB))
}

/// restic's `--compression` and `--pack-size` hold for one run: rustic_core reads them from the
/// repository config, so they are applied to the in-memory config only.
fn apply_run_settings(
    repo: &mut Repository<OpenStatus>,
    backend: &RusticBackend,
    job: &Job,
) -> Result<(), Fail> {
    let mut opts = ConfigOptions::default();
    let mut changed = false;
    if let Some(c) = &job.run.compression {
        let level = match c.as_str() {
            "auto" => None,
            "off" => Some(0),
            "max" => Some(19),
            n => n.parse::<i32>().ok(),
        };
        if level.is_some() && repo.config().version < 2 {
            return Err(Fail::invalid(
                "--compression needs a repository of format version 2; this one is version 1",
            ));
        }
        changed |= level.is_some();
        opts.set_compression = level;
    }
    if let Some(mib) = pack_size_mib(repo, job) {
        // As in restic, one size for tree and data packs, not growing with the repository.
        let size = Some(bytesize::ByteSize::mib(u64::from(mib)));
        (opts.set_datapack_size, opts.set_datapack_size_limit) = (size, size);
        (opts.set_treepack_size, opts.set_treepack_size_limit) = (size, size);
        (opts.set_datapack_growfactor, opts.set_treepack_growfactor) = (Some(0), Some(0));
        changed = true;
    }
    if !changed {
        return Ok(());
    }
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
