//! Paths that come from clients: restore targets, autocomplete prefixes and download sub-paths. Each is
//! checked before use so that it can never reach outside where it is meant to point: no `..`, no
//! relative targets, and symlinks resolved before the containment check.
use cairn_proto::quoted;
use connectrpc::ConnectError;
use std::path::{Component, Path, PathBuf};

/// An absolute path with no `..` component (the restore target, the autocomplete directory).
pub fn absolute(field: &str, text: &str) -> Result<PathBuf, ConnectError> {
    let path = Path::new(text);
    if text.contains('\0') {
        return Err(crate::errors::invalid(field, "contains a NUL byte"));
    }
    if !path.is_absolute() {
        return Err(crate::errors::invalid(
            field,
            format!(
                "{text} is not an absolute path; give the full path, starting with /",
                text = quoted(&text)
            ),
        ));
    }
    if path.components().any(|c| c == Component::ParentDir) {
        return Err(crate::errors::invalid(
            field,
            format!(
                "{text} contains '..'; give the path without it",
                text = quoted(&text)
            ),
        ));
    }
    Ok(path.to_path_buf())
}

/// A path inside a snapshot: empty (the whole snapshot) or absolute, and without `..`.
pub fn in_snapshot(field: &str, text: &str) -> Result<(), ConnectError> {
    if text.split('/').any(|c| c == "..") {
        return Err(crate::errors::invalid(
            field,
            "'..' is not allowed in a snapshot path",
        ));
    }
    if !text.is_empty() && !text.starts_with('/') {
        return Err(crate::errors::invalid(
            field,
            format!(
                "{text} must be an absolute path inside the snapshot",
                text = quoted(&text)
            ),
        ));
    }
    Ok(())
}

/// `sub` (relative, or absolute meaning "from the root") inside `root`, refusing `..` and, once
/// symlinks are resolved, anything that lands outside `root`.
pub fn inside(root: &Path, sub: &str) -> Result<PathBuf, ConnectError> {
    let rel = Path::new(sub.trim_start_matches('/'));
    let clean = rel
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if sub.contains('\0') || !clean {
        return Err(crate::errors::invalid(
            "file_path",
            format!(
                "{sub} must stay inside the restored files; '..' is not allowed",
                sub = quoted(&sub)
            ),
        ));
    }
    // Joining an empty path would add a trailing '/', which a restored single file refuses.
    let joined = if rel.as_os_str().is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let real_root = root
        .canonicalize()
        .map_err(|e| ConnectError::not_found(format!("{}: {e}", root.display())))?;
    let real = joined
        .canonicalize()
        .map_err(|e| ConnectError::not_found(format!("{}: {e}", joined.display())))?;
    if !real.starts_with(&real_root) {
        return Err(crate::errors::invalid(
            "file_path",
            format!(
                "{sub} leads outside the restored files (through a symlink)",
                sub = quoted(&sub)
            ),
        ));
    }
    Ok(real)
}

/// Refuses when `top` or any path from it down to `path` (both included) is a symbolic link. A
/// restore wrote real directories there, so a link means they were replaced since, and following it
/// would serve files from wherever it points.
pub fn unlinked(top: &Path, path: &Path) -> Result<(), ConnectError> {
    for p in path.ancestors().take_while(|p| p.starts_with(top)) {
        let meta = std::fs::symlink_metadata(p)
            .map_err(|e| ConnectError::not_found(format!("{}: {e}", p.display())))?;
        if meta.file_type().is_symlink() {
            return Err(ConnectError::failed_precondition(format!(
                "{} is now a symbolic link, not what the restore wrote; restore again to download",
                p.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restore_replaced_by_a_link_is_refused() {
        let dir = tempfile::TempDir::new().unwrap();
        let target = dir.path().join("target");
        std::fs::create_dir_all(target.join("data/sub")).unwrap();
        assert!(unlinked(&target, &target.join("data/sub")).is_ok());
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(elsewhere.join("sub")).unwrap();
        std::fs::remove_dir_all(target.join("data")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, target.join("data")).unwrap();
        assert!(unlinked(&target, &target.join("data")).is_err());
        assert!(unlinked(&target, &target.join("data/sub")).is_err());
        std::fs::remove_file(target.join("data")).unwrap();
        std::fs::remove_dir_all(&target).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &target).unwrap();
        assert!(unlinked(&target, &target.join("sub")).is_err());
    }

    #[test]
    fn a_restored_single_file_is_its_own_root() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, b"a").unwrap();
        assert_eq!(inside(&file, "").unwrap(), file.canonicalize().unwrap());
        assert!(inside(&file, "x").is_err());
    }

    #[test]
    fn absolute_paths_without_dotdot_only() {
        assert!(absolute("t", "/srv/restore").is_ok());
        assert!(absolute("t", "relative/dir").is_err());
        assert!(absolute("t", "/srv/../etc").is_err());
        assert!(absolute("t", "/srv/a\0b").is_err());
    }

    #[test]
    fn snapshot_paths_are_absolute_without_dotdot() {
        assert!(in_snapshot("p", "").is_ok());
        assert!(in_snapshot("p", "/home/me").is_ok());
        assert!(in_snapshot("p", "home").is_err());
        assert!(in_snapshot("p", "/home/../etc").is_err());
    }

    #[test]
    fn sub_paths_stay_inside_the_root_even_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("escape")).unwrap();
        assert!(inside(&root, "a").is_ok());
        assert!(inside(&root, "/a").is_ok());
        assert!(inside(&root, "").is_ok());
        assert!(inside(&root, "../root").is_err());
        assert!(inside(&root, "a/../../x").is_err());
        assert!(inside(&root, "escape").is_err());
    }
}
