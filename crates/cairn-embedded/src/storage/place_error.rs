//! Why a repository location (`s3:…`, `sftp:…`, `gs:…`, `azure:…`) cannot be used: the location as
//! written and what is wrong with it, with how to write it instead.

/// A location that does not parse; displays as `<location> <problem>`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location} {problem}")]
pub struct PlaceError {
    /// The location as written, scheme included (e.g. `s3:host/bucket`).
    pub location: String,
    /// What is wrong with it and how to write it.
    pub problem: String,
}

impl PlaceError {
    /// The location `scheme:rest` and its `problem`.
    pub(crate) fn new(scheme: &str, rest: &str, problem: impl Into<String>) -> Self {
        PlaceError {
            location: format!("{scheme}:{rest}"),
            problem: problem.into(),
        }
    }
}
