//! What the search index needs from one snapshot: every entry that is new or differs from the same
//! path in a base snapshot, and every path of the base that the snapshot no longer has (an entry of a
//! removed directory is gone too). Directories whose tree ids are equal are never read, so a snapshot
//! compared with its parent costs what changed between them; without a base every entry is sent. Each
//! change goes to cairn as a line of JSON (an `IndexChange`); the job's result is how many were sent.
use super::browse::node_kind;
use super::tree_pairs::pair_trees;
use super::{Fail, Out, repo};
use crate::protocol::Job;
use cairn_engine::shared::snapshot_path::child_path;
use cairn_proto::cairn::v1::IndexChange;
use rustic_core::repofile::{Node, NodeType};
use rustic_core::{IndexedTree, Repository, TreeId};
use std::cell::Cell;

pub fn run(
    job: &Job,
    out: &Out,
    base: Option<&str>,
    snapshot: &str,
) -> Result<serde_json::Value, Fail> {
    let repo = repo::open(job, out, false)?.repo.to_indexed_ids()?;
    let snap = repo.get_snapshot_from_str(snapshot, |_| true)?;
    let base_tree = match base {
        Some(b) => Some(repo.get_snapshot_from_str(b, |_| true)?.tree),
        None => None,
    };
    let walk = Walk {
        repo: &repo,
        out,
        sent: Cell::new(0),
    };
    walk.trees("/", base_tree, Some(snap.tree))?;
    Ok(serde_json::json!({ "changes": walk.sent.get() }))
}

struct Walk<'a, S: IndexedTree> {
    repo: &'a Repository<S>,
    out: &'a Out,
    sent: Cell<u64>,
}

impl<S: IndexedTree> Walk<'_, S> {
    /// Sends the changes between two versions of the directory `dir` (either may be absent).
    fn trees(&self, dir: &str, a: Option<TreeId>, b: Option<TreeId>) -> Result<(), Fail> {
        pair_trees(self.repo, a, b, |x, y| self.entry(dir, x, y))
    }

    /// Sends the change of one entry of `dir`, then the changes below it.
    fn entry(&self, dir: &str, before: Option<&Node>, after: Option<&Node>) -> Result<(), Fail> {
        let node = after.or(before).ok_or_else(|| Fail::other("no entry"))?;
        let path = child_path(dir, &name_text(&node.name()));
        let was = before.map(|n| change(&path, n));
        let now = after.map(|n| change(&path, n));
        match (&was, now) {
            (_, Some(c)) if was.as_ref() != Some(&c) => self.send(&c),
            (Some(_), None) => self.send(&IndexChange {
                path: path.clone(),
                ..IndexChange::default()
            }),
            _ => {}
        }
        self.trees(
            &path,
            before.and_then(|n| n.subtree),
            after.and_then(|n| n.subtree),
        )
    }

    fn send(&self, change: &IndexChange) {
        self.sent.set(self.sent.get() + 1);
        self.out.line(Out::json(change).to_string());
    }
}

/// A name as text without loss: bytes that are not UTF-8 become `\xNN`, so two names that differ only
/// there stay two paths (a lossy conversion would make them one).
fn name_text(name: &std::ffi::OsStr) -> String {
    let mut out = String::new();
    for chunk in name.as_encoded_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The entry as the index records it.
fn change(path: &str, node: &Node) -> IndexChange {
    IndexChange {
        path: path.to_string(),
        r#type: node_kind(node).to_string(),
        size: i64::try_from(node.meta.size).unwrap_or(i64::MAX),
        mtime_ms: node.meta.mtime.map_or(0, |t| t.as_millisecond()),
        content: fingerprint(node),
        ..IndexChange::default()
    }
}

/// A fingerprint that tells versions of one path apart: FNV-1a over a file's blob ids or a link's
/// target. Blob ids are SHA-256 hashes already, so 32 bits of them separate the versions of one path.
fn fingerprint(node: &Node) -> u32 {
    let mut hash = 0x811c_9dc5_u32;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash = (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193);
        }
    };
    match &node.node_type {
        NodeType::File => node
            .content
            .iter()
            .flatten()
            .for_each(|id| feed(&id.as_u32().to_le_bytes())),
        NodeType::Symlink { .. } => feed(node.node_type.to_link().as_os_str().as_encoded_bytes()),
        NodeType::Dir => return 0,
        _ => {}
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustic_core::repofile::Metadata;

    #[test]
    fn fingerprints_follow_content_and_dirs_have_none() {
        let file = Node::new_node(
            std::ffi::OsStr::new("f"),
            NodeType::File,
            Metadata::default(),
        );
        let mut other = file.clone();
        other.content = Some(vec![rustic_core::DataId::default()]);
        assert_ne!(fingerprint(&file), fingerprint(&other));
        assert_eq!(fingerprint(&other), fingerprint(&other.clone()));
        let dir = Node::new_node(
            std::ffi::OsStr::new("d"),
            NodeType::Dir,
            Metadata::default(),
        );
        assert_eq!(fingerprint(&dir), 0);
        let c = change("/d/f", &file);
        assert_eq!((c.path.as_str(), c.r#type.as_str()), ("/d/f", "file"));
        use std::os::unix::ffi::OsStrExt;
        let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
        assert_eq!(name_text(odd), "caf\\xe9.txt");
        assert_ne!(
            name_text(odd),
            name_text(std::ffi::OsStr::from_bytes(b"caf\xe8.txt"))
        );
        assert_eq!(name_text(std::ffi::OsStr::new("été")), "été");
    }
}
