//! restic-format repository locks. A lock is an encrypted JSON file in `locks/`, named by the SHA-256 of
//! its bytes. Shared locks (backup, restore, check, stats) exclude only exclusive ones; an exclusive lock
//! (forget, prune, unlock) excludes every other lock. As in restic, a lock is stale when it is more than
//! 30 minutes old or its process is gone from this host; stale locks never block. Held locks are
//! refreshed (rewritten with a new time, the old file removed) every 5 minutes.
use super::host;
use super::repo_key::RepoKey;
use super::storage::Storage;
use cairn_proto::quoted;
use chrono::{DateTime, SecondsFormat, Utc};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const STALE_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(30);
pub const REFRESH_EVERY: Duration = Duration::from_secs(5 * 60);
const DIR: &str = "locks";

/// The content of a lock file, as restic writes it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LockFile {
    pub time: String,
    #[serde(default)]
    pub exclusive: bool,
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub pid: i64,
    #[serde(default)]
    pub uid: u32,
    #[serde(default)]
    pub gid: u32,
}

impl LockFile {
    fn ours(exclusive: bool) -> Self {
        LockFile {
            time: Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true),
            exclusive,
            hostname: host::hostname(),
            username: host::username(),
            pid: i64::from(std::process::id()),
            uid: host::uid(),
            gid: host::gid(),
        }
    }

    pub fn is_stale(&self) -> bool {
        let old = DateTime::parse_from_rfc3339(&self.time)
            .map(|t| Utc::now().signed_duration_since(t) > STALE_AFTER)
            .unwrap_or(true);
        old || (self.hostname == host::hostname() && !host::process_exists(self.pid))
    }

    fn describe(&self, name: &str) -> String {
        format!(
            "{} lock {} held by PID {} on {} by {} since {}",
            if self.exclusive { "an exclusive" } else { "a" },
            &name[..name.len().min(8)],
            self.pid,
            self.hostname,
            self.username,
            self.time
        )
    }
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{0}")]
    Held(String),
    #[error("cannot reach the repository's locks: {0}")]
    Io(#[from] std::io::Error),
}

/// The locks in the repository other than `except`, each read once, with their names.
fn others(
    storage: &dyn Storage,
    key: &RepoKey,
    except: Option<&str>,
) -> Result<Vec<(String, Seen)>, LockError> {
    let mut out = Vec::new();
    for (name, _) in storage.list(DIR)? {
        if Some(name.as_str()) != except {
            let seen = read_lock(storage, key, &name)?;
            out.push((name, seen));
        }
    }
    Ok(out)
}

/// What reading one lock file found.
enum Seen {
    Gone,
    Lock(LockFile),
    Unreadable,
}

fn read_lock(storage: &dyn Storage, key: &RepoKey, name: &str) -> Result<Seen, LockError> {
    let data = match storage.read(DIR, name, None) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Seen::Gone),
        Err(e) => return Err(e.into()),
    };
    Ok(key
        .open_json::<LockFile>(&data)
        .map_or(Seen::Unreadable, Seen::Lock))
}

/// Pauses before re-reading a lock that did not decrypt. On a backend whose writes are not atomic
/// (a REST server writing straight into its file), another process's lock is briefly readable only in
/// part; restic likewise reads an unreadable lock again before it counts it.
const UNREADABLE_PAUSES: [Duration; 3] = [
    Duration::from_millis(50),
    Duration::from_millis(200),
    Duration::from_millis(750),
];

/// Reads an unreadable lock again after each pause, until it reads (or is gone) or the pauses run out.
fn read_again(storage: &dyn Storage, key: &RepoKey, name: &str) -> Result<Seen, LockError> {
    for pause in UNREADABLE_PAUSES {
        std::thread::sleep(pause);
        match read_lock(storage, key, name)? {
            Seen::Unreadable => {}
            seen => return Ok(seen),
        }
    }
    Ok(Seen::Unreadable)
}

/// What keeps a lock from being taken, and what the user can do about it.
struct Blocker {
    what: String,
    remedy: String,
}

impl Blocker {
    fn held(lock: &LockFile, name: &str) -> Self {
        Blocker {
            what: lock.describe(name),
            remedy: "if that process is gone, unlock the repository".into(),
        }
    }

    /// All of a repository's keys open the same master key, so a lock that stays unreadable is damaged
    /// or another repository's; `unlock` leaves it, as restic's does.
    fn unreadable(name: &str) -> Self {
        Blocker {
            what: format!(
                "lock {name} cannot be read: it is damaged, or belongs to another repository"
            ),
            remedy: format!(
                "if no restic or cairn process is writing it, delete locks/{name} from the repository"
            ),
        }
    }
}

