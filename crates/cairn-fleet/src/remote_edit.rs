//! A client applying config the hub sent (`set_config`): plans need READ_WRITE_CONFIG on their id;
//! a repository is taken when READ_WRITE_CONFIG covers it, or when it is a shared repository
//! (RECEIVE_SHARED_REPOS) that is new here or already came from this hub; repositories are matched by
//! guid (or by id among those this hub pushed), and a new one whose id or URI a local repository
//! already has is left out; deletions need
//! READ_WRITE_CONFIG. A masked secret (the hub only ever sees masks) keeps the stored value. The
//! result is validated and saved as one config write; what was left out is logged with the reason.
use crate::config_view::MASK;
use crate::scopes::{Resource, allows, has};
use cairn_proto::quoted;
use cairn_proto::v1::multihost::Peer as PeerEntry;
use cairn_proto::v1::multihost::permission::Type;
use cairn_proto::v1::{Config, Plan, Repo};
use cairn_proto::v1sync::sync_stream_item::SyncActionSetConfig;

/// What applying the hub's changes did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// How many plans and repositories were added, changed or deleted.
    pub changed: usize,
    /// Why each left-out change was left out.
    pub refused: Vec<String>,
}

/// Applies `edit` from `host` to `config`.
pub fn apply(config: &mut Config, host: &PeerEntry, edit: &SyncActionSetConfig) -> Applied {
    let mut out = Applied::default();
    let grants = &host.permissions;
    for repo in &edit.repos {
        match accept_repo(config, host, repo) {
            Ok(true) => out.changed += 1,
            Ok(false) => {}
            Err(why) => out.refused.push(why),
        }
    }
    for plan in &edit.plans {
        if allows(
            grants,
            Type::PERMISSION_READ_WRITE_CONFIG,
            Resource::Plan(&plan.id),
        ) {
            out.changed += usize::from(upsert_plan(config, plan));
        } else {
            out.refused.push(format!(
                "plan {}: no read-write config permission for it",
                quoted(&plan.id)
            ));
        }
    }
    for id in &edit.plans_to_delete {
        delete(
            &mut config.plans,
            |p| &p.id,
            Resource::Plan(id),
            grants,
            &mut out,
        );
    }
    for id in &edit.repos_to_delete {
        delete(
            &mut config.repos,
            |r| &r.id,
            Resource::Repo(id),
            grants,
            &mut out,
        );
    }
    out
}

/// Deletes the plan or repository `what` when READ_WRITE_CONFIG covers it, else says why not.
fn delete<T>(
    items: &mut Vec<T>,
    id_of: impl Fn(&T) -> &String,
    what: Resource<'_>,
    grants: &[cairn_proto::v1::multihost::Permission],
    out: &mut Applied,
) {
    let (noun, id) = match what {
        Resource::Plan(id) => ("plan", id),
        Resource::Repo(id) => ("repository", id),
    };
    if allows(grants, Type::PERMISSION_READ_WRITE_CONFIG, what) {
        let before = items.len();
        items.retain(|item| id_of(item) != id);
        out.changed += before - items.len();
    } else {
        out.refused.push(format!(
            "deleting {noun} {}: no read-write config permission for it",
            quoted(id)
        ));
    }
}

/// Takes one repository from the hub; Ok(false) when nothing changed.
fn accept_repo(config: &mut Config, host: &PeerEntry, incoming: &Repo) -> Result<bool, String> {
    let grants = &host.permissions;
    // By guid; a repository this hub pushed before its guid was known, by id.
    let existing = config.repos.iter().position(|r| {
        (!incoming.guid.is_empty() && r.guid == incoming.guid)
            || (r.id == incoming.id && r.origin_instance_id == host.instance_id)
    });
    let writable = allows(
        grants,
        Type::PERMISSION_READ_WRITE_CONFIG,
        Resource::Repo(&incoming.id),
    );
    let shared_ok = has(grants, Type::PERMISSION_RECEIVE_SHARED_REPOS)
        && existing.is_none_or(|i| config.repos[i].origin_instance_id == host.instance_id);
    if !writable && !shared_ok {
        return Err(format!(
            "repository {}: no read-write config permission for it, and it is not a shared repository this client accepts",
            quoted(&incoming.id)
        ));
    }
    let mut repo = incoming.clone();
    if !writable {
        repo.origin_instance_id = host.instance_id.clone();
    }
    match existing {
        Some(i) => {
            keep_masked_secrets(&mut repo, &config.repos[i]);
            if config.repos[i] == repo {
                return Ok(false);
            }
            config.repos[i] = repo;
        }
        None => {
            if let Some(clash) = config
                .repos
                .iter()
                .find(|r| r.id == repo.id || r.uri == repo.uri)
            {
                return Err(format!(
                    "repository {}: a local repository ({}) has the same id or URI",
                    quoted(&repo.id),
                    quoted(&clash.id)
                ));
            }
            if repo.password == MASK {
                return Err(format!(
                    "repository {}: the hub sent no password for a new repository",
                    quoted(&repo.id)
                ));
            }
            config.repos.push(repo);
        }
    }
    Ok(true)
}

