//! The orchestrator end to end against real restic repositories on disk: a backup's flow with its
//! follow-ups and hooks, parallel repositories with serial tasks per repository, cancellation, hook
//! failure policies, retries, scheduled runs as PENDING operations, and every notification action
//! delivering to a local HTTP server that records what it receives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_oplog::OpKind;
use cairn_orchestrator::{FakeClock, OrchestratorError};
use cairn_proto::v1::__buffa::oneof::backup_progress_entry::Entry as Progress;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationStatus};
use serde_json::json;
use std::sync::Arc;
use support::*;

fn kind(op: &Operation) -> OpKind {
    OpKind::of(op)
}

fn status(op: &Operation) -> OperationStatus {
    op.status
        .as_known()
        .unwrap_or(OperationStatus::STATUS_UNKNOWN)
}

fn config(repos: Vec<serde_json::Value>, plans: Vec<serde_json::Value>) -> serde_json::Value {
    json!({"version": 6, "instance": "test", "repos": repos, "plans": plans, "auth": {"disabled": true}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_writes_one_flow_with_its_follow_ups_and_hooks() {
    let rec = Recorder::start().await;
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let marker = dir.path().join("started.txt");
    let mut repo = repo_json("a", dir.path());
    repo["hooks"] = json!([{
        "conditions": ["CONDITION_SNAPSHOT_SUCCESS"],
        "actionWebhook": {"webhookUrl": rec.url("/hook"), "method": "POST",
            "template": "{{ .Plan.Id }} {{ .EventName .Event }} {{ .SnapshotStats.FilesNew }}"}
    }]);
    let mut plan = plan_json("p1", "a", &src);
    plan["retention"] = json!({"policyKeepLastN": 1});
    plan["hooks"] = json!([{
        "conditions": ["CONDITION_SNAPSHOT_START"],
        "actionCommand": {"command": format!("echo started {{{{ .Plan.Id }}}} > {}", marker.display())}
    }]);
    let env = Env::in_dir(
        dir,
        config(vec![repo], vec![plan]),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();

    let id = env.orch.backup_now("p1", false).unwrap();
    let op = env.wait(id).await;
    assert_eq!(status(&op), OperationStatus::STATUS_SUCCESS, "{op:#?}");
    assert!(
        op.engine.starts_with("restic 0."),
        "engine recorded: {:?}",
        op.engine
    );
    assert_eq!(op.snapshot_id.len(), 64);
    let Some(Op::OperationBackup(b)) = &op.op else {
        panic!()
    };
    match b.last_status.as_option().and_then(|e| e.entry.as_ref()) {
        Some(Progress::Summary(s)) => assert_eq!(s.files_new, 2),
        other => panic!("no summary: {other:?}"),
    }
    let guid = env.orch.config().get().repos[0].guid.clone();
    assert_eq!(guid.len(), 64, "the repository id was saved to the config");
    assert_eq!(op.repo_guid, guid);

    let ops = env
        .until("the index and forget follow-ups", |ops| {
            ops.iter().any(|o| kind(o) == OpKind::IndexSnapshot)
                && ops
                    .iter()
                    .any(|o| kind(o) == OpKind::Forget && cairn_orchestrator::is_final(o))
        })
        .await;
    let flow: Vec<&Operation> = ops.iter().filter(|o| o.flow_id == op.flow_id).collect();
    let kinds: Vec<OpKind> = flow.iter().map(|o| kind(o)).collect();
    for k in [
        OpKind::Backup,
        OpKind::Forget,
        OpKind::IndexSnapshot,
        OpKind::RunHook,
    ] {
        assert!(kinds.contains(&k), "{k:?} in the backup's flow: {kinds:?}");
    }
    let hooks: Vec<&&Operation> = flow.iter().filter(|o| kind(o) == OpKind::RunHook).collect();
    assert_eq!(hooks.len(), 2, "the start hook and the success hook");
    for h in &hooks {
        assert_eq!(status(h), OperationStatus::STATUS_SUCCESS, "{h:#?}");
        let Some(Op::OperationRunHook(r)) = &h.op else {
            panic!()
        };
        assert_eq!(r.parent_op, id);
        assert!(
            h.display_message.starts_with("running "),
            "{}",
            h.display_message
        );
    }
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "started p1\n");
    let posted = rec.find("/hook").expect("the webhook was called");
    assert_eq!(posted.method, "POST");
    assert_eq!(posted.body, "p1 snapshot success 2");
    let index = flow
        .iter()
        .find(|o| kind(o) == OpKind::IndexSnapshot)
        .unwrap();
    assert_eq!(index.snapshot_id, op.snapshot_id);
    assert_eq!(
        (index.plan_id.as_str(), index.instance_id.as_str()),
        ("p1", "test")
    );

    // A second backup: retention keeps one snapshot, so the first one's index op becomes forgotten.
    let second = env.wait(env.orch.backup_now("p1", false).unwrap()).await;
    assert_eq!(status(&second), OperationStatus::STATUS_SUCCESS);
    env.until("the first snapshot to be flagged forgotten", |ops| {
        ops.iter().any(|o| {
            o.snapshot_id == op.snapshot_id
                && matches!(&o.op, Some(Op::OperationIndexSnapshot(i)) if i.forgot)
        })
    })
    .await;
}

/// After a forget removed a snapshot, a config change collects its flow's history at once, as
/// Backrest does (not a day later); the flow of the snapshot that remains is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_change_cleans_up_the_history_of_forgotten_snapshots() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let mut plan = plan_json("p", "a", &src);
    plan["retention"] = json!({"policyKeepLastN": 1});
    let env = Env::in_dir(
        dir,
        config(vec![repo_json("a", dir_of(&src))], vec![plan]),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();
    let first = env.wait(env.orch.backup_now("p", false).unwrap()).await;
    env.until("the first index", |ops| {
        ops.iter()
            .any(|o| o.snapshot_id == first.snapshot_id && kind(o) == OpKind::IndexSnapshot)
    })
    .await;
    let second = env.wait(env.orch.backup_now("p", false).unwrap()).await;
    env.until("the first snapshot to be flagged forgotten", |ops| {
        ops.iter().any(|o| {
            o.snapshot_id == first.snapshot_id
                && matches!(&o.op, Some(Op::OperationIndexSnapshot(i)) if i.forgot)
        })
    })
    .await;
    env.until("the follow-ups to finish", |ops| {
        ops.iter()
            .all(|o| status(o) != OperationStatus::STATUS_INPROGRESS)
    })
    .await;
    assert!(
        env.ops().iter().any(|o| o.id == first.id),
        "kept until something collects it"
    );
    env.orch
        .config()
        .modify(|c| -> Result<(), cairn_config::ConfigError> {
            c.plans[0].excludes.push("*.tmp".into());
            Ok(())
        })
        .unwrap();
    env.orch.config_changed().await.unwrap();
    let ops = env
        .until("the forgotten snapshot's flow to be collected", |ops| {
            !ops.iter().any(|o| o.flow_id == first.flow_id)
        })
        .await;
    assert!(
        ops.iter().any(|o| o.id == second.id),
        "the remaining snapshot's backup is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repositories_run_in_parallel_and_one_repository_runs_serially() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let slow = json!([{"conditions": ["CONDITION_SNAPSHOT_START"], "actionCommand": {"command": "sleep 2"}}]);
    let mut plans = Vec::new();
    for (id, repo) in [("a1", "a"), ("a2", "a"), ("b1", "b")] {
        let mut p = plan_json(id, repo, &src);
        p["hooks"] = slow.clone();
        plans.push(p);
    }
    let repos = vec![repo_json("a", dir.path()), repo_json("b", dir.path())];
    let env = Env::in_dir(
        dir,
        config(repos, plans),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();
    let ids: Vec<i64> = ["a1", "a2", "b1"]
        .iter()
        .map(|p| env.orch.backup_now(p, false).unwrap())
        .collect();
    let mut done = Vec::new();
    for id in &ids {
        done.push(env.wait(*id).await);
    }
    for op in &done {
        assert_eq!(status(op), OperationStatus::STATUS_SUCCESS, "{op:#?}");
    }
    let span = |o: &Operation| (o.unix_time_start_ms, o.unix_time_end_ms);
    let overlap = |x: (i64, i64), y: (i64, i64)| x.0 < y.1 && y.0 < x.1;
    let (a1, a2, b1) = (span(&done[0]), span(&done[1]), span(&done[2]));
    assert!(
        !overlap(a1, a2),
        "one repository's tasks never overlap: {a1:?} {a2:?}"
    );
    assert!(
        overlap(a1, b1) || overlap(a2, b1),
        "repositories run in parallel: {a1:?} {a2:?} {b1:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_and_running_operations_can_be_cancelled() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let mut x = plan_json("x", "a", &src);
    x["hooks"] = json!([{"conditions": ["CONDITION_SNAPSHOT_START"], "actionCommand": {"command": "sleep 60"}}]);
    let y = plan_json("y", "a", &src);
    let env = Env::in_dir(
        dir,
        config(vec![repo_json("a", dir_of(&src))], vec![x, y]),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();
    let running = env.orch.backup_now("x", false).unwrap();
    env.until("x to start", |ops| {
        ops.iter()
            .any(|o| o.id == running && status(o) == OperationStatus::STATUS_INPROGRESS)
    })
    .await;
    let queued = env.orch.backup_now("y", false).unwrap();
    env.orch.cancel(queued).unwrap();
    let q = env.wait(queued).await;
    assert_eq!(status(&q), OperationStatus::STATUS_USER_CANCELLED);
    assert!(
        q.display_message.contains("before it started"),
        "{}",
        q.display_message
    );

    let asked = std::time::Instant::now();
    env.orch.cancel(running).unwrap();
    let r = env.wait(running).await;
    assert_eq!(status(&r), OperationStatus::STATUS_USER_CANCELLED, "{r:#?}");
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(20),
        "the hook command was killed"
    );
    assert!(matches!(
        env.orch.cancel(running),
        Err(OrchestratorError::AlreadyFinished(_))
    ));
    assert!(matches!(
        env.orch.cancel(999_999),
        Err(OrchestratorError::OperationNotFound(_))
    ));
}

fn dir_of(src: &std::path::Path) -> &std::path::Path {
    src.parent().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_failure_policies_decide_what_happens_to_the_task() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let failing = |policy: &str| {
        json!([
            {"conditions": ["CONDITION_SNAPSHOT_START"], "onError": policy, "actionCommand": {"command": "echo no; exit 3"}},
            {"conditions": ["CONDITION_SNAPSHOT_START"], "actionCommand": {"command": "true"}}
        ])
    };
    let mut plans = Vec::new();
    for (id, policy) in [
        ("fatal", "ON_ERROR_FATAL"),
        ("cancel", "ON_ERROR_CANCEL"),
        ("ignore", "ON_ERROR_IGNORE"),
    ] {
        let mut p = plan_json(id, "a", &src);
        p["hooks"] = failing(policy);
        plans.push(p);
    }
    let env = Env::in_dir(
        dir,
        config(vec![repo_json("a", dir_of(&src))], plans),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();
    let fatal = env.wait(env.orch.backup_now("fatal", false).unwrap()).await;
    assert_eq!(status(&fatal), OperationStatus::STATUS_ERROR);
    assert!(
        fatal
            .display_message
            .contains("command hook plan/fatal/hook/0 failed"),
        "{}",
        fatal.display_message
    );
    let cancel = env
        .wait(env.orch.backup_now("cancel", false).unwrap())
        .await;
    assert_eq!(status(&cancel), OperationStatus::STATUS_USER_CANCELLED);
    let ignore = env
        .wait(env.orch.backup_now("ignore", false).unwrap())
        .await;
    assert_eq!(
        status(&ignore),
        OperationStatus::STATUS_SUCCESS,
        "{ignore:#?}"
    );
    let ops = env.ops();
    let hooks_of = |parent: i64| -> Vec<Operation> {
        ops.iter()
            .filter(|o| matches!(&o.op, Some(Op::OperationRunHook(h)) if h.parent_op == parent))
            .cloned()
            .collect()
    };
    assert_eq!(
        hooks_of(fatal.id).len(),
        1,
        "FATAL stops the remaining hooks"
    );
    assert_eq!(
        hooks_of(cancel.id).len(),
        1,
        "CANCEL stops the remaining hooks"
    );
    let ignored = hooks_of(ignore.id);
    assert_eq!(ignored.len(), 2, "IGNORE goes on");
    assert_eq!(status(&ignored[0]), OperationStatus::STATUS_ERROR);
    let log = env.log_text(&ignored[0].logref).await;
    assert!(log.contains("[script]") && log.contains("no"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_policy_puts_the_run_back_in_the_queue() {
    let clock = Arc::new(FakeClock::at(chrono::Utc::now()));
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let flag = dir.path().join("allow");
    let mut p = plan_json("p", "a", &src);
    p["hooks"] = json!([{"conditions": ["CONDITION_SNAPSHOT_START"], "onError": "ON_ERROR_RETRY_1MINUTE",
        "actionCommand": {"command": format!("test -e {}", flag.display())}}]);
    let env = Env::in_dir(
        dir,
        config(vec![repo_json("a", dir_of(&src))], vec![p]),
        clock.clone(),
    );
    env.orch.start().await.unwrap();
    let id = env.orch.backup_now("p", false).unwrap();
    let ops = env
        .until("the run to wait for a retry", |ops| {
            ops.iter()
                .any(|o| o.id == id && o.display_message.starts_with("waiting for retry"))
        })
        .await;
    let first_hook = ops.iter().find(|o| kind(o) == OpKind::RunHook).unwrap().id;
    std::fs::write(&flag, b"").unwrap();
    clock.advance(chrono::Duration::seconds(61));
    env.orch.poke();
    let op = env.wait(id).await;
    assert_eq!(status(&op), OperationStatus::STATUS_SUCCESS, "{op:#?}");
    let hooks: Vec<Operation> = env
        .ops()
        .into_iter()
        .filter(|o| kind(o) == OpKind::RunHook)
        .collect();
    assert_eq!(
        hooks.len(),
        1,
        "the failed attempt's hook operation was replaced"
    );
    assert_ne!(hooks[0].id, first_hook);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_runs_are_pending_operations_that_survive_a_restart() {
    let start = chrono::Utc::now();
    let clock = Arc::new(FakeClock::at(start));
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let mut p = plan_json("p", "a", &src);
    p["schedule"] = json!({"maxFrequencyHours": 6});
    let cfg = config(vec![repo_json("a", dir_of(&src))], vec![p]);
    let env = Env::in_dir(dir, cfg.clone(), clock.clone());
    env.orch.start().await.unwrap();
    let pending: Vec<Operation> = env
        .ops()
        .into_iter()
        .filter(|o| status(o) == OperationStatus::STATUS_PENDING)
        .collect();
    assert_eq!(pending.len(), 1, "{pending:#?}");
    let due = start + chrono::Duration::hours(6);
    assert_eq!(pending[0].unix_time_start_ms, due.timestamp_millis());
    assert_eq!(kind(&pending[0]), OpKind::Backup);

    // A restart an hour later keeps the promised time and the same operation.
    clock.advance(chrono::Duration::hours(1));
    env.orch.shutdown(std::time::Duration::from_secs(5)).await;
    let Env { dir, orch } = env;
    drop(orch);
    let env = Env::in_dir(dir, cfg, clock.clone());
    env.orch.start().await.unwrap();
    let again: Vec<Operation> = env
        .ops()
        .into_iter()
        .filter(|o| status(o) == OperationStatus::STATUS_PENDING)
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].id, again[0].unix_time_start_ms),
        (pending[0].id, due.timestamp_millis())
    );

    // When it comes due it runs, and the next run is queued six hours after it.
    clock.set(due + chrono::Duration::seconds(1));
    env.orch.poke();
    let op = env.wait(pending[0].id).await;
    assert_eq!(status(&op), OperationStatus::STATUS_SUCCESS, "{op:#?}");
    let next = env
        .until("the next run", |ops| {
            ops.iter()
                .any(|o| status(o) == OperationStatus::STATUS_PENDING && kind(o) == OpKind::Backup)
        })
        .await;
    let next = next
        .iter()
        .find(|o| status(o) == OperationStatus::STATUS_PENDING && kind(o) == OpKind::Backup)
        .unwrap();
    assert_eq!(next.unix_time_start_ms, op.unix_time_end_ms + 6 * 3_600_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_follow_a_prune_at_most_once_a_day_but_always_when_asked() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let env = Env::in_dir(
        dir,
        config(
            vec![repo_json("a", dir_of(&src))],
            vec![plan_json("p", "a", &src)],
        ),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();
    env.wait(env.orch.backup_now("p", false).unwrap()).await;
    let stats_ops = |env: &Env| {
        env.ops()
            .into_iter()
            .filter(|o| matches!(o.op, Some(Op::OperationStats(_))))
            .count()
    };
    let prune = || cairn_orchestrator::Task::Prune {
        repo_id: "a".into(),
    };
    env.wait(env.orch.repo_task(prune()).unwrap()).await;
    env.until("stats after the first prune", |ops| {
        ops.iter()
            .any(|o| matches!(o.op, Some(Op::OperationStats(_))) && cairn_orchestrator::is_final(o))
    })
    .await;
    env.wait(env.orch.repo_task(prune()).unwrap()).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(stats_ops(&env), 1, "no second stats within 24 hours");
    let asked = env
        .orch
        .repo_task(cairn_orchestrator::Task::Stats {
            repo_id: "a".into(),
        })
        .unwrap();
    env.wait(asked).await;
    assert_eq!(stats_ops(&env), 2, "stats asked for always run");
}

/// Every condition a hook can have, with the events that fire it, checked one phase at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hook_condition_fires_exactly_when_it_should() {
    const CONDITIONS: &[&str] = &[
        "CONDITION_ANY_ERROR",
        "CONDITION_SNAPSHOT_START",
        "CONDITION_SNAPSHOT_END",
        "CONDITION_SNAPSHOT_ERROR",
        "CONDITION_SNAPSHOT_SUCCESS",
        "CONDITION_SNAPSHOT_SKIPPED",
        "CONDITION_PRUNE_START",
        "CONDITION_PRUNE_ERROR",
        "CONDITION_PRUNE_SUCCESS",
        "CONDITION_CHECK_START",
        "CONDITION_CHECK_ERROR",
        "CONDITION_CHECK_SUCCESS",
        "CONDITION_FORGET_START",
        "CONDITION_FORGET_ERROR",
        "CONDITION_FORGET_SUCCESS",
    ];
    let dir = tempfile::TempDir::new().unwrap();
    // The source lives where nothing else changes: restic counts changed parent directories, and
    // /tmp changes all the time while tests run, so an unchanged source would not be skipped there.
    let quiet = tempfile::Builder::new().tempdir_in("/var/tmp").unwrap();
    let src = make_source(quiet.path());
    let fired = dir.path().join("fired.txt");
    let hooks: Vec<serde_json::Value> = CONDITIONS
        .iter()
        .map(|c| {
            let name = c.trim_start_matches("CONDITION_");
            json!({"conditions": [c], "actionCommand": {"command": format!("echo {name} >> {}", fired.display())}})
        })
        .collect();
    let mut repo = repo_json("a", dir.path());
    repo["hooks"] = json!(hooks);
    let repo_dir = dir.path().join("repo-a");
    let mut plan = plan_json("p", "a", &src);
    plan["retention"] = json!({"policyKeepLastN": 3});
    plan["skipIfUnchanged"] = json!(true);
    let env = Env::in_dir(
        dir,
        config(vec![repo], vec![plan]),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();
    // Reads (and clears) what fired since the last call, once the flow's hooks have all run.
    let take = |expect: usize| {
        let fired = fired.clone();
        async move {
            for _ in 0..600 {
                let text = std::fs::read_to_string(&fired).unwrap_or_default();
                if text.lines().count() >= expect {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    let text = std::fs::read_to_string(&fired).unwrap_or_default();
                    std::fs::remove_file(&fired).ok();
                    let mut got: Vec<String> = text.lines().map(String::from).collect();
                    got.sort();
                    return got;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("hooks did not fire: {:?}", std::fs::read_to_string(&fired));
        }
    };
    let sorted = |v: &[&str]| {
        let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };

    env.wait(env.orch.backup_now("p", false).unwrap()).await;
    assert_eq!(
        take(5).await,
        sorted(&[
            "SNAPSHOT_START",
            "SNAPSHOT_END",
            "SNAPSHOT_SUCCESS",
            "FORGET_START",
            "FORGET_SUCCESS"
        ])
    );
    let second = env.wait(env.orch.backup_now("p", false).unwrap()).await;
    // As in Backrest, a skipped backup is also a successful one.
    assert_eq!(
        take(4).await,
        sorted(&[
            "SNAPSHOT_START",
            "SNAPSHOT_END",
            "SNAPSHOT_SKIPPED",
            "SNAPSHOT_SUCCESS"
        ]),
        "{second:?}"
    );
    let prune = cairn_orchestrator::Task::Prune {
        repo_id: "a".into(),
    };
    env.wait(env.orch.repo_task(prune.clone()).unwrap()).await;
    assert_eq!(take(2).await, sorted(&["PRUNE_START", "PRUNE_SUCCESS"]));
    let check = cairn_orchestrator::Task::Check {
        repo_id: "a".into(),
    };
    env.wait(env.orch.repo_task(check.clone()).unwrap()).await;
    assert_eq!(take(2).await, sorted(&["CHECK_START", "CHECK_SUCCESS"]));

    // With the repository gone, every task fails and fires its error conditions.
    std::fs::rename(&repo_dir, repo_dir.with_extension("moved")).unwrap();
    std::fs::write(src.join("changed.txt"), b"new").unwrap();
    env.wait(env.orch.backup_now("p", false).unwrap()).await;
    assert_eq!(
        take(4).await,
        sorted(&[
            "SNAPSHOT_START",
            "SNAPSHOT_END",
            "SNAPSHOT_ERROR",
            "ANY_ERROR"
        ])
    );
    env.wait(env.orch.repo_task(prune).unwrap()).await;
    assert_eq!(
        take(3).await,
        sorted(&["PRUNE_START", "PRUNE_ERROR", "ANY_ERROR"])
    );
    env.wait(env.orch.repo_task(check).unwrap()).await;
    assert_eq!(
        take(3).await,
        sorted(&["CHECK_START", "CHECK_ERROR", "ANY_ERROR"])
    );
    env.wait(env.orch.forget_now("p").unwrap()).await;
    assert_eq!(
        take(3).await,
        sorted(&["FORGET_START", "FORGET_ERROR", "ANY_ERROR"])
    );
}

/// Snapshots made before instances tagged theirs (`plan:` but no `created-by:`) fall under the plan's
/// retention, as in Backrest's legacy compatibility mode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_retention_covers_legacy_snapshots_without_a_created_by_tag() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let mut plan = plan_json("p", "a", &src);
    plan["retention"] = json!({"policyKeepLastN": 1});
    let repo_dir = dir.path().join("repo-a");
    let env = Env::in_dir(
        dir,
        config(vec![repo_json("a", dir_of(&src))], vec![plan]),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();
    env.until("the repository is initialised", |_| {
        repo_dir.join("config").exists()
    })
    .await;
    let legacy = std::process::Command::new("restic")
        .args([
            "-r",
            repo_dir.to_str().unwrap(),
            "backup",
            "--tag",
            "plan:p",
            "--json",
        ])
        .arg(&src)
        .env("RESTIC_PASSWORD", "test-password")
        .output()
        .unwrap();
    assert!(
        legacy.status.success(),
        "{}",
        String::from_utf8_lossy(&legacy.stderr)
    );
    env.orch
        .repo_task(cairn_orchestrator::Task::IndexSnapshots {
            repo_id: "a".into(),
        })
        .unwrap();
    env.until("the legacy snapshot is indexed", |ops| {
        ops.iter()
            .any(|o| matches!(&o.op, Some(Op::OperationIndexSnapshot(_))))
    })
    .await;
    env.wait(env.orch.backup_now("p", false).unwrap()).await;
    let ops = env
        .until("the forget after the backup", |ops| {
            ops.iter().any(|o| {
                matches!(o.op, Some(Op::OperationForget(_))) && cairn_orchestrator::is_final(o)
            })
        })
        .await;
    let forgot: Vec<bool> = ops
        .iter()
        .filter_map(|o| match &o.op {
            Some(Op::OperationIndexSnapshot(i)) => Some(i.forgot),
            _ => None,
        })
        .collect();
    assert_eq!(
        forgot,
        vec![true, false],
        "the legacy snapshot is forgotten, the new one kept"
    );
}

/// A cron schedule driven by a fake clock through the whole orchestrator: the run comes due on the
/// hour, the next is queued for the following hour, and after a long sleep only one catch-up runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_schedule_runs_on_time_and_catches_up_once_after_a_sleep() {
    use chrono::TimeZone;
    let start = chrono::Utc.with_ymd_and_hms(2030, 1, 1, 0, 10, 0).unwrap();
    let clock = Arc::new(FakeClock::at(start));
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let mut p = plan_json("p", "a", &src);
    p["schedule"] = json!({"cron": "0 * * * *", "clock": "CLOCK_UTC"});
    let env = Env::in_dir(
        dir,
        config(vec![repo_json("a", dir_of(&src))], vec![p]),
        clock.clone(),
    );
    env.orch.start().await.unwrap();
    let hour = |h: u32| {
        chrono::Utc
            .with_ymd_and_hms(2030, 1, 1, h, 0, 0)
            .unwrap()
            .timestamp_millis()
    };
    // Takes the operations it looks at, so that `until` is judged on the very list it returns.
    let pending_backups = |ops: &[Operation]| -> Vec<Operation> {
        ops.iter()
            .filter(|o| status(o) == OperationStatus::STATUS_PENDING && kind(o) == OpKind::Backup)
            .cloned()
            .collect()
    };
    let first = pending_backups(&env.ops());
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].unix_time_start_ms, hour(1));

    clock.set(chrono::Utc.with_ymd_and_hms(2030, 1, 1, 1, 0, 1).unwrap());
    env.orch.poke();
    assert_eq!(
        status(&env.wait(first[0].id).await),
        OperationStatus::STATUS_SUCCESS
    );
    let next = env
        .until("the 02:00 run", |ops| {
            pending_backups(ops)
                .iter()
                .any(|o| o.unix_time_start_ms == hour(2))
        })
        .await;
    let next_id = next
        .iter()
        .find(|o| status(o) == OperationStatus::STATUS_PENDING && kind(o) == OpKind::Backup)
        .unwrap()
        .id;

    // Asleep from 01:00 to 05:10: one catch-up run, then back on the hourly schedule.
    clock.set(chrono::Utc.with_ymd_and_hms(2030, 1, 1, 5, 10, 0).unwrap());
    env.orch.poke();
    assert_eq!(
        status(&env.wait(next_id).await),
        OperationStatus::STATUS_SUCCESS
    );
    env.until("the 06:00 run", |ops| {
        pending_backups(ops)
            .iter()
            .any(|o| o.unix_time_start_ms == hour(6))
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let backups_run = env
        .ops()
        .into_iter()
        .filter(|o| kind(o) == OpKind::Backup && status(o) == OperationStatus::STATUS_SUCCESS)
        .count();
    assert_eq!(backups_run, 2, "one on time, one catch-up");
    assert_eq!(pending_backups(&env.ops()).len(), 1);
}
