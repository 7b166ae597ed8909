//! Archives of restored files for downloads: a directory (or one file) written as tar.gz or zip to a
//! synchronous writer, symlinks stored as links (never followed), so nothing outside the root is read.
use cairn_proto::quoted;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// A `?format=` that names no archive format cairn writes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown archive format {}; use format=tar.gz or format=zip", quoted(.0))]
pub struct UnknownFormat(pub String);

/// The archive formats a download can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    TarGz,
    Zip,
}

impl Format {
    /// From `?format=` or the requested file name; tar.gz when neither says.
    pub fn pick(query: Option<&str>, name: &str) -> Result<Self, UnknownFormat> {
        match query {
            Some("zip") => Ok(Format::Zip),
            Some("tar.gz" | "tgz" | "targz") => Ok(Format::TarGz),
            Some(other) => Err(UnknownFormat(other.to_string())),
            None if name.ends_with(".zip") => Ok(Format::Zip),
            None => Ok(Format::TarGz),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::TarGz => "tar.gz",
            Format::Zip => "zip",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::TarGz => "application/gzip",
            Format::Zip => "application/zip",
        }
    }
}

/// Writes `root` (named `name` inside the archive) as tar.gz.
pub fn write_tar_gz(root: &Path, name: &str, out: impl Write) -> io::Result<()> {
    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(false);
    if fs::symlink_metadata(root)?.is_dir() {
        tar.append_dir_all(name, root)?;
    } else {
        tar.append_path_with_name(root, name)?;
    }
    tar.into_inner()?.finish()?.flush()
}

/// Writes `root` (named `name` inside the archive) as a zip, streamed (no seeking).
pub fn write_zip(root: &Path, name: &str, out: impl Write) -> io::Result<()> {
    let mut zip = zip::ZipWriter::new_stream(out);
    add_to_zip(&mut zip, root, name)?;
    zip.finish().map_err(io::Error::other)?.flush()
}

fn add_to_zip<W: Write>(
    zip: &mut zip::ZipWriter<zip::write::StreamWriter<W>>,
    path: &Path,
    name: &str,
) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::symlink_metadata(path)?;
    let options = zip::write::SimpleFileOptions::default()
        .unix_permissions(meta.permissions().mode() & 0o7777)
        .large_file(meta.len() >= u32::MAX as u64);
    if meta.file_type().is_symlink() {
        let target = fs::read_link(path)?;
        zip.add_symlink(name, target.to_string_lossy(), options)
            .map_err(io::Error::other)?;
    } else if meta.is_dir() {
        zip.add_directory(name, options).map_err(io::Error::other)?;
        let mut entries: Vec<_> = fs::read_dir(path)?.collect::<io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let child = format!("{name}/{}", e.file_name().to_string_lossy());
            add_to_zip(zip, &e.path(), &child)?;
        }
    } else if meta.is_file() {
        zip.start_file(name, options).map_err(io::Error::other)?;
        io::copy(&mut fs::File::open(path)?, zip)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("d/sub")).unwrap();
        fs::write(dir.path().join("d/a.txt"), b"alpha").unwrap();
        fs::write(dir.path().join("d/sub/b.txt"), b"beta").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("d/link")).unwrap();
        dir
    }

    #[test]
    fn tar_gz_holds_the_files_and_keeps_symlinks_as_links() {
        let dir = tree();
        let mut buf = Vec::new();
        write_tar_gz(&dir.path().join("d"), "d", &mut buf).unwrap();
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(&buf[..]));
        let mut seen = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let path = e.path().unwrap().to_string_lossy().into_owned();
            if path == "d/a.txt" {
                let mut s = String::new();
                e.read_to_string(&mut s).unwrap();
                assert_eq!(s, "alpha");
            }
            if path == "d/link" {
                assert!(e.header().entry_type().is_symlink());
            }
            seen.push(path);
        }
        assert!(seen.contains(&"d/sub/b.txt".to_string()), "{seen:?}");
    }

    #[test]
    fn zip_holds_the_files() {
        let dir = tree();
        let mut buf = Vec::new();
        write_zip(&dir.path().join("d"), "d", &mut buf).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(buf)).unwrap();
        let mut s = String::new();
        z.by_name("d/sub/b.txt")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "beta");
    }

    #[test]
    fn formats_come_from_the_query_or_the_name() {
        assert_eq!(Format::pick(Some("zip"), "x"), Ok(Format::Zip));
        assert_eq!(Format::pick(None, "x.zip"), Ok(Format::Zip));
        assert_eq!(Format::pick(None, ""), Ok(Format::TarGz));
        assert!(Format::pick(Some("rar"), "").is_err());
    }
}
