//! Restore: Backrest's request (one path into a fresh target, `~/Downloads/cairn-restore-<time>` when
//! none is given) and cairn's extensions (several paths, in place, an overwrite mode, delete, dry run).
//! Without an overwrite mode a target that exists and is not empty is refused, so a restore never mixes
//! with or overwrites files. Without a plan the restore is recorded under the snapshot's plan.
use crate::errors::{self, invalid};
use crate::state::Shared;
use cairn_orchestrator::RestoreSpec;
use cairn_orchestrator::restore_spec::Overwrite;
use cairn_proto::v1::{RestoreOverwrite, RestoreSnapshotRequest};
use connectrpc::ConnectError;
use std::path::PathBuf;

/// Checks and queues a restore; returns its operation id.
pub async fn restore(s: &Shared, req: &RestoreSnapshotRequest) -> Result<i64, ConnectError> {
    let overwrite = overwrite(req)?;
    let target = target(req, overwrite.is_some())?;
    let mut paths: Vec<String> = Vec::new();
    if !req.path.trim().is_empty() || req.paths.is_empty() {
        paths.push(req.path.trim().to_string());
    }
    paths.extend(req.paths.iter().map(|p| p.trim().to_string()));
    for p in &paths {
        crate::paths::in_snapshot("path", p)?;
    }
    let spec = RestoreSpec::new(&paths, target, overwrite, req.delete, req.dry_run)
        .map_err(errors::orch)?;
    let repo_id = if req.repo_id.is_empty() {
        s.orch.plan(req.plan_id.trim()).map_err(errors::orch)?.1.id
    } else {
        req.repo_id.trim().to_string()
    };
    let snapshot_id = s
        .orch
        .resolve_snapshot(&repo_id, req.snapshot_id.trim())
        .await
        .map_err(errors::orch)?;
    let plan_id = match req.plan_id.trim() {
        "" => s
            .orch
            .plan_of_snapshot(&repo_id, &snapshot_id)
            .await
            .map_err(errors::orch)?,
        given => given.to_string(),
    };
    s.orch
        .restore(&repo_id, &plan_id, &snapshot_id, spec)
        .map_err(errors::orch)
}

fn overwrite(req: &RestoreSnapshotRequest) -> Result<Option<Overwrite>, ConnectError> {
    Ok(match req.overwrite.as_known() {
        Some(RestoreOverwrite::RESTORE_OVERWRITE_REFUSE) => None,
        Some(RestoreOverwrite::RESTORE_OVERWRITE_ALWAYS) => Some(Overwrite::Always),
        Some(RestoreOverwrite::RESTORE_OVERWRITE_IF_CHANGED) => Some(Overwrite::IfChanged),
        Some(RestoreOverwrite::RESTORE_OVERWRITE_IF_NEWER) => Some(Overwrite::IfNewer),
        Some(RestoreOverwrite::RESTORE_OVERWRITE_NEVER) => Some(Overwrite::Never),
        None => {
            return Err(invalid(
                "overwrite",
                "unknown overwrite mode; use REFUSE, ALWAYS, IF_CHANGED, IF_NEWER or NEVER",
            ));
        }
    })
}

/// The directory restored into: none in place; otherwise the one given, or the default; with no
/// overwrite mode it must be new or empty.
fn target(
    req: &RestoreSnapshotRequest,
    overwriting: bool,
) -> Result<Option<PathBuf>, ConnectError> {
    let given = req.target.trim();
    if req.in_place {
        if !given.is_empty() {
            return Err(invalid(
                "target",
                "an in-place restore puts each path back where it was; leave the target empty",
            ));
        }
        return Ok(None);
    }
    let target = if given.is_empty() {
        default_target()?
    } else {
        crate::paths::absolute("target", given)?
    };
    if overwriting {
        return Ok(Some(target));
    }
    if let Ok(mut entries) = std::fs::read_dir(&target) {
        if entries.next().is_some() {
            return Err(ConnectError::failed_precondition(format!(
                "target: {} exists and is not empty; pick a new or empty directory, or an overwrite mode",
                target.display()
            )));
        }
    } else if target.exists() {
        return Err(ConnectError::failed_precondition(format!(
            "target: {} exists and is not a directory",
            target.display()
        )));
    }
    Ok(Some(target))
}

fn default_target() -> Result<PathBuf, ConnectError> {
    let home = std::env::var_os("HOME").ok_or_else(|| {
        invalid(
            "target",
            "HOME is not set, so there is no default; give a target directory",
        )
    })?;
    let stamp = chrono::Local::now().format("%Y-%m-%dT%H-%M-%S");
    Ok(PathBuf::from(home)
        .join("Downloads")
        .join(format!("cairn-restore-{stamp}")))
}
