//! `--instance` on `cairn backup`, `cairn task` and `cairn cancel`, against a hub: the client with
//! that instance id (or key id) runs the task through its sync session (fleet control); `--wait`
//! follows the operation as it arrives on the hub.
use super::{Connection, Exit, wait};
use buffa_types::google::protobuf::Empty;
use cairn_proto::cairn::v1::RunRemoteTaskRequest;
use cairn_proto::quoted;

/// What to run where.
pub struct Remote<'a> {
    /// The client's instance id or key id.
    pub instance: &'a str,
    /// backup, index, prune, check, stats, unlock or cancel.
    pub task: &'a str,
    pub plan: &'a str,
    pub repo: &'a str,
    /// For cancel: the hub's id of the client's operation.
    pub operation: i64,
}

/// The key id of the hub's authorised client `instance` (an instance id or a key id).
async fn client_key(conn: &Connection, instance: &str) -> anyhow::Result<String> {
    let config = conn
        .backrest()?
        .get_config(Empty::default())
        .await?
        .into_owned();
    config
        .multihost
        .as_option()
        .and_then(|m| {
            m.authorized_clients
                .iter()
                .find(|c| c.instance_id == instance || c.keyid == instance)
        })
        .map(|c| c.keyid.clone())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} is not a client of this hub (see `cairn peers`)",
                quoted(instance)
            )
        })
}

pub async fn run(conn: &Connection, r: Remote<'_>, follow: bool) -> anyhow::Result<Exit> {
    let peer_keyid = client_key(conn, r.instance).await?;
    let answer = conn
        .cairn()?
        .run_remote_task(RunRemoteTaskRequest {
            peer_keyid,
            task: r.task.into(),
            plan_id: r.plan.into(),
            repo_id: r.repo.into(),
            operation_id: r.operation,
            ..RunRemoteTaskRequest::default()
        })
        .await?
        .into_owned();
    let what = match r.task {
        "backup" => format!("backup of plan {}", quoted(r.plan)),
        "cancel" => format!("cancel of operation {}", r.operation),
        task => format!("{task} of repository {}", quoted(r.repo)),
    };
    if answer.original_id == 0 {
        println!("{what} done on {}", r.instance);
        return Ok(Exit::Ok);
    }
    println!(
        "{what} started on {} as its operation {} (operation {} here)",
        r.instance, answer.original_id, answer.operation_id
    );
    if follow && answer.operation_id != 0 {
        return wait::follow(conn, answer.operation_id).await;
    }
    Ok(Exit::Ok)
}
