//! CheckRepoExists, AddRepo (create or import) and RemoveRepo (history removed, data kept).
use crate::errors;
use crate::secrets;
use crate::state::Shared;
use cairn_proto::v1::{CheckRepoExistsResponse, Config, Repo};
use connectrpc::ConnectError;

/// The candidate with stored secrets put back where it carries the placeholder.
fn with_secrets(s: &Shared, mut repo: Repo) -> Result<Repo, ConnectError> {
    let stored = s.orch.config().get();
    let old = stored.repos.iter().find(|r| r.id == repo.id);
    secrets::restore_repo("repo", &mut repo, old)?;
    Ok(repo)
}

pub async fn check_exists(s: &Shared, repo: Repo) -> Result<CheckRepoExistsResponse, ConnectError> {
    let repo = with_secrets(s, repo)?;
    match s.orch.check_repo_exists(&repo).await {
        Ok(exists) => Ok(CheckRepoExistsResponse {
            exists,
            ..CheckRepoExistsResponse::default()
        }),
        Err(e) => {
            let text = e.to_string();
            let lower = text.to_lowercase();
            if lower.contains("host key verification failed")
                || lower.contains("remote host identification has changed")
            {
                return Ok(CheckRepoExistsResponse {
                    error: text,
                    host_key_untrusted: true,
                    ..CheckRepoExistsResponse::default()
                });
            }
            Err(errors::orch(e))
        }
    }
}

pub async fn add(s: &Shared, repo: Repo) -> Result<Config, ConnectError> {
    let repo = with_secrets(s, repo)?;
    let saved = s.orch.add_repo(repo).await.map_err(errors::orch)?;
    Ok(secrets::redact(saved))
}

pub async fn remove(s: &Shared, repo_id: &str) -> Result<Config, ConnectError> {
    let saved = s.orch.remove_repo(repo_id).await.map_err(errors::orch)?;
    Ok(secrets::redact(saved))
}