/// Whether `lock` keeps a lock (`exclusive` or not) from being taken.
fn blocks(lock: &LockFile, exclusive: bool) -> bool {
    !lock.is_stale() && (exclusive || lock.exclusive)
}

/// The first lock that conflicts with taking one (`exclusive` or not). Unreadable locks are read again
/// only when no readable one is in the way, and conflict if they stay unreadable.
fn conflict(
    storage: &dyn Storage,
    key: &RepoKey,
    exclusive: bool,
    except: Option<&str>,
) -> Result<Option<Blocker>, LockError> {
    let mut unreadable = Vec::new();
    for (name, seen) in others(storage, key, except)? {
        match seen {
            Seen::Lock(l) if blocks(&l, exclusive) => return Ok(Some(Blocker::held(&l, &name))),
            Seen::Unreadable => unreadable.push(name),
            _ => {}
        }
    }
    for name in unreadable {
        match read_again(storage, key, &name)? {
            Seen::Lock(l) if blocks(&l, exclusive) => return Ok(Some(Blocker::held(&l, &name))),
            Seen::Unreadable => return Ok(Some(Blocker::unreadable(&name))),
            _ => {}
        }
    }
    Ok(None)
}

fn write_lock(storage: &dyn Storage, key: &RepoKey, lock: &LockFile) -> Result<String, LockError> {
    Ok(key.save_json(storage, DIR, lock)?)
}

/// Called with the name of each lock file this process creates (the first and each refresh).
pub type OnLock = Arc<dyn Fn(&str) + Send + Sync>;

/// A lock this process holds; refreshed in the background, removed on `release` or drop.
pub struct HeldLock {
    storage: Arc<dyn Storage>,
    name: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
    refresher: Option<std::thread::JoinHandle<()>>,
}

/// Takes a lock, waiting up to `wait` for conflicting locks to go away.
pub fn acquire(
    storage: Arc<dyn Storage>,
    key: &RepoKey,
    exclusive: bool,
    wait: Duration,
    on_lock: OnLock,
) -> Result<HeldLock, LockError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        let Blocker { what, remedy } = match conflict(storage.as_ref(), key, exclusive, None)? {
            Some(b) => b,
            None => {
                let lock = LockFile::ours(exclusive);
                let name = write_lock(storage.as_ref(), key, &lock)?;
                on_lock(&name);
                // Someone may have locked at the same moment: look again, now that ours is visible.
                match conflict(storage.as_ref(), key, exclusive, Some(&name))? {
                    None => return Ok(start_refresh(storage, key.clone(), lock, name, on_lock)),
                    Some(b) => {
                        storage.remove(DIR, &name)?;
                        b
                    }
                }
            }
        };
        if started.elapsed() >= wait {
            let waited = wait.as_secs_f64();
            return Err(LockError::Held(format!(
                "{what} (waited {waited:.1} s); {remedy}"
            )));
        }
        std::thread::sleep(pause.min(wait.saturating_sub(started.elapsed())));
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

fn start_refresh(
    storage: Arc<dyn Storage>,
    key: RepoKey,
    lock: LockFile,
    name: String,
    on_lock: OnLock,
) -> HeldLock {
    let name = Arc::new(Mutex::new(name));
    let stop = Arc::new(AtomicBool::new(false));
    let (s, n, st) = (storage.clone(), name.clone(), stop.clone());
    let refresher = std::thread::spawn(move || {
        let mut last = Instant::now();
        while !st.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(200));
            if last.elapsed() < REFRESH_EVERY {
                continue;
            }
            last = Instant::now();
            let fresh = LockFile {
                time: Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true),
                ..lock.clone()
            };
            if let Ok(new_name) = write_lock(s.as_ref(), &key, &fresh) {
                on_lock(&new_name);
                let mut current = n.lock();
                let old = std::mem::replace(&mut *current, new_name);
                let _ = s.remove(DIR, &old);
            }
        }
    });
    HeldLock {
        storage,
        name,
        stop,
        refresher: Some(refresher),
    }
}

impl HeldLock {
    pub fn release(mut self) -> std::io::Result<()> {
        self.stop_refresh();
        let name = self.name.lock().clone();
        self.storage.remove(DIR, &name)
    }

    fn stop_refresh(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.refresher.take() {
            let _ = t.join();
        }
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        if self.refresher.is_some() {
            self.stop_refresh();
            let name = self.name.lock().clone();
            let _ = self.storage.remove(DIR, &name);
        }
    }
}

