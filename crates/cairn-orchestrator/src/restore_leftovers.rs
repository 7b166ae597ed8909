//! After a crash: the staging directories that restores interrupted by it left beside their
//! destinations (`.cairn-restore-<pid>-<n>` made by the engines, `.cairn-merge-<pid>-<n>` made by a
//! restore over existing files). Found from the interrupted operations' records and removed when the
//! process that made them is gone, so a kill mid-restore leaves no half-restored copy in a person's
//! folders.
use cairn_engine::shared::restore_staging::{StagingKind, staging_pid};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationRestore};
use std::path::{Path, PathBuf};

/// Removes the staging directories of interrupted restores whose process is gone; returns what it
/// removed. Call it at start-up, before this process runs any restore.
pub fn remove_restore_leftovers(interrupted: &[Operation]) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for op in interrupted {
        let Some(Op::OperationRestore(r)) = &op.op else {
            continue;
        };
        for dir in staging_parents(r) {
            for leftover in leftovers_in(&dir) {
                match cairn_engine::shared::restore_merge::remove_staging(&leftover) {
                    Ok(()) => removed.push(leftover),
                    Err(e) => tracing::warn!(dir = %leftover.display(), error = %e,
                        "cannot remove an interrupted restore's staging directory"),
                }
            }
        }
    }
    removed
}

/// Where a restore's staging directories can be: inside its target (the engines stage there) and
/// beside each destination (a merge stages there).
fn staging_parents(r: &OperationRestore) -> Vec<PathBuf> {
    let paths: Vec<&str> = if r.paths.is_empty() {
        vec![r.path.as_str()]
    } else {
        r.paths.iter().map(String::as_str).collect()
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut add = |d: PathBuf| {
        if !d.as_os_str().is_empty() && !dirs.contains(&d) {
            dirs.push(d);
        }
    };
    let mut dests: Vec<PathBuf> = Vec::new();
    if r.in_place {
        dests.extend(paths.iter().map(PathBuf::from));
    } else if !r.target.is_empty() {
        let target = PathBuf::from(&r.target);
        add(target.clone());
        dests.push(target);
    }
    for dest in dests {
        add(crate::tasks::restore::staging_parent(&dest));
    }
    dirs
}

/// The staging directories in `dir` whose making process no longer runs.
fn leftovers_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            staging_pid(
                &e.file_name().to_string_lossy(),
                &StagingKind::LEFT_BY_RESTORES,
            )
            .is_some_and(|pid| !running(pid))
        })
        .map(|e| e.path())
        .collect()
}

/// Whether the process that made a staging directory still runs. Recovery runs at start-up, before
/// this process restores anything, so a name with this process's own id is a predecessor's (a
/// container restarted gets the same id).
fn running(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restore_op(r: OperationRestore) -> Operation {
        Operation {
            op: Some(Op::OperationRestore(Box::new(r))),
            ..Default::default()
        }
    }

    /// A process id that no longer runs: a child that exited and was reaped.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn staging_of_a_dead_process_is_removed_and_live_ones_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("restored");
        let dead = dead_pid();
        let gone = [
            target.join(format!(".cairn-restore-{dead}-0")),
            dir.path().join(format!(".cairn-merge-{dead}-3")),
            // A predecessor with the same id (a restarted container).
            target.join(format!(".cairn-merge-{}-0", std::process::id())),
        ];
        let kept = [
            target.join(format!(
                ".cairn-restore-{}-1",
                std::os::unix::process::parent_id()
            )),
            target.join(".cairn-restore-notes"),
            target.join("data"),
        ];
        for d in gone.iter().chain(&kept) {
            std::fs::create_dir_all(d).unwrap();
        }
        let op = restore_op(OperationRestore {
            path: "/srv/data".into(),
            target: target.display().to_string(),
            ..Default::default()
        });
        let mut removed = remove_restore_leftovers(&[op]);
        removed.sort();
        let mut expected = gone.to_vec();
        expected.sort();
        assert_eq!(removed, expected);
        assert!(kept.iter().all(|d| d.exists()));
    }

    #[test]
    fn an_in_place_restore_is_cleaned_beside_each_path() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dead_pid();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let leftovers = [
            a.join(format!(".cairn-merge-{dead}-0")),
            b.join(format!(".cairn-restore-{dead}-2")),
        ];
        for d in &leftovers {
            std::fs::create_dir_all(d).unwrap();
        }
        let op = restore_op(OperationRestore {
            paths: vec![
                a.join("docs").display().to_string(),
                b.join("notes.txt").display().to_string(),
            ],
            in_place: true,
            ..Default::default()
        });
        assert_eq!(remove_restore_leftovers(&[op]).len(), 2);
        assert!(leftovers.iter().all(|d| !d.exists()));
    }
}
