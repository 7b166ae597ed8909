//! The import against generated Backrest histories of both schema versions: counts, flows, modnos,
//! peer attribution and logrefs equal; the source untouched; a second run adds nothing; an
//! interrupted import resumes; refused while Backrest holds its lock or into a history of cairn's own.
use super::fixture::{self, Facts};
use super::source::BackrestSource;
use super::{ImportError, Summary, import};
use crate::{LogStore, OpLog, Query, Selector};
use std::collections::HashSet;
use std::path::Path;

const NOW: i64 = 1_800_000_000;

struct Target {
    _dir: tempfile::TempDir,
    oplog: OpLog,
    logs: LogStore,
}

fn target() -> Target {
    let dir = tempfile::tempdir().unwrap();
    Target {
        oplog: OpLog::open(dir.path().join("oplog.sqlite")).unwrap(),
        logs: LogStore::open(dir.path().join("tasklogs")).unwrap(),
        _dir: dir,
    }
}

fn run(source_dir: &Path, t: &Target) -> Result<Summary, ImportError> {
    let scratch = tempfile::tempdir().unwrap();
    let source = BackrestSource::open(source_dir, scratch.path())?;
    let mut reports = 0;
    let summary = import(&source, &t.oplog, &t.logs, NOW, &mut |_| reports += 1)?;
    assert!(reports > 0, "progress is reported");
    Ok(summary)
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn check_history(t: &Target, facts: &Facts) {
    let ops = t.oplog.query(&Query::new(Selector::default())).unwrap();
    assert_eq!(ops.len() as u64, facts.operations);
    let flows: HashSet<i64> = ops.iter().map(|o| o.flow_id).collect();
    assert_eq!(flows.len() as u64, facts.flows);
    let peers = ops
        .iter()
        .filter(|o| o.original_instance_keyid == "ed25519.peer-key" && o.original_id > 100_000)
        .count();
    assert_eq!(peers as u64, facts.from_peers);
    for o in &ops {
        assert_eq!(o.modno, o.id * 2, "modno kept: {o:?}");
        assert_eq!(o.flow_id, (o.id - 1) / 4 * 4 + 1, "flow kept: {o:?}");
        assert_eq!(o.logref, format!("t-{:08}", o.id));
        assert!(!o.repo_guid.is_empty() && !o.plan_id.is_empty(), "{o:?}");
    }
}

fn summary_of_first_run(facts: &Facts) -> Summary {
    Summary {
        added: facts.operations,
        logs_added: facts.logs,
        logs_expired: facts.expired_logs,
        ..Summary::default()
    }
}

#[tokio::test]
async fn a_schema_6_history_comes_over_whole_and_a_second_run_adds_nothing() {
    let src = tempfile::tempdir().unwrap();
    let facts = fixture::write(src.path(), 6, 3000).unwrap();
    let before = snapshot(src.path());
    let t = target();
    assert_eq!(run(src.path(), &t).unwrap(), summary_of_first_run(&facts));
    check_history(&t, &facts);
    assert_eq!(snapshot(src.path()), before, "the source is only read");

    let mut r = t.logs.open_reader("t-00000097").unwrap();
    let text = r.read_to_end().await.unwrap();
    assert_eq!(
        text, b"task log of operation 97\n",
        "an in-progress log comes along"
    );
    let mut r = t.logs.open_reader("c-00000004-prune").unwrap();
    assert_eq!(r.read_to_end().await.unwrap(), b"output of operation 4\n");
    assert!(
        !t.logs.exists("t-00000050").unwrap(),
        "expired logs stay behind"
    );

    let again = run(src.path(), &t).unwrap();
    assert_eq!(
        again,
        Summary {
            already_there: facts.operations,
            logs_already_there: facts.logs,
            logs_expired: facts.expired_logs,
            ..Summary::default()
        }
    );
    // New operations continue after the imported ones.
    let mut op = t.oplog.get(1).unwrap().unwrap();
    op.id = 0;
    t.oplog.add(&mut op).unwrap();
    assert_eq!(op.id, 3001);
    assert!(op.modno > 6000);
}

#[tokio::test]
async fn a_schema_5_history_comes_over_too() {
    let src = tempfile::tempdir().unwrap();
    let facts = fixture::write(src.path(), 5, 2000).unwrap();
    let t = target();
    assert_eq!(run(src.path(), &t).unwrap(), summary_of_first_run(&facts));
    check_history(&t, &facts);
}

#[test]
fn an_interrupted_import_resumes_where_it_stopped() {
    let first = tempfile::tempdir().unwrap();
    fixture::write(first.path(), 6, 1000).unwrap();
    let whole = tempfile::tempdir().unwrap();
    let facts = fixture::write(whole.path(), 6, 2000).unwrap();
    let t = target();
    run(first.path(), &t).unwrap();
    let rest = run(whole.path(), &t).unwrap();
    assert_eq!((rest.added, rest.already_there), (1000, 1000));
    check_history(&t, &facts);
}

#[test]
fn refused_while_backrest_runs_or_into_a_history_of_cairns_own() {
    let src = tempfile::tempdir().unwrap();
    fixture::write(src.path(), 6, 50).unwrap();
    let lock = std::fs::File::open(src.path().join("oplog.sqlite.lock")).unwrap();
    lock.lock().unwrap();
    let t = target();
    let err = run(src.path(), &t).err().unwrap();
    assert!(matches!(err, ImportError::BackrestRunning(_)), "{err}");
    assert!(err.to_string().contains("stop it"), "{err}");
    drop(lock);

    let mut own = crate::test_support::backup_op("r", "p");
    t.oplog.add(&mut own).unwrap();
    let err = run(src.path(), &t).err().unwrap();
    assert!(matches!(err, ImportError::NotEmpty(1)), "{err}");

    let empty = tempfile::tempdir().unwrap();
    let err = run(empty.path(), &target()).err().unwrap();
    assert!(matches!(err, ImportError::NoHistory(_)), "{err}");
}
