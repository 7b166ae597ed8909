//! A backup: the watched local source archived by rustic_core under a shared lock, with restic's
//! progress reports twice a second, its per-item errors (a partial backup when there are any), its
//! snapshot fields (host, user, tags, absolute paths), `--skip-if-unchanged`, and how the parent snapshot
//! is used (`--parent`, `--force`, `--ignore-ctime`, `--ignore-inode`), the source sized (`--no-scan`)
//! and access times kept (`--with-atime`).
use super::source::{Watch, Watched};
use super::tagged::Tagged;
use super::{Fail, Out, leftovers, repo};
use crate::excludes;
use crate::host;
use crate::pack_journal::{self, PackJournal};
use crate::protocol::{BackupTask, Event, Job};
use crate::tag_files;
use cairn_proto::v1::{BackupProgressStatusEntry, BackupProgressSummary};
use rustic_core::repofile::{SnapshotFile, SnapshotSummary};
use rustic_core::{
    BackupOptions, LocalSource, LocalSourceSaveOptions, OpenStatus, Repository, SnapshotOptions,
    TimeOption,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const REPORT_EVERY: Duration = Duration::from_millis(500);

pub fn run(job: &Job, task: &BackupTask, out: &Out) -> Result<serde_json::Value, Fail> {
    let paths = absolute_paths(&task.paths)?;
    let opened = repo::open(job, out, false)?;
    let lock = repo::lock(&opened, job, out, false)?;
    let journal = (!task.dry_run)
        .then(|| start_journal(&opened, job))
        .transpose()?
        .flatten();
    let meter = opened.capture.meter.clone();
    let parent = match &task.reading.parent {
        Some(id) => Some(named_parent(&opened.repo, id)?),
        None => task.parent.clone(),
    };
    let repo = opened.repo.to_indexed_ids()?;
    let snap = new_snapshot(task)?;
    let mut opts = BackupOptions::default();
    opts.dry_run = task.dry_run;
    opts.parent_opts.skip_if_unchanged = task.skip_if_unchanged;
    opts.parent_opts.parents = parent.into_iter().collect();
    opts.parent_opts.force = task.reading.force;
    opts.parent_opts.ignore_ctime = task.reading.ignore_ctime;
    opts.parent_opts.ignore_inode = task.reading.ignore_inode;
    opts.no_scan = task.reading.no_scan;
    let reporter = out.clone();
    let watch = Arc::new(Watch {
        on_error: Some(Box::new(move |e| {
            reporter.event(&Event::BackupError(Out::json(e)))
        })),
        ..Watch::default()
    });
    let mut save = LocalSourceSaveOptions::default();
    if task.reading.with_atime {
        save.set_atime = Some(TimeOption::Yes);
    }
    let local = LocalSource::new(
        save,
        &excludes::excludes(&task.filter),
        &excludes::walk_options(&task.filter),
        &paths,
    )?;
    let tagged = Tagged::new(local, tag_files::rules(&task.filter));
    let source = Watched::new(tagged, watch.clone());
    let finished = Arc::new(AtomicBool::new(false));
    let ticker = spawn_reporter(out.clone(), watch.clone(), meter.clone(), finished.clone());
    let result = repo.archive(&opts, &source, snap, &paths);
    finished.store(true, Ordering::SeqCst);
    let _ = ticker.join();
    let saved = result?;
    if let Some(journal) = journal {
        // The snapshot is saved, so every pack is indexed; a journal left behind would only be
        // found fully indexed by the next run.
        let _ = journal.finish();
    }
    lock.release()?;
    report(out, &watch, &meter);
    let errors = watch.errors.lock().clone();
    let skipped = !task.dry_run && task.skip_if_unchanged && saved.id.is_null();
    let mut summary = summary_of(saved.summary.as_ref());
    if !task.dry_run && !skipped {
        summary.snapshot_id = saved.id.to_hex().to_string();
    }
    Ok(serde_json::json!({
        "summary": Out::json(&summary),
        "errors": errors.iter().map(Out::json).collect::<Vec<_>>(),
        "partial": !errors.is_empty(),
        "skipped": skipped,
    }))
}

/// Indexes what unfinished backups left, then starts this run's journal of stored packs (none without
/// a cache directory, or when the journal cannot be created: it only saves uploads).
fn start_journal(opened: &repo::Opened, job: &Job) -> Result<Option<Arc<PackJournal>>, Fail> {
    let repo_id = opened.repo.config().id.to_hex().to_string();
    let cache_dir = job.cache_dir.as_deref();
    leftovers::index(opened.storage.as_ref(), &opened.key, cache_dir, &repo_id)?;
    let Some(dir) = cache_dir.map(|c| pack_journal::dir_for(c, &repo_id)) else {
        return Ok(None);
    };
    let Ok(journal) = PackJournal::start(&dir).map(Arc::new) else {
        return Ok(None);
    };
    opened.backend.record_packs_in(journal.clone());
    Ok(Some(journal))
}

/// The full id of the snapshot `--parent` names (a short id does); rustic_core would quietly read
/// everything again for one it cannot find, where restic stops.
fn named_parent(repo: &Repository<OpenStatus>, id: &str) -> Result<String, Fail> {
    let snap = repo
        .get_snapshot_from_str(id, |_| true)
        .map_err(|e| Fail::invalid(format!("--parent {id}: {e}")))?;
    Ok(snap.id.to_hex().to_string())
}

/// restic keeps absolute paths (not resolving symlinks). rustic_core builds each directory's entries in
/// the order its walk starts from the paths, and restic-format trees must list them sorted, so the paths
/// are sorted (by component), and a repeated path or one inside another given path (which the outer
/// one's walk already covers) is dropped.
fn absolute_paths(paths: &[String]) -> Result<Vec<PathBuf>, Fail> {
    if paths.is_empty() {
        return Err(Fail::invalid("nothing to back up: no paths given"));
    }
    let mut absolute = paths
        .iter()
        .map(|p| std::path::absolute(p).map_err(|e| Fail::invalid(format!("backup path {p}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    absolute.sort();
    let mut kept: Vec<PathBuf> = Vec::with_capacity(absolute.len());
    for path in absolute {
        if !kept.last().is_some_and(|outer| path.starts_with(outer)) {
            kept.push(path);
        }
    }
    Ok(kept)
}

fn new_snapshot(task: &BackupTask) -> Result<SnapshotFile, Fail> {
    let mut opts = SnapshotOptions::default();
    opts.host = task.host.clone();
    opts.command = Some("cairn backup (embedded engine)".into());
    if let Some(t) = &task.time {
        opts.time = Some(crate::flags::parse_time(t).map_err(|e| Fail::invalid(e.to_string()))?);
    }
    for tag in &task.tags {
        opts = opts.add_tags(tag)?;
    }
    let mut snap = SnapshotFile::from_options(&opts)?;
    snap.username = host::username();
    snap.uid = host::uid();
    snap.gid = host::gid();
    Ok(snap)
}

fn spawn_reporter(
    out: Out,
    watch: Arc<Watch>,
    meter: Arc<super::progress::Meter>,
    finished: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut next = Instant::now();
        while !finished.load(Ordering::SeqCst) {
            if Instant::now() >= next {
                report(&out, &watch, &meter);
                next += REPORT_EVERY;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
}

fn report(out: &Out, watch: &Watch, meter: &super::progress::Meter) {
    let (length, done) = meter.read();
    let current = watch.current.lock().clone();
    let status = BackupProgressStatusEntry {
        percent_done: if length > 0 {
            (done as f64 / length as f64).min(1.0)
        } else {
            0.0
        },
        total_files: watch.files_seen.load(Ordering::Relaxed) as i64,
        total_bytes: length as i64,
        files_done: watch.files_opened.load(Ordering::Relaxed) as i64,
        bytes_done: done as i64,
        current_file: if current.is_empty() {
            vec![]
        } else {
            vec![current]
        },
        ..Default::default()
    };
    out.event(&Event::BackupStatus(Out::json(&status)));
}

pub fn summary_of(s: Option<&SnapshotSummary>) -> BackupProgressSummary {
    let Some(s) = s else {
        return BackupProgressSummary::default();
    };
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    BackupProgressSummary {
        files_new: n(s.files_new),
        files_changed: n(s.files_changed),
        files_unmodified: n(s.files_unmodified),
        dirs_new: n(s.dirs_new),
        dirs_changed: n(s.dirs_changed),
        dirs_unmodified: n(s.dirs_unmodified),
        data_blobs: n(s.data_blobs),
        tree_blobs: n(s.tree_blobs),
        data_added: n(s.data_added),
        total_files_processed: n(s.total_files_processed),
        total_bytes_processed: n(s.total_bytes_processed),
        total_duration: s.total_duration,
        ..Default::default()
    }
}
