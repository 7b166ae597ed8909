//! `cairn restore REPO SNAPSHOT (--target DIR | --in-place) [--path P]... [--overwrite MODE] [--delete]
//! [--dry-run] [--plan P] [--wait]`. A restore over existing files (an overwrite mode or a dry run)
//! is followed to its end and prints its task log: one `+ path` line per entry written, one `- path`
//! per entry deleted.
use super::{Connection, Exit, wait};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{RestoreOverwrite, RestoreSnapshotRequest};

#[derive(clap::Args, Debug)]
pub struct Args {
    pub repo: String,
    /// The snapshot (a full id or a unique prefix, as restic prints them)
    pub snapshot: String,
    /// Directory on the server each path lands in, as DIR/<basename>
    #[arg(long, required_unless_present = "in_place")]
    pub target: Option<String>,
    /// Put each path back where it was backed up
    #[arg(long, conflicts_with = "target")]
    pub in_place: bool,
    /// A path inside the snapshot (default: all of it); give it several times for several paths
    #[arg(long = "path")]
    pub paths: Vec<String>,
    /// Restore over existing entries: always, if-changed, if-newer or never (the default refuses a
    /// destination that exists)
    #[arg(long, value_enum)]
    pub overwrite: Option<OverwriteArg>,
    /// Also delete entries, inside the restored directories, that the snapshot does not hold
    #[arg(long, requires = "overwrite")]
    pub delete: bool,
    /// Print what would be written and deleted; change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, default_value = "")]
    pub plan: String,
    /// Follow the restore until it ends
    #[arg(long)]
    pub wait: bool,
}

/// `--overwrite`'s values, restic's names.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum OverwriteArg {
    Always,
    IfChanged,
    IfNewer,
    Never,
}

impl OverwriteArg {
    fn proto(self) -> RestoreOverwrite {
        match self {
            OverwriteArg::Always => RestoreOverwrite::RESTORE_OVERWRITE_ALWAYS,
            OverwriteArg::IfChanged => RestoreOverwrite::RESTORE_OVERWRITE_IF_CHANGED,
            OverwriteArg::IfNewer => RestoreOverwrite::RESTORE_OVERWRITE_IF_NEWER,
            OverwriteArg::Never => RestoreOverwrite::RESTORE_OVERWRITE_NEVER,
        }
    }
}

pub async fn run(conn: &Connection, a: Args) -> anyhow::Result<Exit> {
    let target = match &a.target {
        Some(t) => std::path::absolute(t)?.display().to_string(),
        None => String::new(),
    };
    let r = conn
        .backrest()?
        .restore(RestoreSnapshotRequest {
            repo_id: a.repo.clone(),
            plan_id: a.plan.clone(),
            snapshot_id: a.snapshot.clone(),
            paths: a.paths.clone(),
            target: target.clone(),
            in_place: a.in_place,
            overwrite: a
                .overwrite
                .map_or(
                    RestoreOverwrite::RESTORE_OVERWRITE_REFUSE,
                    OverwriteArg::proto,
                )
                .into(),
            delete: a.delete,
            dry_run: a.dry_run,
            ..RestoreSnapshotRequest::default()
        })
        .await?
        .into_owned();
    let merging = a.overwrite.is_some() || a.dry_run;
    if !a.wait && !merging {
        let into = if a.in_place {
            "their original places".to_string()
        } else {
            target
        };
        println!("restore queued as operation {} into {into}", r.operation_id);
        return Ok(Exit::Ok);
    }
    let exit = wait::follow(conn, r.operation_id).await?;
    if merging {
        print_log(conn, r.operation_id).await?;
    }
    Ok(exit)
}

/// Prints a finished restore's task log: what it wrote, kept and deleted.
async fn print_log(conn: &Connection, op_id: i64) -> anyhow::Result<()> {
    match wait::operation(conn, op_id).await? {
        Some(op) if matches!(op.op, Some(Op::OperationRestore(_))) && !op.logref.is_empty() => {
            super::logs::run(conn, &op.logref).await?;
            Ok(())
        }
        _ => anyhow::bail!("restore {op_id} left no log"),
    }
}
