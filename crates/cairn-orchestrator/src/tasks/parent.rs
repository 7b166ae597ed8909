//! The parent snapshot of a plan's next backup: the plan's newest snapshot on this instance, so the
//! engine reads only files that changed. It comes from the operation log's snapshot index when that
//! has one (no engine call: a restic run costs a process and a key derivation, ~0.4 s on every
//! backup), else from the engine. A parent the log still lists but the repository no longer has
//! (removed outside cairn, not indexed yet) fails the backup with an error naming it; the backup then
//! runs once more with the engine's answer.
use crate::run::{Failure, TaskCtx};
use cairn_engine::{Engine, EngineError, SnapshotFilter};
use cairn_oplog::{OpKind, Query, Selector};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::Repo;

/// How many of the plan's newest index entries are looked at for one not forgotten.
const LOOK_BACK: u32 = 64;

/// The plan's newest indexed snapshot that is not known to be forgotten, if the log has one.
pub fn from_log(
    ctx: &TaskCtx,
    repo: &Repo,
    plan_id: &str,
    instance: &str,
) -> Result<Option<String>, Failure> {
    let selector = Selector {
        repo_guid: Some(repo.guid.clone()),
        plan_id: Some(plan_id.to_string()),
        instance_id: Some(instance.to_string()),
        kinds: vec![OpKind::IndexSnapshot],
        ..Selector::default()
    };
    let newest = ctx.inner.oplog.query(&Query::last_n(selector, LOOK_BACK))?;
    Ok(newest
        .into_iter()
        .filter(|op| matches!(&op.op, Some(Op::OperationIndexSnapshot(i)) if !i.forgot))
        .max_by_key(|op| op.unix_time_start_ms)
        .map(|op| op.snapshot_id)
        .filter(|id| !id.is_empty()))
}

/// The plan's newest snapshot as the engine lists it (snapshots with the plan's tags).
pub async fn from_engine(
    engine: &dyn Engine,
    repo: &Repo,
    tags: &[String],
) -> Result<Option<String>, EngineError> {
    let filter = SnapshotFilter {
        tags: tags.to_vec(),
        ..SnapshotFilter::default()
    };
    Ok(engine
        .snapshots(repo, &filter)
        .await?
        .into_iter()
        .max_by_key(|s| s.unix_time_ms)
        .map(|s| s.id))
}

/// Whether a failed backup's error names `parent` (in full or by restic's 8-digit short id), that is,
/// whether the parent is what went wrong.
pub fn names(error: &EngineError, parent: &str) -> bool {
    let text = error.to_string();
    let short = cairn_proto::short_id(parent);
    !short.is_empty() && text.contains(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_parent_by_its_short_or_full_id() {
        let parent = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let gone = EngineError::Invalid(format!("invalid id \"{parent}\": no matching ID found"));
        assert!(names(&gone, parent));
        let short = EngineError::Invalid("snapshot 01234567 not found".into());
        assert!(names(&short, parent));
        assert!(!names(&EngineError::Network("refused".into()), parent));
    }
}
