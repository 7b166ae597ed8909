//! Every operation type has a task log after it runs, linked by `logref`, holding what the task did:
//! backup, its forget and index follow-ups, a hook, prune, check, stats, restore, a command and a
//! forget of one snapshot, against a real restic repository on disk.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_oplog::OpKind;
use cairn_orchestrator::Task;
use cairn_proto::v1::Operation;
use serde_json::json;
use std::sync::Arc;
use support::*;

/// The operation's task log, which must exist and say `expected`.
async fn assert_logged(env: &Env, op: &Operation, expected: &[&str]) {
    let kind = OpKind::of(op);
    assert!(!op.logref.is_empty(), "{kind:?} has no logref: {op:#?}");
    let text = env.log_text(&op.logref).await;
    for e in expected {
        assert!(text.contains(e), "{kind:?} log lacks {e:?}:\n{text}");
    }
}

fn newest(env: &Env, kind: OpKind) -> Operation {
    env.ops()
        .into_iter()
        .filter(|o| OpKind::of(o) == kind && cairn_orchestrator::is_final(o))
        .max_by_key(|o| o.id)
        .unwrap_or_else(|| panic!("no finished {kind:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_type_has_a_log_after_it_runs() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let restore_to = dir.path().join("restored");
    let mut plan = plan_json("p", "a", &src);
    plan["retention"] = json!({"policyKeepLastN": 1});
    plan["hooks"] = json!([{
        "conditions": ["CONDITION_SNAPSHOT_START"],
        "actionCommand": {"command": "echo hook says hello"}
    }]);
    let root = dir.path().to_path_buf();
    let env = Env::in_dir(
        dir,
        json!({"version": 6, "instance": "test", "repos": [repo_json("a", &root)],
               "plans": [plan], "auth": {"disabled": true}}),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();

    let backup = env.wait(env.orch.backup_now("p", false).unwrap()).await;
    assert_logged(
        &env,
        &backup,
        &[
            "starting backup for plan \"p\"",
            "engine restic",
            &format!("snapshot {}: files 2 new", backup.snapshot_id),
            "finished: SUCCESS",
        ],
    )
    .await;
    env.until("the index and forget follow-ups", |ops| {
        [OpKind::IndexSnapshot, OpKind::Forget, OpKind::RunHook]
            .iter()
            .all(|k| {
                ops.iter()
                    .any(|o| OpKind::of(o) == *k && cairn_orchestrator::is_final(o))
            })
    })
    .await;
    assert_logged(
        &env,
        &newest(&env, OpKind::Forget),
        &["retention policy", "finished"],
    )
    .await;
    let index = newest(&env, OpKind::IndexSnapshot);
    assert_logged(
        &env,
        &index,
        &[&format!("new snapshot {}", backup.snapshot_id)],
    )
    .await;
    assert_logged(&env, &newest(&env, OpKind::RunHook), &["hook says hello"]).await;

    for (task, kind, says) in [
        (
            Task::Prune {
                repo_id: "a".into(),
            },
            OpKind::Prune,
            "finished: SUCCESS",
        ),
        (
            Task::Check {
                repo_id: "a".into(),
            },
            OpKind::Check,
            "no errors were found",
        ),
        (
            Task::Stats {
                repo_id: "a".into(),
            },
            OpKind::Stats,
            "bytes stored",
        ),
    ] {
        let op = env.wait(env.orch.repo_task(task).unwrap()).await;
        assert_eq!(OpKind::of(&op), kind);
        assert_logged(&env, &op, &[says]).await;
    }

    let restore = env
        .orch
        .restore(
            "a",
            "p",
            &backup.snapshot_id,
            cairn_orchestrator::RestoreSpec::new(
                &["/".into()],
                Some(restore_to),
                None,
                false,
                false,
            )
            .unwrap(),
        )
        .unwrap();
    let restore = env.wait(restore).await;
    assert_logged(&env, &restore, &["restored 2 of 2 files"]).await;

    let command = env
        .wait(env.orch.run_command("a", "snapshots").unwrap())
        .await;
    assert_logged(
        &env,
        &command,
        &["command: \"snapshots\"", &backup.snapshot_id[..8]],
    )
    .await;

    let forget = env
        .wait(
            env.orch
                .forget_snapshot("a", "p", &backup.snapshot_id)
                .unwrap(),
        )
        .await;
    assert_logged(
        &env,
        &forget,
        &[&format!("removing snapshot {}", backup.snapshot_id)],
    )
    .await;
}
