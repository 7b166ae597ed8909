//! Unit tests of the operation log: ids and modnos, queries and paging, transactions, schema, locks,
//! query plans, and subscriptions.
use crate::test_support::{Place, backup_op, on_both_stores, on_both_stores_async, with_dry_run};
use crate::*;
use cairn_proto::v1::OperationStatus;
use rusqlite::types::Value;
use tempfile::TempDir;

fn open() -> (TempDir, OpLog) {
    let dir = TempDir::new().unwrap();
    let log = OpLog::open(dir.path().join("oplog.sqlite")).unwrap();
    (dir, log)
}

fn add(log: &OpLog, repo: &str, plan: &str) -> cairn_proto::v1::Operation {
    let mut op = backup_op(repo, plan);
    log.add(&mut op).unwrap();
    op
}

fn add_assigns_sequential_ids_modnos_and_default_flow(place: Place) {
    let log = place.open();
    let a = add(&log, "r", "p");
    let b = add(&log, "r", "p");
    assert_eq!((a.id, a.modno, a.flow_id), (1, 1, 1));
    assert_eq!((b.id, b.modno, b.flow_id), (2, 2, 2));
    let mut c = backup_op("r", "p");
    c.flow_id = a.id;
    log.add(&mut c).unwrap();
    assert_eq!(c.flow_id, 1);
    assert_eq!(log.get(2).unwrap().unwrap(), b);
    assert_eq!(log.current_modno(), 3);
}

fn update_bumps_modno_and_missing_update_changes_nothing(place: Place) {
    let log = place.open();
    let mut a = add(&log, "r", "p");
    a.status = OperationStatus::STATUS_SUCCESS.into();
    log.update(&mut a).unwrap();
    assert_eq!(a.modno, 2);
    assert_eq!(log.get(a.id).unwrap().unwrap().status, a.status);
    let mut ghost = backup_op("r", "p");
    ghost.id = 99;
    assert!(matches!(
        log.update(&mut ghost),
        Err(OplogError::NotFound(99))
    ));
    assert_eq!(log.current_modno(), 2);
}

fn invalid_operations_are_refused_with_the_field_named(place: Place) {
    let log = place.open();
    let mut op = backup_op("r", "p");
    op.plan_id.clear();
    let err = log.add(&mut op).unwrap_err().to_string();
    assert!(err.contains("plan_id is required"), "{err}");
    let mut op = backup_op("r", "p");
    op.snapshot_id = "abc".into();
    assert!(
        log.add(&mut op)
            .unwrap_err()
            .to_string()
            .contains("snapshot_id")
    );
    let mut op = backup_op("r", "p");
    op.id = 5;
    assert!(log.add(&mut op).is_err());
    assert_eq!(log.count(&Selector::all()).unwrap(), 0);
}

fn failed_transaction_writes_nothing_and_consumes_no_ids(place: Place) {
    let log = place.open();
    let result: Result<()> = log.transact(|tx| {
        tx.add(&mut backup_op("r", "p"))?;
        tx.add(&mut backup_op("r", "p"))?;
        Err(OplogError::Invalid("abort".into()))
    });
    assert!(result.is_err());
    assert_eq!(log.count(&Selector::all()).unwrap(), 0);
    assert_eq!(add(&log, "r", "p").id, 1);
}

fn deleted_ids_are_never_reused_even_after_reopen(place: Place) {
    {
        let log = place.open();
        add(&log, "r", "p");
        let b = add(&log, "r", "p");
        assert_eq!(log.delete(&[b.id, 42]).unwrap(), vec![b]);
    }
    let log = place.open();
    assert_eq!(add(&log, "r", "p").id, 3);
    assert_eq!(log.current_modno(), 4, "tombstone modno survives reopen");
}

fn queries_filter_by_every_selector_field(place: Place) {
    let log = place.open();
    let a = add(&log, "r1", "p1");
    let mut b = backup_op("r2", "p2");
    b.instance_id = "other".into();
    b.original_instance_keyid = "ed25519.k".into();
    b.snapshot_id = "a".repeat(64);
    b.flow_id = a.id;
    log.add(&mut b).unwrap();
    let ids = |s: Selector| -> Vec<i64> {
        log.query(&Query::new(s))
            .unwrap()
            .iter()
            .map(|o| o.id)
            .collect()
    };
    assert_eq!(ids(Selector::plan("p1")), vec![a.id]);
    assert_eq!(ids(Selector::repo("guid-r2")), vec![b.id]);
    assert_eq!(ids(Selector::flow(a.id)), vec![a.id, b.id]);
    assert_eq!(ids(Selector::ids([b.id])), vec![b.id]);
    let s = |f: fn(&mut Selector)| {
        let mut s = Selector::all();
        f(&mut s);
        s
    };
    assert_eq!(ids(s(|s| s.instance_id = Some("other".into()))), vec![b.id]);
    assert_eq!(
        ids(s(|s| s.original_instance_keyid = Some("ed25519.k".into()))),
        vec![b.id]
    );
    assert_eq!(ids(s(|s| s.snapshot_id = Some("a".repeat(64)))), vec![b.id]);
    assert_eq!(ids(s(|s| s.modno_gte = Some(2))), vec![b.id]);
    assert_eq!(log.count(&Selector::plan("p2")).unwrap(), 1);
}

