//! A process writing to the operation log and the log store is killed with SIGKILL at arbitrary moments;
//! every time, the database must pass SQLite's integrity check, every stored operation must decode, ids
//! and modnos must stay unique and increasing, and a reopened log must keep working.
//!
//! The test re-executes its own binary as the writer (selected by `CAIRN_CRASH_CHILD`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_oplog::{LogStore, OpLog, Query, Selector};
use cairn_proto::v1::{Operation, OperationStatus};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_ENV: &str = "CAIRN_CRASH_CHILD";

fn op(n: u64) -> Operation {
    Operation {
        repo_id: "r".into(),
        repo_guid: "g".into(),
        plan_id: format!("p{}", n % 3),
        instance_id: "crash".into(),
        status: OperationStatus::STATUS_INPROGRESS.into(),
        unix_time_start_ms: 1_700_000_000_000 + n as i64,
        display_message: "x".repeat((n % 200) as usize),
        ..Operation::default()
    }
}

/// The writer: adds, updates and deletes in transactions, and writes task output, until killed.
fn child(dir: &Path) -> ! {
    let log = OpLog::open(dir.join("oplog.sqlite")).expect("child open");
    let logs = LogStore::open(dir.join("tasklogs")).expect("child logs");
    let mut n = 0u64;
    println!("ready");
    loop {
        let mut w = logs
            .create(&format!("t-{}-{n}", std::process::id()), 1, None)
            .expect("create log");
        log.transact(|tx| {
            for _ in 0..20 {
                let mut a = op(n);
                tx.add(&mut a)?;
                a.status = OperationStatus::STATUS_SUCCESS.into();
                tx.update(&mut a)?;
                if n.is_multiple_of(7) {
                    tx.delete(a.id)?;
                }
                n += 1;
            }
            Ok(())
        })
        .expect("transaction");
        w.write_all(format!("line {n}\n").repeat(50).as_bytes())
            .expect("log write");
        if n.is_multiple_of(100) {
            w.finish().expect("finish");
        } else {
            std::mem::drop(w);
        }
    }
}

fn check(dir: &Path, round: usize) -> usize {
    let conn = rusqlite::Connection::open(dir.join("oplog.sqlite")).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "round {round}");
    drop(conn);
    let log = OpLog::open(dir.join("oplog.sqlite")).unwrap();
    let ops = log.query(&Query::new(Selector::all())).unwrap();
    let mut last = (0, 0);
    for o in &ops {
        assert!(o.id > last.0, "ids increase");
        assert_eq!(
            o.status,
            OperationStatus::STATUS_SUCCESS,
            "a transaction is all or nothing"
        );
        last.0 = o.id;
        last.1 = last.1.max(o.modno);
    }
    assert!(log.current_modno() >= last.1);
    let mut probe = op(0);
    log.add(&mut probe).unwrap();
    assert!(probe.id > last.0, "a reopened log never reuses an id");
    log.delete(&[probe.id]).unwrap();
    LogStore::open(dir.join("tasklogs")).unwrap();
    ops.len()
}

#[test]
fn sigkill_during_writes_never_corrupts_the_log() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child(Path::new(&dir));
    }
    let dir = tempfile::TempDir::new().unwrap();
    let mut seen = 0;
    for round in 0..8 {
        let mut c = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sigkill_during_writes_never_corrupts_the_log",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for "ready", then let it write for a varying time before the kill.
        let mut out = c.stdout.take().unwrap();
        let mut buf = [0u8; 64];
        let _ = std::io::Read::read(&mut out, &mut buf);
        std::thread::sleep(Duration::from_millis(150 + 37 * round as u64));
        c.kill().unwrap();
        c.wait().unwrap();
        let now = check(dir.path(), round);
        assert!(
            now > seen,
            "round {round} wrote something ({now} operations)"
        );
        seen = now;
    }
}
