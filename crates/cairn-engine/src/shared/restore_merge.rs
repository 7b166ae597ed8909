//! Laying a restored tree over one that already exists (an in-place restore, or a restore into a
//! destination that is not free), the same way for every engine: the engine restores into a staging
//! directory beside the destination, then each entry is moved over, kept or compared by the overwrite
//! policy, and, when asked, live entries the snapshot does not hold are deleted. A dry run makes the
//! same decisions and changes nothing.
//!
//! Live symbolic links are never followed: an entry whose kind differs from the snapshot's (a link
//! where the snapshot has a directory) is replaced as a whole, never written through, so nothing lands
//! outside the destination.
use crate::error::{EngineError, Result};
use std::fs::Metadata;
use std::io::{ErrorKind, Read};
use std::path::Path;

/// When an entry that exists both in the snapshot and on disk is replaced (restic's `--overwrite`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Always replace it.
    Always,
    /// Replace it when its kind, size or bytes (a link's target) differ from the snapshot's.
    IfChanged,
    /// Replace it when the snapshot's modification time is later than the live one.
    IfNewer,
    /// Never replace it.
    Never,
}

/// How a merge treats what already exists.
#[derive(Clone, Copy, Debug)]
pub struct MergeOptions {
    /// Which existing entries are replaced.
    pub overwrite: Overwrite,
    /// Also delete live entries (inside the restored directories) that the snapshot does not hold.
    pub delete: bool,
    /// Decide and report, change nothing.
    pub dry_run: bool,
}

/// What a merge did (or, in a dry run, would do) to one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Written from the snapshot: new, or replacing what was there.
    Written,
    /// Deleted because the snapshot does not hold it (a directory with everything in it).
    Deleted,
}

/// The counts of a merge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Entries written (each file, link and new directory).
    pub written: u64,
    /// Existing entries left as they were (the policy kept them, or they were already equal).
    pub kept: u64,
    /// Live entries deleted (a directory counts once).
    pub deleted: u64,
}

/// Receives each path changed, as it is decided.
pub type ChangeSink<'a> = &'a mut dyn FnMut(Change, &Path);

/// Merges the restored tree at `staged` into `dest` (which may not exist yet). `cancelled` is asked
/// between entries; when it says yes the merge stops with [`EngineError::Cancelled`].
pub fn merge(
    staged: &Path,
    dest: &Path,
    opts: &MergeOptions,
    cancelled: &dyn Fn() -> bool,
    on_change: ChangeSink<'_>,
) -> Result<MergeReport> {
    let mut m = Merger {
        opts,
        cancelled,
        on_change,
        report: MergeReport::default(),
    };
    m.entry(staged, dest)?;
    Ok(m.report)
}

struct Merger<'a, 'b> {
    opts: &'a MergeOptions,
    cancelled: &'a dyn Fn() -> bool,
    on_change: ChangeSink<'b>,
    report: MergeReport,
}

impl Merger<'_, '_> {
    fn entry(&mut self, staged: &Path, dest: &Path) -> Result<()> {
        if (self.cancelled)() {
            return Err(EngineError::Cancelled);
        }
        let new = lstat(staged)?.ok_or_else(|| missing(staged))?;
        let Some(live) = lstat(dest)? else {
            return self.write_new(staged, dest, &new);
        };
        if new.is_dir() && live.is_dir() {
            return self.directory(staged, dest, &new);
        }
        if self.replaces(staged, dest, &new, &live)? {
            self.replace(staged, dest, &new, &live)
        } else {
            self.report.kept += 1;
            Ok(())
        }
    }

    /// Both are real directories: merge their contents, then (unless told never to overwrite) take the
    /// snapshot's permissions and times.
    fn directory(&mut self, staged: &Path, dest: &Path, new: &Metadata) -> Result<()> {
        let names = children(staged)?;
        for name in &names {
            self.entry(&staged.join(name), &dest.join(name))?;
        }
        if self.opts.delete {
            for name in children(dest)? {
                if !names.contains(&name) {
                    self.delete(&dest.join(name))?;
                }
            }
        }
        if !self.opts.dry_run && self.opts.overwrite != Overwrite::Never {
            copy_dir_metadata(dest, new)?;
        }
        Ok(())
    }

    fn replaces(
        &self,
        staged: &Path,
        dest: &Path,
        new: &Metadata,
        live: &Metadata,
    ) -> Result<bool> {
        Ok(match self.opts.overwrite {
            Overwrite::Always => true,
            Overwrite::Never => false,
            Overwrite::IfNewer => mtime(new) > mtime(live),
            Overwrite::IfChanged => differs(staged, dest, new, live)?,
        })
    }

