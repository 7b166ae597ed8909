//! Repository upkeep and operation control from the command line: `cairn task REPO TASK [--wait]`
//! (index, prune, check, stats, forget, unlock, verify; `cairn verify REPO` is the last), `cairn forget PLAN [--snapshot ID] [--wait]`,
//! `cairn cancel OP`, and `cairn run REPO ARGS...` (an engine command, its output streamed).
use super::{Connection, Exit, wait};
use cairn_proto::quoted;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::do_repo_task_request::Task as RepoTask;
use cairn_proto::v1::{
    CancelOperationRequest, DoRepoTaskRequest, ForgetRequest, RunCommandRequest,
};

/// The task names the command line takes.
pub const TASKS: &[&str] = &[
    "index", "prune", "check", "stats", "forget", "unlock", "verify",
];

fn repo_task(name: &str) -> anyhow::Result<RepoTask> {
    Ok(match name {
        "index" => RepoTask::TASK_INDEX_SNAPSHOTS,
        "prune" => RepoTask::TASK_PRUNE,
        "check" => RepoTask::TASK_CHECK,
        "stats" => RepoTask::TASK_STATS,
        "forget" => RepoTask::TASK_FORGET,
        "unlock" => RepoTask::TASK_UNLOCK,
        "verify" => RepoTask::TASK_VERIFY,
        other => anyhow::bail!(
            "unknown task {other}; use one of {}",
            TASKS.join(", "),
            other = quoted(&other)
        ),
    })
}

pub async fn task(conn: &Connection, repo: &str, name: &str, follow: bool) -> anyhow::Result<Exit> {
    let r = conn
        .backrest()?
        .do_repo_task(DoRepoTaskRequest {
            repo_id: repo.into(),
            task: repo_task(name)?.into(),
            ..DoRepoTaskRequest::default()
        })
        .await?
        .into_owned();
    queued(conn, name, r.operation_id, follow).await
}

pub async fn forget(
    conn: &Connection,
    plan: &str,
    snapshot: &str,
    follow: bool,
) -> anyhow::Result<Exit> {
    let r = conn
        .backrest()?
        .forget(ForgetRequest {
            plan_id: plan.into(),
            snapshot_id: snapshot.into(),
            ..ForgetRequest::default()
        })
        .await?
        .into_owned();
    queued(conn, "forget", r.operation_id, follow).await
}

/// Reports a queued operation, or follows it to its end. Without an operation, unlock has run; an
/// index task is queued but records no operation of its own, so there is nothing to follow.
async fn queued(conn: &Connection, what: &str, op_id: i64, follow: bool) -> anyhow::Result<Exit> {
    if op_id == 0 {
        if what == "index" {
            println!(
                "index queued (it records each new snapshot as an operation; `cairn ops` shows them)"
            );
        } else {
            println!("{what} done");
        }
        return Ok(Exit::Ok);
    }
    if !follow {
        println!("{what} queued as operation {op_id}");
        return Ok(Exit::Ok);
    }
    wait::follow(conn, op_id).await
}

pub async fn cancel(conn: &Connection, op_id: i64) -> anyhow::Result<Exit> {
    conn.backrest()?
        .cancel(CancelOperationRequest {
            operation_id: op_id,
            ..CancelOperationRequest::default()
        })
        .await?;
    println!("operation {op_id} cancelled");
    Ok(Exit::Ok)
}

/// Runs an engine command on the server and prints its output as it comes.
pub async fn run(conn: &Connection, repo: &str, args: &[String]) -> anyhow::Result<Exit> {
    let command = args
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    let r = conn
        .backrest()?
        .run_command(RunCommandRequest {
            repo_id: repo.into(),
            command,
            ..RunCommandRequest::default()
        })
        .await?
        .into_owned();
    let logref = output_logref(conn, r.operation_id).await?;
    super::logs::run(conn, &logref).await?;
    wait::follow(conn, r.operation_id).await
}

/// The log a command operation writes its output to, once the command has started and named it.
async fn output_logref(conn: &Connection, op_id: i64) -> anyhow::Result<String> {
    for _ in 0..300 {
        let Some(op) = wait::operation(conn, op_id).await? else {
            anyhow::bail!("operation {op_id} no longer exists");
        };
        let op = &op;
        match &op.op {
            Some(Op::OperationRunCommand(c)) if !c.output_logref.is_empty() => {
                return Ok(c.output_logref.clone());
            }
            Some(Op::OperationRunCommand(_)) if cairn_orchestrator::is_final(op) => {
                anyhow::bail!("the command ended without output: {}", op.display_message)
            }
            Some(Op::OperationRunCommand(_)) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            _ => anyhow::bail!("operation {op_id} is not a command"),
        }
    }
    anyhow::bail!("the command did not start within 30 seconds")
}

/// Quotes an argument for the server's shell-style splitting of commands.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_map_to_repo_tasks() {
        for t in TASKS {
            assert!(repo_task(t).is_ok());
        }
        assert!(repo_task("defrag").is_err());
    }

    #[test]
    fn arguments_are_quoted_for_shell_splitting() {
        assert_eq!(shell_quote("--json"), "--json");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