fn last_n_and_cursor_paging(place: Place) {
    let log = place.open();
    for _ in 0..10 {
        add(&log, "r", "p");
    }
    add(&log, "r", "other");
    let last3: Vec<i64> = log
        .query(&Query::last_n(Selector::plan("p"), 3))
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(last3, vec![10, 9, 8]);
    let mut q = Query::new(Selector::plan("p"));
    q.limit = Some(4);
    let mut pages = Vec::new();
    loop {
        let page: Vec<i64> = log.query_meta(&q).unwrap().iter().map(|m| m.id).collect();
        let Some(last) = page.last().copied() else {
            break;
        };
        pages.push(page);
        q.cursor = Some(last);
    }
    assert_eq!(pages, vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9, 10]]);
}

fn delete_matching_and_counts_per_plan_and_kind(place: Place) {
    let log = place.open();
    for _ in 0..600 {
        add(&log, "r", "big");
    }
    add(&log, "r", "small");
    let counts = log.counts_by_plan_and_kind().unwrap();
    assert!(counts.contains(&KindCount {
        plan_id: "big".into(),
        kind: OpKind::Backup,
        count: 600
    }));
    assert_eq!(log.delete_matching(&Selector::plan("big")).unwrap(), 600);
    assert_eq!(log.count(&Selector::all()).unwrap(), 1);
}

#[test]
fn a_second_process_handle_is_refused_while_locked() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("oplog.sqlite");
    let _first = OpLog::open(&path).unwrap();
    let err = OpLog::open(&path).err().unwrap();
    assert!(matches!(err, OplogError::Locked(_)));
    assert!(err.to_string().contains("locked by another cairn process"));
}

#[test]
fn newer_schema_is_refused_and_old_schema_is_migrated() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("oplog.sqlite");
    {
        let log = OpLog::open(&path).unwrap();
        add(&log, "r", "p");
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP INDEX operations_keyid_plan_kind; DROP TABLE kv; DROP INDEX operations_keyid_flow; ALTER TABLE operations DROP COLUMN original_modno; DROP INDEX operations_repo; DROP INDEX operations_repo_kind; DROP INDEX operations_unfinished; DROP TABLE tombstones; DROP TABLE metadata; PRAGMA user_version = 1;",
        )
            .unwrap();
    }
    let log = OpLog::open(&path).unwrap();
    assert_eq!(
        log.count(&Selector::all()).unwrap(),
        1,
        "data kept across migration"
    );
    log.delete(&[1]).unwrap();
    drop(log);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let err = OpLog::open(&path).err().unwrap();
    assert!(matches!(err, OplogError::SchemaTooNew { .. }), "{err}");
}

