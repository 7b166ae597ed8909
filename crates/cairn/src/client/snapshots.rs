//! `cairn snapshots REPO [--plan P]`: the repository's snapshots, oldest first.
use super::format::{bytes, time};
use super::{Connection, Exit};
use cairn_proto::v1::ListSnapshotsRequest;

pub async fn run(conn: &Connection, repo: &str, plan: &str) -> anyhow::Result<Exit> {
    let list = conn
        .backrest()?
        .list_snapshots(ListSnapshotsRequest {
            repo_id: repo.into(),
            plan_id: plan.into(),
            ..ListSnapshotsRequest::default()
        })
        .await?
        .into_owned();
    for s in &list.snapshots {
        let added = s.summary.as_option().map_or(0, |x| x.data_added);
        println!(
            "{}  {}  {:<12}  +{:<10}  {}  [{}]",
            cairn_proto::short_id(&s.id),
            time(s.unix_time_ms),
            s.hostname,
            bytes(added),
            s.paths.join(","),
            s.tags.join(",")
        );
    }
    eprintln!("{} snapshot(s)", list.snapshots.len());
    Ok(Exit::Ok)
}
