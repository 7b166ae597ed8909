//! Every operation's task log, as Backrest keeps one: a `t-<uuid>` log in the log store, linked by the
//! operation's `logref` before it starts running (so "View logs" shows it live), holding what the task
//! did in lines people read (the engine, progress summaries, what was removed or found, warnings,
//! errors, the output of prune, check and commands) and how it ended. Each attempt of a retried task
//! gets its own log. Kept 14 days, as Backrest keeps these. A log that cannot be created (a full
//! disk) never stops the task.
use crate::tasks::output::OutputLog;
use buffa::Enumeration as _;
use cairn_oplog::LogStore;
use cairn_proto::v1::{Operation, OperationStatus};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Bytes kept per task log; later lines are dropped, which the log notes once.
pub const TASK_LOG_LIMIT: u64 = 4 * 1024 * 1024;

/// How long a task log is kept (as Backrest keeps its `t-` logs); the operation stays longer.
pub const TASK_LOG_TTL: Duration = Duration::from_secs(14 * 24 * 3600);

/// One run's task log.
pub(crate) struct TaskLog {
    out: OutputLog,
}

impl TaskLog {
    /// Creates the log and links it from `op.logref`; None (logged) when the store refuses.
    pub fn start(logs: &LogStore, op: &mut Operation) -> Option<Self> {
        match OutputLog::open(logs, "t", op.id, Some(TASK_LOG_TTL), TASK_LOG_LIMIT) {
            Ok((out, id)) => {
                op.logref = id;
                Some(Self { out })
            }
            Err(e) => {
                tracing::warn!(op = op.id, error = %e, "cannot create the operation's task log; it runs without one");
                op.logref.clear();
                None
            }
        }
    }

    /// The log `id` of operation `owner`, for a run without an operation of its own (indexing).
    pub fn named(logs: &LogStore, id: &str, owner: i64) -> Result<Self, cairn_oplog::OplogError> {
        let out = OutputLog::open_as(logs, id, owner, Some(TASK_LOG_TTL), TASK_LOG_LIMIT)?;
        Ok(Self { out })
    }

    /// Appends `text` (each of its lines) stamped with `now`.
    pub fn line(&self, now: DateTime<Utc>, text: &str) {
        let stamp = now.format("%Y-%m-%dT%H:%M:%SZ");
        for l in text.lines() {
            self.out.line(&format!("{stamp} {l}"));
        }
    }

    /// Writes how the run ended and closes the log.
    pub fn end(
        &self,
        now: DateTime<Utc>,
        status: OperationStatus,
        message: Option<&str>,
        retry: Option<Duration>,
    ) {
        let name = status.proto_name().trim_start_matches("STATUS_");
        let ending = match (retry, message.filter(|m| !m.is_empty())) {
            (Some(d), Some(m)) => format!("failed, retrying in {} s: {m}", d.as_secs()),
            (Some(d), None) => format!("failed, retrying in {} s", d.as_secs()),
            (None, Some(m)) => format!("finished: {name}: {m}"),
            (None, None) => format!("finished: {name}"),
        };
        self.line(now, &ending);
        self.finish();
    }

    /// Closes the log.
    pub fn finish(&self) {
        self.out.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn lines_are_stamped_and_the_end_says_how_it_ended() {
        let dir = tempfile::tempdir().unwrap();
        let logs = LogStore::open(dir.path().join("logs")).unwrap();
        let mut op = Operation {
            id: 7,
            ..Operation::default()
        };
        let log = TaskLog::start(&logs, &mut op).unwrap();
        assert!(op.logref.starts_with("t-"), "{}", op.logref);
        let t = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
        log.line(t, "engine: restic 0.14.0\nsecond line");
        log.end(
            t,
            OperationStatus::STATUS_ERROR,
            Some("repository locked"),
            None,
        );
        let mut reader = logs.open_reader(&op.logref).unwrap();
        let text = String::from_utf8(reader.read_to_end().await.unwrap()).unwrap();
        assert_eq!(
            text,
            "2026-12-03T10:00:00Z engine: restic 0.14.0\n\
             2026-12-03T10:00:00Z second line\n\
             2026-12-03T10:00:00Z finished: ERROR: repository locked\n"
        );
    }
}
