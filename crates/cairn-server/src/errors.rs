//! How errors of the layers below become Connect errors: the code a client can act on (not found,
//! invalid argument, failed precondition, ...) and a message that names what is wrong.
use cairn_config::ConfigError;
use cairn_oplog::OplogError;
use cairn_orchestrator::OrchestratorError;
use connectrpc::ConnectError;

pub(crate) fn orch(e: OrchestratorError) -> ConnectError {
    use OrchestratorError as E;
    match e {
        E::PlanNotFound(_) | E::RepoNotFound(_) | E::OperationNotFound(_) => {
            ConnectError::not_found(e.to_string())
        }
        E::AlreadyFinished(_) | E::RepoNotOpened(_) => {
            ConnectError::failed_precondition(e.to_string())
        }
        E::Invalid(_) | E::Schedule(_) => ConnectError::invalid_argument(e.to_string()),
        E::ShuttingDown | E::NotRecorded(..) => ConnectError::unavailable(e.to_string()),
        E::Config(c) => config(c),
        E::Oplog(o) => oplog(o),
        E::Engine(_) => ConnectError::unknown(e.to_string()),
    }
}

pub(crate) fn config(e: ConfigError) -> ConnectError {
    match e {
        ConfigError::Invalid(_) => ConnectError::invalid_argument(e.to_string()),
        ConfigError::StaleModno { .. } => ConnectError::failed_precondition(format!(
            "config modno mismatch, reload and try again ({e})"
        )),
        _ => ConnectError::internal(e.to_string()),
    }
}

pub(crate) fn oplog(e: OplogError) -> ConnectError {
    match e {
        OplogError::NotFound(_) | OplogError::LogNotFound(_) => {
            ConnectError::not_found(e.to_string())
        }
        OplogError::InvalidSelector(_) | OplogError::InvalidLogId(_) | OplogError::Invalid(_) => {
            ConnectError::invalid_argument(e.to_string())
        }
        _ => ConnectError::internal(e.to_string()),
    }
}

/// A refused request argument, naming the field.
pub(crate) fn invalid(field: &str, why: impl std::fmt::Display) -> ConnectError {
    ConnectError::invalid_argument(format!("{field}: {why}"))
}

/// An error from inside a `ConfigStore::modify` closure: a refusal of the handler's own, or the
/// store's error, both as Connect errors.
pub(crate) struct Refused(pub ConnectError);

impl From<ConfigError> for Refused {
    fn from(e: ConfigError) -> Self {
        Self(config(e))
    }
}
