//! `cairn ops [--plan P] [--last N] [--follow]`: recent operations, then (with --follow) every change
//! as it happens, resuming without a gap from where the listing ended.
use super::{Connection, Exit, format};
use buffa_types::google::protobuf::Empty;
use cairn_proto::cairn::v1::WatchOperationsRequest;
use cairn_proto::v1::{GetOperationsRequest, OpSelector};

pub async fn run(
    conn: &Connection,
    plan: Option<String>,
    last: i64,
    follow: bool,
) -> anyhow::Result<Exit> {
    let selector = OpSelector {
        plan_id: plan,
        ..OpSelector::default()
    };
    let modno = conn
        .cairn()?
        .get_status(Empty::default())
        .await?
        .into_owned()
        .modno;
    let list = conn
        .backrest()?
        .get_operations(GetOperationsRequest {
            selector: selector.clone().into(),
            last_n: last,
            ..GetOperationsRequest::default()
        })
        .await?
        .into_owned();
    for op in &list.operations {
        println!("{}", format::line(op));
    }
    if !follow {
        return Ok(Exit::Ok);
    }
    let mut stream = conn
        .cairn()?
        .watch_operations(WatchOperationsRequest {
            selector: selector.into(),
            resume_after_modno: Some(modno),
            ..WatchOperationsRequest::default()
        })
        .await?;
    while let Some(msg) = stream.message().await? {
        let msg = msg.to_owned_message();
        if msg.reload {
            eprintln!("(resume point too old; some changes were skipped)");
        }
        for op in &msg.upserted {
            println!("{}", format::line(op));
        }
        for id in &msg.deleted {
            println!("{id:>8}  deleted");
        }
    }
    Ok(Exit::Ok)
}
