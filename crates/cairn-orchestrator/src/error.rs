//! Errors of the orchestrator's public API, each naming what was asked for and what is wrong.
use cairn_engine::EngineError;
use cairn_oplog::OplogError;
use cairn_proto::quoted;

/// Why an orchestrator request failed.
#[derive(Debug, thiserror::Error)]
pub enum OrchestratorError {
    /// The current config has no plan with this id.
    #[error("no plan {} in the config", quoted(.0))]
    PlanNotFound(String),
    /// The current config has no repository with this id.
    #[error("no repository {} in the config", quoted(.0))]
    RepoNotFound(String),
    /// The repository with this id has no `guid` yet (it has never been opened), so its tasks
    /// cannot run.
    #[error(
        "repository {} has not been opened yet (its id is unknown); check its URI and password, or set autoInitialize to create it",
        quoted(.0)
    )]
    RepoNotOpened(String),
    /// The operation log has no operation with this id (when cancelling or waiting on one).
    #[error("no operation {0}")]
    OperationNotFound(i64),
    /// Cancel was asked of the operation with this id, but it has already finished.
    #[error(
        "operation {0} has already finished; only pending and running operations can be cancelled"
    )]
    AlreadyFinished(i64),
    /// The request cannot be carried out as given, e.g. an empty command, a relative restore
    /// target, an unknown or ambiguous snapshot id, or a repository that cannot be opened.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The operation with this id ended but the log refused to record its end; holds the
    /// write error.
    #[error(
        "operation {0} ended but its end could not be recorded: {1}; cairn writes it (as failed) once the data directory takes writes again (free some space or fix the disk)"
    )]
    NotRecorded(i64, String),
    /// The orchestrator is shutting down: it queues no new tasks and stops waiting on operations.
    #[error("the orchestrator is shutting down")]
    ShuttingDown,
    /// An engine call on a repository (open, init, query, run a command, ...) failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Reading or writing the operation log or the task log store failed.
    #[error(transparent)]
    Oplog(#[from] OplogError),
    /// Reading, validating or saving the config failed.
    #[error(transparent)]
    Config(#[from] cairn_config::ConfigError),
    /// Reading or writing a repository's search index failed, or the search is not valid.
    #[error(transparent)]
    Search(#[from] cairn_search::SearchError),
    /// A plan's or repository's schedule is invalid (bad cron expression or interval).
    #[error(transparent)]
    Schedule(#[from] crate::schedule::ScheduleError),
}

/// The result of an orchestrator request: its value or an [`OrchestratorError`].
pub type Result<T> = std::result::Result<T, OrchestratorError>;
