//! Restoring one path of a snapshot, the same way for every engine: the engine restores into a
//! staging directory inside the target, then the one restored path is moved into place as
//! `target/<basename>`, so nothing lands outside the target and an existing file is never overwritten.
//! A whole snapshot (`/`) is restored straight into the target.
use super::snapshot_path::normalize_dir;
use crate::engine::restore_destination;
use crate::error::{EngineError, Result};
use std::path::{Path, PathBuf};

/// One restore's directories.
pub struct Staging {
    /// The snapshot path restored, normalised.
    pub path: String,
    /// Where the engine restores to: a fresh directory inside the target, or the target itself for `/`.
    pub dir: PathBuf,
    /// Where the restored path ends up.
    pub destination: PathBuf,
    target: PathBuf,
}

impl Staging {
    /// Checks the path and that its destination is free, and creates the target.
    pub async fn prepare(target: &Path, path: &str) -> Result<Staging> {
        let path = normalize_dir(path)?;
        let destination = restore_destination(target, &path);
        if path != "/" && destination.exists() {
            return Err(EngineError::Invalid(format!(
                "{} already exists; choose another target",
                destination.display()
            )));
        }
        tokio::fs::create_dir_all(target)
            .await
            .map_err(|e| EngineError::io(target, e))?;
        let dir = if path == "/" {
            target.to_path_buf()
        } else {
            target.join(staging_name(StagingKind::Restore))
        };
        Ok(Staging {
            path,
            dir,
            destination,
            target: target.to_path_buf(),
        })
    }

    /// Whether the whole snapshot is restored (straight into the target, nothing to move).
    pub fn whole(&self) -> bool {
        self.path == "/"
    }

    /// Removes the staging directory (never the target).
    pub async fn abandon(&self) {
        if self.dir != self.target {
            let _ = tokio::fs::remove_dir_all(&self.dir).await;
        }
    }

    /// Moves what the engine restored at `restored` (inside the staging directory) to the destination,
    /// then removes the staging directory.
    pub async fn finish(&self, restored: &Path) -> Result<()> {
        if self.whole() {
            return Ok(());
        }
        let moved = tokio::fs::rename(restored, &self.destination).await;
        self.abandon().await;
        moved.map_err(|e| EngineError::io(restored, e))
    }
}

/// What a staging directory is for; each kind has its own name prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StagingKind {
    /// An engine's restore inside its target (`.cairn-restore-<pid>-<n>`).
    Restore,
    /// A restore over existing files, beside its destination (`.cairn-merge-<pid>-<n>`).
    Merge,
    /// A live entry moved aside while the merge replaces it (`.cairn-aside-<pid>-<n>`).
    Aside,
}

impl StagingKind {
    /// The kinds whose directories start-up recovery may find left beside a destination.
    pub const LEFT_BY_RESTORES: [StagingKind; 2] = [StagingKind::Restore, StagingKind::Merge];

    fn prefix(self) -> &'static str {
        match self {
            StagingKind::Restore => ".cairn-restore-",
            StagingKind::Merge => ".cairn-merge-",
            StagingKind::Aside => ".cairn-aside-",
        }
    }
}

/// A staging name unique to this process and this use (concurrent restores may share a folder):
/// `<prefix><pid>-<n>`.
pub fn staging_name(kind: StagingKind) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}{}-{n}", kind.prefix(), std::process::id())
}

/// The process id in a name [`staging_name`] made for one of `kinds`; `None` for any other name.
pub fn staging_pid(name: &str, kinds: &[StagingKind]) -> Option<u32> {
    let rest = kinds.iter().find_map(|k| name.strip_prefix(k.prefix()))?;
    let (pid, n) = rest.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_path_is_staged_inside_the_target_and_moved_into_place() {
        let t = tempfile::tempdir().unwrap();
        let s = Staging::prepare(t.path(), "/data/sub/").await.unwrap();
        assert_eq!(s.path, "/data/sub");
        assert!(s.dir.starts_with(t.path()) && s.dir != t.path());
        let restored = s.dir.join("sub");
        std::fs::create_dir_all(&restored).unwrap();
        std::fs::write(restored.join("f"), b"x").unwrap();
        s.finish(&restored).await.unwrap();
        assert_eq!(std::fs::read(t.path().join("sub/f")).unwrap(), b"x");
        assert!(!s.dir.exists(), "the staging directory is gone");
        let again = Staging::prepare(t.path(), "/other/sub").await;
        assert!(
            again.is_err(),
            "an existing destination is never overwritten"
        );
    }

    #[test]
    fn staging_names_carry_the_process_id_and_nothing_else_parses() {
        let kinds = StagingKind::LEFT_BY_RESTORES;
        let name = staging_name(StagingKind::Merge);
        assert_eq!(staging_pid(&name, &kinds), Some(std::process::id()));
        assert_eq!(staging_pid(".cairn-merge-12-0", &kinds), Some(12));
        assert_eq!(staging_pid(&staging_name(StagingKind::Aside), &kinds), None);
        assert_eq!(staging_pid(".cairn-restore-7-x", &kinds), None);
        assert_eq!(staging_pid(".cairn-restore-notes", &kinds), None);
        assert_eq!(staging_pid("cairn-merge-12-0", &kinds), None);
    }

    #[tokio::test]
    async fn a_whole_snapshot_goes_straight_into_the_target() {
        let t = tempfile::tempdir().unwrap();
        let s = Staging::prepare(t.path(), "/").await.unwrap();
        assert!(s.whole() && s.dir == t.path());
        s.abandon().await;
        assert!(t.path().exists(), "the target itself is never removed");
    }
}
