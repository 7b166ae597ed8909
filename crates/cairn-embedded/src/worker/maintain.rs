//! Upkeep: forget (restic's retention rules, scoped by tags and grouped as asked), prune (which also
//! removes the temporary files of writes a kill cut short), check, stats and unlock. Anything that removes data holds an exclusive lock; check and stats a shared one.
use super::browse::{matches, snapshot_proto};
use super::{Fail, Out, repo};
use crate::lock;
use crate::protocol::{Job, ReadData};
use crate::storage::Storage;
use cairn_proto::quoted;
use cairn_proto::v1::RepoStats;
use rustic_core::CheckErrorLevel;
use rustic_core::repofile::SnapshotFile;
use rustic_core::{CheckOptions, KeepOptions, LimitOption, PruneOptions, ReadSubsetOption};
use std::collections::BTreeMap;

/// `--keep-*` flags (as `keep_flags` makes them) as rustic_core keep options.
fn keep_options(keep: &[String]) -> Result<KeepOptions, Fail> {
    let mut opts = KeepOptions::default();
    for pair in keep.chunks(2) {
        let [flag, value] = pair else {
            return Err(Fail::invalid(format!(
                "{} is not a keep flag with a value",
                quoted(&pair.join(" "))
            )));
        };
        let n: i32 = value.parse().map_err(|_| {
            Fail::invalid(format!(
                "{flag} needs a number, not {value}",
                value = quoted(&value)
            ))
        })?;
        let slot = match flag.as_str() {
            "--keep-last" => &mut opts.keep_last,
            "--keep-hourly" => &mut opts.keep_hourly,
            "--keep-daily" => &mut opts.keep_daily,
            "--keep-weekly" => &mut opts.keep_weekly,
            "--keep-monthly" => &mut opts.keep_monthly,
            "--keep-yearly" => &mut opts.keep_yearly,
            other => return Err(Fail::invalid(format!("{other} is not a keep flag"))),
        };
        *slot = Some(n);
    }
    Ok(opts)
}

/// restic's `--group-by` key of a snapshot.
fn group_key(snap: &SnapshotFile, group_by: &str) -> Result<String, Fail> {
    let mut key = Vec::new();
    for part in group_by.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "host" => key.push(snap.hostname.clone()),
            "paths" => key.push(snap.paths.iter().cloned().collect::<Vec<_>>().join("\u{1}")),
            "tags" => key.push(snap.tags.iter().cloned().collect::<Vec<_>>().join("\u{1}")),
            other => {
                return Err(Fail::invalid(format!(
                    "--group-by {other}: use host, paths and/or tags",
                    other = quoted(&other)
                )));
            }
        }
    }
    Ok(key.join("\u{2}"))
}

pub fn forget(
    job: &Job,
    out: &Out,
    keep: &[String],
    tags: &[String],
    group_by: &str,
) -> Result<serde_json::Value, Fail> {
    let opts = keep_options(keep)?;
    let opened = repo::open(job, out, false)?;
    let lock = repo::lock(&opened, job, out, true)?;
    let mut groups: BTreeMap<String, Vec<SnapshotFile>> = BTreeMap::new();
    for snap in opened.repo.get_all_snapshots()? {
        if matches(&snap, tags, &None, &[]) {
            groups
                .entry(group_key(&snap, group_by)?)
                .or_default()
                .push(snap);
        }
    }
    let now = jiff::Zoned::now();
    let mut removed = Vec::new();
    for (_, mut snaps) in groups {
        snaps.sort_by(|a, b| b.time.cmp(&a.time));
        for decided in opts.apply(snaps, &now)? {
            if !decided.keep {
                removed.push(decided.snapshot);
            }
        }
    }
    let ids: Vec<_> = removed.iter().map(|s| s.id).collect();
    opened.repo.delete_snapshots(&ids)?;
    lock.release()?;
    removed.sort_by(|a, b| a.time.cmp(&b.time));
    let list = removed
        .iter()
        .map(snapshot_proto)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(serde_json::Value::Array(
        list.iter().map(Out::json).collect(),
    ))
}

pub fn forget_snapshot(job: &Job, out: &Out, snapshot: &str) -> Result<serde_json::Value, Fail> {
    let opened = repo::open(job, out, false)?;
    let lock = repo::lock(&opened, job, out, true)?;
    let snap = opened.repo.get_snapshot_from_str(snapshot, |_| true)?;
    opened.repo.delete_snapshots(&[snap.id])?;
    lock.release()?;
    Ok(serde_json::Value::Null)
}

