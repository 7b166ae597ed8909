//! restic's `--files-from`, `--files-from-verbatim` and `--files-from-raw`: backup paths listed in files,
//! read as restic 0.14 reads them. `--files-from` takes a line per pattern (trimmed; blank lines and `#`
//! comments skipped) and expands each as a glob, skipping one that matches nothing; `--files-from-verbatim`
//! takes every non-empty line as it is; `--files-from-raw` takes names each ended by a NUL byte. A listed
//! path that does not exist is skipped, as restic skips it. `-` (standard input) is refused: a backup
//! cairn runs has no standard input to read. Where this differs from restic: the glob crate reads `**` as
//! any depth (Go's `filepath.Glob` as `*`), negates a class with `[!x]` (Go: `[^x]`) and has no `\`
//! escapes; lists in UTF-16 and names that are not UTF-8 are refused (the embedded engine keeps
//! snapshot paths as UTF-8).
use cairn_engine::{EngineError, Result};
use cairn_proto::quoted;

/// How a list file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Patterns,
    Verbatim,
    Raw,
}

impl ListKind {
    pub fn flag(self) -> &'static str {
        match self {
            ListKind::Patterns => "--files-from",
            ListKind::Verbatim => "--files-from-verbatim",
            ListKind::Raw => "--files-from-raw",
        }
    }
}

fn invalid(message: String) -> EngineError {
    EngineError::Invalid(message)
}

/// The existing paths the list file `file` names.
pub fn read(kind: ListKind, file: &str) -> Result<Vec<String>> {
    if file == "-" {
        return Err(invalid(format!(
            "{} - reads standard input, which a backup cairn runs does not have; write the list to a file and give its path",
            kind.flag()
        )));
    }
    let bytes = std::fs::read(file).map_err(|e| EngineError::io(file, e))?;
    let listed = match kind {
        ListKind::Patterns => expand(text(kind, file, &bytes)?)?,
        // `lines` splits as Go's line scanner does: at `\n`, dropping a `\r` before it.
        ListKind::Verbatim => text(kind, file, &bytes)?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        ListKind::Raw => raw_names(&bytes)?,
    };
    Ok(listed.into_iter().filter(|p| exists(kind, p)).collect())
}

/// A text list (a UTF-8 byte order mark skipped, as restic skips it).
fn text<'a>(kind: ListKind, file: &str, bytes: &'a [u8]) -> Result<&'a str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| {
        invalid(format!(
            "{} {file}: not UTF-8 text; the embedded engine reads UTF-8 lists only (the restic engine also reads UTF-16)",
            kind.flag()
        ))
    })
}

fn not_utf8(flag: &str, name: &[u8]) -> EngineError {
    invalid(format!(
        "{flag}: {} is not a UTF-8 name, which the embedded engine cannot keep in a snapshot's paths; rename it, or back it up with the restic engine",
        quoted(&String::from_utf8_lossy(name))
    ))
}

/// Each pattern line's glob matches, in order.
fn expand(text: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let matches = glob::glob(line).map_err(|e| {
            invalid(format!(
                "--files-from pattern {line}: {e}",
                line = quoted(&line)
            ))
        })?;
        let before = out.len();
        for path in matches.flatten() {
            let path = path
                .into_os_string()
                .into_string()
                .map_err(|p| not_utf8("--files-from", p.as_encoded_bytes()))?;
            out.push(path);
        }
        if out.len() == before {
            tracing::warn!(
                "--files-from pattern {} matches no files; skipped",
                quoted(line)
            );
        }
    }
    Ok(out)
}

/// Names each ended by a NUL byte.
fn raw_names(bytes: &[u8]) -> Result<Vec<String>> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let Some(body) = bytes.strip_suffix(b"\0") else {
        return Err(invalid(
            "--files-from-raw: the last name has no NUL byte after it".into(),
        ));
    };
    body.split(|b| *b == 0)
        .map(|name| {
            if name.is_empty() {
                return Err(invalid(
                    "--files-from-raw: an empty name in the list".into(),
                ));
            }
            String::from_utf8(name.to_vec()).map_err(|_| not_utf8("--files-from-raw", name))
        })
        .collect()
}

fn exists(kind: ListKind, path: &str) -> bool {
    let found = std::fs::symlink_metadata(path).is_ok();
    if !found {
        tracing::warn!(
            "{} lists {}, which does not exist; skipped",
            kind.flag(),
            quoted(path)
        );
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn each_kind_reads_its_list_as_restic_does() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.md", "b.md", "c.txt", " spaced"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let d = dir.path().to_string_lossy().into_owned();
        let patterns = format!("\u{feff}# a comment\n\n  {d}/*.md  \r\n{d}/nothing-*\n{d}/c.txt\n");
        let read_patterns = read(
            ListKind::Patterns,
            &list(dir.path(), "p", patterns.as_bytes()),
        );
        assert_eq!(
            read_patterns.unwrap(),
            [
                format!("{d}/a.md"),
                format!("{d}/b.md"),
                format!("{d}/c.txt")
            ]
        );
        let verbatim = format!("{d}/ spaced\n\n{d}/*.md\n{d}/c.txt");
        let read_verbatim = read(
            ListKind::Verbatim,
            &list(dir.path(), "v", verbatim.as_bytes()),
        );
        assert_eq!(
            read_verbatim.unwrap(),
            [format!("{d}/ spaced"), format!("{d}/c.txt")],
            "no trimming, no globs; a missing path is skipped"
        );
        let raw = format!("{d}/a.md\0{d}/ spaced\0");
        let read_raw = read(ListKind::Raw, &list(dir.path(), "r", raw.as_bytes()));
        assert_eq!(
            read_raw.unwrap(),
            [format!("{d}/a.md"), format!("{d}/ spaced")]
        );
    }

    #[test]
    fn bad_lists_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = |kind, bytes: &[u8]| {
            read(kind, &list(dir.path(), "l", bytes))
                .unwrap_err()
                .to_string()
        };
        assert!(err(ListKind::Raw, b"/a\0/b").contains("no NUL byte after it"));
        assert!(err(ListKind::Raw, b"/a\0\0").contains("empty name"));
        assert!(err(ListKind::Patterns, b"/a/[").contains("pattern"));
        assert!(err(ListKind::Verbatim, b"\xff\xfe").contains("UTF-8 lists only"));
        assert!(err(ListKind::Raw, b"/tmp/\xff\0").contains("not a UTF-8 name"));
        let stdin = read(ListKind::Patterns, "-").unwrap_err().to_string();
        assert!(stdin.contains("standard input"), "{stdin}");
        let missing = read(ListKind::Verbatim, "/nonexistent/list")
            .unwrap_err()
            .to_string();
        assert!(missing.contains("/nonexistent/list"), "{missing}");
    }
}
