//! Choosing the engine for a repository from its `engine` setting (cairn's `Repo.engine` extension):
//! the one place that knows both engines.
use cairn_embedded::{EmbeddedEngine, WorkerCommand};
use cairn_engine::{Engine, EngineError, ResticEngine, Result};
use cairn_proto::quoted;
use std::path::Path;
use std::sync::Arc;

/// A repository's engine setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineChoice {
    /// restic when a usable one is found, else the embedded engine.
    Auto,
    /// The restic binary; fails if no usable one is found.
    Restic,
    /// The embedded engine (rustic_core in worker processes), needing no restic binary.
    Embedded,
}

impl EngineChoice {
    /// Parses `Repo.engine` ("" means auto).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "" | "auto" => Ok(EngineChoice::Auto),
            "restic" => Ok(EngineChoice::Restic),
            "embedded" => Ok(EngineChoice::Embedded),
            other => Err(EngineError::Invalid(format!(
                "{other} is not an engine; use auto, restic or embedded",
                other = quoted(&other)
            ))),
        }
    }
}

fn embedded() -> Result<Arc<dyn Engine>> {
    Ok(Arc::new(EmbeddedEngine::new(WorkerCommand::current()?)))
}

/// The engine to use for `choice`, with restic found at `restic_command` or on PATH. The embedded
/// engine's workers are this executable in worker mode (or `$CAIRN_ENGINE_WORKER`).
pub async fn select(
    choice: EngineChoice,
    restic_command: Option<&Path>,
) -> Result<Arc<dyn Engine>> {
    match choice {
        EngineChoice::Restic => Ok(Arc::new(ResticEngine::locate(restic_command).await?)),
        EngineChoice::Auto => match ResticEngine::locate(restic_command).await {
            Ok(r) => Ok(Arc::new(r)),
            Err(EngineError::ResticNotFound(why)) => {
                tracing::info!("{why}; using the embedded engine");
                embedded()
            }
            Err(e) => Err(e),
        },
        EngineChoice::Embedded => embedded(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_and_unknown_ones_are_refused() {
        assert_eq!(EngineChoice::parse("").unwrap(), EngineChoice::Auto);
        assert_eq!(EngineChoice::parse("restic").unwrap(), EngineChoice::Restic);
        assert_eq!(
            EngineChoice::parse("embedded").unwrap(),
            EngineChoice::Embedded
        );
        assert!(
            EngineChoice::parse("rustic")
                .unwrap_err()
                .to_string()
                .contains("use auto, restic or embedded")
        );
    }
}
