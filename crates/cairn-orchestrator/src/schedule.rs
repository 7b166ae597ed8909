//! When a plan's backup or a repository's prune, check or forget runs next.
//!
//! cairn anchors every schedule at the task's **last run**, on every clock:
//! - an interval (`maxFrequencyDays`/`maxFrequencyHours`) runs N after the last run, so editing the
//!   config or restarting never pushes it back (Backrest restarts LOCAL/UTC intervals from "now");
//! - a cron schedule runs at its first fire after the last run, evaluated in local time (`CLOCK_LOCAL`,
//!   `CLOCK_DEFAULT`, `CLOCK_LAST_RUN_TIME`) or UTC (`CLOCK_UTC`);
//! - with no last run, the anchor is now (an interval's first run is N from now; cron's is its next fire);
//! - a run that was missed (the machine slept, was off, or the clock jumped forward) happens **once**,
//!   now, however many were missed; the next one is computed from that run;
//! - if the clock jumped backwards (the last run lies in the future), the anchor is now, so a clock that
//!   was far ahead and is corrected does not stall backups until it catches up.
//!
//! Because the next run is computed only after a run finishes, no schedule runs twice for one due time.
use cairn_proto::v1::__buffa::oneof::schedule::Schedule as Kind;
use cairn_proto::v1::Schedule;
use cairn_proto::v1::schedule::Clock as ScheduleClock;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// Why a schedule's next run cannot be computed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    /// A cron expression does not parse or has no next fire time (the error names the expression).
    #[error("cron {0}")]
    Cron(#[from] cairn_config::CronError),
    /// A `maxFrequencyDays` or `maxFrequencyHours` interval below 1 (holds the value given).
    #[error("interval must be at least 1 (got {0})")]
    Interval(i32),
}

/// The next run of `schedule`, or None if it never runs. `local` is the zone CLOCK_LOCAL means.
pub fn next_run<Tz: TimeZone>(
    schedule: Option<&Schedule>,
    last_run: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    local: &Tz,
) -> Result<Option<DateTime<Utc>>, ScheduleError> {
    let Some(s) = schedule else { return Ok(None) };
    let anchor = last_run.map_or(now, |last| last.min(now));
    let due = match &s.schedule {
        None | Some(Kind::Disabled(_)) => return Ok(None),
        // An interval too large for the calendar never comes due.
        Some(Kind::MaxFrequencyDays(n)) => match anchor.checked_add_signed(interval(*n, 24)?) {
            Some(t) => t,
            None => return Ok(None),
        },
        Some(Kind::MaxFrequencyHours(n)) => match anchor.checked_add_signed(interval(*n, 1)?) {
            Some(t) => t,
            None => return Ok(None),
        },
        Some(Kind::Cron(expr)) => {
            let cron = cairn_config::parse_cron(expr)?;
            let fire = |t: DateTime<Utc>| -> Result<DateTime<Utc>, ScheduleError> {
                let zoned = match s.clock.as_known() {
                    Some(ScheduleClock::CLOCK_UTC) => cron
                        .find_next_occurrence(&t, false)
                        .map(|d| d.with_timezone(&Utc)),
                    _ => cron
                        .find_next_occurrence(&t.with_timezone(local), false)
                        .map(|d| d.with_timezone(&Utc)),
                };
                zoned.map_err(|_| cairn_config::CronError::NeverFires(expr.clone()).into())
            };
            fire(anchor)?
        }
    };
    // Missed while asleep, stopped, or across a forward clock jump: one catch-up run, now.
    Ok(Some(due.max(now)))
}

fn interval(n: i32, hours: i64) -> Result<Duration, ScheduleError> {
    if n < 1 {
        return Err(ScheduleError::Interval(n));
    }
    Ok(Duration::hours(i64::from(n) * hours))
}
