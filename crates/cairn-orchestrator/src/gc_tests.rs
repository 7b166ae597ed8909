//! History GC against a real SQLite operation log: per-kind limits, snapshot flows, synced operations of
//! gone peers, and in-flight operations.
use crate::gc::{GcPolicy, collect_garbage};
use cairn_oplog::{OpLog, Query, Selector};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::*;
use chrono::{DateTime, Duration, Utc};

const DAY_MS: i64 = 86_400_000;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_800_000_000_000).unwrap()
}

fn op(plan: &str, kind: Op, days_ago: i64, status: OperationStatus) -> Operation {
    Operation {
        repo_id: "r".into(),
        repo_guid: "g".into(),
        plan_id: plan.into(),
        instance_id: "me".into(),
        status: status.into(),
        unix_time_start_ms: now().timestamp_millis() - days_ago * DAY_MS,
        op: Some(kind),
        ..Default::default()
    }
}

fn add(log: &OpLog, mut o: Operation) -> Operation {
    log.add(&mut o).unwrap();
    o
}

fn remaining(log: &OpLog, plan: &str) -> usize {
    log.query(&Query::new(Selector::plan(plan))).unwrap().len()
}

fn open() -> (tempfile::TempDir, OpLog) {
    let dir = tempfile::TempDir::new().unwrap();
    let log = OpLog::open(dir.path().join("oplog.sqlite")).unwrap();
    (dir, log)
}

#[test]
fn per_kind_limits_keep_the_newest_and_drop_old_and_excess() {
    let (_d, log) = open();
    let ok = OperationStatus::STATUS_SUCCESS;
    // 20 checks, one a month: a year's worth (12) kept at most.
    for month in (0..20).rev() {
        add(
            &log,
            op(
                "_system_",
                Op::OperationCheck(Box::default()),
                month * 30,
                ok,
            ),
        );
    }
    // 150 backups without snapshots (dry runs or failures), one a day: 30 days kept.
    for day in (0..150).rev() {
        add(
            &log,
            op(
                "home",
                Op::OperationBackup(Box::default()),
                day,
                OperationStatus::STATUS_ERROR,
            ),
        );
    }
    // One ancient stats op: keep_min keeps it.
    add(
        &log,
        op("stats-plan", Op::OperationStats(Box::default()), 1000, ok),
    );
    let report = collect_garbage(&log, None, &GcPolicy::default(), now(), &[]).unwrap();
    assert_eq!(
        remaining(&log, "_system_"),
        12,
        "checks beyond keep_max go, oldest first"
    );
    assert_eq!(
        remaining(&log, "home"),
        31,
        "backups of the last 30 days (day 0 to 30) stay"
    );
    assert_eq!(
        remaining(&log, "stats-plan"),
        1,
        "the newest of a group is always kept"
    );
    assert_eq!(report.deleted.len(), 8 + 119);
    let oldest_home = log.query(&Query::new(Selector::plan("home"))).unwrap()[0].unix_time_start_ms;
    assert_eq!(oldest_home, now().timestamp_millis() - 30 * DAY_MS);
}

#[test]
fn flows_live_while_their_snapshot_exists_and_go_whole_once_it_is_forgotten() {
    let (_d, log) = open();
    let ok = OperationStatus::STATUS_SUCCESS;
    let mut flows = Vec::new();
    for forgot in [false, true] {
        let backup = add(
            &log,
            op("home", Op::OperationBackup(Box::default()), 400, ok),
        );
        let mut hook = op("home", Op::OperationRunHook(Box::default()), 400, ok);
        hook.flow_id = backup.id;
        add(&log, hook);
        let mut index = op(
            "home",
            Op::OperationIndexSnapshot(Box::new(OperationIndexSnapshot {
                forgot,
                ..Default::default()
            })),
            400,
            ok,
        );
        index.flow_id = backup.id;
        add(&log, index);
        flows.push(backup.id);
    }
    collect_garbage(&log, None, &GcPolicy::default(), now(), &[]).unwrap();
    let left: Vec<i64> = log
        .query(&Query::new(Selector::plan("home")))
        .unwrap()
        .iter()
        .map(|o| o.flow_id)
        .collect();
    assert_eq!(
        left,
        vec![flows[0]; 3],
        "the live snapshot's whole flow is kept despite its age"
    );
}

#[test]
fn synced_operations_go_with_their_peer_and_are_otherwise_left_to_it() {
    let (_d, log) = open();
    let ok = OperationStatus::STATUS_SUCCESS;
    for key in ["ed25519.kept", "ed25519.gone"] {
        let mut o = op(key, Op::OperationBackup(Box::default()), 0, ok);
        o.original_instance_keyid = key.into();
        add(&log, o);
    }
    // Old and many beyond every limit: the peer collects its own history, not the hub.
    for _ in 0..120 {
        let mut o = op(
            "ed25519.kept",
            Op::OperationBackup(Box::default()),
            5000,
            ok,
        );
        o.original_instance_keyid = "ed25519.kept".into();
        add(&log, o);
    }
    collect_garbage(
        &log,
        None,
        &GcPolicy::default(),
        now(),
        &["ed25519.kept".to_string()],
    )
    .unwrap();
    assert_eq!(remaining(&log, "ed25519.kept"), 121);
    assert_eq!(remaining(&log, "ed25519.gone"), 0);
}

#[test]
fn pending_and_running_operations_are_never_collected() {
    let (_d, log) = open();
    for status in [
        OperationStatus::STATUS_PENDING,
        OperationStatus::STATUS_INPROGRESS,
    ] {
        for _ in 0..3 {
            add(
                &log,
                op("busy", Op::OperationBackup(Box::default()), 500, status),
            );
        }
    }
    let report = collect_garbage(&log, None, &GcPolicy::default(), now(), &[]).unwrap();
    assert!(report.deleted.is_empty());
    assert_eq!(remaining(&log, "busy"), 6);
}

#[test]
fn limits_are_configurable() {
    let (_d, log) = open();
    for day in 0..10 {
        add(
            &log,
            op(
                "home",
                Op::OperationBackup(Box::default()),
                day,
                OperationStatus::STATUS_SUCCESS,
            ),
        );
    }
    let mut policy = GcPolicy::default();
    policy.default.keep_max = 3;
    collect_garbage(&log, None, &policy, now(), &[]).unwrap();
    assert_eq!(remaining(&log, "home"), 3);
    policy.default.max_age = Duration::hours(1);
    collect_garbage(&log, None, &policy, now(), &[]).unwrap();
    assert_eq!(remaining(&log, "home"), 1, "keep_min survives any age");
}

#[test]
fn task_logs_of_collected_operations_are_deleted() {
    let (dir, log) = open();
    let store = cairn_oplog::LogStore::open(dir.path().join("tasklogs")).unwrap();
    let ok = OperationStatus::STATUS_SUCCESS;
    let old = add(
        &log,
        op("home", Op::OperationBackup(Box::default()), 90, ok),
    );
    let new = add(&log, op("home", Op::OperationBackup(Box::default()), 0, ok));
    store
        .create("t-old", old.id, None)
        .unwrap()
        .finish()
        .unwrap();
    store
        .create("t-new", new.id, None)
        .unwrap()
        .finish()
        .unwrap();
    let report = collect_garbage(&log, Some(&store), &GcPolicy::default(), now(), &[]).unwrap();
    assert_eq!(report.deleted, vec![old.id]);
    assert!(!store.exists("t-old").unwrap());
    assert!(store.exists("t-new").unwrap());
}
