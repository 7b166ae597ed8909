//! How errors of the layers below become Connect errors: the code a client can act on (not found,
//! invalid argument, failed precondition, ...) and a message that names what is wrong; a refusal of
//! named fields also carries them as a `google.rpc.BadRequest` detail.
use cairn_config::ConfigError;
use cairn_engine::EngineError;
use cairn_oplog::OplogError;
use cairn_orchestrator::OrchestratorError;
use cairn_proto::google::rpc::BadRequest;
use cairn_proto::google::rpc::bad_request::FieldViolation;
use connectrpc::{ConnectError, ErrorCode, ErrorDetail};

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
        E::Engine(ref engine_error) => ConnectError::new(engine_code(engine_error), e.to_string()),
        E::Search(ref s) => ConnectError::new(search_code(s), e.to_string()),
    }
}

/// The Connect code of each search index failure.
fn search_code(e: &cairn_search::SearchError) -> ErrorCode {
    use cairn_search::SearchError as E;
    match e {
        E::Pattern { .. } => ErrorCode::InvalidArgument,
        E::Newer { .. } => ErrorCode::FailedPrecondition,
        E::Sqlite(_) | E::Incomplete { .. } | E::NoBase(_) => ErrorCode::Internal,
    }
}

/// The Connect code of each engine failure. Exhaustive on purpose: a new kind of engine error does
/// not compile until it has a code here.
pub(crate) fn engine_code(e: &EngineError) -> ErrorCode {
    use EngineError as E;
    match e {
        E::ResticNotFound(_) | E::ResticTooOld { .. } => ErrorCode::FailedPrecondition,
        E::RepoNotFound(_) => ErrorCode::NotFound,
        // Both pass: the holder finishes, the network comes back.
        E::Locked(_) | E::Network(_) => ErrorCode::Unavailable,
        // Never Unauthenticated, which means cairn's own session ended.
        E::WrongPassword | E::StorageAuth(_) => ErrorCode::PermissionDenied,
        E::Cancelled => ErrorCode::Canceled,
        E::Invalid(_) | E::InvalidFlag(_) => ErrorCode::InvalidArgument,
        E::Corrupt(_) => ErrorCode::DataLoss,
        E::ResourceLimit(_) => ErrorCode::ResourceExhausted,
        E::Command { .. } | E::Parse { .. } | E::Io { .. } => ErrorCode::Internal,
    }
}

pub(crate) fn config(e: ConfigError) -> ConnectError {
    match e {
        ConfigError::Invalid(ref v) => refused_fields(
            e.to_string(),
            v.0.iter().map(|f| (f.path.as_str(), f.message.as_str())),
        ),
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
    let why = why.to_string();
    refused_fields(format!("{field}: {why}"), [(field, why.as_str())])
}

/// InvalidArgument with `message` for people, and a `google.rpc.BadRequest` detail holding each
/// refused field's path and description, so a client shows each on its field without parsing text.
pub(crate) fn refused_fields<'a>(
    message: String,
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> ConnectError {
    let detail = BadRequest {
        field_violations: fields
            .into_iter()
            .map(|(field, description)| FieldViolation {
                field: field.to_string(),
                description: description.to_string(),
                ..FieldViolation::default()
            })
            .collect(),
        ..BadRequest::default()
    };
    ConnectError::invalid_argument(message)
        .with_detail(ErrorDetail::from_message("google.rpc.BadRequest", &detail))
}

/// An error from inside a `ConfigStore::modify` closure: a refusal of the handler's own, or the
/// store's error, both as Connect errors.
pub(crate) struct Refused(pub ConnectError);

impl From<ConfigError> for Refused {
    fn from(e: ConfigError) -> Self {
        Self(config(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_failures_get_the_code_a_client_can_act_on() {
        let cases = [
            (
                EngineError::Locked("lock held by pid 7 on host".into()),
                ErrorCode::Unavailable,
            ),
            (
                EngineError::InvalidFlag("--nope".into()),
                ErrorCode::InvalidArgument,
            ),
            (EngineError::WrongPassword, ErrorCode::PermissionDenied),
            (EngineError::RepoNotFound("/r".into()), ErrorCode::NotFound),
            (EngineError::Corrupt("pack".into()), ErrorCode::DataLoss),
            (
                EngineError::ResourceLimit("memory".into()),
                ErrorCode::ResourceExhausted,
            ),
            (
                EngineError::Network("refused".into()),
                ErrorCode::Unavailable,
            ),
            (EngineError::Cancelled, ErrorCode::Canceled),
        ];
        for (e, code) in cases {
            let text = e.to_string();
            let c = orch(OrchestratorError::Engine(e));
            assert_eq!(c.code, code, "{text}");
            assert_ne!(c.code, ErrorCode::Unknown);
            assert_eq!(c.message.as_deref(), Some(text.as_str()));
        }
    }
}
