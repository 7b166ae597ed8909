//! Comparing two snapshots tree by tree. Directories whose tree ids are equal hold nothing different
//! and are never read, so the work follows the changes, not the size of the snapshots; nothing but the
//! current path's two trees is held in memory. Each differing entry goes to cairn as a line of JSON
//! (a `DiffEntry`) the moment it is found; the job's result is the totals.
use super::browse::{ls_entry, node_kind};
use super::tree_pairs::pair_trees;
use super::{Fail, Out, repo};
use crate::protocol::Job;
use cairn_engine::add_totals;
use cairn_engine::shared::snapshot_path::{child_path, parent_of};
use cairn_proto::cairn::v1::{DiffEntry, DiffTotals};
use rustic_core::repofile::{Node, NodeType};
use rustic_core::{IndexedTree, Repository, TreeId};

pub fn run(
    job: &Job,
    out: &Out,
    a: &str,
    b: &str,
    path: &str,
    recursive: bool,
) -> Result<serde_json::Value, Fail> {
    let repo = repo::open(job, out, false)?.repo.to_indexed_ids()?;
    let before = node_at(&repo, a, path)?;
    let after = node_at(&repo, b, path)?;
    if before.is_none() && after.is_none() {
        return Err(Fail::invalid(format!(
            "{path} is in neither snapshot {a} nor snapshot {b}"
        )));
    }
    let walk = Walk {
        repo: &repo,
        out,
        recursive,
    };
    let totals = match (&before, &after) {
        (Some(x), Some(y)) if x.is_dir() && y.is_dir() => {
            walk.trees(path, x.subtree, y.subtree, true)?
        }
        _ => walk.entry(parent_of(path), before.as_ref(), after.as_ref(), true)?,
    };
    Ok(Out::json(&totals))
}

/// The node at `path` of a snapshot, None if the snapshot has no such path.
fn node_at<S: IndexedTree>(
    repo: &Repository<S>,
    snapshot: &str,
    path: &str,
) -> Result<Option<Node>, Fail> {
    let snap = repo.get_snapshot_from_str(snapshot, |_| true)?;
    Ok(repo.node_from_snapshot_and_path(&snap, path).ok())
}

struct Walk<'a, S: IndexedTree> {
    repo: &'a Repository<S>,
    out: &'a Out,
    recursive: bool,
}

impl<S: IndexedTree> Walk<'_, S> {
    /// Compares the trees of a directory in the two snapshots (either may be absent), sending the
    /// differing entries when `emit`; returns the totals of everything that differs below `dir`.
    fn trees(
        &self,
        dir: &str,
        a: Option<TreeId>,
        b: Option<TreeId>,
        emit: bool,
    ) -> Result<DiffTotals, Fail> {
        let mut totals = DiffTotals::default();
        pair_trees(self.repo, a, b, |x, y| {
            add_totals(&mut totals, &self.entry(dir, x, y, emit)?);
            Ok(())
        })?;
        Ok(totals)
    }

    /// Compares one entry of `dir` (present in at least one snapshot) and what it holds. When
    /// recursive, the entry is sent before what differs below it; otherwise it is sent after, with the
    /// totals of what differs below it.
    fn entry(
        &self,
        dir: &str,
        before: Option<&Node>,
        after: Option<&Node>,
        emit: bool,
    ) -> Result<DiffTotals, Fail> {
        let (change, metadata, mut totals) = classify(before, after);
        let subtree = |n: Option<&Node>| n.and_then(|n| n.subtree);
        let has_tree = before.is_some_and(Node::is_dir) || after.is_some_and(Node::is_dir);
        let node = before.or(after).ok_or_else(|| Fail::other("no entry"))?;
        let path = child_path(dir, &node.name().to_string_lossy());
        let make = |inside: Option<DiffTotals>| DiffEntry {
            path: path.clone(),
            change: change.to_string(),
            before: before.map(|n| ls_entry(dir, n)).into(),
            after: after.map(|n| ls_entry(dir, n)).into(),
            metadata: metadata.clone(),
            inside: inside.into(),
            ..DiffEntry::default()
        };
        let listing_all = emit && self.recursive;
        if listing_all && !change.is_empty() {
            self.send(&make(None));
        }
        let below = self.trees(&path, subtree(before), subtree(after), listing_all)?;
        if emit && !self.recursive && (!change.is_empty() || below != DiffTotals::default()) {
            self.send(&make(has_tree.then(|| below.clone())));
        }
        add_totals(&mut totals, &below);
        Ok(totals)
    }

    fn send(&self, entry: &DiffEntry) {
        self.out.line(Out::json(entry).to_string());
    }
}

/// What kind of entry a node is for counting: a file, a directory or anything else.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Other,
}

