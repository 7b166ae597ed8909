//! How many files a restore wrote and their bytes, counted on disk: restic before 0.16 reports no
//! restore summary, so the restic engine walks what it restored. The walk is the only work the restic
//! engine adds to a restore, so it runs on every core: directories are shared out through one queue,
//! each thread reads its directories' entries, and only files are stat'ed (a directory is known as
//! one from its entry's type). Symlinks count as files of their link's length and are never followed.
use parking_lot::{Condvar, Mutex};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};

/// The most threads one count uses.
const MAX_THREADS: usize = 8;

/// Directories waiting to be read, and how many threads are reading one now.
#[derive(Default)]
struct Queue {
    dirs: Vec<PathBuf>,
    busy: usize,
}

/// One count's shared state.
#[derive(Default)]
struct Walk {
    queue: Mutex<Queue>,
    changed: Condvar,
    files: AtomicI64,
    bytes: AtomicI64,
}

/// Files (everything but directories) and their total bytes under `root` (`root` itself when it is
/// a file). Unreadable entries are left out.
pub fn count_tree(root: &Path) -> (i64, i64) {
    let Ok(meta) = fs::symlink_metadata(root) else {
        return (0, 0);
    };
    if !meta.is_dir() {
        return (1, meta.len() as i64);
    }
    let walk = Walk::default();
    walk.queue.lock().dirs.push(root.to_path_buf());
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(MAX_THREADS);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| walk.work());
        }
    });
    (
        walk.files.load(Ordering::Relaxed),
        walk.bytes.load(Ordering::Relaxed),
    )
}

impl Walk {
    /// Takes directories until none is left and no thread is reading one (which could add more).
    fn work(&self) {
        loop {
            let dir = {
                let mut q = self.queue.lock();
                loop {
                    if let Some(dir) = q.dirs.pop() {
                        q.busy += 1;
                        break dir;
                    }
                    if q.busy == 0 {
                        self.changed.notify_all();
                        return;
                    }
                    self.changed.wait(&mut q);
                }
            };
            let found = self.read(&dir);
            let mut q = self.queue.lock();
            q.dirs.extend(found);
            q.busy -= 1;
            self.changed.notify_all();
        }
    }

    /// Counts one directory's files; returns its subdirectories.
    fn read(&self, dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = fs::read_dir(dir) else {
            return Vec::new();
        };
        let (mut files, mut bytes, mut subdirs) = (0, 0, Vec::new());
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => subdirs.push(entry.path()),
                Ok(_) => {
                    if let Ok(meta) = entry.metadata() {
                        files += 1;
                        bytes += meta.len() as i64;
                    }
                }
                Err(_) => {}
            }
        }
        self.files.fetch_add(files, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        subdirs
    }
}

#[cfg(test)]
mod tests {
    use super::count_tree;

    #[test]
    fn counts_files_and_links_below_every_directory_once() {
        let t = tempfile::tempdir().unwrap();
        let mut expected = (0, 0);
        for d in 0..20 {
            let dir = t.path().join(format!("d{d}/inner/deeper"));
            std::fs::create_dir_all(&dir).unwrap();
            for f in 0..d {
                std::fs::write(dir.join(format!("f{f}")), vec![1u8; f]).unwrap();
                expected = (expected.0 + 1, expected.1 + f as i64);
            }
        }
        std::os::unix::fs::symlink("d1", t.path().join("link")).unwrap();
        expected = (expected.0 + 1, expected.1 + 2);
        assert_eq!(count_tree(t.path()), expected);
        let one = t.path().join("d3/inner/deeper/f2");
        assert_eq!(count_tree(&one), (1, 2));
        assert_eq!(count_tree(&t.path().join("missing")), (0, 0));
    }
}
