//! Tests of what only the PostgreSQL store does: several processes (here, several handles, each
//! with its own pool and listener, as separate processes have) on one database, a writer killed
//! mid-transaction, leases, and the schema guard.
use super::WRITER_LOCK;
use crate::pg_test_server::TestPostgres;
use crate::test_support::backup_op;
use crate::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn database() -> String {
    TestPostgres::shared().fresh_database()
}

/// Runs `sql` on a connection of its own; the rows' first column as text.
fn raw(url: &str, sql: &str) -> Vec<String> {
    crate::pg_test_server::query(url, sql).unwrap()
}

/// Collects changes until `modno` has been delivered; the latest modno seen per id, and the
/// delivered modnos in order.
async fn collect_until(sub: &mut Subscription, modno: i64) -> (BTreeMap<i64, i64>, Vec<i64>) {
    let mut latest = BTreeMap::new();
    let mut order = Vec::new();
    while sub.last_modno() < modno {
        let next = tokio::time::timeout(Duration::from_secs(20), sub.next()).await;
        match next.expect("changes keep coming").expect("open") {
            Delivery::Changes(cs) => {
                for c in cs {
                    order.push(c.modno());
                    latest.insert(c.meta.id, c.modno());
                }
            }
            Delivery::Lagged { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    (latest, order)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_history_and_each_sees_every_change_in_order() {
    let url = database();
    let a = OpLog::connect(&url).unwrap();
    let b = OpLog::connect(&url).unwrap();
    let mut sub_a = a.subscribe(Selector::all(), None).unwrap();
    let mut sub_b = b.subscribe(Selector::all(), None).unwrap();
    let writers: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .enumerate()
        .map(|(n, log)| {
            std::thread::spawn(move || {
                for i in 0..150 {
                    let mut op = backup_op("r", &format!("plan-{n}"));
                    log.add(&mut op).unwrap();
                    if i % 3 == 0 {
                        log.update(&mut op).unwrap();
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let everything = a.query(&Query::new(Selector::all())).unwrap();
    assert_eq!(
        everything.len(),
        300,
        "every add of both processes stored once"
    );
    let ids: Vec<i64> = everything.iter().map(|o| o.id).collect();
    assert_eq!(
        ids,
        (1..=300).collect::<Vec<_>>(),
        "ids handed out once each"
    );
    let final_modno = 300 + 100;
    assert_eq!(everything.iter().map(|o| o.modno).max(), Some(final_modno));
    let stored: BTreeMap<i64, i64> = everything.iter().map(|o| (o.id, o.modno)).collect();
    for sub in [&mut sub_a, &mut sub_b] {
        let (latest, order) = collect_until(sub, final_modno).await;
        assert!(order.windows(2).all(|w| w[0] < w[1]), "in modno order");
        assert_eq!(latest, stored, "each process saw every change");
    }
    // A subscriber of one process resumes from a modno the other one issued.
    let mut op = backup_op("r", "late");
    a.add(&mut op).unwrap();
    let mut resumed = b
        .subscribe(Selector::plan("late"), Some(final_modno))
        .unwrap();
    let (latest, _) = collect_until(&mut resumed, op.modno).await;
    assert_eq!(latest.get(&op.id), Some(&op.modno));
}

#[test]
fn a_writer_killed_mid_transaction_leaves_nothing_and_holds_nothing() {
    let url = database();
    let log = OpLog::connect(&url).unwrap();
    log.add(&mut backup_op("r", "p")).unwrap();
    // Another process takes the writers' lock, writes half a transaction, and is killed.
    let victim = {
        let url = url.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                let driver = tokio::spawn(conn);
                client
                    .batch_execute(&format!(
                        "BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK});
                         UPDATE counters SET next_id = 1000, modno = 1000;
                         SET application_name = 'victim';"
                    ))
                    .await
                    .unwrap();
                // Stays in its transaction until the server kills it.
                let _ = driver.await;
            })
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while raw(
        &url,
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'victim'",
    ) != ["1"]
    {
        assert!(Instant::now() < deadline, "the victim connects");
        std::thread::sleep(Duration::from_millis(20));
    }
    let writer = {
        let log = log.clone();
        std::thread::spawn(move || {
            let mut op = backup_op("r", "p");
            log.add(&mut op).unwrap();
            op
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    assert!(!writer.is_finished(), "the writer waits for the lock");
    raw(
        &url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'",
    );
    victim.join().unwrap();
    let op = writer.join().unwrap();
    assert_eq!(
        (op.id, op.modno),
        (2, 2),
        "the killed writer's counters were never committed"
    );
    assert_eq!(log.count(&Selector::all()).unwrap(), 2);
}

#[test]
fn a_lease_has_one_holder_across_processes_and_ends_with_its_connection() {
    let url = database();
    let a = OpLog::connect(&url).unwrap();
    let b = OpLog::connect(&url).unwrap();
    let held = a.try_lease("scheduler").unwrap().expect("free at first");
    assert!(held.is_held());
    assert!(b.try_lease("scheduler").unwrap().is_none(), "one holder");
    let other = b.try_lease("gc").unwrap().expect("another name is free");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    let taken = loop {
        if let Some(lease) = b.try_lease("scheduler").unwrap() {
            break lease;
        }
        assert!(Instant::now() < deadline, "freed on drop");
        std::thread::sleep(Duration::from_millis(20));
    };
    // The holder's connection dies (its process was killed): the lease is free for others.
    raw(
        &url,
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND pid <> pg_backend_pid()
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while taken.is_held() || other.is_held() {
        assert!(Instant::now() < deadline, "the holders learn they lost it");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(a.try_lease("scheduler").unwrap().is_some());
}

#[test]
fn a_database_from_a_newer_cairn_is_refused_and_a_bad_url_named() {
    let url = database();
    drop(OpLog::connect(&url).unwrap());
    raw(&url, "INSERT INTO cairn_schema (version) VALUES (99)");
    let err = OpLog::connect(&url).err().unwrap().to_string();
    assert!(err.contains("schema version 99"), "{err}");
    assert!(!err.contains("password"), "{err}");
    let err = OpLog::connect("postgres://cairn@127.0.0.1:1/nowhere?sslmode=bogus")
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("postgres://user:password@host:5432/dbname"),
        "{err}"
    );
    let err = OpLog::connect("postgres://cairn:hunter2@127.0.0.1:1/nowhere")
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("127.0.0.1:1/nowhere") && !err.contains("hunter2"),
        "{err}"
    );
}

#[test]
fn every_query_shape_uses_an_index_on_postgres() {
    let log = OpLog::connect(&database()).unwrap();
    log.transact(|tx| {
        for i in 0..2000 {
            let mut op = backup_op(&format!("r{}", i % 7), &format!("p{}", i % 13));
            tx.add(&mut op)?;
        }
        Ok(())
    })
    .unwrap();
    for (sql, params) in crate::oplog_tests::query_shapes() {
        let plan = log.explain(&sql, params).unwrap();
        for line in &plan {
            assert!(
                !line.contains("Seq Scan on operations"),
                "table scan in {sql}: {plan:#?}"
            );
        }
    }
    // A hub stores a client's batch with one read of where its operations and flows are.
    for many in [crate::synced::LOCAL_MANY_SQL, crate::synced::FLOW_MANY_SQL] {
        let sql = many.replace("$2", "'{1,2,3}'::bigint[]").replace("$1", "?");
        let plan = log
            .explain(&sql, vec![rusqlite::types::Value::Text("ed25519.k".into())])
            .unwrap();
        assert!(
            !plan.iter().any(|l| l.contains("Seq Scan on operations")),
            "table scan in {sql}: {plan:#?}"
        );
    }
    for (sql, params) in crate::oplog_tests::paged_shapes() {
        let plan = log.explain(&sql, params).unwrap();
        assert!(
            !plan.iter().any(|l| l.contains("Sort")),
            "a page sorts its whole match in {sql}: {plan:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_database_is_reconnected_and_no_change_is_missed() {
    let mut server = TestPostgres::start();
    let url = server.fresh_database();
    let a = OpLog::connect(&url).unwrap();
    let b = OpLog::connect(&url).unwrap();
    let mut sub = b.subscribe(Selector::all(), None).unwrap();
    let mut first = backup_op("r", "p");
    a.add(&mut first).unwrap();
    collect_until(&mut sub, first.modno).await;
    server.restart();
    // Every pooled connection and both listeners were cut; the next write takes a new connection.
    let mut second = backup_op("r", "p");
    a.add(&mut second).unwrap();
    let (latest, _) = collect_until(&mut sub, second.modno).await;
    assert_eq!(
        latest.get(&second.id),
        Some(&second.modno),
        "b's listener came back"
    );
    assert_eq!(b.count(&Selector::all()).unwrap(), 2);
}

#[test]
fn a_key_value_write_in_one_process_is_heard_in_another() {
    let url = database();
    let a = OpLog::connect(&url).unwrap();
    let b = OpLog::connect(&url).unwrap();
    let mut heard = b.kv_changes();
    // b's listener may still be connecting (it would report ANY_KEY then): write until b hears the
    // key itself.
    let deadline = Instant::now() + Duration::from_secs(10);
    'writes: loop {
        a.kv_put("peer_state:k", b"connected").unwrap();
        let wait = Instant::now() + Duration::from_millis(300);
        while Instant::now() < wait {
            match heard.try_recv() {
                Ok(key) if key == "peer_state:k" => break 'writes,
                Ok(_) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        assert!(Instant::now() < deadline, "b hears a's write");
    }
    assert_eq!(
        b.kv_get("peer_state:k").unwrap(),
        Some(b"connected".to_vec())
    );
}