/// Every query shape the API and UI use must be served by an index: no plain table scan.
/// Every query the UI, the API and the fleet make, as SQL with parameters: each selector shape as a
/// full list, a newest page and a cursor page, each change read of a subscription's catch-up, the
/// fixed queries and the synced-operation lookups.
pub(crate) fn query_shapes() -> Vec<(String, Vec<Value>)> {
    let mut shapes: Vec<Selector> = Vec::new();
    let mut s = |f: &dyn Fn(&mut Selector)| {
        let mut sel = Selector::all();
        f(&mut sel);
        shapes.push(sel);
    };
    s(&|x| x.ids = vec![1, 2]);
    s(&|x| x.instance_id = Some("i".into()));
    s(&|x| x.original_instance_keyid = Some("k".into()));
    s(&|x| x.repo_guid = Some("g".into()));
    s(&|x| x.plan_id = Some("p".into()));
    s(&|x| x.snapshot_id = Some("s".into()));
    s(&|x| x.flow_id = Some(1));
    s(&|x| x.modno_gte = Some(1));
    s(&|x| {
        x.repo_guid = Some("g".into());
        x.plan_id = Some("p".into());
    });
    s(&|x| {
        x.instance_id = Some("i".into());
        x.repo_guid = Some("g".into());
        x.plan_id = Some("p".into());
    });
    s(&|x| {
        x.repo_guid = Some("g".into());
        x.kinds = vec![OpKind::Prune];
    });
    s(&|x| {
        x.repo_guid = Some("g".into());
        x.kinds = vec![OpKind::Backup, OpKind::IndexSnapshot];
    });
    s(&|_| {});
    let mut out = Vec::new();
    for sel in &shapes {
        let queries = [
            Query::new(sel.clone()),
            Query::last_n(sel.clone(), 100),
            Query {
                cursor: Some(10),
                limit: Some(50),
                ..Query::new(sel.clone())
            },
        ];
        for q in queries {
            out.push(q.to_sql("id, operation"));
        }
        out.push(crate::oplog::changed_ops_sql(sel, 0, 10));
        if sel.kinds.is_empty() {
            out.push(crate::oplog::tombstones_sql(sel, 0, 10));
        }
    }
    for fixed in [crate::oplog::COUNTS_SQL, crate::oplog::UNFINISHED_SQL] {
        out.push((fixed.to_string(), vec![]));
    }
    // A hub storing a peer's operations looks each one up, and its flow, by the peer's ids.
    let key = Value::Text("ed25519.k".into());
    out.push((
        crate::synced::LOCAL_SQL.to_string(),
        vec![key.clone(), Value::Integer(7)],
    ));
    out.push((
        crate::synced::FLOW_SQL.to_string(),
        vec![key.clone(), Value::Integer(7)],
    ));
    out.push((crate::synced::LIST_SQL.to_string(), vec![key]));
    out.extend(paged_shapes());
    out
}

/// The pages the views walk newest first: a page must not sort the whole match. The last is the
/// dashboards' read of one instance's backups of one plan (on a hub every client may have a plan
/// of that name, so the instance's key id must be part of the index walked).
pub(crate) fn paged_shapes() -> Vec<(String, Vec<Value>)> {
    let paged: Vec<Selector> = vec![
        Selector::plan("p"),
        // A hub's view of its own plan: not its clients' plans of that name.
        Selector {
            original_instance_keyid: Some(String::new()),
            plan_id: Some("p".into()),
            ..Selector::default()
        },
        Selector::repo("g"),
        Selector::flow(1),
        Selector {
            repo_guid: Some("g".into()),
            kinds: vec![OpKind::Stats],
            ..Selector::default()
        },
        Selector {
            original_instance_keyid: Some("ed25519.k".into()),
            plan_id: Some("p".into()),
            kinds: vec![OpKind::Backup],
            ..Selector::default()
        },
    ];
    paged
        .into_iter()
        .map(|sel| {
            Query {
                cursor: Some(10),
                ..Query::last_n(sel, 500)
            }
            .to_sql("id, operation")
        })
        .collect()
}

#[test]
fn every_query_shape_uses_an_index() {
    let (_d, log) = open();
    for (sql, params) in paged_shapes() {
        for line in log.explain(&sql, params).unwrap() {
            assert!(
                !line.contains("TEMP B-TREE"),
                "a page sorts its whole match in {sql}: {line}"
            );
        }
    }
    let (sql, params) = paged_shapes().pop().unwrap();
    let plan = log.explain(&sql, params).unwrap();
    assert!(
        plan.iter()
            .any(|l| l.contains("operations_keyid_plan_kind")),
        "{sql}: {plan:?}"
    );
    for (sql, params) in query_shapes() {
        for line in log.explain(&sql, params).unwrap() {
            // A scan of a table; a scan of a subquery's one-row result (`SCAN own`) is not.
            let full_scan = ["SCAN operations", "SCAN tombstones"]
                .iter()
                .any(|t| line.starts_with(t))
                && !line.contains("INDEX");
            // An empty selector ordered by id walks the primary key: that is the index.
            let rowid_walk =
                line == "SCAN operations" && !sql.contains(" = ") && !sql.contains("IN (");
            assert!(!full_scan || rowid_walk, "table scan in {sql}: {line}");
        }
    }
}