fn kind(node: &Node) -> Kind {
    match node.node_type {
        NodeType::File => Kind::File,
        NodeType::Dir => Kind::Dir,
        _ => Kind::Other,
    }
}

fn size(node: &Node) -> i64 {
    i64::try_from(node.meta.size).unwrap_or(i64::MAX)
}

/// Counts a node as added (`added` true) or removed.
fn count(totals: &mut DiffTotals, node: &Node, added: bool) {
    let (files, dirs, others, bytes) = if added {
        (
            &mut totals.files_added,
            &mut totals.dirs_added,
            &mut totals.others_added,
            &mut totals.bytes_added,
        )
    } else {
        (
            &mut totals.files_removed,
            &mut totals.dirs_removed,
            &mut totals.others_removed,
            &mut totals.bytes_removed,
        )
    };
    match kind(node) {
        Kind::File => {
            *files += 1;
            *bytes += size(node);
        }
        Kind::Dir => *dirs += 1,
        Kind::Other => *others += 1,
    }
}

/// The change of one entry itself (not what it holds): its marker, the metadata that differs and its
/// own counts.
fn classify(
    before: Option<&Node>,
    after: Option<&Node>,
) -> (&'static str, Vec<String>, DiffTotals) {
    let mut totals = DiffTotals::default();
    let (x, y) = match (before, after) {
        (Some(x), Some(y)) => (x, y),
        (None, Some(y)) => {
            count(&mut totals, y, true);
            return ("+", Vec::new(), totals);
        }
        (Some(x), None) => {
            count(&mut totals, x, false);
            return ("-", Vec::new(), totals);
        }
        (None, None) => return ("", Vec::new(), totals),
    };
    let metadata = metadata_changes(x, y);
    let change = if node_kind(x) != node_kind(y) {
        count(&mut totals, x, false);
        count(&mut totals, y, true);
        "T"
    } else if kind(x) == Kind::File && x.content != y.content {
        totals.files_changed += 1;
        totals.bytes_added += size(y);
        totals.bytes_removed += size(x);
        "M"
    } else if !metadata.is_empty() {
        totals.metadata_changed += 1;
        "U"
    } else {
        ""
    };
    (change, metadata, totals)
}

/// Which metadata of a node differs between the snapshots (access times are not compared).
fn metadata_changes(x: &Node, y: &Node) -> Vec<String> {
    let (a, b) = (&x.meta, &y.meta);
    let checks = [
        ("size", a.size != b.size),
        ("mode", a.mode != b.mode),
        (
            "owner",
            (a.uid, a.gid, &a.user, &a.group) != (b.uid, b.gid, &b.user, &b.group),
        ),
        ("mtime", a.mtime != b.mtime),
        ("ctime", a.ctime != b.ctime),
        (
            "target",
            matches!(x.node_type, NodeType::Symlink { .. }) && x.node_type != y.node_type,
        ),
        ("xattrs", a.extended_attributes != b.extended_attributes),
    ];
    checks
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(name, _)| (*name).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64) -> Node {
        let mut n = Node::new_node(
            std::ffi::OsStr::new(name),
            NodeType::File,
            rustic_core::repofile::Metadata::default(),
        );
        n.meta.size = size;
        n
    }

    #[test]
    fn added_removed_and_changed_entries_are_counted() {
        let (c, _, t) = classify(None, Some(&file("f", 10)));
        assert_eq!((c, t.files_added, t.bytes_added), ("+", 1, 10));
        let (c, _, t) = classify(Some(&file("f", 7)), None);
        assert_eq!((c, t.files_removed, t.bytes_removed), ("-", 1, 7));
        let mut changed = file("f", 12);
        changed.content = Some(Vec::new());
        let (c, meta, t) = classify(Some(&file("f", 7)), Some(&changed));
        assert_eq!((c, t.files_changed), ("M", 1));
        assert_eq!((t.bytes_added, t.bytes_removed), (12, 7));
        assert_eq!(meta, vec!["size"]);
        let mut moded = file("f", 7);
        moded.meta.mode = Some(0o600);
        let (c, meta, t) = classify(Some(&file("f", 7)), Some(&moded));
        assert_eq!((c, t.metadata_changed), ("U", 1));
        assert_eq!(meta, vec!["mode"]);
        let dir = Node::new_node(
            std::ffi::OsStr::new("f"),
            NodeType::Dir,
            rustic_core::repofile::Metadata::default(),
        );
        let (c, _, t) = classify(Some(&file("f", 3)), Some(&dir));
        assert_eq!(c, "T");
        assert_eq!((t.files_removed, t.dirs_added, t.bytes_removed), (1, 1, 3));
    }
}