    fn replace(
        &mut self,
        staged: &Path,
        dest: &Path,
        new: &Metadata,
        live: &Metadata,
    ) -> Result<()> {
        if !self.opts.dry_run && live.is_dir() {
            std::fs::remove_dir_all(dest).map_err(|e| EngineError::io(dest, e))?;
        } else if !self.opts.dry_run && new.is_dir() {
            // A file or link where the snapshot has a directory: remove it, never write through it.
            std::fs::remove_file(dest).map_err(|e| EngineError::io(dest, e))?;
        }
        self.write_new(staged, dest, new)
    }

    /// Moves `staged` to the free `dest` (a rename: staging is beside the destination).
    fn write_new(&mut self, staged: &Path, dest: &Path, new: &Metadata) -> Result<()> {
        self.count_written(staged, dest, new)?;
        if self.opts.dry_run {
            return Ok(());
        }
        std::fs::rename(staged, dest).map_err(|e| EngineError::io(dest, e))
    }

    /// Reports `dest` and, for a directory, everything in it.
    fn count_written(&mut self, staged: &Path, dest: &Path, new: &Metadata) -> Result<()> {
        self.report.written += 1;
        (self.on_change)(Change::Written, dest);
        if new.is_dir() {
            for name in children(staged)? {
                let inner = staged.join(&name);
                let meta = lstat(&inner)?.ok_or_else(|| missing(&inner))?;
                self.count_written(&inner, &dest.join(name), &meta)?;
            }
        }
        Ok(())
    }

    fn delete(&mut self, dest: &Path) -> Result<()> {
        self.report.deleted += 1;
        (self.on_change)(Change::Deleted, dest);
        if self.opts.dry_run {
            return Ok(());
        }
        let live = lstat(dest)?.ok_or_else(|| missing(dest))?;
        let removed = if live.is_dir() {
            std::fs::remove_dir_all(dest)
        } else {
            std::fs::remove_file(dest)
        };
        removed.map_err(|e| EngineError::io(dest, e))
    }
}

/// Whether the live entry differs from the snapshot's: its kind, a file's size or bytes, a link's
/// target.
fn differs(staged: &Path, dest: &Path, new: &Metadata, live: &Metadata) -> Result<bool> {
    let (a, b) = (new.file_type(), live.file_type());
    if a.is_symlink() || b.is_symlink() {
        return Ok(!(a.is_symlink() && b.is_symlink()) || read_link(staged)? != read_link(dest)?);
    }
    if a.is_file() && b.is_file() {
        return Ok(new.len() != live.len() || !same_bytes(staged, dest)?);
    }
    Ok(a != b)
}

fn same_bytes(a: &Path, b: &Path) -> Result<bool> {
    let open = |p: &Path| std::fs::File::open(p).map_err(|e| EngineError::io(p, e));
    let (mut fa, mut fb) = (open(a)?, open(b)?);
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = read_full(&mut fa, &mut ba).map_err(|e| EngineError::io(a, e))?;
        let m = read_full(&mut fb, &mut bb).map_err(|e| EngineError::io(b, e))?;
        if n != m || ba[..n] != bb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// Fills `buf` as far as the file allows (a short read only at its end).
fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn read_link(p: &Path) -> Result<std::path::PathBuf> {
    std::fs::read_link(p).map_err(|e| EngineError::io(p, e))
}

fn mtime(m: &Metadata) -> Option<std::time::SystemTime> {
    m.modified().ok()
}

/// The entry's metadata without following a link; `None` when nothing is there.
fn lstat(p: &Path) -> Result<Option<Metadata>> {
    match std::fs::symlink_metadata(p) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EngineError::io(p, e)),
    }
}

fn missing(p: &Path) -> EngineError {
    EngineError::io(p, std::io::Error::from(ErrorKind::NotFound))
}

/// A directory's entry names, sorted so reports come in a stable order.
fn children(dir: &Path) -> Result<Vec<std::ffi::OsString>> {
    let mut names = std::fs::read_dir(dir)
        .map_err(|e| EngineError::io(dir, e))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| EngineError::io(dir, e))?;
    names.sort();
    Ok(names)
}

fn copy_dir_metadata(dest: &Path, new: &Metadata) -> Result<()> {
    std::fs::set_permissions(dest, new.permissions()).map_err(|e| EngineError::io(dest, e))?;
    let dir = std::fs::File::open(dest).map_err(|e| EngineError::io(dest, e))?;
    if let Ok(t) = new.modified() {
        dir.set_modified(t).map_err(|e| EngineError::io(dest, e))?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "restore_merge_tests.rs"]
mod tests;
