//! Schedule resolution driven by a fake clock: cron and intervals on each clock, no last run, a config
//! change, a sleep (forward jump) and a backward clock jump.
use crate::clock::{Clock, FakeClock};
use crate::schedule::{ScheduleError, next_run};
use cairn_proto::v1::__buffa::oneof::schedule::Schedule as Kind;
use cairn_proto::v1::Schedule;
use cairn_proto::v1::schedule::Clock as ScheduleClock;
use chrono::{DateTime, Duration, FixedOffset, Utc};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// "Local" time for the tests: UTC+2, so local and UTC cron differ.
fn local() -> FixedOffset {
    FixedOffset::east_opt(2 * 3600).unwrap()
}

fn sched(kind: Kind, clock: ScheduleClock) -> Schedule {
    Schedule {
        schedule: Some(kind),
        clock: clock.into(),
        ..Default::default()
    }
}

fn next(s: &Schedule, last: Option<&str>, now: &str) -> Option<DateTime<Utc>> {
    next_run(Some(s), last.map(t), t(now), &local()).unwrap()
}

/// Runs a task whenever it is due until `end`, each run taking `took`; `jumps` move the clock at
/// given moments (a sleep forwards, a correction backwards). Returns the start times of the runs.
fn simulate(
    s: &Schedule,
    clock: &FakeClock,
    end: DateTime<Utc>,
    took: Duration,
    jumps: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Vec<DateTime<Utc>> {
    let mut runs = Vec::new();
    let mut last: Option<DateTime<Utc>> = None;
    let mut pending_jumps = jumps.to_vec();
    loop {
        let due = next_run(Some(s), last, clock.now(), &local())
            .unwrap()
            .expect("scheduled");
        if let Some(&(at, to)) = pending_jumps.first()
            && at <= due
        {
            clock.set(to);
            pending_jumps.remove(0);
            continue;
        }
        if due > end {
            return runs;
        }
        clock.set(due);
        runs.push(due);
        clock.advance(took);
        last = Some(clock.now());
    }
}

#[test]
fn cron_runs_in_local_time_or_utc_by_clock() {
    let daily3 = |c| sched(Kind::Cron("0 3 * * *".into()), c);
    // 00:30Z is 02:30 local: the local 03:00 fire is 01:00Z; the UTC one 03:00Z.
    assert_eq!(
        next(
            &daily3(ScheduleClock::CLOCK_LOCAL),
            None,
            "2024-01-01T00:30:00Z"
        ),
        Some(t("2024-01-01T01:00:00Z"))
    );
    assert_eq!(
        next(
            &daily3(ScheduleClock::CLOCK_DEFAULT),
            None,
            "2024-01-01T00:30:00Z"
        ),
        Some(t("2024-01-01T01:00:00Z"))
    );
    assert_eq!(
        next(
            &daily3(ScheduleClock::CLOCK_UTC),
            None,
            "2024-01-01T00:30:00Z"
        ),
        Some(t("2024-01-01T03:00:00Z"))
    );
    assert_eq!(
        next(
            &daily3(ScheduleClock::CLOCK_LAST_RUN_TIME),
            Some("2024-01-01T01:00:05Z"),
            "2024-01-01T01:00:06Z"
        ),
        Some(t("2024-01-02T01:00:00Z"))
    );
}

#[test]
fn intervals_are_anchored_at_the_last_run_so_a_config_change_does_not_push_them_back() {
    for clock in [
        ScheduleClock::CLOCK_LOCAL,
        ScheduleClock::CLOCK_UTC,
        ScheduleClock::CLOCK_LAST_RUN_TIME,
    ] {
        let days = sched(Kind::MaxFrequencyDays(1), clock);
        let last = Some("2024-01-01T10:00:00Z");
        assert_eq!(
            next(&days, last, "2024-01-01T12:00:00Z"),
            Some(t("2024-01-02T10:00:00Z"))
        );
        // The queue is rebuilt later (config saved, restart): same answer.
        assert_eq!(
            next(&days, last, "2024-01-01T23:00:00Z"),
            Some(t("2024-01-02T10:00:00Z"))
        );
        let hours = sched(Kind::MaxFrequencyHours(6), clock);
        assert_eq!(
            next(&hours, last, "2024-01-01T12:00:00Z"),
            Some(t("2024-01-01T16:00:00Z"))
        );
    }
}

#[test]
fn with_no_last_run_the_anchor_is_now() {
    let hours = sched(Kind::MaxFrequencyHours(2), ScheduleClock::CLOCK_LOCAL);
    assert_eq!(
        next(&hours, None, "2024-01-01T10:00:00Z"),
        Some(t("2024-01-01T12:00:00Z"))
    );
}

#[test]
fn disabled_and_unset_schedules_never_run() {
    assert_eq!(
        next(
            &sched(Kind::Disabled(true), ScheduleClock::CLOCK_LOCAL),
            None,
            "2024-01-01T00:00:00Z"
        ),
        None
    );
    assert_eq!(
        next(&Schedule::default(), None, "2024-01-01T00:00:00Z"),
        None
    );
    assert_eq!(
        next_run(None, None, t("2024-01-01T00:00:00Z"), &local()).unwrap(),
        None
    );
}

#[test]
fn bad_schedules_are_errors_not_panics() {
    let bad = sched(Kind::Cron("* * *".into()), ScheduleClock::CLOCK_LOCAL);
    assert!(matches!(
        next_run(Some(&bad), None, t("2024-01-01T00:00:00Z"), &local()),
        Err(ScheduleError::Cron { .. })
    ));
    let zero = sched(Kind::MaxFrequencyDays(0), ScheduleClock::CLOCK_LOCAL);
    assert_eq!(
        next_run(Some(&zero), None, t("2024-01-01T00:00:00Z"), &local()),
        Err(ScheduleError::Interval(0))
    );
}

#[test]
fn a_sleep_over_many_due_times_gives_exactly_one_catch_up_run() {
    let hourly = sched(Kind::MaxFrequencyHours(1), ScheduleClock::CLOCK_LOCAL);
    let clock = FakeClock::at(t("2024-01-01T00:00:00Z"));
    // Asleep from 02:30 to 09:10: six due times missed.
    let jumps = [(t("2024-01-01T02:30:00Z"), t("2024-01-01T09:10:00Z"))];
    let runs = simulate(
        &hourly,
        &clock,
        t("2024-01-01T12:00:00Z"),
        Duration::minutes(5),
        &jumps,
    );
    let times: Vec<String> = runs.iter().map(|r| r.format("%H:%M").to_string()).collect();
    assert_eq!(
        times,
        vec!["01:00", "02:05", "09:10", "10:15", "11:20"],
        "one catch-up at wake-up"
    );
}

#[test]
fn a_missed_nightly_cron_runs_once_at_wake_up_then_resumes_its_times() {
    let nightly = sched(Kind::Cron("0 2 * * *".into()), ScheduleClock::CLOCK_UTC);
    let clock = FakeClock::at(t("2024-01-01T00:00:00Z"));
    // Off for three nights.
    let jumps = [(t("2024-01-01T12:00:00Z"), t("2024-01-04T08:00:00Z"))];
    let runs = simulate(
        &nightly,
        &clock,
        t("2024-01-06T00:00:00Z"),
        Duration::minutes(10),
        &jumps,
    );
    let times: Vec<String> = runs
        .iter()
        .map(|r| r.format("%d %H:%M").to_string())
        .collect();
    assert_eq!(times, vec!["01 02:00", "04 08:00", "05 02:00"]);
}

#[test]
fn a_backward_clock_jump_never_runs_a_schedule_twice() {
    let hourly = sched(Kind::MaxFrequencyHours(1), ScheduleClock::CLOCK_UTC);
    let clock = FakeClock::at(t("2024-01-01T00:00:00Z"));
    // At 03:30 the clock is corrected back to 01:45.
    let jumps = [(t("2024-01-01T03:30:00Z"), t("2024-01-01T01:45:00Z"))];
    let runs = simulate(
        &hourly,
        &clock,
        t("2024-01-01T06:00:00Z"),
        Duration::minutes(1),
        &jumps,
    );
    let times: Vec<String> = runs.iter().map(|r| r.format("%H:%M").to_string()).collect();
    // The last run (03:03 by the wrong clock) lies in the future: re-anchored at 01:45, no stall, and
    // no due time runs twice.
    assert_eq!(
        times,
        vec![
            "01:00", "02:01", "03:02", "02:45", "03:46", "04:47", "05:48"
        ]
    );
}

#[test]
fn a_clock_corrected_from_far_ahead_does_not_stall_backups() {
    let daily = sched(Kind::MaxFrequencyDays(1), ScheduleClock::CLOCK_LOCAL);
    // The last run was stamped a year in the future by a wrong clock.
    assert_eq!(
        next(&daily, Some("2025-01-01T10:00:00Z"), "2024-01-01T10:00:00Z"),
        Some(t("2024-01-02T10:00:00Z"))
    );
}

#[test]
fn an_interval_beyond_the_calendar_never_comes_due_instead_of_panicking() {
    let huge = sched(Kind::MaxFrequencyDays(i32::MAX), ScheduleClock::CLOCK_LOCAL);
    assert_eq!(next(&huge, None, "2024-01-01T00:00:00Z"), None);
}
