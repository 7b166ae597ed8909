//! The indexed columns of an operation (its metadata), extracted from the proto record, and the
//! operation kind numbering used by the `kind` column.
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::Operation;

/// Inserts a row; both stores take these parameters in this order (see `write_row` in each).
pub(crate) const INSERT_SQL: &str = "INSERT INTO operations (id, modno, created_modno, flow_id,
        original_id, original_flow_id, repo_id, repo_guid, plan_id, instance_id,
        original_instance_keyid, snapshot_id, status, kind, unix_time_start_ms, operation,
        original_modno)
     VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

/// Replaces a row, keeping its peer's modno unless one is given; the parameters of [`INSERT_SQL`].
pub(crate) const UPDATE_SQL: &str = "UPDATE operations SET modno = ?2, flow_id = ?3,
        original_id = ?4, original_flow_id = ?5, repo_id = ?6, repo_guid = ?7, plan_id = ?8,
        instance_id = ?9, original_instance_keyid = ?10, snapshot_id = ?11, status = ?12, kind = ?13,
        unix_time_start_ms = ?14, operation = ?15, original_modno = COALESCE(?16, original_modno)
     WHERE id = ?1";

/// The columns stored beside each encoded operation; enough to filter events without decoding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpMeta {
    /// The operation's id: sequential, assigned by the log when it is added.
    pub id: i64,
    /// The modno of the operation's latest change (modnos are global across the log).
    pub modno: i64,
    /// The flow (the operations of one run) it belongs to; by default its own id.
    pub flow_id: i64,
    /// The config id of the repository it ran on.
    pub repo_id: String,
    /// The guid of the repository it ran on (what repository selectors match).
    pub repo_guid: String,
    /// The id of the plan it belongs to.
    pub plan_id: String,
    /// The id of the instance it belongs to.
    pub instance_id: String,
    /// Key id of the peer instance that created it, for a synced operation; empty for local ones.
    pub original_instance_keyid: String,
    /// The restic snapshot it concerns (64 hex digits); empty when none.
    pub snapshot_id: String,
    /// Its `v1.OperationStatus`, as the protobuf enum number.
    pub status: i32,
    /// Which kind of operation it is (which `op` variant it carries).
    pub kind: OpKind,
    /// When it started, in milliseconds since the Unix epoch.
    pub unix_time_start_ms: i64,
}

impl OpMeta {
    /// The indexed columns of `op`.
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
    /// No `op` is set; also what a code no kind has is read as.
    #[default]
    Unknown,
    /// A backup run (`operation_backup`, field 100).
    Backup,
    /// A snapshot found in the repository and indexed (`operation_index_snapshot`, 101).
    IndexSnapshot,
    /// Snapshots forgotten by a retention policy (`operation_forget`, 102).
    Forget,
    /// A repository prune (`operation_prune`, 103).
    Prune,
    /// A restore from a snapshot (`operation_restore`, 104).
    Restore,
    /// Repository statistics gathered (`operation_stats`, 105).
    Stats,
    /// A hook run for another operation's event (`operation_run_hook`, 106).
    RunHook,
    /// A repository check (`operation_check`, 107).
    Check,
    /// A restic command a user ran on a repository (`operation_run_command`, 108).
    RunCommand,
    /// A restore verification, cairn's own (`operation_verify`, 1001).
    Verify,
    /// A plan's snapshot copied to a mirror, cairn's own (`operation_mirror`, 1002).
    Mirror,
}

impl OpKind {
    const ALL: [OpKind; 12] = [
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
        OpKind::Verify,
        OpKind::Mirror,
    ];

    /// The kind of `op`, by the `op` variant it carries (Unknown when none).
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
            Some(Op::OperationVerify(_)) => OpKind::Verify,
            Some(Op::OperationMirror(_)) => OpKind::Mirror,
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
            OpKind::Verify => 1001,
            OpKind::Mirror => 1002,
        }
    }

    /// The kind stored as `code` in the `kind` column; Unknown for a code no kind has.
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
            OpKind::Verify => "verify",
            OpKind::Mirror => "mirror",
        }
    }
}
