//! Adding, checking and removing repositories for the API: a candidate repository is validated
//! with the rest of the config before anything touches storage or the config file.
use crate::error::{OrchestratorError, Result};
use crate::orchestrator::{Orchestrator, find_repo};
use crate::scheduler;
use crate::task::{Task, priority};
use cairn_oplog::Selector;
use cairn_proto::quoted;
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
    ///
    /// Editing a configured repository never switches it to another one: the repository at the
    /// (possibly new) URI must have the id already known, and none is created in its place.
    pub async fn add_repo(&self, mut repo: Repo) -> Result<Config> {
        self.validate_candidate(&repo)?;
        let engine = self.inner.engines.for_repo(&repo).await?;
        let known = known_guid(&self.inner.config.get(), &repo.id);
        repo.guid = match (engine.repo_id(&repo).await?, known) {
            (Some(found), Some(known)) if found != known => {
                return Err(OrchestratorError::Invalid(format!(
                    "the repository at {} is not repository {id} (its id is {found}, {id}'s is {known}); to move {id}, give the URI of a copy of the same repository; to use another repository, add it under a new name",
                    repo.uri,
                    id = quoted(&repo.id)
                )));
            }
            (Some(found), _) => found,
            (None, Some(_)) => {
                return Err(OrchestratorError::Invalid(format!(
                    "there is no repository at {}, and repository {} is not created again somewhere else; give the URI where it is now, or add a new repository under a new name",
                    repo.uri,
                    quoted(&repo.id)
                )));
            }
            (None, None) => engine.init(&repo).await?,
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

/// The id of the configured repository `repo_id` when it was read from the repository (not absent,
/// and not the placeholder an old config's migration gave it).
fn known_guid(config: &Config, repo_id: &str) -> Option<String> {
    config
        .repos
        .iter()
        .find(|r| r.id == repo_id)
        .map(|r| r.guid.clone())
        .filter(|g| !g.is_empty() && *g != cairn_config::placeholder_guid(repo_id))
}
