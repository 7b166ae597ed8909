//! `cairn import-backrest [DATA_DIR]`: brings Backrest's operation history and task logs into cairn's
//! (see `cairn_oplog::backrest_import`), with a progress bar and a summary; and the offer `cairn serve`
//! makes on a first start when Backrest's history is there and cairn's is empty.
use anyhow::Context as _;
use cairn_oplog::backrest_import::source::BackrestSource;
use cairn_oplog::backrest_import::{Phase, Progress, Summary, import};
use cairn_oplog::{LogStore, OpLog, Query, Selector};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

/// Backrest's data directory as Backrest finds it: `$BACKREST_DATA`, else `$XDG_DATA_HOME/backrest`,
/// else `~/.local/share/backrest`.
pub fn backrest_data_dir(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(dir) = set("BACKREST_DATA") {
        return PathBuf::from(dir);
    }
    set("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(set("HOME").unwrap_or_else(|| ".".into())).join(".local/share")
        })
        .join("backrest")
}

/// Imports the history in `source` into cairn's data directory `data_dir` (cairn must not be running).
pub fn run(source: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let oplog = OpLog::open(data_dir.join("oplog.sqlite")).with_context(|| {
        format!(
            "opening cairn's operation log in {} (stop cairn serve before importing)",
            data_dir.display()
        )
    })?;
    let logs = LogStore::open(data_dir.join("tasklogs"))
        .with_context(|| format!("opening cairn's log store in {}", data_dir.display()))?;
    let scratch = tempfile::Builder::new()
        .prefix("cairn-import-")
        .tempdir_in(data_dir)
        .context("making a scratch directory for the copy of Backrest's databases")?;
    let from = BackrestSource::open(source, scratch.path())?;
    eprintln!(
        "importing Backrest's history (schema {}) from {} into {}",
        from.schema(),
        source.display(),
        data_dir.display()
    );
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let now = chrono::Utc::now().timestamp();
    let summary = import(&from, &oplog, &logs, now, &mut |p: Progress| {
        bar.set_message(match p.phase {
            Phase::Operations => "operations",
            Phase::Logs => "logs",
        });
        bar.set_length(p.total);
        bar.set_position(p.done);
    })?;
    bar.finish_and_clear();
    println!("{}", report(&summary));
    Ok(())
}

/// The summary people read.
fn report(s: &Summary) -> String {
    let mut lines = vec![
        format!(
            "operations: {} imported, {} already there",
            s.added, s.already_there
        ),
        format!(
            "task logs: {} imported, {} already there, {} expired (left behind)",
            s.logs_added, s.logs_already_there, s.logs_expired
        ),
    ];
    if s.id_taken > 0 {
        lines.push(format!(
            "{} operations skipped: cairn uses their ids for operations of its own",
            s.id_taken
        ));
    }
    if s.unreadable + s.logs_unreadable > 0 {
        lines.push(format!(
            "{} operations and {} logs could not be read; the first problems:",
            s.unreadable, s.logs_unreadable
        ));
        lines.extend(s.problems.iter().map(|p| format!("  {p}")));
    }
    lines.join("\n")
}

/// On a first start (cairn's history empty) with Backrest's history at hand, says how to import it
/// (in the log here, and through GetStatus in the web UI); returns where that history is.
pub fn offer(oplog: &OpLog, candidates: &[PathBuf]) -> Option<PathBuf> {
    // One row is enough to know; counting a large history at every start is not.
    let newest = oplog.query_meta(&Query::last_n(Selector::default(), 1));
    if !newest.is_ok_and(|ops| ops.is_empty()) {
        return None;
    }
    let dir = candidates
        .iter()
        .find(|d| d.join("oplog.sqlite").is_file())?;
    tracing::warn!(
        backrest_data = %dir.display(),
        "cairn's history is empty and Backrest's history is in {}: to see it in cairn, stop cairn and run `cairn import-backrest {}` (Backrest's files are only read)",
        dir.display(),
        dir.display()
    );
    Some(dir.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backrests_data_dir_as_backrest_finds_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            backrest_data_dir(env(&[("HOME", "/home/u")])),
            PathBuf::from("/home/u/.local/share/backrest")
        );
        assert_eq!(
            backrest_data_dir(env(&[("HOME", "/home/u"), ("XDG_DATA_HOME", "/x")])),
            PathBuf::from("/x/backrest")
        );
        assert_eq!(
            backrest_data_dir(env(&[("BACKREST_DATA", "/srv/b"), ("XDG_DATA_HOME", "/x")])),
            PathBuf::from("/srv/b")
        );
    }

    #[test]
    fn the_summary_names_what_was_skipped() {
        let s = Summary {
            added: 5,
            id_taken: 2,
            unreadable: 1,
            problems: vec!["operation 9: cannot be decoded: x".into()],
            ..Summary::default()
        };
        let text = report(&s);
        assert!(text.contains("5 imported"), "{text}");
        assert!(text.contains("2 operations skipped"), "{text}");
        assert!(text.contains("operation 9"), "{text}");
    }
}