/// Where the hub sent the mask, the stored value stays.
fn keep_masked_secrets(repo: &mut Repo, stored: &Repo) {
    if repo.password == MASK {
        repo.password = stored.password.clone();
    }
    for entry in &mut repo.env {
        if let Some((name, value)) = entry.split_once('=')
            && value == MASK
            && let Some(old) = stored
                .env
                .iter()
                .find(|e| e.split_once('=').is_some_and(|(n, _)| n == name))
        {
            *entry = old.clone();
        }
    }
}

/// Adds or replaces a plan by id; false when nothing changed.
fn upsert_plan(config: &mut Config, plan: &Plan) -> bool {
    match config.plans.iter_mut().find(|p| p.id == plan.id) {
        Some(p) if p == plan => false,
        Some(p) => {
            *p = plan.clone();
            true
        }
        None => {
            config.plans.push(plan.clone());
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes::grant;

    fn host(grants: &[(Type, &[&str])]) -> PeerEntry {
        PeerEntry {
            instance_id: "hub".into(),
            keyid: "ed25519.h".into(),
            permissions: grants.iter().map(|(t, s)| grant(*t, s)).collect(),
            ..PeerEntry::default()
        }
    }

    fn repo(id: &str, guid: &str, password: &str) -> Repo {
        Repo {
            id: id.into(),
            guid: guid.into(),
            uri: format!("/srv/{id}"),
            password: password.into(),
            ..Repo::default()
        }
    }

    fn local() -> Config {
        Config {
            repos: vec![repo("nas", "g-nas", "secret")],
            plans: vec![Plan {
                id: "home".into(),
                repo: "nas".into(),
                ..Plan::default()
            }],
            ..Config::default()
        }
    }

    #[test]
    fn read_write_config_edits_covered_plans_and_repos_keeping_masked_secrets() {
        let mut c = local();
        let h = host(&[(
            Type::PERMISSION_READ_WRITE_CONFIG,
            &["repo:nas", "plan:home"],
        )]);
        let mut edited = repo("nas", "g-nas", MASK);
        edited.auto_unlock = true;
        let edit = SyncActionSetConfig {
            repos: vec![edited],
            plans: vec![Plan {
                id: "work".into(),
                ..Plan::default()
            }],
            plans_to_delete: vec!["home".into()],
            ..SyncActionSetConfig::default()
        };
        let applied = apply(&mut c, &h, &edit);
        assert_eq!(applied.changed, 2);
        assert_eq!(applied.refused.len(), 1, "{:?}", applied.refused);
        assert!(c.repos[0].auto_unlock);
        assert_eq!(
            c.repos[0].password, "secret",
            "the mask keeps the stored password"
        );
        assert!(c.plans.is_empty(), "home deleted, work refused");
    }

    #[test]
    fn shared_repos_are_taken_only_new_or_from_the_same_hub() {
        let h = host(&[(Type::PERMISSION_RECEIVE_SHARED_REPOS, &[])]);
        let mut c = local();
        let edit = SyncActionSetConfig {
            repos: vec![
                repo("shared", "g-shared", "pw"),
                repo("nas", "g-nas", "other"),
            ],
            ..SyncActionSetConfig::default()
        };
        let applied = apply(&mut c, &h, &edit);
        assert_eq!(applied.changed, 1);
        assert_eq!(applied.refused.len(), 1, "the local nas is not the hub's");
        assert_eq!(c.repos[1].origin_instance_id, "hub");
        assert_eq!(c.repos[0].password, "secret");
        let clash = SyncActionSetConfig {
            repos: vec![repo("nas", "g-other", "pw")],
            ..SyncActionSetConfig::default()
        };
        assert_eq!(
            apply(&mut c, &h, &clash).refused.len(),
            1,
            "same id as a local repository"
        );
        assert!(apply(&mut c, &host(&[]), &edit).changed == 0);
    }
}
