//! Snapshot contents as a tar or zip stream (restic's `dump --archive`): directories, files with their
//! permissions and modification times, and symlinks; other node types have no archive form and are left
//! out. Both formats are written front to back, so nothing is buffered beyond one blob.
use super::Fail;
use super::browse::NodeReader;
use rustic_core::repofile::{Node, NodeType};
use rustic_core::{IndexedFull, Repository};
use std::io::Write;

pub enum Archive<W: Write> {
    Tar(tar::Builder<W>),
    Zip(Box<zip::ZipWriter<zip::write::StreamWriter<W>>>),
}

fn mode(node: &Node) -> u32 {
    node.meta.mode.unwrap_or(0o644) & 0o777
}

fn mtime(node: &Node) -> u64 {
    node.meta
        .mtime
        .map(|t| u64::try_from(t.as_second()).unwrap_or(0))
        .unwrap_or(0)
}

fn io(e: std::io::Error) -> Fail {
    Fail::other(format!("writing the archive: {e}"))
}

fn zip_error(e: zip::result::ZipError) -> Fail {
    Fail::other(format!("writing the zip archive: {e}"))
}

impl<W: Write> Archive<W> {
    pub fn new(out: W, zip: bool) -> Self {
        if zip {
            Archive::Zip(Box::new(zip::ZipWriter::new_stream(out)))
        } else {
            let mut b = tar::Builder::new(out);
            b.mode(tar::HeaderMode::Complete);
            Archive::Tar(b)
        }
    }

    pub fn add<S: IndexedFull>(
        &mut self,
        repo: &Repository<S>,
        name: &str,
        node: &Node,
    ) -> Result<(), Fail> {
        if name.is_empty() {
            return Ok(());
        }
        match self {
            Archive::Tar(b) => add_tar(b, repo, name, node),
            Archive::Zip(z) => add_zip(z, repo, name, node),
        }
    }

    pub fn finish(self) -> Result<W, Fail> {
        match self {
            Archive::Tar(b) => b.into_inner().map_err(io),
            Archive::Zip(z) => Ok((*z).finish().map_err(zip_error)?.into_inner()),
        }
    }
}

fn add_tar<W: Write, S: IndexedFull>(
    b: &mut tar::Builder<W>,
    repo: &Repository<S>,
    name: &str,
    node: &Node,
) -> Result<(), Fail> {
    let mut h = tar::Header::new_gnu();
    h.set_mode(mode(node));
    h.set_mtime(mtime(node));
    h.set_uid(node.meta.uid.map(u64::from).unwrap_or(0));
    h.set_gid(node.meta.gid.map(u64::from).unwrap_or(0));
    match &node.node_type {
        NodeType::Dir => {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_size(0);
            b.append_data(&mut h, format!("{name}/"), std::io::empty())
                .map_err(io)
        }
        NodeType::File => {
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(node.meta.size);
            b.append_data(&mut h, name, NodeReader::new(repo, node)?)
                .map_err(io)
        }
        NodeType::Symlink { linktarget, .. } => {
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, linktarget).map_err(io)
        }
        _ => Ok(()),
    }
}

fn add_zip<W: Write, S: IndexedFull>(
    z: &mut zip::ZipWriter<zip::write::StreamWriter<W>>,
    repo: &Repository<S>,
    name: &str,
    node: &Node,
) -> Result<(), Fail> {
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(mode(node))
        .large_file(node.meta.size >= u64::from(u32::MAX));
    match &node.node_type {
        NodeType::Dir => z.add_directory(name, opts).map_err(zip_error),
        NodeType::File => {
            z.start_file(name, opts).map_err(zip_error)?;
            std::io::copy(&mut NodeReader::new(repo, node)?, z).map_err(io)?;
            Ok(())
        }
        NodeType::Symlink { linktarget, .. } => {
            z.add_symlink(name, linktarget, opts).map_err(zip_error)
        }
        _ => Ok(()),
    }
}
