//! Reading a repository: snapshots (restic's filters), one directory of a snapshot, and archives of a
//! path streamed to cairn as tar or zip. Reads take no lock, as restic's `ls`, `dump` and `snapshots
//! --no-lock` do not need one to be safe.
use super::archive::Archive;
use super::{Fail, Out, repo};
use crate::protocol::{DumpForm, Job};
use cairn_engine::shared::restic_json as json;
use cairn_engine::shared::snapshot_path::child_path;
use cairn_proto::v1::{LsEntry, ResticSnapshot};
use rustic_core::repofile::{Node, NodeType, SnapshotFile};
use rustic_core::{IndexedFull, IndexedTree, Repository};
use std::io::{Read, Write};

pub fn snapshot_proto(snap: &SnapshotFile) -> Result<ResticSnapshot, Fail> {
    let value = serde_json::to_value(snap).map_err(|e| Fail::other(e.to_string()))?;
    let parsed: json::Snapshot =
        serde_json::from_value(value).map_err(|e| Fail::other(e.to_string()))?;
    Ok(parsed.to_proto())
}

/// restic's snapshot filters: all of the tags, the host, all of the paths.
pub fn matches(
    snap: &SnapshotFile,
    tags: &[String],
    host: &Option<String>,
    paths: &[String],
) -> bool {
    let snap_tags: Vec<&String> = snap.tags.iter().collect();
    let snap_paths: Vec<&String> = snap.paths.iter().collect();
    tags.iter().all(|t| snap_tags.contains(&t))
        && host.as_ref().is_none_or(|h| &snap.hostname == h)
        && paths.iter().all(|p| snap_paths.contains(&p))
}

pub fn snapshots(
    job: &Job,
    out: &Out,
    tags: &[String],
    host: &Option<String>,
    paths: &[String],
) -> Result<serde_json::Value, Fail> {
    let opened = repo::open(job, out, false)?;
    let mut snaps = opened.repo.get_all_snapshots()?;
    snaps.retain(|s| matches(s, tags, host, paths));
    snaps.sort_by(|a, b| a.time.cmp(&b.time));
    let list = snaps
        .iter()
        .map(snapshot_proto)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(serde_json::Value::Array(
        list.iter().map(Out::json).collect(),
    ))
}

pub(super) fn node_kind(node: &Node) -> &'static str {
    match node.node_type {
        NodeType::File => "file",
        NodeType::Dir => "dir",
        NodeType::Symlink { .. } => "symlink",
        NodeType::Dev { .. } => "dev",
        NodeType::Chardev { .. } => "chardev",
        NodeType::Fifo => "fifo",
        NodeType::Socket => "socket",
    }
}

fn time_text(t: &Option<jiff::Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

pub(super) fn ls_entry(dir: &str, node: &Node) -> LsEntry {
    let name = node.name().to_string_lossy().into_owned();
    let path = child_path(dir, &name);
    LsEntry {
        r#type: node_kind(node).into(),
        path,
        uid: node.meta.uid.map(i64::from).unwrap_or_default(),
        gid: node.meta.gid.map(i64::from).unwrap_or_default(),
        size: i64::try_from(node.meta.size).unwrap_or(i64::MAX),
        mode: node.meta.mode.map(i64::from).unwrap_or_default(),
        mtime: time_text(&node.meta.mtime),
        atime: time_text(&node.meta.atime),
        ctime: time_text(&node.meta.ctime),
        name,
        ..Default::default()
    }
}

/// The node at `path` of a snapshot, with a clear error when there is none.
fn node_at<S: IndexedTree>(repo: &Repository<S>, snapshot: &str, path: &str) -> Result<Node, Fail> {
    let snap = repo.get_snapshot_from_str(snapshot, |_| true)?;
    repo.node_from_snapshot_and_path(&snap, path)
        .map_err(|_| Fail::invalid(format!("{path} is not in snapshot {snapshot}")))
}

pub fn ls(job: &Job, out: &Out, snapshot: &str, dir: &str) -> Result<serde_json::Value, Fail> {
    let repo = repo::open(job, out, false)?.repo.to_indexed_ids()?;
    let node = node_at(&repo, snapshot, dir)?;
    let Some(tree) = node.subtree else {
        return Err(Fail::invalid(format!(
            "{dir} is not a directory in snapshot {snapshot}"
        )));
    };
    let entries: Vec<serde_json::Value> = repo
        .get_tree(&tree)?
        .nodes
        .iter()
        .map(|n| Out::json(&ls_entry(dir, n)))
        .collect();
    Ok(serde_json::Value::Array(entries))
}

/// A file's content as a reader, one blob at a time.
pub struct NodeReader<'a, S: IndexedFull> {
    repo: &'a Repository<S>,
    file: rustic_core::vfs::OpenFile,
    offset: usize,
    size: usize,
}

