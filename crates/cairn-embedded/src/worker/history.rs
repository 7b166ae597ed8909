//! One path's versions across every snapshot of a repository, oldest first: where it appears, where
//! its content changes (content blob ids for a file, the tree id for a directory, the target for a
//! link), where it is gone and where it comes back. Only the trees along the path are read.
use super::browse::{ls_entry, node_kind, snapshot_proto};
use super::{Fail, Out, repo};
use crate::protocol::Job;
use cairn_engine::shared::snapshot_path::parent_of;
use cairn_proto::cairn::v1::FileVersion;
use rustic_core::repofile::{Node, SnapshotFile};

pub fn run(job: &Job, out: &Out, path: &str) -> Result<serde_json::Value, Fail> {
    let repo = repo::open(job, out, false)?.repo.to_indexed_ids()?;
    let mut snaps = repo.get_all_snapshots()?;
    snaps.sort_by(|a, b| a.time.cmp(&b.time));
    let mut versions = Vec::new();
    let mut previous: Option<Node> = None;
    for snap in &snaps {
        let node = repo.node_from_snapshot_and_path(snap, path).ok();
        if let Some(change) = change(previous.as_ref(), node.as_ref()) {
            versions.push(Out::json(&version(snap, path, change, node.as_ref())?));
        }
        previous = node;
    }
    if versions.is_empty() {
        return Err(Fail::invalid(format!(
            "{path} is in no snapshot of this repository"
        )));
    }
    Ok(serde_json::Value::Array(versions))
}

fn version(
    snap: &SnapshotFile,
    path: &str,
    change: &str,
    node: Option<&Node>,
) -> Result<FileVersion, Fail> {
    let listed = snapshot_proto(snap)?;
    Ok(FileVersion {
        snapshot_id: listed.id,
        snapshot_time_ms: listed.unix_time_ms,
        change: change.to_string(),
        entry: node.map(|n| ls_entry(parent_of(path), n)).into(),
        ..FileVersion::default()
    })
}

/// How the path in this snapshot differs from the one before; None while it has never been seen or
/// stays absent.
fn change(previous: Option<&Node>, node: Option<&Node>) -> Option<&'static str> {
    match (previous, node) {
        (None, Some(_)) => Some("+"),
        (Some(_), None) => Some("-"),
        (None, None) => None,
        (Some(p), Some(n)) if same_content(p, n) => Some(""),
        (Some(_), Some(_)) => Some("M"),
    }
}

fn same_content(a: &Node, b: &Node) -> bool {
    node_kind(a) == node_kind(b)
        && a.content == b.content
        && a.subtree == b.subtree
        && a.node_type == b.node_type
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustic_core::repofile::{Metadata, NodeType};

    #[test]
    fn changes_follow_presence_and_content() {
        let file = Node::new_node(
            std::ffi::OsStr::new("f"),
            NodeType::File,
            Metadata::default(),
        );
        let mut other = file.clone();
        other.content = Some(Vec::new());
        assert_eq!(change(None, Some(&file)), Some("+"));
        assert_eq!(change(Some(&file), Some(&file)), Some(""));
        assert_eq!(change(Some(&file), Some(&other)), Some("M"));
        assert_eq!(change(Some(&file), None), Some("-"));
        assert_eq!(change(None, None), None);
    }
}
