//! A plan's backup takes its parent snapshot from the operation log's index, so it runs no `restic
//! snapshots` first (a process and a key derivation on every backup), and a parent removed behind
//! cairn's back only costs one retry with the engine's answer. Real restic, behind a wrapper script
//! that records each command it is given.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::OperationStatus;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use support::{Env, make_source, plan_json, repo_json};

/// The command lines the wrapper saw, in order.
fn calls(env: &Env) -> Vec<String> {
    std::fs::read_to_string(env.path("restic-calls"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn clear_calls(env: &Env) {
    std::fs::write(env.path("restic-calls"), "").unwrap();
}

async fn back_up(env: &Env) -> String {
    let id = env.orch.backup_now("p", false).unwrap();
    let op = env.wait(id).await;
    assert_eq!(
        op.status.as_known(),
        Some(OperationStatus::STATUS_SUCCESS),
        "{op:?}"
    );
    let Some(Op::OperationBackup(b)) = &op.op else {
        panic!("not a backup: {op:?}")
    };
    let id = b
        .last_status
        .as_option()
        .and_then(|s| match &s.entry {
            Some(cairn_proto::v1::__buffa::oneof::backup_progress_entry::Entry::Summary(sum)) => {
                Some(sum.snapshot_id.clone())
            }
            _ => None,
        })
        .unwrap();
    // The index follow-up has recorded it before the next backup starts.
    env.until("the snapshot is indexed", |ops| {
        ops.iter()
            .any(|o| o.snapshot_id == id && matches!(o.op, Some(Op::OperationIndexSnapshot(_))))
    })
    .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_parent_comes_from_the_log_and_a_gone_one_costs_one_retry() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let wrapper = dir.path().join("restic-wrapper");
    let log = dir.path().join("restic-calls");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$*\" >> {}\nexec restic \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let repo = repo_json("r", dir.path());
    let repo_path = repo["uri"].as_str().unwrap().to_string();
    let config = json!({"version": 6, "instance": "test", "repos": [repo],
        "plans": [plan_json("p", "r", &src)], "auth": {"disabled": true}});
    let env = Env::with_restic(dir, config, wrapper);
    env.orch.start().await.unwrap();

    let first = back_up(&env).await;

    clear_calls(&env);
    std::fs::write(src.join("new.txt"), "more").unwrap();
    let second = back_up(&env).await;
    let seen = calls(&env);
    let backup = seen.iter().position(|c| c.starts_with("backup")).unwrap();
    assert!(
        !seen[..backup].iter().any(|c| c.starts_with("snapshots")),
        "no snapshots listing before the backup: {seen:#?}"
    );
    assert!(
        seen[backup].contains(&format!("--parent {first}")),
        "{seen:#?}"
    );

    // The newest snapshot goes behind cairn's back: the log still names it.
    let forgot = std::process::Command::new("restic")
        .args(["-r", &repo_path, "forget", &second])
        .env("RESTIC_PASSWORD", "test-password")
        .output()
        .unwrap();
    assert!(forgot.status.success(), "{forgot:?}");
    clear_calls(&env);
    std::fs::write(src.join("newer.txt"), "more").unwrap();
    back_up(&env).await;
    let backups: Vec<String> = calls(&env)
        .into_iter()
        .filter(|c| c.starts_with("backup"))
        .collect();
    assert_eq!(backups.len(), 2, "one retry: {backups:#?}");
    assert!(backups[0].contains(&format!("--parent {second}")));
    assert!(
        backups[1].contains(&format!("--parent {first}")),
        "{backups:#?}"
    );
}