impl<'a, S: IndexedFull> NodeReader<'a, S> {
    pub fn new(repo: &'a Repository<S>, node: &Node) -> Result<Self, Fail> {
        Ok(NodeReader {
            repo,
            file: repo.open_file(node)?,
            offset: 0,
            size: usize::try_from(node.meta.size).unwrap_or(usize::MAX),
        })
    }
}

impl<S: IndexedFull> Read for NodeReader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf.len().min(self.size.saturating_sub(self.offset));
        if want == 0 {
            return Ok(0);
        }
        let data = self
            .repo
            .read_file_at(&self.file, self.offset, want)
            .map_err(|e| std::io::Error::other(super::fail::describe(&e)))?;
        let n = data.len().min(want);
        buf[..n].copy_from_slice(&data[..n]);
        self.offset += n;
        if n == 0 {
            return Err(std::io::Error::other("a file in the snapshot ended early"));
        }
        Ok(n)
    }
}

/// Archive bytes go to cairn in frames of up to this size.
const CHUNK: usize = 256 << 10;

/// A writer that sends what it is given to cairn as data frames.
struct Frames<'a> {
    out: &'a Out,
    buf: Vec<u8>,
}

impl Write for Frames<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.out.data(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Visits every node under `node` (depth first, parents before children) with its archive path.
fn walk<S: IndexedTree>(
    repo: &Repository<S>,
    node: &Node,
    name: &str,
    visit: &mut dyn FnMut(&str, &Node) -> Result<(), Fail>,
) -> Result<(), Fail> {
    visit(name, node)?;
    if let Some(tree) = node.subtree {
        for child in repo.get_tree(&tree)?.nodes {
            let child_name = child.name().to_string_lossy().into_owned();
            let path = if name.is_empty() {
                child_name
            } else {
                format!("{name}/{child_name}")
            };
            walk(repo, &child, &path, visit)?;
        }
    }
    Ok(())
}

pub fn dump(
    job: &Job,
    out: &Out,
    snapshot: &str,
    path: &str,
    form: DumpForm,
) -> Result<serde_json::Value, Fail> {
    let repo = repo::open(job, out, false)?.repo.to_indexed()?;
    let node = node_at(&repo, snapshot, path)?;
    let mut sink = Frames {
        out,
        buf: Vec::with_capacity(CHUNK),
    };
    if form == DumpForm::Plain {
        if !matches!(node.node_type, NodeType::File) {
            return Err(Fail::invalid(format!(
                "{path} is not a file in snapshot {snapshot}; download a directory as an archive"
            )));
        }
        std::io::copy(&mut NodeReader::new(&repo, &node)?, &mut sink)
            .map_err(|e| Fail::other(format!("writing {path}: {e}")))?;
        sink.flush()
            .map_err(|e| Fail::other(format!("writing {path}: {e}")))?;
        return Ok(serde_json::Value::Null);
    }
    let base = if path == "/" {
        String::new()
    } else {
        node.name().to_string_lossy().into_owned()
    };
    let mut archive = Archive::new(sink, form == DumpForm::Zip);
    walk(&repo, &node, &base, &mut |name, node| {
        archive.add(&repo, name, node)
    })?;
    archive.finish()?.flush()?;
    Ok(serde_json::Value::Null)
}