/// Removes stale locks (restic's `unlock`); returns how many.
pub fn remove_stale(storage: &dyn Storage, key: &RepoKey) -> Result<usize, LockError> {
    let mut removed = 0;
    for (name, seen) in others(storage, key, None)? {
        if matches!(seen, Seen::Lock(l) if l.is_stale()) {
            storage.remove(DIR, &name)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes one lock by name (after a worker holding it was killed).
pub fn remove(storage: &dyn Storage, name: &str) -> std::io::Result<()> {
    if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(std::io::Error::other(format!(
            "{name} is not a lock name",
            name = quoted(&name)
        )));
    }
    storage.remove(DIR, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::LocalStorage;

    fn setup() -> (tempfile::TempDir, Arc<dyn Storage>, RepoKey) {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(LocalStorage::new(dir.path()));
        storage.create().unwrap();
        let key = RepoKey::new(&[1; 32], &[2; 16], &[3; 16]).unwrap();
        (dir, storage, key)
    }

    fn none() -> OnLock {
        Arc::new(|_: &str| {})
    }

    #[test]
    fn shared_locks_coexist_and_exclusive_ones_wait_then_fail() {
        let (_d, storage, key) = setup();
        let a = acquire(storage.clone(), &key, false, Duration::ZERO, none()).unwrap();
        let b = acquire(storage.clone(), &key, false, Duration::ZERO, none()).unwrap();
        assert_eq!(storage.list(DIR).unwrap().len(), 2);
        let err = acquire(
            storage.clone(),
            &key,
            true,
            Duration::from_millis(300),
            none(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            err.contains(&format!("PID {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("waited"), "{err}");
        a.release().unwrap();
        b.release().unwrap();
        let x = acquire(storage.clone(), &key, true, Duration::ZERO, none()).unwrap();
        assert!(acquire(storage.clone(), &key, false, Duration::ZERO, none()).is_err());
        drop(x);
        assert!(storage.list(DIR).unwrap().is_empty());
    }

    #[test]
    fn stale_locks_do_not_block_and_unlock_removes_only_them() {
        let (_d, storage, key) = setup();
        let dead = LockFile {
            pid: i64::from(i32::MAX),
            ..LockFile::ours(true)
        };
        let old = LockFile {
            time: "2020-01-01T00:00:00Z".into(),
            hostname: "elsewhere".into(),
            ..LockFile::ours(true)
        };
        write_lock(storage.as_ref(), &key, &dead).unwrap();
        write_lock(storage.as_ref(), &key, &old).unwrap();
        let live = acquire(storage.clone(), &key, true, Duration::ZERO, none()).unwrap();
        assert_eq!(remove_stale(storage.as_ref(), &key).unwrap(), 2);
        assert_eq!(storage.list(DIR).unwrap().len(), 1);
        live.release().unwrap();
    }

    /// Writes `bytes` straight under `name`, as a backend without atomic writes shows a lock mid-write.
    fn plant(dir: &std::path::Path, name: &str, bytes: &[u8]) {
        std::fs::write(dir.join(DIR).join(name), bytes).unwrap();
    }

    #[test]
    fn a_lock_read_mid_write_is_read_again_before_it_counts() {
        let (dir, storage, key) = setup();
        let lock = LockFile::ours(false);
        let name = write_lock(storage.as_ref(), &key, &lock).unwrap();
        let whole = storage.read(DIR, &name, None).unwrap();
        plant(dir.path(), &name, &whole[..whole.len() / 2]);
        let path = dir.path().to_path_buf();
        let (n, w) = (name.clone(), whole.clone());
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(120));
            plant(&path, &n, &w);
        });
        let ours = acquire(storage.clone(), &key, false, Duration::ZERO, none()).unwrap();
        writer.join().unwrap();
        ours.release().unwrap();
        // One that never becomes whole still counts, and the error says which file to delete.
        plant(dir.path(), &name, &whole[..whole.len() / 2]);
        let err = acquire(storage.clone(), &key, false, Duration::ZERO, none())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("cannot be read") && err.contains(&format!("delete locks/{name}")),
            "{err}"
        );
    }

    #[test]
    fn lock_files_round_trip_through_the_key() {
        let (_d, storage, key) = setup();
        let lock = LockFile::ours(false);
        let name = write_lock(storage.as_ref(), &key, &lock).unwrap();
        let data = storage.read(DIR, &name, None).unwrap();
        assert_eq!(key.open_json::<LockFile>(&data), Some(lock));
        assert!(remove(storage.as_ref(), "../x").is_err());
    }
}
