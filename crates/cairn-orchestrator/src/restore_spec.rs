//! What a restore asks for: which paths of one snapshot, where each lands (below a target directory, or
//! where it was backed up), and how entries that already exist are treated. Checked whole before the
//! restore is queued, so a bad request changes nothing.
use crate::error::{OrchestratorError, Result};
use cairn_engine::restore_destination;

pub use cairn_engine::shared::restore_merge::Overwrite;
use cairn_engine::shared::snapshot_path::normalize_dir;
use std::path::PathBuf;

/// A restore request.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RestoreSpec {
    /// Snapshot paths, normalised by [`RestoreSpec::new`]; at least one.
    pub paths: Vec<String>,
    /// The absolute directory each path lands in as `target/<basename>`; `None` restores in place.
    pub target: Option<PathBuf>,
    /// How existing entries are treated; `None` refuses a destination that exists.
    pub overwrite: Option<Overwrite>,
    /// Delete live entries inside the restored directories that the snapshot does not hold.
    pub delete: bool,
    /// Decide and report, change nothing.
    pub dry_run: bool,
}

impl RestoreSpec {
    /// Checks a request: absolute paths without `..`, destinations that neither collide nor nest, an
    /// absolute target unless in place, and `delete` only with an overwrite mode.
    pub fn new(
        paths: &[String],
        target: Option<PathBuf>,
        overwrite: Option<Overwrite>,
        delete: bool,
        dry_run: bool,
    ) -> Result<RestoreSpec> {
        let mut normal = Vec::with_capacity(paths.len());
        for p in paths {
            let p = if p.is_empty() { "/" } else { p.as_str() };
            normal.push(normalize_dir(p).map_err(|e| invalid(e.to_string()))?);
        }
        if normal.is_empty() {
            return Err(invalid("name at least one path of the snapshot to restore"));
        }
        if let Some(t) = &target
            && !t.is_absolute()
        {
            return Err(invalid(format!(
                "restore target {} must be an absolute path",
                t.display()
            )));
        }
        if delete && overwrite.is_none() {
            return Err(invalid(
                "delete removes live files the snapshot does not hold, so it needs an overwrite mode \
                 (always, if-changed, if-newer or never)",
            ));
        }
        let spec = RestoreSpec {
            paths: normal,
            target,
            overwrite,
            delete,
            dry_run,
        };
        spec.check_destinations()?;
        Ok(spec)
    }

    /// Whether each path goes back where it was backed up.
    pub fn in_place(&self) -> bool {
        self.target.is_none()
    }

    /// Whether each path is staged and merged over its destination (an overwrite mode, or a dry run)
    /// rather than restored straight there.
    pub fn merges(&self) -> bool {
        self.overwrite.is_some() || self.dry_run
    }

    /// Each path with the place it lands.
    pub fn destinations(&self) -> Vec<(String, PathBuf)> {
        self.paths
            .iter()
            .map(|p| (p.clone(), self.destination(p)))
            .collect()
    }

    fn destination(&self, path: &str) -> PathBuf {
        match &self.target {
            Some(t) => restore_destination(t, path),
            None => PathBuf::from(path),
        }
    }

    fn check_destinations(&self) -> Result<()> {
        if self.in_place() && self.paths.iter().any(|p| p == "/") {
            return Err(invalid(
                "a whole snapshot cannot be restored in place over /; name the backed-up paths instead",
            ));
        }
        if self.paths.len() > 1 && self.paths.iter().any(|p| p == "/") {
            return Err(invalid(
                "/ is the whole snapshot; restore it alone, not with other paths",
            ));
        }
        let dests = self.destinations();
        if dests.iter().any(|(_, d)| d.parent().is_none()) {
            return Err(invalid(
                "a restore cannot land on / itself; pick a folder as the target",
            ));
        }
        for (i, (pa, a)) in dests.iter().enumerate() {
            for (pb, b) in &dests[i + 1..] {
                if pa == pb {
                    return Err(invalid(format!("{pa} is named twice; name it once")));
                }
                if a == b {
                    return Err(invalid(format!(
                        "{pa} and {pb} would both land at {}; restore them separately or in place",
                        a.display()
                    )));
                }
                if a.starts_with(b) || b.starts_with(a) {
                    return Err(invalid(format!(
                        "{pa} and {pb} overlap; name only the outer one"
                    )));
                }
            }
        }
        Ok(())
    }
}

fn invalid(message: impl Into<String>) -> OrchestratorError {
    OrchestratorError::Invalid(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(paths: &[&str], target: Option<&str>) -> Result<RestoreSpec> {
        let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        RestoreSpec::new(&paths, target.map(PathBuf::from), None, false, false)
    }

    #[test]
    fn paths_land_below_the_target_or_where_they_were() {
        let s = spec(&["/srv/a/", "/home/b"], Some("/restore")).unwrap();
        assert_eq!(
            s.destinations(),
            [
                ("/srv/a".to_string(), PathBuf::from("/restore/a")),
                ("/home/b".to_string(), PathBuf::from("/restore/b"))
            ]
        );
        let s = spec(&["/srv/a"], None).unwrap();
        assert_eq!(s.destinations()[0].1, PathBuf::from("/srv/a"));
        assert_eq!(spec(&[""], Some("/r")).unwrap().paths, ["/"]);
    }

    #[test]
    fn bad_requests_are_refused_with_the_reason() {
        let err = |r: Result<RestoreSpec>| r.unwrap_err().to_string();
        assert!(err(spec(&["/a/x", "/b/x"], Some("/r"))).contains("both land at /r/x"));
        assert!(err(spec(&["/a", "/a/b"], None)).contains("overlap"));
        assert!(err(spec(&["/"], None)).contains("in place over /"));
        assert!(err(spec(&["/", "/a"], Some("/r"))).contains("restore it alone"));
        assert!(err(spec(&["/"], Some("/"))).contains("cannot land on /"));
        assert!(err(spec(&["/a", "/a/"], Some("/r"))).contains("named twice"));
        assert!(err(spec(&["/a/../etc"], Some("/r"))).contains(".."));
        assert!(err(spec(&["relative"], Some("/r"))).contains("absolute"));
        assert!(err(spec(&["/a"], Some("r"))).contains("absolute path"));
        assert!(err(spec(&[], Some("/r"))).contains("at least one path"));
        let paths = vec!["/a".to_string()];
        let delete = RestoreSpec::new(&paths, None, None, true, false);
        assert!(err(delete).contains("needs an overwrite mode"));
    }
}
