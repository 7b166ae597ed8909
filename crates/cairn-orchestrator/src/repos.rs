//! Adding, checking and removing repositories for the API: a candidate repository is validated
//! with the rest of the config before anything touches storage or the config file.
use crate::error::{OrchestratorError, Result};
use crate::orchestrator::{Orchestrator, find_repo};
use crate::scheduler;
use crate::task::{Task, priority};
use cairn_oplog::Selector;
use cairn_proto::v1::{Config, Repo};
use std::time::Duration;

/// How long CheckRepoExists may wait for the repository to answer (as Backrest).
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

impl Orchestrator {
    /// True when there is a repository at the candidate's URI that opens with its password. The
    /// candidate is validated as part of the config first.
    pub async fn check_repo_exists(&self, candidate: &Repo) -> Result<bool> {
        self.validate_candidate(candidate)?;
        let engine = self.inner.engines.for_repo(candidate).await?;
        let found = tokio::time::timeout(CHECK_TIMEOUT, engine.repo_id(candidate))
            .await
            .map_err(|_| {
                OrchestratorError::Invalid(format!(
                    "no answer from {} within {}s; check the URI and that the storage is reachable",
                    candidate.uri,
                    CHECK_TIMEOUT.as_secs()
                ))
            })??;
        Ok(found.is_some())
    }

    /// Adds a repository or updates one with the same id: the repository is created when there is
    /// none at its URI (or opened when there is: the "import" path), its id saved as `guid`, the
    /// config written, and its snapshots indexed. Returns the new config.
    pub async fn add_repo(&self, mut repo: Repo) -> Result<Config> {
        self.validate_candidate(&repo)?;
        let engine = self.inner.engines.for_repo(&repo).await?;
        repo.guid = match engine.repo_id(&repo).await? {
            Some(id) => id,
            None => engine.init(&repo).await?,
        };
        repo.auto_initialize = false;
        let saved = self.inner.config.modify(|c| -> Result<()> {
            *c = with_repo(c.clone(), repo.clone());
            Ok(())
        })?;
        self.config_changed().await?;
        let now = self.inner.now();
        let task = Task::IndexSnapshots {
            repo_id: repo.id.clone(),
        };
        let prio = priority::INDEX_SNAPSHOTS + priority::INTERACTIVE;
        scheduler::enqueue(&self.inner, task, now, prio, 0)?;
        self.inner.wake.notify_one();
        Ok(saved)
    }

    /// Validates the config as it would be with the candidate in it. The candidate's id is not known
    /// yet (that is what adding it finds out), so it is validated as one cairn may initialise.
    fn validate_candidate(&self, candidate: &Repo) -> Result<()> {
        let mut repo = candidate.clone();
        // An edited repository still carries its guid; validation must not see both.
        repo.guid.clear();
        repo.auto_initialize = true;
        let config = with_repo(self.inner.config.get(), repo);
        cairn_config::validate(&config).map_err(cairn_config::ConfigError::Invalid)?;
        Ok(())
    }

    /// Removes a repository from the config and this instance's finished history of it (with its task
    /// logs); the repository's data is not touched. Refused (naming them) while plans still use it.
    pub async fn remove_repo(&self, repo_id: &str) -> Result<Config> {
        let repo = find_repo(&self.inner.config.get(), repo_id)?;
        let saved = self.inner.config.modify(|c| -> Result<()> {
            c.repos.retain(|r| r.id != repo_id);
            Ok(())
        })?;
        self.config_changed().await?;
        if !repo.guid.is_empty() {
            let selector = Selector {
                repo_guid: Some(repo.guid.clone()),
                instance_id: Some(saved.instance.clone()),
                ..Selector::default()
            };
            let removed = self.delete_history(&selector, false)?;
            tracing::info!(repo = %repo_id, removed, "repository removed from the config; its data was left in place");
        }
        Ok(saved)
    }
}

/// The config with `repo` added, or replacing the repository with the same id.
fn with_repo(mut config: Config, repo: Repo) -> Config {
    match config.repos.iter_mut().find(|r| r.id == repo.id) {
        Some(r) => *r = repo,
        None => config.repos.push(repo),
    }
    config
}
