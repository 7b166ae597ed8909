//! A plan's mirrors (cairn's own): each names a configured repository other than the plan's own, at
//! most once, that this instance may write (not one shared to it by a hub), with a valid retention.
use super::{Check, retention};
use cairn_proto::quoted;
use cairn_proto::v1::{Plan, Repo};

pub(super) fn check(k: &mut Check, path: &str, plan: &Plan, repos: &[Repo]) {
    for (j, mirror) in plan.mirrors.iter().enumerate() {
        let at = format!("{path}.mirrors[{j}]");
        let named = quoted(&mirror.repo);
        match repos.iter().find(|r| r.id == mirror.repo) {
            _ if mirror.repo.is_empty() => k.err(format!("{at}.repo"), "name the repository to copy snapshots to"),
            None => k.err(
                format!("{at}.repo"),
                format!("repo {named} does not exist; add it under repos first"),
            ),
            Some(_) if mirror.repo == plan.repo => k.err(
                format!("{at}.repo"),
                format!("repo {named} is the plan's own repository; a mirror must be another one"),
            ),
            Some(r) if !r.origin_instance_id.is_empty() => k.err(
                format!("{at}.repo"),
                format!(
                    "repo {named} is shared by instance {} and read-only here; mirror to a repository of this instance",
                    quoted(&r.origin_instance_id)
                ),
            ),
            Some(_) if plan.mirrors[..j].iter().any(|m| m.repo == mirror.repo) => k.err(
                format!("{at}.repo"),
                format!("repo {named} is already a mirror of this plan; list it once"),
            ),
            Some(_) => {}
        }
        if let Some(r) = mirror.retention.as_option() {
            retention::check_required(k, &format!("{at}.retention"), Some(r));
        }
    }
}
