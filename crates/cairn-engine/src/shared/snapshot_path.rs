//! Paths inside a snapshot as both engines take them: absolute, without `..`, no trailing slash.
use crate::error::{EngineError, Result};
use cairn_proto::quoted;

/// An absolute snapshot path without a trailing slash ("/" stays "/"); `..` is refused.
pub fn normalize_dir(dir: &str) -> Result<String> {
    if !dir.starts_with('/') {
        return Err(EngineError::Invalid(format!(
            "snapshot path {dir} must be absolute",
            dir = quoted(&dir)
        )));
    }
    if dir.split('/').any(|c| c == "..") {
        return Err(EngineError::Invalid(format!(
            "snapshot path {dir} must not contain '..'",
            dir = quoted(&dir)
        )));
    }
    let trimmed = dir.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    })
}

/// The directory holding a normalised snapshot path ("/" for a top-level entry and for "/" itself).
pub fn parent_of(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((parent, _)) => parent,
    }
}

/// The path of the entry `name` in the snapshot directory `dir`.
pub fn child_path(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_paths_are_normalised_and_checked() {
        assert_eq!(normalize_dir("/a/b/").unwrap(), "/a/b");
        assert_eq!(normalize_dir("/").unwrap(), "/");
        assert!(normalize_dir("a").is_err());
        assert!(normalize_dir("/a/../../etc").is_err());
    }

    #[test]
    fn the_parent_of_a_snapshot_path_is_its_directory() {
        assert_eq!(parent_of("/src"), "/");
        assert_eq!(parent_of("/src/a.txt"), "/src");
        assert_eq!(child_path("/", "src"), "/src");
        assert_eq!(child_path("/src", "a.txt"), "/src/a.txt");
    }
}
