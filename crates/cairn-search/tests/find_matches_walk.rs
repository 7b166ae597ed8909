//! The index answers a search exactly as walking every snapshot would: generated histories of trees
//! (entries added, changed, removed and re-added, snapshots with and without a base, some forgotten),
//! each search compared with a brute-force walk of the remaining snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]
use cairn_proto::cairn::v1::{FoundFiles, FoundPath, FoundVersion, IndexChange};
use cairn_search::{Feed, Find, NewSnapshot, SearchIndex};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A path's state: (kind, size, mtime, content).
type State = (String, i64, i64, u32);
/// A snapshot's tree: path → state.
type Tree = BTreeMap<String, State>;
/// Each state of a path with the snapshots (time, id) holding it.
type Versions = BTreeMap<State, Vec<(i64, String)>>;

const DIRS: [&str; 3] = ["/home", "/home/docs", "/srv/Photos"];
const NAMES: [&str; 6] = [
    "report.txt",
    "Report-2.TXT",
    "img.jpg",
    "notes.md",
    "a",
    "docs",
];

fn file(dir: usize, name: usize) -> String {
    format!("{}/{}", DIRS[dir], NAMES[name])
}

/// One generated snapshot: the files it holds (dir, name) → (size, mtime, content), whether it is
/// compared with the previous one.
#[derive(Clone, Debug)]
struct Gen {
    files: BTreeMap<(usize, usize), (i64, i64, u32)>,
    with_base: bool,
}

fn gen_snapshot() -> impl Strategy<Value = Gen> {
    (
        prop::collection::btree_map((0..3usize, 0..6usize), (0..3i64, 0..3i64, 0..2u32), 0..10),
        any::<bool>(),
    )
        .prop_map(|(files, with_base)| Gen { files, with_base })
}

fn tree_of(g: &Gen) -> Tree {
    let mut tree = Tree::new();
    for ((d, n), (size, mtime, content)) in &g.files {
        let mut dir = String::new();
        for part in DIRS[*d].split('/').skip(1) {
            dir = format!("{dir}/{part}");
            tree.insert(dir.clone(), ("dir".into(), 0, 0, 0));
        }
        let path = file(*d, *n);
        // A name used as a directory elsewhere in this snapshot stays a directory.
        tree.entry(path)
            .or_insert(("file".into(), *size, *mtime, *content));
    }
    tree
}

fn changes(base: Option<&Tree>, tree: &Tree) -> Vec<Feed> {
    let empty = Tree::new();
    let base = base.unwrap_or(&empty);
    let mut out = Vec::new();
    for (path, (kind, size, mtime, content)) in tree {
        if base.get(path) != tree.get(path) {
            out.push(Feed::Change(IndexChange {
                path: path.clone(),
                r#type: kind.clone(),
                size: *size,
                mtime_ms: *mtime,
                content: *content,
                ..IndexChange::default()
            }));
        }
    }
    for path in base.keys().filter(|p| !tree.contains_key(*p)) {
        out.push(Feed::Change(IndexChange {
            path: path.clone(),
            ..IndexChange::default()
        }));
    }
    out.push(Feed::End(out.len() as u64));
    out
}

