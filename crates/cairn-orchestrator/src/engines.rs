//! The engines repositories use, located once per engine choice and shared (so the restic engine's
//! listing cache survives between requests). A failure is not remembered: installing restic while
//! cairn runs is picked up by the next task.
use crate::engine_choice::{EngineChoice, select};
use cairn_embedded::{EmbeddedEngine, WorkerCommand};
use cairn_engine::{Engine, EngineError, TreeReader};
use cairn_proto::v1::Repo;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Engines {
    restic_command: Option<PathBuf>,
    located: tokio::sync::Mutex<Vec<(EngineChoice, Arc<dyn Engine>)>>,
    reader: parking_lot::Mutex<Option<Arc<EmbeddedEngine>>>,
}

impl Engines {
    pub fn new(restic_command: Option<PathBuf>) -> Self {
        Self {
            restic_command,
            located: tokio::sync::Mutex::new(Vec::new()),
            reader: parking_lot::Mutex::new(None),
        }
    }

    /// The engine for a repository, by its `engine` setting.
    pub async fn for_repo(&self, repo: &Repo) -> Result<Arc<dyn Engine>, EngineError> {
        let choice = EngineChoice::parse(&repo.engine)?;
        let mut located = self.located.lock().await;
        if let Some((_, e)) = located.iter().find(|(c, _)| *c == choice) {
            return Ok(e.clone());
        }
        let engine = select(choice, self.restic_command.as_deref()).await?;
        located.push((choice, engine.clone()));
        Ok(engine)
    }
}

impl Engines {
    /// The reader of snapshot trees, for every repository whichever engine writes it: rustic_core in
    /// a worker reads restic's format, while restic's CLI derives the key anew in each process (a third
    /// of a second) and has no command that reads many trees at once.
    pub fn reader(&self) -> Result<Arc<dyn TreeReader>, EngineError> {
        let mut reader = self.reader.lock();
        if let Some(r) = reader.as_ref() {
            return Ok(r.clone());
        }
        let made = Arc::new(EmbeddedEngine::new(WorkerCommand::current()?));
        *reader = Some(made.clone());
        Ok(made)
    }
}

/// How an operation records the engine that ran it: `<name> <version>`, e.g. `restic 0.14.0`.
pub fn engine_label(engine: &dyn Engine) -> String {
    let info = engine.info();
    format!("{} {}", info.name, info.version)
}
