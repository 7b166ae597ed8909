//! Builders shared by this crate's unit tests.
use crate::OpLog;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationBackup, OperationStatus};
use tempfile::TempDir;

/// A valid backup operation for `plan` in repo `repo`.
pub fn backup_op(repo: &str, plan: &str) -> Operation {
    Operation {
        repo_id: repo.to_string(),
        repo_guid: format!("guid-{repo}"),
        plan_id: plan.to_string(),
        instance_id: "test-instance".to_string(),
        status: OperationStatus::STATUS_PENDING.into(),
        unix_time_start_ms: 1_700_000_000_000,
        op: Some(Op::OperationBackup(Box::default())),
        ..Operation::default()
    }
}

/// A backup operation that is dry-run, to tell updates apart.
pub fn with_dry_run(mut op: Operation) -> Operation {
    op.op = Some(Op::OperationBackup(Box::new(OperationBackup {
        dry_run: true,
        ..OperationBackup::default()
    })));
    op
}

/// Where a test's log lives; the same tests run on both stores.
pub enum Place {
    Sqlite(TempDir),
    Postgres(String),
}

impl Place {
    pub fn sqlite() -> Place {
        Place::Sqlite(TempDir::new().unwrap())
    }

    pub fn postgres() -> Place {
        Place::Postgres(crate::pg_test_server::TestPostgres::shared().fresh_database())
    }

    /// Opens (again) the log that lives here.
    pub fn open(&self) -> OpLog {
        match self {
            Place::Sqlite(dir) => OpLog::open(dir.path().join("oplog.sqlite")).unwrap(),
            Place::Postgres(url) => OpLog::connect(url).unwrap(),
        }
    }
}

/// Runs each named test body (`fn name(place: Place)`) on SQLite and on PostgreSQL.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store {
            $(#[test] fn $name() { super::$name(crate::test_support::Place::sqlite()) })*
        }
        mod postgres_store {
            $(#[test] fn $name() { super::$name(crate::test_support::Place::postgres()) })*
        }
    };
}

/// As [`on_both_stores`], for async test bodies.
macro_rules! on_both_stores_async {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store_async {
            $(#[tokio::test] async fn $name() { super::$name(crate::test_support::Place::sqlite()).await })*
        }
        mod postgres_store_async {
            $(#[tokio::test] async fn $name() { super::$name(crate::test_support::Place::postgres()).await })*
        }
    };
}

pub(crate) use on_both_stores;
pub(crate) use on_both_stores_async;
