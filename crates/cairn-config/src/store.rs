//! The config file store: loads (migrating and validating) once, then serves the cached config and
//! applies updates guarded by `modno`. Every write is validated first and atomic: the previous file is
//! kept as `<file>.bak.<timestamp>` (the newest 10), the new text goes to a 0600 temp file that is
//! fsynced and renamed over the old one, and the directory is fsynced.
use crate::codec::{self, Document};
use crate::error::{ConfigError, Result};
use crate::migrate::{MigrationEnv, migrate};
use crate::seal::{Sealer, seal_config, unseal_config};
use crate::validate::{checked, normalize, validate};
use cairn_proto::v1::Config;
use parking_lot::{Mutex, MutexGuard};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// How many previous versions of the file are kept.
pub const KEEP_BACKUPS: usize = 10;

/// The config file and its cached, validated content.
pub struct ConfigStore {
    path: PathBuf,
    current: Mutex<Document>,
    /// Seals secrets on write (when the config turns sealing on) and opens sealed ones on load.
    sealer: Option<Sealer>,
    /// The copy several servers share (a hub's database), and its text as this store last saw it.
    shared: Option<Shared>,
}

/// A copy of the config kept outside its file and shared by several servers (the hub processes of
/// one database): the copy wins over the file, and every change goes through it first, guarded by
/// what the writer last saw, so two servers never overwrite each other's change.
pub trait SharedCopy: Send + Sync {
    /// The stored text, if any.
    fn load(&self) -> std::result::Result<Option<Vec<u8>>, String>;
    /// Stores `new` if the stored text is still `expected` (None: nothing stored); false when
    /// another server changed it first.
    fn replace(&self, expected: Option<&[u8]>, new: &[u8]) -> std::result::Result<bool, String>;
}

struct Shared {
    copy: std::sync::Arc<dyn SharedCopy>,
    /// The copy's text this store's current config came from.
    seen: Mutex<Option<Vec<u8>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
}

impl ConfigStore {
    /// Loads `path`, or creates it from `default` when it does not exist. A migrated config is written
    /// back (the original kept as a backup); an invalid one is an error and nothing is written.
    pub fn open(
        path: impl Into<PathBuf>,
        env: &MigrationEnv,
        default: impl FnOnce() -> Config,
    ) -> Result<Self> {
        Self::open_sealed(path, env, default, None)
    }

