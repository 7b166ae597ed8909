//! The indexed columns of an operation (its metadata), extracted from the proto record, and the
//! operation kind numbering used by the `kind` column.
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::Operation;

/// The columns stored beside each encoded operation; enough to filter events without decoding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpMeta {
    pub id: i64,
    pub modno: i64,
    pub flow_id: i64,
    pub repo_id: String,
    pub repo_guid: String,
    pub plan_id: String,
    pub instance_id: String,
    pub original_instance_keyid: String,
    pub snapshot_id: String,
    pub status: i32,
    pub kind: OpKind,
    pub unix_time_start_ms: i64,
}

impl OpMeta {
    pub fn of(op: &Operation) -> Self {
        Self {
            id: op.id,
            modno: op.modno,
            flow_id: op.flow_id,
            repo_id: op.repo_id.clone(),
            repo_guid: op.repo_guid.clone(),
            plan_id: op.plan_id.clone(),
            instance_id: op.instance_id.clone(),
            original_instance_keyid: op.original_instance_keyid.clone(),
            snapshot_id: op.snapshot_id.clone(),
            status: op.status.to_i32(),
            kind: OpKind::of(op),
            unix_time_start_ms: op.unix_time_start_ms,
        }
    }
}

/// Which variant of the `op` oneof an operation carries; stored as its oneof field number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    #[default]
    Unknown,
    Backup,
    IndexSnapshot,
    Forget,
    Prune,
    Restore,
    Stats,
    RunHook,
    Check,
    RunCommand,
}

impl OpKind {
    const ALL: [OpKind; 10] = [
        OpKind::Unknown,
        OpKind::Backup,
        OpKind::IndexSnapshot,
        OpKind::Forget,
        OpKind::Prune,
        OpKind::Restore,
        OpKind::Stats,
        OpKind::RunHook,
        OpKind::Check,
        OpKind::RunCommand,
    ];

    pub fn of(op: &Operation) -> Self {
        match &op.op {
            None => OpKind::Unknown,
            Some(Op::OperationBackup(_)) => OpKind::Backup,
            Some(Op::OperationIndexSnapshot(_)) => OpKind::IndexSnapshot,
            Some(Op::OperationForget(_)) => OpKind::Forget,
            Some(Op::OperationPrune(_)) => OpKind::Prune,
            Some(Op::OperationRestore(_)) => OpKind::Restore,
            Some(Op::OperationStats(_)) => OpKind::Stats,
            Some(Op::OperationRunHook(_)) => OpKind::RunHook,
            Some(Op::OperationCheck(_)) => OpKind::Check,
            Some(Op::OperationRunCommand(_)) => OpKind::RunCommand,
        }
    }

    /// The oneof field number (0 for none), as stored in the `kind` column.
    pub fn code(self) -> i64 {
        match self {
            OpKind::Unknown => 0,
            OpKind::Backup => 100,
            OpKind::IndexSnapshot => 101,
            OpKind::Forget => 102,
            OpKind::Prune => 103,
            OpKind::Restore => 104,
            OpKind::Stats => 105,
            OpKind::RunHook => 106,
            OpKind::Check => 107,
            OpKind::RunCommand => 108,
        }
    }

    pub fn from_code(code: i64) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .unwrap_or(OpKind::Unknown)
    }

    /// The kind a [`OpKind::name`] names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The name used in metrics and GC limits (Backrest's task type strings where they exist).
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Unknown => "unknown",
            OpKind::Backup => "backup",
            OpKind::IndexSnapshot => "index_snapshot",
            OpKind::Forget => "forget",
            OpKind::Prune => "prune",
            OpKind::Restore => "restore",
            OpKind::Stats => "stats",
            OpKind::RunHook => "hook",
            OpKind::Check => "check",
            OpKind::RunCommand => "run_command",
        }
    }
}
