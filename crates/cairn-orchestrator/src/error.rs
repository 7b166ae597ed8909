//! Errors of the orchestrator's public API, each naming what was asked for and what is wrong.
use cairn_engine::EngineError;
use cairn_oplog::OplogError;

#[derive(Debug, thiserror::Error)]
pub enum OrchestratorError {
    #[error("no plan {0:?} in the config")]
    PlanNotFound(String),
    #[error("no repository {0:?} in the config")]
    RepoNotFound(String),
    #[error(
        "repository {0:?} has not been opened yet (its id is unknown); check its URI and password, or set autoInitialize to create it"
    )]
    RepoNotOpened(String),
    #[error("no operation {0}")]
    OperationNotFound(i64),
    #[error(
        "operation {0} has already finished; only pending and running operations can be cancelled"
    )]
    AlreadyFinished(i64),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error(
        "operation {0} ended but its end could not be recorded: {1}; cairn writes it (as failed) once the data directory takes writes again (free some space or fix the disk)"
    )]
    NotRecorded(i64, String),
    #[error("the orchestrator is shutting down")]
    ShuttingDown,
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Oplog(#[from] OplogError),
    #[error(transparent)]
    Config(#[from] cairn_config::ConfigError),
    #[error(transparent)]
    Schedule(#[from] crate::schedule::ScheduleError),
}

pub type Result<T> = std::result::Result<T, OrchestratorError>;
