//! `cairn db migrate` and `cairn db check`: moving the operation log from SQLite in the data dir into
//! PostgreSQL, with the finished task logs (resumable: run it again after an interruption), and
//! checking either store.
use crate::oplog_location::{RUNNER_LEASE, SQLITE_FILE};
use crate::settings::{DatabaseUrl, Settings};
use anyhow::Context;
use cairn_oplog::{LogStore, OpLog};
use std::path::Path;
use std::time::Instant;

/// Copies the data dir's SQLite operation log, and its finished task logs, into the database
/// `settings` name (the logs' text into the bucket of `--log-store-url`, when given).
pub fn migrate(data_dir: &Path, settings: &Settings) -> anyhow::Result<()> {
    let to = settings
        .database_url
        .as_ref()
        .context("say where to copy the operation log: --to postgres://user:password@host/db")?;
    let file = existing_log(data_dir)?;
    let source = OpLog::open(&file).context("stop cairn serve before migrating")?;
    let dest = OpLog::connect(&to.0).context("opening the destination database")?;
    let _lease = dest
        .try_lease(RUNNER_LEASE)?
        .with_context(|| format!("a cairn serve is using {}; stop it first", dest.describe()))?;
    eprintln!("copying {} into {}", source.describe(), dest.describe());
    let started = Instant::now();
    let mut shown = 0;
    let report = source.copy_into(&dest, |done, total| {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        if percent >= shown + 10 || done == total {
            eprintln!("  {done} of {total} operations ({percent}%)");
            shown = percent;
        }
    })?;
    println!(
        "copied {} operations ({} were there already) and {} stored settings into {} in {:.1?}",
        report.copied,
        report.already_there,
        report.kv_entries,
        dest.describe(),
        started.elapsed()
    );
    let logs = migrate_logs(data_dir, settings, &dest)?;
    println!("copied {logs} finished task logs");
    println!(
        "start cairn serve with --database-url (or CAIRN_DATABASE_URL) to use it; {} is left as it was",
        file.display()
    );
    Ok(())
}

/// How many finished logs one round of the copy moves.
const LOG_PAGE: u32 = 500;

/// Copies the data dir's finished task logs where servers of the database `dest` read them; a log
/// copied before (an interrupted run) is skipped. Returns how many were copied.
fn migrate_logs(data_dir: &Path, settings: &Settings, dest: &OpLog) -> anyhow::Result<usize> {
    let dir = data_dir.join("tasklogs");
    if !dir.is_dir() {
        return Ok(0);
    }
    let source = LogStore::open(&dir).context("opening the data dir's task logs")?;
    // The shared store's own folder holds nothing here: the logs go to the database.
    let scratch = data_dir.join("tasklogs-migrating");
    let shared = crate::log_bodies::open(&scratch, settings, dest)?;
    let mut copied = 0;
    let mut after = String::new();
    loop {
        let page = source.finished_page(&after, LOG_PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        copied += shared.insert_finished(&page)?;
    }
    drop(shared);
    std::fs::remove_dir_all(&scratch).with_context(|| format!("removing {}", scratch.display()))?;
    Ok(copied)
}

/// The data dir's SQLite log, which must be there: opening a missing one would make an empty one.
fn existing_log(data_dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let file = data_dir.join(SQLITE_FILE);
    if !file.is_file() {
        anyhow::bail!(
            "no operation log at {}; pass the --data-dir cairn serve uses",
            file.display()
        );
    }
    Ok(file)
}

/// Checks the operation log in the database at `url`, else the data dir's; false when it found
/// problems.
pub fn check(data_dir: &Path, url: Option<&DatabaseUrl>) -> anyhow::Result<bool> {
    let log = match url {
        Some(url) => OpLog::connect(&url.0).context("opening the database")?,
        None => OpLog::open(existing_log(data_dir)?).context("stop cairn serve before checking")?,
    };
    let started = Instant::now();
    let report = log.check(|_| {})?;
    for problem in &report.problems {
        println!("problem: {problem}");
    }
    let shown = report.problems.len() as u64;
    if report.problem_count > shown {
        println!("… and {} more", report.problem_count - shown);
    }
    println!(
        "checked {} operations up to modno {} in {} in {:.1?}: {}",
        report.operations,
        report.modno,
        log.describe(),
        started.elapsed(),
        match report.problem_count {
            0 => "no problems".to_string(),
            n => format!("{n} problems"),
        }
    );
    Ok(report.problem_count == 0)
}
