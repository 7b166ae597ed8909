//! Laying a restored tree over one that already exists (an in-place restore, or a restore into a
//! destination that is not free), the same way for every engine: the engine restores into a staging
//! directory beside the destination, then each entry is moved over, kept or compared by the overwrite
//! policy, and, when asked, live entries the snapshot does not hold are deleted. A dry run makes the
//! same decisions and changes nothing.
//!
//! Live symbolic links are never followed: an entry whose kind differs from the snapshot's (a link
//! where the snapshot has a directory) is replaced as a whole, never written through, so nothing lands
//! outside the destination.
use super::restore_staging::{StagingKind, staging_name};
use crate::error::{EngineError, Result};
use std::fs::Metadata;
use std::io::{ErrorKind, Read};
use std::path::Path;

/// When an entry that exists both in the snapshot and on disk is replaced (restic's `--overwrite`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Give the destination itself the staged root's permissions and times. False when the staged
    /// root is a staging directory rather than a restored entry (a whole snapshot).
    pub root_metadata: bool,
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
    /// Live entries deleted: those the snapshot does not hold (with `delete`), and directories the
    /// snapshot replaces with a file or link. A directory counts once.
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
        root: staged,
        cancelled,
        on_change,
        report: MergeReport::default(),
    };
    m.entry(staged, dest)?;
    Ok(m.report)
}

struct Merger<'a, 'b> {
    opts: &'a MergeOptions,
    root: &'a Path,
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
        if !self.opts.dry_run {
            // Its entries move out: a read-only directory of the snapshot must let them.
            writable(staged, new)?;
        }
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
        let root_kept = staged == self.root && !self.opts.root_metadata;
        if !self.opts.dry_run && self.opts.overwrite != Overwrite::Never && !root_kept {
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

    /// Replaces the live entry whole (a link is never written through): the live one is moved aside,
    /// the snapshot's moved in, and only then the old one removed; if moving in fails the live entry
    /// is put back. A directory replaced by a file or link loses its contents: reported as deleted.
    fn replace(
        &mut self,
        staged: &Path,
        dest: &Path,
        new: &Metadata,
        live: &Metadata,
    ) -> Result<()> {
        if live.is_dir() && !new.is_dir() {
            self.report.deleted += 1;
            (self.on_change)(Change::Deleted, dest);
        }
        if self.opts.dry_run {
            return self.write_new(staged, dest, new);
        }
        let aside = aside_path(dest);
        std::fs::rename(dest, &aside).map_err(|e| EngineError::io(dest, e))?;
        if let Err(e) = self.write_new(staged, dest, new) {
            let _ = remove_entry(dest);
            let _ = std::fs::rename(&aside, dest);
            return Err(e);
        }
        remove_entry(&aside).map_err(|e| EngineError::io(&aside, e))
    }

    /// Moves `staged` to the free `dest`: a rename (staging is beside the destination), or a copy
    /// where `dest` is on another file system (a mount point inside the destination).
    fn write_new(&mut self, staged: &Path, dest: &Path, new: &Metadata) -> Result<()> {
        self.count_written(staged, dest, new)?;
        if self.opts.dry_run {
            return Ok(());
        }
        if new.is_dir() {
            // Moving a directory rewrites its "..": it must be writable while it moves.
            writable(staged, new)?;
        }
        let moved = match std::fs::rename(staged, dest) {
            Err(e) if e.kind() == ErrorKind::CrossesDevices => {
                copy_tree(staged, dest).inspect_err(|_| {
                    let _ = remove_entry(dest);
                })
            }
            other => other,
        };
        moved.map_err(|e| EngineError::io(dest, e))?;
        if new.is_dir() {
            std::fs::set_permissions(dest, new.permissions())
                .map_err(|e| EngineError::io(dest, e))?;
        }
        Ok(())
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
        remove_entry(dest).map_err(|e| EngineError::io(dest, e))
    }
}

/// Removes a staging directory whole, read-only directories of the snapshot included (a missing one
/// is already gone).
pub fn remove_staging(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            open_up(dir)?;
            std::fs::remove_dir_all(dir)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Gives the owner write and search permission on every directory below `dir` (links not followed).
fn open_up(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Ok(());
    }
    let mode = meta.permissions().mode();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o700))?;
    for entry in std::fs::read_dir(dir)? {
        open_up(&entry?.path())?;
    }
    Ok(())
}

/// Removes a file, link or whole directory (a link itself, never what it points to).
fn remove_entry(p: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(p)?.is_dir() {
        std::fs::remove_dir_all(p)
    } else {
        std::fs::remove_file(p)
    }
}

/// A free name beside `dest` to move the live entry to while it is replaced.
fn aside_path(dest: &Path) -> std::path::PathBuf {
    dest.with_file_name(staging_name(StagingKind::Aside))
}

/// Adds the owner's write permission to a staged directory (the snapshot's mode is given back to it
/// once it is in place).
fn writable(dir: &Path, meta: &Metadata) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode();
    if mode & 0o200 != 0 {
        return Ok(());
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o200))
        .map_err(|e| EngineError::io(dir, e))
}

/// Copies a staged tree to another file system with its kinds, permissions, times and (where
/// allowed) owners.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(from)?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)?;
    } else if kind.is_dir() {
        std::fs::create_dir(to)?;
        for entry in std::fs::read_dir(from)? {
            let name = entry?.file_name();
            copy_tree(&from.join(&name), &to.join(&name))?;
        }
        std::fs::set_permissions(to, meta.permissions())?;
        std::fs::File::open(to)?.set_modified(meta.modified()?)?;
    } else if kind.is_file() {
        std::fs::copy(from, to)?;
        // The owner may set the times through a read-only handle (the copy may be read-only).
        std::fs::File::open(to)?.set_modified(meta.modified()?)?;
    } else {
        return Err(std::io::Error::other(format!(
            "{} is a special file and cannot be copied to another file system",
            from.display()
        )));
    }
    // Only root may give files away; anyone else keeps them as their own.
    let _ = std::os::unix::fs::lchown(to, Some(meta.uid()), Some(meta.gid()));
    Ok(())
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