fn packs(storage: &dyn Storage) -> Result<(usize, u64), Fail> {
    let list = storage.list("data")?;
    Ok((list.len(), list.iter().map(|(_, s)| s).sum()))
}

pub fn prune(
    job: &Job,
    out: &Out,
    max_bytes: Option<i64>,
    max_percent: Option<f64>,
) -> Result<serde_json::Value, Fail> {
    let opened = repo::open(job, out, true)?;
    let lock = repo::lock(&opened, job, out, true)?;
    let before = packs(opened.storage.as_ref())?;
    let mut opts = PruneOptions::default();
    opts.max_unused = match (max_bytes, max_percent) {
        (Some(b), _) => LimitOption::Size(bytesize::ByteSize::b(u64::try_from(b).unwrap_or(0))),
        (None, Some(p)) => LimitOption::Percentage(p.max(0.0).round() as u64),
        (None, None) => LimitOption::Percentage(5),
    };
    // restic deletes unused packs at once; rustic_core would keep them marked for a later prune.
    opts.instant_delete = true;
    let repo = opened.repo;
    let plan = repo.prune_plan(&opts)?;
    repo.prune(&opts, plan)?;
    let after = packs(opened.storage.as_ref())?;
    // The exclusive lock means no write is running: any temporary file is a killed writer's. Failing
    // to remove them is told, but does not fail the prune that has been done.
    let unfinished = opened.storage.remove_unfinished();
    lock.release()?;
    match unfinished {
        Ok(0) => {}
        Ok(n) => out.line(format!(
            "removed {n} temporary files left by interrupted writes"
        )),
        Err(e) => out.line(format!(
            "could not remove the temporary files left by interrupted writes: {e}"
        )),
    }
    out.line(format!(
        "removed {} of {} pack files, freeing {} bytes; {} bytes in {} pack files remain",
        before.0.saturating_sub(after.0),
        before.0,
        before.1.saturating_sub(after.1),
        after.1,
        after.0
    ));
    Ok(serde_json::Value::Null)
}

pub fn check(job: &Job, out: &Out, read_data: Option<ReadData>) -> Result<serde_json::Value, Fail> {
    let opened = repo::open(job, out, true)?;
    let lock = repo::lock(&opened, job, out, false)?;
    let mut opts = CheckOptions::default();
    if let Some(read) = read_data {
        opts.read_data = true;
        opts.read_data_subset = match read {
            ReadData::Percent(p) if p >= 100.0 => ReadSubsetOption::All,
            ReadData::Percent(p) => ReadSubsetOption::Percentage(p),
            ReadData::Part { part, of } => ReadSubsetOption::IdSubSet((part, of)),
        };
    }
    let results = opened.repo.check(opts)?;
    lock.release()?;
    let mut errors = 0;
    for (level, finding) in &results.0 {
        let level = match level {
            CheckErrorLevel::Error => {
                errors += 1;
                "error"
            }
            // The enum is non-exhaustive: anything new is at most a warning.
            _ => "warn",
        };
        out.line(format!("{level}: {finding}"));
    }
    if errors > 0 {
        return Err(Fail::other(format!(
            "check found {errors} errors in the repository"
        )));
    }
    out.line("no errors were found");
    Ok(serde_json::Value::Null)
}

pub fn stats(job: &Job, out: &Out) -> Result<serde_json::Value, Fail> {
    let opened = repo::open(job, out, false)?;
    let lock = repo::lock(&opened, job, out, false)?;
    let infos = opened.repo.infos_index()?;
    let snapshots = opened.storage.list("snapshots")?.len();
    lock.release()?;
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let (size, data, count) = infos.blobs.iter().fold((0, 0, 0), |a, b| {
        (a.0 + b.size, a.1 + b.data_size, a.2 + b.count)
    });
    let stats = RepoStats {
        total_size: n(size),
        total_uncompressed_size: n(data),
        compression_ratio: if size > 0 {
            data as f64 / size as f64
        } else {
            0.0
        },
        total_blob_count: n(count),
        snapshot_count: n(snapshots as u64),
        ..Default::default()
    };
    Ok(Out::json(&stats))
}

pub fn unlock(job: &Job, out: &Out) -> Result<serde_json::Value, Fail> {
    let opened = repo::open(job, out, false)?;
    let removed = lock::remove_stale(opened.storage.as_ref(), &opened.key)?;
    out.line(format!("removed {removed} stale locks"));
    Ok(serde_json::Value::Null)
}
