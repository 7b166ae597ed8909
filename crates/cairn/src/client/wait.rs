//! Follows one operation to its end over the server's event stream, drawing a progress bar for
//! backups and restores, and maps its final status to an exit code.
use super::Exit;
use super::format;
use cairn_proto::cairn::v1::WatchOperationsRequest;
use cairn_proto::v1::__buffa::oneof::backup_progress_entry::Entry;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{GetOperationsRequest, OpSelector, Operation, OperationStatus};
use indicatif::{ProgressBar, ProgressStyle};

pub async fn follow(conn: &super::Connection, op_id: i64) -> anyhow::Result<Exit> {
    let selector = OpSelector {
        ids: vec![op_id],
        ..OpSelector::default()
    };
    let mut stream = conn
        .cairn()?
        .watch_operations(WatchOperationsRequest {
            selector: selector.clone().into(),
            ..WatchOperationsRequest::default()
        })
        .await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // It may have finished before the stream opened.
    let mut current = operation(conn, op_id).await?;
    loop {
        if let Some(op) = &current {
            show(&bar, op);
            if cairn_orchestrator::is_final(op) {
                bar.finish_and_clear();
                return Ok(finish(op));
            }
        }
        let Some(msg) = stream.message().await? else {
            bar.finish_and_clear();
            anyhow::bail!("the server closed the event stream before operation {op_id} finished");
        };
        let msg = msg.to_owned_message();
        if msg.deleted.contains(&op_id) {
            bar.finish_and_clear();
            anyhow::bail!(
                "operation {op_id} was deleted before it finished (its repository or history was removed)"
            );
        }
        if let Some(op) = msg.upserted.into_iter().rfind(|o| o.id == op_id) {
            current = Some(op);
        }
    }
}

/// One operation as the server has it now; `None` when there is no such operation.
pub async fn operation(conn: &super::Connection, op_id: i64) -> anyhow::Result<Option<Operation>> {
    let now = conn
        .backrest()?
        .get_operations(GetOperationsRequest {
            selector: OpSelector {
                ids: vec![op_id],
                ..OpSelector::default()
            }
            .into(),
            ..GetOperationsRequest::default()
        })
        .await?
        .into_owned();
    Ok(now.operations.into_iter().next())
}

fn show(bar: &ProgressBar, op: &Operation) {
    match &op.op {
        Some(Op::OperationBackup(b)) => {
            if let Some(Entry::Status(s)) = b.last_status.as_option().and_then(|l| l.entry.as_ref())
            {
                bar.set_length(s.total_bytes.max(0) as u64);
                bar.set_position(s.bytes_done.max(0) as u64);
                bar.set_message(format!("{}/{} files", s.files_done, s.total_files));
            }
        }
        Some(Op::OperationRestore(r)) => {
            if let Some(s) = r.last_status.as_option() {
                bar.set_length(s.total_bytes.max(0) as u64);
                bar.set_position(s.bytes_restored.max(0) as u64);
                bar.set_message(format!("{}/{} files", s.files_restored, s.total_files));
            }
        }
        _ => bar.set_message(format::status(op)),
    }
    bar.tick();
}

/// Prints the outcome and picks the exit code.
fn finish(op: &Operation) -> Exit {
    let summary = match &op.op {
        Some(Op::OperationBackup(b)) => {
            match b.last_status.as_option().and_then(|l| l.entry.as_ref()) {
                Some(Entry::Summary(s)) => format!(
                    ": {} files, {} scanned, {} added, snapshot {}",
                    s.total_files_processed,
                    format::bytes(s.total_bytes_processed),
                    format::bytes(s.data_added),
                    s.snapshot_id
                ),
                _ => String::new(),
            }
        }
        Some(Op::OperationVerify(v)) => {
            for m in &v.mismatches {
                let side = if m.live { "live" } else { "restored" };
                println!(
                    "mismatch {} {} ({side}): {}",
                    m.snapshot_id, m.path, m.reason
                );
            }
            format!(
                ": {} files ({}) verified, {} compared with the live file, {} mismatched",
                v.files_checked,
                format::bytes(v.bytes_checked),
                v.live_compared,
                v.mismatch_count
            )
        }
        _ => String::new(),
    };
    let line = format!(
        "{} {} {}{summary}",
        format::kind(op),
        op.id,
        format::status(op)
    );
    let exit = match op.status.as_known() {
        Some(OperationStatus::STATUS_SUCCESS) => Exit::Ok,
        Some(OperationStatus::STATUS_WARNING) => Exit::Warning,
        Some(OperationStatus::STATUS_USER_CANCELLED | OperationStatus::STATUS_SYSTEM_CANCELLED) => {
            Exit::Cancelled
        }
        _ => Exit::Failed,
    };
    if exit == Exit::Ok {
        println!("{line}");
    } else {
        eprintln!("{line}: {}", op.display_message);
    }
    exit
}
