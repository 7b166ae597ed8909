//! Walking two versions of a directory side by side: nothing when their tree ids are equal (nothing
//! differs below), else each tree's nodes sorted by name, then paired by name, so that every name
//! present in either version is visited once with what each version holds. The snapshot comparison
//! and the search index's change stream both walk this way.
use super::Fail;
use rustic_core::repofile::Node;
use rustic_core::{IndexedTree, Repository, TreeId};
use std::cmp::Ordering;

/// Calls `visit` with each name's node in tree `a` and in tree `b` (either may be absent), in name
/// order; nothing when the trees are the same. Stops at the first error.
pub fn pair_trees<S: IndexedTree>(
    repo: &Repository<S>,
    a: Option<TreeId>,
    b: Option<TreeId>,
    visit: impl FnMut(Option<&Node>, Option<&Node>) -> Result<(), Fail>,
) -> Result<(), Fail> {
    if a == b {
        return Ok(());
    }
    pair_by_name(&sorted_nodes(repo, a)?, &sorted_nodes(repo, b)?, visit)
}

/// The nodes of a tree sorted by name; none for no tree.
fn sorted_nodes<S: IndexedTree>(
    repo: &Repository<S>,
    tree: Option<TreeId>,
) -> Result<Vec<Node>, Fail> {
    let Some(id) = tree else {
        return Ok(Vec::new());
    };
    let mut nodes = repo.get_tree(&id)?.nodes;
    nodes.sort_by(|x, y| x.name().cmp(&y.name()));
    Ok(nodes)
}

/// Calls `visit` with each name's node in `xs` and in `ys` (both sorted by name), in name order; at
/// least one side is present. Stops at the first error.
fn pair_by_name(
    xs: &[Node],
    ys: &[Node],
    mut visit: impl FnMut(Option<&Node>, Option<&Node>) -> Result<(), Fail>,
) -> Result<(), Fail> {
    let (mut i, mut j) = (0, 0);
    while i < xs.len() || j < ys.len() {
        let order = match (xs.get(i), ys.get(j)) {
            (Some(x), Some(y)) => x.name().cmp(&y.name()),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        let x = (order != Ordering::Greater).then(|| xs.get(i)).flatten();
        let y = (order != Ordering::Less).then(|| ys.get(j)).flatten();
        i += usize::from(order != Ordering::Greater);
        j += usize::from(order != Ordering::Less);
        visit(x, y)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustic_core::repofile::{Metadata, NodeType};

    fn node(name: &str) -> Node {
        Node::new_node(
            std::ffi::OsStr::new(name),
            NodeType::File,
            Metadata::default(),
        )
    }

    #[test]
    fn names_pair_across_both_sides_in_order() {
        let xs = [node("a"), node("c"), node("d")];
        let ys = [node("b"), node("c"), node("e")];
        let mut seen = Vec::new();
        pair_by_name(&xs, &ys, |x, y| {
            let name = |n: Option<&Node>| n.map(|n| n.name().to_string_lossy().into_owned());
            seen.push((name(x), name(y)));
            Ok(())
        })
        .unwrap();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            seen,
            vec![
                (s("a"), None),
                (None, s("b")),
                (s("c"), s("c")),
                (s("d"), None),
                (None, s("e"))
            ]
        );
    }
}
