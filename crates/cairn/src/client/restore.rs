//! `cairn restore REPO SNAPSHOT --target DIR [--path P] [--plan P] [--wait]`.
use super::{Connection, Exit, wait};
use cairn_proto::v1::RestoreSnapshotRequest;

pub struct Args<'a> {
    pub repo: &'a str,
    pub snapshot: &'a str,
    pub plan: &'a str,
    pub path: &'a str,
    pub target: &'a str,
    pub wait: bool,
}

pub async fn run(conn: &Connection, a: Args<'_>) -> anyhow::Result<Exit> {
    let target = std::path::absolute(a.target)?;
    let r = conn
        .backrest()?
        .restore(RestoreSnapshotRequest {
            repo_id: a.repo.into(),
            plan_id: a.plan.into(),
            snapshot_id: a.snapshot.into(),
            path: a.path.into(),
            target: target.display().to_string(),
            ..RestoreSnapshotRequest::default()
        })
        .await?
        .into_owned();
    if !a.wait {
        println!(
            "restore queued as operation {} into {}",
            r.operation_id,
            target.display()
        );
        return Ok(Exit::Ok);
    }
    wait::follow(conn, r.operation_id).await
}
