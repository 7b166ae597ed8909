//! A restore: the snapshot path's contents written below the given directory (cairn passes a staging
//! directory and moves the result into place), under a shared lock, with restic's status reports twice a
//! second and a summary. For a directory rustic_core's restore makes the tree, the empty files and all
//! metadata, and `contents` fills the files with bounded memory; a single file is streamed blob by blob.
use super::browse::NodeReader;
use super::progress::Meter;
use super::{Fail, Out, contents, repo};
use crate::protocol::{Event, Job};
use cairn_proto::v1::RestoreProgressEntry;
use rustic_core::repofile::Node;
use rustic_core::{
    IndexedFull, LocalDestination, LsOptions, Repository, RestoreOptions, RusticResult,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const REPORT_EVERY: Duration = Duration::from_millis(500);

pub fn run(
    job: &Job,
    out: &Out,
    snapshot: &str,
    path: &str,
    target: &Path,
) -> Result<serde_json::Value, Fail> {
    let started = Instant::now();
    let opened = repo::open(job, out, false)?;
    let lock = repo::lock(&opened, job, out, false)?;
    let meter = opened.capture.meter.clone();
    let repo = opened.repo.to_indexed()?;
    let snap = repo.get_snapshot_from_str(snapshot, |_| true)?;
    let node = repo
        .node_from_snapshot_and_path(&snap, path)
        .map_err(|_| Fail::invalid(format!("{path} is not in snapshot {snapshot}")))?;
    let dest = cairn_engine::restore_destination(target, path);
    let (files, bytes) = if node.is_dir() {
        let finished = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (out, meter, finished) = (out.clone(), meter.clone(), finished.clone());
            std::thread::spawn(move || {
                let mut next = Instant::now() + REPORT_EVERY;
                while !finished.load(Ordering::SeqCst) {
                    if Instant::now() >= next {
                        let (length, done) = meter.read();
                        out.event(&Event::RestoreProgress(Out::json(&entry(
                            "status", started, length, done, 0, 0,
                        ))));
                        next += REPORT_EVERY;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let result = restore_dir(&repo, &node, &dest, &meter, job.run.connections);
        finished.store(true, Ordering::SeqCst);
        let _ = ticker.join();
        result?
    } else {
        restore_file(&repo, &node, &dest)?
    };
    lock.release()?;
    let done = entry("summary", started, bytes, bytes, files, files);
    out.event(&Event::RestoreProgress(Out::json(&done)));
    Ok(Out::json(&done))
}

fn entry(
    kind: &str,
    started: Instant,
    total: u64,
    done: u64,
    files: u64,
    files_done: u64,
) -> RestoreProgressEntry {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    RestoreProgressEntry {
        message_type: kind.into(),
        seconds_elapsed: started.elapsed().as_secs_f64(),
        total_bytes: n(total),
        bytes_restored: n(done),
        total_files: n(files),
        files_restored: n(files_done),
        percent_done: if total > 0 {
            (done as f64 / total as f64).min(1.0)
        } else {
            1.0
        },
        ..Default::default()
    }
}

/// Returns the files restored and their bytes.
fn restore_dir<S: IndexedFull + Sync>(
    repo: &Repository<S>,
    node: &Node,
    dest: &Path,
    meter: &Meter,
    threads: Option<usize>,
) -> Result<(u64, u64), Fail> {
    let dest_text = dest.to_string_lossy();
    let local = LocalDestination::new(&dest_text, true, false)?;
    let opts = RestoreOptions::default();
    let (mut files, mut bytes) = (0, 0);
    let counted = repo.ls(node, &LsOptions::default())?.inspect(|item| {
        if let Ok((_, n)) = item
            && n.is_file()
        {
            files += 1;
            bytes += n.meta.size;
        }
    });
    let plan = repo.prepare_restore(&opts, emptied(counted), &local, false)?;
    repo.restore(
        plan,
        &opts,
        emptied(repo.ls(node, &LsOptions::default())?),
        &local,
    )?;
    // rustic_core's restore reset the meter; from here it counts the contents.
    meter.length.store(bytes, Ordering::Relaxed);
    meter.done.store(0, Ordering::Relaxed);
    let nodes = repo.ls(node, &LsOptions::default())?;
    contents::fill(
        repo,
        nodes,
        dest,
        threads.unwrap_or(repo::PACK_READERS),
        meter,
    )?;
    Ok((files, bytes))
}

/// The snapshot's nodes with every regular file made empty: rustic_core then restores structure and
/// metadata only.
fn emptied(
    nodes: impl Iterator<Item = RusticResult<(PathBuf, Node)>>,
) -> impl Iterator<Item = RusticResult<(PathBuf, Node)>> {
    nodes.map(|item| {
        item.map(|(path, mut node)| {
            if node.is_file() {
                node.content = Some(Vec::new());
                node.meta.size = 0;
            }
            (path, node)
        })
    })
}

fn restore_file<S: IndexedFull>(
    repo: &Repository<S>,
    node: &Node,
    dest: &Path,
) -> Result<(u64, u64), Fail> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::File::create(dest)?;
    let bytes = std::io::copy(&mut NodeReader::new(repo, node)?, &mut file)?;
    file.sync_all()?;
    if let Some(mode) = node.meta.mode {
        std::fs::set_permissions(dest, std::fs::Permissions::from_mode(mode & 0o777))?;
    }
    if let Some(mtime) = node.meta.mtime {
        let t = std::time::UNIX_EPOCH
            + Duration::from_nanos(u64::try_from(mtime.as_nanosecond()).unwrap_or(0));
        file.set_modified(t)?;
    }
    Ok((1, bytes))
}
