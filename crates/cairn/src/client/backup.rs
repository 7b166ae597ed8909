//! `cairn backup PLAN [--dry-run] [--wait]`: queues a backup now; with --wait, follows it to its end.
use super::{Connection, Exit, wait};
use cairn_proto::v1::BackupRequest;

pub async fn run(
    conn: &Connection,
    plan: &str,
    dry_run: bool,
    follow: bool,
) -> anyhow::Result<Exit> {
    let r = conn
        .cairn()?
        .start_backup(BackupRequest {
            value: plan.to_string(),
            dry_run,
            ..BackupRequest::default()
        })
        .await?
        .into_owned();
    if !follow {
        println!(
            "backup of plan {plan} queued as operation {}",
            r.operation_id
        );
        return Ok(Exit::Ok);
    }
    wait::follow(conn, r.operation_id).await
}