    /// [`ConfigStore::open`] with the keys that seal and open secrets (see [`crate::seal`]).
    pub fn open_sealed(
        path: impl Into<PathBuf>,
        env: &MigrationEnv,
        default: impl FnOnce() -> Config,
        sealer: Option<Sealer>,
    ) -> Result<Self> {
        let path = path.into();
        let owned = sealer;
        let sealer = owned.as_ref();
        remove_stale_temp_files(&path);
        let doc = match std::fs::read_to_string(&path) {
            Ok(text) => Self::load_text(&path, &text, env, sealer)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut doc = Document {
                    config: default(),
                    unknown: None,
                };
                migrate(&mut doc.config, env).map_err(|source| ConfigError::Migration {
                    path: path.clone(),
                    source,
                })?;
                crate::identity::populate(&mut doc.config)?;
                validate(&doc.config).map_err(ConfigError::Invalid)?;
                write_atomic(&path, &render(&path, &doc, sealer)?)?;
                tracing::info!(path = %path.display(), "wrote a new default config");
                doc
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Ok(Self {
            path,
            current: Mutex::new(doc),
            sealer: owned,
            shared: None,
        })
    }

    /// [`ConfigStore::open_sealed`], sharing the config through `copy`: a config already stored there
    /// replaces the file's (the file keeps a copy of it), else the file's config is stored there.
    pub fn open_shared(
        path: impl Into<PathBuf>,
        env: &MigrationEnv,
        default: impl FnOnce() -> Config,
        sealer: Option<Sealer>,
        copy: std::sync::Arc<dyn SharedCopy>,
    ) -> Result<Self> {
        let mut store = Self::open_sealed(path, env, default, sealer)?;
        store.shared = Some(Shared {
            copy,
            seen: Mutex::new(None),
        });
        if !store.reload_shared()? {
            let current = lock(&store.current).clone();
            let text = render(&store.path, &current, store.sealer.as_ref())?;
            if store.shared_replace(None, text.as_bytes())? {
                tracing::info!("stored the config for the other servers of this database");
            } else {
                // Another server stored one first: it wins.
                store.reload_shared()?;
            }
        }
        Ok(store)
    }

    /// Re-reads the shared copy; true when it differed from what this store had (the config was
    /// replaced and the file rewritten). Servers call it when the copy's owner says it changed.
    pub fn reload_shared(&self) -> Result<bool> {
        let Some(shared) = &self.shared else {
            return Ok(false);
        };
        let mut current = lock(&self.current);
        let Some(text) = shared.copy.load().map_err(|e| self.shared_error(e))? else {
            return Ok(false);
        };
        if lock(&shared.seen).as_deref() == Some(text.as_slice()) {
            return Ok(false);
        }
        self.adopt(&mut current, shared, text)?;
        Ok(true)
    }

    /// Makes the shared copy's `text` the current config (held under the store's lock).
    fn adopt(&self, current: &mut Document, shared: &Shared, text: Vec<u8>) -> Result<()> {
        let string = String::from_utf8_lossy(&text).into_owned();
        *current = Self::load_text(
            &self.path,
            &string,
            &MigrationEnv::default(),
            self.sealer.as_ref(),
        )?;
        write_atomic(&self.path, &string)?;
        *lock(&shared.seen) = Some(text);
        Ok(())
    }

    fn shared_replace(&self, expected: Option<&[u8]>, new: &[u8]) -> Result<bool> {
        let Some(shared) = &self.shared else {
            return Ok(true);
        };
        let replaced = shared
            .copy
            .replace(expected, new)
            .map_err(|e| self.shared_error(e))?;
        if replaced {
            *lock(&shared.seen) = Some(new.to_vec());
        }
        Ok(replaced)
    }

    fn shared_error(&self, why: String) -> ConfigError {
        ConfigError::Shared {
            path: self.path.clone(),
            why,
        }
    }

    fn load_text(
        path: &Path,
        text: &str,
        env: &MigrationEnv,
        sealer: Option<&Sealer>,
    ) -> Result<Document> {
        let mut doc = codec::parse(text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        unseal_config(&mut doc.config, sealer).map_err(|source| ConfigError::Sealed {
            path: path.to_path_buf(),
            source,
        })?;
        let from = doc.config.version;
        let migrated = migrate(&mut doc.config, env).map_err(|source| ConfigError::Migration {
            path: path.to_path_buf(),
            source,
        })?;
        let populated = crate::identity::populate(&mut doc.config)?;
        log_warnings(&checked(&doc.config).map_err(ConfigError::Invalid)?);
        if migrated || populated {
            write_atomic(path, &render(path, &doc, sealer)?)?;
            if migrated {
                tracing::info!(path = %path.display(), from, to = doc.config.version, "migrated config");
            } else {
                tracing::info!(path = %path.display(), keyid = %identity_of(&doc.config), "made the instance's multihost identity");
            }
        }
        Ok(doc)
    }

    /// The config file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current config.
    pub fn get(&self) -> Config {
        lock(&self.current).config.clone()
    }

    /// Replaces the config with `new`, which must carry the current modno. Validated before anything
    /// is written; on success the stored modno is incremented and the stored config returned.
    pub fn update(&self, new: Config) -> Result<Config> {
        let mut current = lock(&self.current);
        if new.modno != current.config.modno {
            return Err(ConfigError::StaleModno {
                stored: current.config.modno,
                given: new.modno,
            });
        }
        self.commit(&mut current, new)
    }

    /// Read-modify-write of the current config under the store's lock (for server-side changes such
    /// as adding a repository); `f`'s error aborts without writing.
    pub fn modify<E: From<ConfigError>>(
        &self,
        f: impl FnOnce(&mut Config) -> std::result::Result<(), E>,
    ) -> std::result::Result<Config, E> {
        let mut current = lock(&self.current);
        let mut next = current.config.clone();
        f(&mut next)?;
        Ok(self.commit(&mut current, next)?)
    }

    fn commit(&self, current: &mut Document, mut new: Config) -> Result<Config> {
        crate::identity::populate(&mut new)?;
        normalize(&mut new);
        log_warnings(&checked(&new).map_err(ConfigError::Invalid)?);
        new.modno = current.config.modno + 1;
        // The stored file is always at the current version; a client cannot set it back.
        new.version = crate::CURRENT_VERSION;
        let doc = Document {
            config: new,
            unknown: current.unknown.clone(),
        };
        let text = render(&self.path, &doc, self.sealer.as_ref())?;
        if let Some(shared) = &self.shared {
            let seen = lock(&shared.seen).clone();
            if !self.shared_replace(seen.as_deref(), text.as_bytes())? {
                // Another server changed the config first: take its version, refuse this change.
                let given = doc.config.modno - 1;
                self.adopt_shared(current)?;
                return Err(ConfigError::StaleModno {
                    stored: current.config.modno,
                    given,
                });
            }
        }
        write_atomic(&self.path, &text)?;
        *current = doc;
        Ok(current.config.clone())
    }

    /// Replaces `current` (held under the store's lock) with the shared copy.
    fn adopt_shared(&self, current: &mut Document) -> Result<()> {
        let Some(shared) = &self.shared else {
            return Ok(());
        };
        match shared.copy.load().map_err(|e| self.shared_error(e))? {
            Some(text) => self.adopt(current, shared, text),
            None => Ok(()),
        }
    }
}

/// Logs each value Backrest accepts and cairn thinks unwise (the UI shows them too).
fn log_warnings(warnings: &[crate::FieldError]) {
    for w in warnings {
        tracing::warn!(field = %w.path, "config: {}", w.message);
    }
}

/// The identity's key id, for logs.
fn identity_of(config: &Config) -> &str {
    config
        .multihost
        .as_option()
        .and_then(|m| m.identity.as_option())
        .map_or("", |i| i.keyid.as_str())
}

/// The file's text: secrets sealed when the config asks for it and a key is at hand.
fn render(path: &Path, doc: &Document, sealer: Option<&Sealer>) -> Result<String> {
    let seal = doc.config.cairn.as_option().is_some_and(|c| c.seal_secrets);
    let sealed;
    let doc = match sealer.filter(|_| seal) {
        Some(s) => {
            let mut copy = doc.clone();
            seal_config(&mut copy.config, s).map_err(|source| ConfigError::Sealed {
                path: path.to_path_buf(),
                source,
            })?;
            sealed = copy;
            &sealed
        }
        None => doc,
    };
    codec::render(doc).map_err(|source| ConfigError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `text` to `path` atomically with mode 0600, keeping the previous file as a backup.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let werr = |source| ConfigError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = parent_dir(path);
    std::fs::create_dir_all(dir).map_err(werr)?;
    if path.exists() {
        backup(path).map_err(werr)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(werr)
}

/// Removes temp files a writer killed mid-write left beside `path` (the config itself is never partial).
fn remove_stale_temp_files(path: &Path) {
    for stale in siblings_with_prefix(path, ".", ".tmp-").unwrap_or_default() {
        let _ = std::fs::remove_file(stale);
    }
}

/// Copies `path` to `<path>.bak.<local time>` (0600) and removes all but the newest backups.
fn backup(path: &Path) -> std::io::Result<()> {
    let stamp = chrono::Local::now().format("%Y-%m-%d-%H-%M-%S").to_string();
    let base = format!("{}.bak.{stamp}", path.display());
    // Within one second, number the copies after the highest existing one so names never get reused.
    let same_second: Vec<u32> = list_backups(path)?
        .iter()
        .map(|p| backup_order(p))
        .filter(|(s, _)| *s == stamp)
        .map(|(_, n)| n)
        .collect();
    let target = match same_second.iter().max() {
        None => PathBuf::from(&base),
        Some(n) => PathBuf::from(format!("{base}.{}", n + 1)),
    };
    let data = std::fs::read(path)?;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&target)?;
    f.write_all(&data)?;
    f.sync_all()?;
    let mut backups = list_backups(path)?;
    backups.sort_by_key(|p| backup_order(p));
    let excess = backups.len().saturating_sub(KEEP_BACKUPS);
    for old in &backups[..excess] {
        std::fs::remove_file(old)?;
    }
    Ok(())
}

/// Sort key of a backup file: its timestamp, then its collision counter.
fn backup_order(p: &Path) -> (String, u32) {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tail = name.rsplit(".bak.").next().unwrap_or("").to_string();
    match tail.split_once('.') {
        Some((stamp, n)) => (stamp.to_string(), n.parse().unwrap_or(0)),
        None => (tail, 0),
    }
}

/// The backup files of `path`.
pub fn list_backups(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    siblings_with_prefix(path, "", ".bak.")
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Files beside `path` named `<before><file name><after>...`.
fn siblings_with_prefix(path: &Path, before: &str, after: &str) -> std::io::Result<Vec<PathBuf>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let prefix = format!("{before}{name}{after}");
    Ok(std::fs::read_dir(parent_dir(path))?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect())
}