fn walk(kept: &[(String, i64, Tree)], find: &Find) -> FoundFiles {
    let pattern = find.pattern.to_lowercase();
    let mut by_path: BTreeMap<&str, Versions> = BTreeMap::new();
    for (id, time, tree) in kept {
        for (path, state) in tree {
            let name = path.rsplit('/').next().unwrap_or_default().to_lowercase();
            let size_ok = find.min_size.is_none_or(|m| state.1 >= m);
            if name.contains(&pattern) && size_ok {
                let versions = by_path.entry(path).or_default();
                versions
                    .entry(state.clone())
                    .or_default()
                    .push((*time, id.clone()));
            }
        }
    }
    let paths = by_path
        .into_iter()
        .map(|(path, versions)| {
            let mut versions: Vec<FoundVersion> = versions
                .into_iter()
                .map(|(state, mut holders)| {
                    holders.sort();
                    FoundVersion {
                        size: state.1,
                        mtime_ms: state.2,
                        first_time_ms: holders.first().unwrap().0,
                        last_time_ms: holders.last().unwrap().0,
                        snapshot_ids: holders.into_iter().map(|h| h.1).collect(),
                        r#type: state.0,
                        ..FoundVersion::default()
                    }
                })
                .collect();
            versions.sort_by_key(|v| (v.first_time_ms, v.mtime_ms));
            FoundPath {
                path: path.to_string(),
                r#type: versions[0].r#type.clone(),
                versions,
                ..FoundPath::default()
            }
        })
        .collect();
    FoundFiles {
        paths,
        snapshots_indexed: kept.len() as i32,
        ..FoundFiles::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn search_equals_a_walk_of_every_snapshot(
        history in prop::collection::vec(gen_snapshot(), 1..8),
        forget in prop::collection::vec(any::<bool>(), 8),
        min_size in prop::option::of(0..3i64),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(&dir.path().join("index.sqlite")).unwrap();
        let mut all: Vec<(String, i64, Tree)> = Vec::new();
        for (n, g) in history.iter().enumerate() {
            let tree = tree_of(g);
            let base = all.last().filter(|_| g.with_base);
            let snap = NewSnapshot {
                id: format!("snap{n}"),
                // Times are not in the order of adding, as with snapshots of several hosts.
                time_ms: ((n as i64) * 7) % 5,
                base: base.map(|b| b.0.clone()),
            };
            index.add(&snap, changes(base.map(|b| &b.2), &tree)).unwrap();
            all.push((snap.id, snap.time_ms, tree));
        }
        let gone: Vec<String> = all.iter().zip(&forget).filter(|(_, f)| **f).map(|(s, _)| s.0.clone()).collect();
        index.forget(&gone).unwrap();
        let kept: Vec<_> = all.into_iter().filter(|s| !gone.contains(&s.0)).collect();
        for pattern in ["rep", "TXT", "docs", "a", "img.jpg", "zzz"] {
            let find = Find { pattern: pattern.into(), min_size, ..Find::default() };
            let expected = walk(&kept, &find);
            prop_assert_eq!(index.find(&find).unwrap(), expected, "pattern {}", pattern);
        }
    }
}

#[test]
fn a_failed_or_unfinished_read_records_nothing_of_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(&dir.path().join("index.sqlite")).unwrap();
    let snap = NewSnapshot {
        id: "s1".into(),
        ..NewSnapshot::default()
    };
    let one = || {
        Feed::Change(IndexChange {
            path: "/a".into(),
            r#type: "file".into(),
            ..IndexChange::default()
        })
    };
    for (feed, says) in [
        (
            vec![one(), Feed::Failed("the repository went away".into())],
            "went away",
        ),
        (vec![one()], "stopped before its end"),
        (
            vec![one(), Feed::End(2)],
            "2 changes were read but 1 arrived",
        ),
    ] {
        let err = index.add(&snap, feed).unwrap_err().to_string();
        assert!(err.contains("s1") && err.contains(says), "{err}");
        assert!(index.snapshots().unwrap().is_empty());
    }
    let base = NewSnapshot {
        id: "s2".into(),
        base: Some("nope".into()),
        ..NewSnapshot::default()
    };
    assert!(index.add(&base, vec![Feed::End(0)]).is_err());
    assert_eq!(index.add(&snap, vec![one(), Feed::End(1)]).unwrap(), 1);
}

#[test]
fn limits_and_bad_patterns_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(&dir.path().join("index.sqlite")).unwrap();
    let changes = (0..5)
        .map(|i| {
            Feed::Change(IndexChange {
                path: format!("/d/file{i}"),
                r#type: "file".into(),
                ..IndexChange::default()
            })
        })
        .chain([Feed::End(5)]);
    let snap = NewSnapshot {
        id: "s".into(),
        ..NewSnapshot::default()
    };
    index.add(&snap, changes).unwrap();
    let found = index
        .find(&Find {
            pattern: "file*".into(),
            limit: 3,
            ..Find::default()
        })
        .unwrap();
    assert_eq!(found.paths.len(), 3);
    assert!(found.truncated);
    assert_eq!(found.paths[0].path, "/d/file0");
    let err = index
        .find(&Find {
            pattern: "[".into(),
            ..Find::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("not a valid glob"), "{err}");
}
