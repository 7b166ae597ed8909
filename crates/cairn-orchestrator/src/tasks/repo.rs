//! Getting a repository ready for a task: its engine (recorded on the operation), its id (learned from
//! the repository, or created when `auto_initialize` is set, and saved to the config as `guid`), and
//! stale locks removed when `auto_unlock` is set.
use crate::orchestrator::find_repo;
use crate::run::{Failure, TaskCtx};
use cairn_config::ConfigStore;
use cairn_engine::Engine;
use cairn_proto::v1::Repo;
use std::sync::Arc;

/// The repository and its engine, ready for a task.
pub async fn prepare(ctx: &TaskCtx, repo_id: &str) -> Result<(Repo, Arc<dyn Engine>), Failure> {
    let repo = find_repo(&ctx.config, repo_id)?;
    let engine = ctx.engine(&repo).await?;
    let repo = ensure_guid(&ctx.inner.config, repo, engine.as_ref()).await?;
    let guid = repo.guid.clone();
    ctx.update_op(|op| op.repo_guid = guid)?;
    if repo.auto_unlock {
        engine.unlock(&repo).await?;
    }
    Ok((repo, engine))
}

/// Fills in a repository's `guid` from the repository itself (initialising it first if the config
/// asks for that), saving it to the config.
pub async fn ensure_guid(
    config: &ConfigStore,
    mut repo: Repo,
    engine: &dyn Engine,
) -> Result<Repo, Failure> {
    if !repo.guid.is_empty() {
        return Ok(repo);
    }
    let id = match engine.repo_id(&repo).await? {
        Some(id) => id,
        None if repo.auto_initialize => engine.init(&repo).await?,
        None => {
            return Err(Failure::Error(format!(
                "there is no repository at {}; create it (set autoInitialize, or add it as a new repository) or fix the URI",
                repo.uri
            )));
        }
    };
    let repo_id = repo.id.clone();
    let guid = id.clone();
    config
        .modify(|c| -> Result<(), cairn_config::ConfigError> {
            if let Some(r) = c.repos.iter_mut().find(|r| r.id == repo_id) {
                r.guid = guid;
                r.auto_initialize = false;
            }
            Ok(())
        })
        .map_err(|e| Failure::Error(format!("saving the repository id to the config: {e}")))?;
    repo.guid = id;
    repo.auto_initialize = false;
    Ok(repo)
}
