//! A rotating read-data check, scheduled as a repository's check policy, reads the next part of the pack
//! data at each run against a real restic repository: parts 1, 2, 3 and then 1 again, with the position
//! kept across a restart of the orchestrator; a part that finds a corrupted pack fails and is read again
//! by the next run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_orchestrator::{SystemClock, Task};
use cairn_proto::v1::{Operation, OperationStatus};
use serde_json::json;
use std::sync::Arc;
use support::*;

/// Runs a check of repository "a" and returns its operation and the part its log says it read.
async fn check(env: &Env) -> (Operation, String) {
    let op = env
        .wait(
            env.orch
                .repo_task(Task::Check {
                    repo_id: "a".into(),
                })
                .unwrap(),
        )
        .await;
    let log = env.log_text(&op.logref).await;
    let part = log
        .lines()
        .find_map(|l| l.split_once("reading part ").map(|(_, rest)| rest))
        .and_then(|l| l.split(" of the pack data").next())
        .unwrap_or_else(|| panic!("no part in the check's log:\n{log}"))
        .to_string();
    (op, part)
}

fn succeeded(op: &Operation) -> bool {
    op.status.as_known() == Some(OperationStatus::STATUS_SUCCESS)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_reads_the_next_part_and_the_position_survives_a_restart() {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let root = dir.path().to_path_buf();
    let mut repo = repo_json("a", &root);
    repo["checkPolicy"] = json!({"readDataRotation": 3});
    let cfg = json!({"version": 6, "instance": "test", "repos": [repo],
                     "plans": [plan_json("p", "a", &src)], "auth": {"disabled": true}});
    let env = Env::in_dir(dir, cfg.clone(), Arc::new(SystemClock));
    env.orch.start().await.unwrap();
    env.wait(env.orch.backup_now("p", false).unwrap()).await;

    for expected in ["1 of 3", "2 of 3"] {
        let (op, part) = check(&env).await;
        assert!(succeeded(&op), "{op:#?}");
        assert_eq!(part, expected);
    }
    env.orch.shutdown(std::time::Duration::from_secs(5)).await;
    let Env { dir, orch } = env;
    drop(orch);
    let env = Env::in_dir(dir, cfg, Arc::new(SystemClock));
    env.orch.start().await.unwrap();
    for expected in ["3 of 3", "1 of 3"] {
        let (op, part) = check(&env).await;
        assert!(succeeded(&op), "{op:#?}");
        assert_eq!(part, expected);
    }

    // Corrupt every pack: the next part fails, and the run after it reads the same part again.
    for entry in walk(&root.join("repo-a").join("data")) {
        let mut bytes = std::fs::read(&entry).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(&entry, bytes).unwrap();
    }
    let mut failed_part = None;
    for _ in 0..3 {
        let (op, part) = check(&env).await;
        if !succeeded(&op) {
            failed_part = Some(part);
            break;
        }
    }
    let failed_part = failed_part.expect("no part found the corrupted packs");
    let (op, part) = check(&env).await;
    assert!(!succeeded(&op));
    assert_eq!(part, failed_part, "a failed part is read again");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
