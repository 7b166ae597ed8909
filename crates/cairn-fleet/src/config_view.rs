//! What one instance shows a peer of its config: the repositories and plans the peer's grants cover,
//! with secrets masked (Backrest sends repository passwords to the host; a read-only view needs none,
//! and a host editing the config sends the mask back, which keeps the stored value), and the list of
//! repositories (id and guid) and plans whose operations the peer may see.
use crate::error::SessionError;
use crate::scopes::{Resource, allows};
use crate::secure::SecureLink;
use cairn_config::secrets::{Shown, hook_secrets, repo_secrets};
use cairn_proto::v1::Config;
use cairn_proto::v1::multihost::Permission;
use cairn_proto::v1::multihost::permission::Type;
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::sync_stream_item::{SyncActionReceiveConfig, SyncActionReceiveResources};
use cairn_proto::v1sync::{PlanMetadata, RemoteConfig, RepoMetadata};

/// The placeholder a masked secret shows (the same as GetConfig's).
pub const MASK: &str = "********";

/// Whether `grants` let the peer see the config of `r`.
fn config_visible(grants: &[Permission], r: Resource<'_>) -> bool {
    allows(grants, Type::PERMISSION_READ_CONFIG, r)
        || allows(grants, Type::PERMISSION_READ_WRITE_CONFIG, r)
}

/// The config a peer with `grants` may see.
pub fn remote_config(config: &Config, grants: &[Permission]) -> RemoteConfig {
    let mask = &mut |field: cairn_config::secrets::SecretField, value: &mut String| {
        if !value.is_empty() {
            *value = match field.shown {
                Shown::Masked => MASK.to_string(),
                Shown::Withheld => String::new(),
            };
        }
        Ok::<(), std::convert::Infallible>(())
    };
    let repos = config
        .repos
        .iter()
        .filter(|r| config_visible(grants, Resource::Repo(&r.id)))
        .map(|r| {
            let mut r = r.clone();
            let Ok(()) = repo_secrets(&mut r, mask);
            r
        })
        .collect();
    let plans = config
        .plans
        .iter()
        .filter(|p| config_visible(grants, Resource::Plan(&p.id)))
        .map(|p| {
            let mut p = p.clone();
            let Ok(()) = p.hooks.iter_mut().try_for_each(|h| hook_secrets(h, mask));
            p
        })
        .collect();
    RemoteConfig {
        modno: config.modno,
        version: config.version,
        repos,
        plans,
        ..RemoteConfig::default()
    }
}

/// The repositories and plans whose operations or config the peer may see.
pub fn resources(config: &Config, grants: &[Permission]) -> (Vec<RepoMetadata>, Vec<PlanMetadata>) {
    let visible = |r: Resource<'_>| {
        allows(grants, Type::PERMISSION_READ_OPERATIONS, r) || config_visible(grants, r)
    };
    let repos = config
        .repos
        .iter()
        .filter(|r| visible(Resource::Repo(&r.id)))
        .map(|r| RepoMetadata {
            id: r.id.clone(),
            guid: r.guid.clone(),
            ..RepoMetadata::default()
        })
        .collect();
    let plans = config
        .plans
        .iter()
        .filter(|p| visible(Resource::Plan(&p.id)))
        .map(|p| PlanMetadata {
            id: p.id.clone(),
            ..PlanMetadata::default()
        })
        .collect();
    (repos, plans)
}

/// Shows the peer what `grants` let it see of `config`: `receive_config`, then `receive_resources`.
pub(crate) async fn send(
    link: &mut SecureLink,
    config: &Config,
    grants: &[Permission],
) -> Result<(), SessionError> {
    link.send(Action::ReceiveConfig(Box::new(SyncActionReceiveConfig {
        config: remote_config(config, grants).into(),
        ..SyncActionReceiveConfig::default()
    })))
    .await?;
    let (repos, plans) = resources(config, grants);
    link.send(Action::ReceiveResources(Box::new(
        SyncActionReceiveResources {
            repos,
            plans,
            ..SyncActionReceiveResources::default()
        },
    )))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scopes::grant;
    use cairn_proto::v1::{Plan, Repo};

    fn config() -> Config {
        Config {
            modno: 4,
            repos: ["nas", "cloud"]
                .map(|id| Repo {
                    id: id.into(),
                    guid: format!("guid-{id}"),
                    password: "hunter2".into(),
                    env: vec!["AWS_SECRET_ACCESS_KEY=abc".into(), "REGION=eu".into()],
                    ..Repo::default()
                })
                .to_vec(),
            plans: vec![Plan {
                id: "home".into(),
                repo: "nas".into(),
                ..Plan::default()
            }],
            ..Config::default()
        }
    }

    #[test]
    fn a_peer_sees_the_config_its_grants_cover_with_secrets_masked() {
        let c = config();
        let rc = remote_config(&c, &[grant(Type::PERMISSION_READ_CONFIG, &["repo:nas"])]);
        assert_eq!(rc.modno, 4);
        assert_eq!(rc.repos.len(), 1);
        assert_eq!(rc.repos[0].password, MASK);
        assert_eq!(
            rc.repos[0].env,
            vec![format!("AWS_SECRET_ACCESS_KEY={MASK}"), "REGION=eu".into()]
        );
        assert!(rc.plans.is_empty());
        assert!(
            remote_config(&c, &[grant(Type::PERMISSION_READ_OPERATIONS, &[])])
                .repos
                .is_empty()
        );
        let all = remote_config(&c, &[grant(Type::PERMISSION_READ_WRITE_CONFIG, &[])]);
        assert_eq!((all.repos.len(), all.plans.len()), (2, 1));
    }

    #[test]
    fn resources_follow_operation_and_config_grants() {
        let c = config();
        let (repos, plans) = resources(
            &c,
            &[grant(Type::PERMISSION_READ_OPERATIONS, &["plan:home"])],
        );
        assert!(repos.is_empty());
        assert_eq!(plans.len(), 1);
        let (repos, _) = resources(
            &c,
            &[grant(
                Type::PERMISSION_READ_OPERATIONS,
                &["*", "!repo:cloud"],
            )],
        );
        assert_eq!(
            repos.iter().map(|r| r.guid.as_str()).collect::<Vec<_>>(),
            ["guid-nas"]
        );
        assert_eq!(resources(&c, &[]).0.len(), 0);
    }
}