async fn subscribers_get_matching_changes_in_modno_order(place: Place) {
    let log = place.open();
    let mut sub = log.subscribe(Selector::plan("p"), None).unwrap();
    let mut a = add(&log, "r", "p");
    add(&log, "r", "other");
    a = with_dry_run(a);
    log.update(&mut a).unwrap();
    log.delete(&[a.id]).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match sub.next().await.unwrap() {
            Delivery::Changes(cs) => {
                seen.extend(cs.into_iter().map(|c| (c.kind, c.meta.id, c.modno())))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        seen,
        vec![
            (ChangeKind::Created, 1, 1),
            (ChangeKind::Updated, 1, 3),
            (ChangeKind::Deleted, 1, 4)
        ]
    );
    assert_eq!(sub.last_modno(), 4);
}

async fn resume_after_a_modno_catches_up_from_the_database(place: Place) {
    let log = place.open();
    let mut a = add(&log, "r", "p"); // modno 1
    let b = add(&log, "r", "p"); // 2
    log.update(&mut a).unwrap(); // 3
    add(&log, "r", "p"); // 4
    log.delete(&[b.id]).unwrap(); // 5
    let mut sub = log.subscribe(Selector::plan("p"), Some(2)).unwrap();
    let Some(Delivery::Changes(cs)) = sub.next().await else {
        panic!("no catch-up")
    };
    let got: Vec<_> = cs.iter().map(|c| (c.kind, c.meta.id, c.modno())).collect();
    assert_eq!(
        got,
        vec![
            (ChangeKind::Updated, 1, 3),
            (ChangeKind::Created, 3, 4),
            (ChangeKind::Deleted, 2, 5)
        ]
    );
    add(&log, "r", "p");
    let Some(Delivery::Changes(cs)) = sub.next().await else {
        panic!("no live change")
    };
    assert_eq!(cs[0].modno(), 6);
}

async fn a_slow_subscriber_never_blocks_writers_and_is_told_it_fell_behind(place: Place) {
    let log = place.open();
    let mut sub = log.subscribe(Selector::all(), None).unwrap();
    let total = CHANNEL_CAPACITY as i64 + 200;
    for _ in 0..total {
        add(&log, "r", "p");
    }
    let Some(Delivery::Lagged { after_modno }) = sub.next().await else {
        panic!("not told")
    };
    assert_eq!(after_modno, 0);
    let mut ids = Vec::new();
    while ids.len() < total as usize {
        match sub.next().await.unwrap() {
            Delivery::Changes(cs) => ids.extend(cs.iter().map(|c| c.meta.id)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        ids,
        (1..=total).collect::<Vec<_>>(),
        "every change delivered once, in order"
    );
}

async fn resuming_before_pruned_tombstones_asks_for_a_reload(place: Place) {
    let log = place.open();
    let a = add(&log, "r", "p");
    log.delete(&[a.id]).unwrap();
    log.prune_tombstones(log.current_modno() + 1).unwrap();
    let mut sub = log.subscribe(Selector::all(), Some(0)).unwrap();
    assert!(matches!(
        sub.next().await,
        Some(Delivery::ResumeTooOld { now_modno: 2 })
    ));
}

fn unfinished_operations_are_found_without_a_scan(place: Place) {
    let log = place.open();
    let mut a = add(&log, "r", "p");
    add(&log, "r", "p");
    let mut c = add(&log, "r", "p");
    a.status = OperationStatus::STATUS_SUCCESS.into();
    log.update(&mut a).unwrap();
    c.status = OperationStatus::STATUS_INPROGRESS.into();
    log.update(&mut c).unwrap();
    let ids: Vec<i64> = log.unfinished().unwrap().iter().map(|o| o.id).collect();
    assert_eq!(ids, vec![2, 3]);
}

async fn resuming_beyond_the_current_modno_asks_for_a_reload(place: Place) {
    let log = place.open();
    add(&log, "r", "p");
    let mut sub = log.subscribe(Selector::all(), Some(99)).unwrap();
    assert!(matches!(
        sub.next().await,
        Some(Delivery::ResumeTooOld { now_modno: 1 })
    ));
}

on_both_stores!(
    add_assigns_sequential_ids_modnos_and_default_flow,
    update_bumps_modno_and_missing_update_changes_nothing,
    invalid_operations_are_refused_with_the_field_named,
    failed_transaction_writes_nothing_and_consumes_no_ids,
    queries_filter_by_every_selector_field,
    last_n_and_cursor_paging,
    delete_matching_and_counts_per_plan_and_kind,
    unfinished_operations_are_found_without_a_scan,
    deleted_ids_are_never_reused_even_after_reopen
);

on_both_stores_async!(
    subscribers_get_matching_changes_in_modno_order,
    resume_after_a_modno_catches_up_from_the_database,
    a_slow_subscriber_never_blocks_writers_and_is_told_it_fell_behind,
    resuming_before_pruned_tombstones_asks_for_a_reload,
    resuming_beyond_the_current_modno_asks_for_a_reload
);
