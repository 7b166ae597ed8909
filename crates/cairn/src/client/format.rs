//! How the client prints operations: one line each, with time, kind, plan, status and message.
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::Operation;

pub fn kind(op: &Operation) -> &'static str {
    match &op.op {
        Some(Op::OperationBackup(_)) => "backup",
        Some(Op::OperationIndexSnapshot(_)) => "snapshot",
        Some(Op::OperationForget(_)) => "forget",
        Some(Op::OperationPrune(_)) => "prune",
        Some(Op::OperationRestore(_)) => "restore",
        Some(Op::OperationStats(_)) => "stats",
        Some(Op::OperationRunHook(_)) => "hook",
        Some(Op::OperationCheck(_)) => "check",
        Some(Op::OperationRunCommand(_)) => "command",
        Some(Op::OperationVerify(_)) => "verify",
        Some(Op::OperationMirror(_)) => "mirror",
        None => "unknown",
    }
}

pub fn status(op: &Operation) -> String {
    op.status
        .as_known()
        .map(|s| buffa::Enumeration::proto_name(&s).to_string())
        .unwrap_or_else(|| "STATUS_UNKNOWN".into())
        .trim_start_matches("STATUS_")
        .to_lowercase()
}

pub fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
}

pub fn line(op: &Operation) -> String {
    format!(
        "{:>8}  {}  {:<8}  {:<16}  {:<14}  {}",
        op.id,
        time(op.unix_time_start_ms),
        kind(op),
        op.plan_id,
        status(op),
        op.display_message.lines().next().unwrap_or_default()
    )
}

pub fn bytes(n: i64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}
