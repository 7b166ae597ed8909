//! Reading a finished backup operation: its summary (bytes added, bytes scanned) and status name, shared
//! by the dashboard and the metrics.
use buffa::Enumeration;
use cairn_proto::v1::__buffa::oneof::backup_progress_entry::Entry;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{BackupProgressSummary, Operation, OperationStatus};

/// The summary of a backup operation that finished with one (not dry runs).
pub fn of(op: &Operation) -> Option<&BackupProgressSummary> {
    let Some(Op::OperationBackup(b)) = &op.op else {
        return None;
    };
    if b.dry_run {
        return None;
    }
    match b.last_status.as_option()?.entry.as_ref()? {
        Entry::Summary(s) => Some(s),
        Entry::Status(_) => None,
    }
}

/// A status as a short lowercase word (`success`, `error`, `user_cancelled`, ...).
pub fn status_name(status: i32) -> &'static str {
    match OperationStatus::from_i32(status) {
        Some(OperationStatus::STATUS_PENDING) => "pending",
        Some(OperationStatus::STATUS_INPROGRESS) => "inprogress",
        Some(OperationStatus::STATUS_SUCCESS) => "success",
        Some(OperationStatus::STATUS_WARNING) => "warning",
        Some(OperationStatus::STATUS_ERROR) => "error",
        Some(OperationStatus::STATUS_SYSTEM_CANCELLED) => "system_cancelled",
        Some(OperationStatus::STATUS_USER_CANCELLED) => "user_cancelled",
        _ => "unknown",
    }
}
