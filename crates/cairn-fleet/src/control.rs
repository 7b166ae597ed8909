//! Fleet control, a cairn extension of the protocol: a hub asks a connected client to run a plan's
//! backup or a repository task (index, prune, check, stats, unlock), or to cancel one of its
//! operations. The client runs it only when its known-host entry grants the hub PERMISSION_RUN_TASKS
//! for that plan or repository, and answers with the id of the operation it started or the reason it
//! refused. The operations themselves reach the hub by sync like any other, so the run shows on both
//! sides as the same operation. Both actions go only to peers whose handshake lists [`FEATURE`].
use crate::scopes::{Resource, allows, allows_op};
use cairn_orchestrator::{Orchestrator, Task};
use cairn_proto::quoted;
use cairn_proto::v1::multihost::Peer as PeerEntry;
use cairn_proto::v1::multihost::permission::Type;
use cairn_proto::v1sync::sync_stream_item::SyncActionRunTask;

/// The handshake feature that says a peer understands `run_task`.
pub const FEATURE: &str = "run-task/1";

/// How long a hub waits for the client to answer.
pub const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The tasks a hub may ask for.
pub const TASKS: &[&str] = &[
    "backup", "index", "prune", "check", "stats", "verify", "unlock", "cancel",
];

/// Runs what the hub `host` asked for on this client; the id of the operation it started (0 for
/// unlock and cancel), or why not.
pub async fn run_here(
    orch: &Orchestrator,
    host: &PeerEntry,
    t: &SyncActionRunTask,
) -> Result<i64, String> {
    let grants = &host.permissions;
    let denied = |what: String| {
        format!(
            "{what}: this client has not granted hub {} the run-tasks permission for it",
            quoted(&host.instance_id)
        )
    };
    let repo_allowed = || {
        allows(
            grants,
            Type::PERMISSION_RUN_TASKS,
            Resource::Repo(&t.repo_id),
        )
    };
    let repo_task = |task: Task| orch.repo_task(task).map_err(|e| e.to_string());
    let repo_id = t.repo_id.clone();
    match t.task.as_str() {
        "backup" => {
            if !allows(
                grants,
                Type::PERMISSION_RUN_TASKS,
                Resource::Plan(&t.plan_id),
            ) {
                return Err(denied(format!("backing up plan {}", quoted(&t.plan_id))));
            }
            orch.backup_now(&t.plan_id, false)
                .map_err(|e| e.to_string())
        }
        "index" | "prune" | "check" | "stats" | "verify" | "unlock" if !repo_allowed() => Err(
            denied(format!("{} of repository {}", t.task, quoted(&t.repo_id))),
        ),
        "index" => repo_task(Task::IndexSnapshots { repo_id }),
        "prune" => repo_task(Task::Prune { repo_id }),
        "check" => repo_task(Task::Check { repo_id }),
        "stats" => repo_task(Task::Stats { repo_id }),
        "verify" => repo_task(Task::Verify { repo_id }),
        "unlock" => orch
            .unlock(&repo_id)
            .await
            .map(|_| 0)
            .map_err(|e| e.to_string()),
        "cancel" => cancel(orch, host, t.op_id).map_err(|why| {
            if why.is_empty() {
                denied(format!("cancelling operation {}", t.op_id))
            } else {
                why
            }
        }),
        other => Err(format!(
            "unknown task {}: ask for one of {}",
            quoted(other),
            TASKS.join(", ")
        )),
    }
}

/// Cancels one of this client's own operations; an empty error means "not permitted".
fn cancel(orch: &Orchestrator, host: &PeerEntry, op_id: i64) -> Result<i64, String> {
    let op = orch
        .oplog()
        .get(op_id)
        .map_err(|e| e.to_string())?
        .filter(|op| op.original_instance_keyid.is_empty())
        .ok_or_else(|| format!("this client has no operation {op_id} of its own"))?;
    if !allows_op(
        &host.permissions,
        Type::PERMISSION_RUN_TASKS,
        &op.repo_id,
        &op.plan_id,
    ) {
        return Err(String::new());
    }
    orch.cancel(op_id).map(|_| 0).map_err(|e| e.to_string())
}
