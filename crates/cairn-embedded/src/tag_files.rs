//! restic's exclusion by tag file (`--exclude-if-present name[:header]` and `--exclude-caches`, which is
//! `CACHEDIR.TAG` with the Cache Directory Tagging signature as header). As in restic, a directory that
//! holds the tag file (starting with the header, when one is given) keeps the directory itself and the
//! tag file, and leaves out everything else in it. Each directory is looked at once per rule.
use super::flags::SourceFilter;
use parking_lot::{Mutex, MutexGuard};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The tag file of cache directories and the first bytes it must have
/// (<https://bford.info/cachedir/>).
const CACHE_TAG: &str = "CACHEDIR.TAG";
const CACHE_SIGNATURE: &str = "Signature: 8a477f597d28d172789f06886806bc55";

/// One tag file: its name, and the header it must start with (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRule {
    pub name: String,
    pub header: Option<String>,
}

impl TagRule {
    /// restic's `name[:header]`; `None` when the name is empty.
    pub fn parse(spec: &str) -> Option<TagRule> {
        let (name, header) = match spec.split_once(':') {
            Some((name, header)) => (name, Some(header.to_string())),
            None => (spec, None),
        };
        (!name.is_empty()).then(|| TagRule {
            name: name.to_string(),
            header: header.filter(|h| !h.is_empty()),
        })
    }

    /// Whether `dir` holds this tag file (with its header). An unreadable or short tag file does not
    /// tag the directory, as in restic.
    fn tags(&self, dir: &Path) -> bool {
        let path = dir.join(&self.name);
        let Some(header) = &self.header else {
            return path.symlink_metadata().is_ok();
        };
        let mut start = vec![0u8; header.len()];
        std::fs::File::open(&path)
            .and_then(|mut f| f.read_exact(&mut start))
            .is_ok_and(|()| start == header.as_bytes())
    }
}

/// The tag rules a backup's filter asks for.
pub fn rules(filter: &SourceFilter) -> Vec<TagRule> {
    let mut rules: Vec<TagRule> = filter
        .exclude_if_present
        .iter()
        .filter_map(|spec| TagRule::parse(spec))
        .collect();
    if filter.exclude_caches {
        rules.push(TagRule {
            name: CACHE_TAG.into(),
            header: Some(CACHE_SIGNATURE.into()),
        });
    }
    rules
}

/// Which directories the tag rules tag, each looked at once per rule. Shared by the walk's entry
/// filter (which runs in the walk and in its size estimate) and the check of the walk's output.
pub struct TagFilter {
    rules: Vec<TagRule>,
    /// (rule, directory) → tagged.
    tagged: Mutex<HashMap<(usize, PathBuf), bool>>,
}

impl TagFilter {
    pub fn new(rules: Vec<TagRule>) -> Self {
        TagFilter {
            rules,
            tagged: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether `path` sits in a directory tagged by a rule whose tag file it is not.
    pub fn in_tagged_dir(&self, path: &Path) -> bool {
        let (Some(dir), Some(base)) = (path.parent(), path.file_name()) else {
            return false;
        };
        self.rules.iter().enumerate().any(|(i, rule)| {
            if base == rule.name.as_str() {
                return false;
            }
            let key = (i, dir.to_path_buf());
            if let Some(&known) = self.cache().get(&key) {
                return known;
            }
            // Read outside the lock: the walk and its size estimate run on different threads.
            let tagged = rule.tags(dir);
            self.cache().insert(key, tagged);
            tagged
        })
    }

    /// Whether the directory was looked at for some rule (a test sees what the walk read).
    #[cfg(test)]
    pub fn looked_at(&self, dir: &Path) -> bool {
        self.cache().keys().any(|(_, d)| d == dir)
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<(usize, PathBuf), bool>> {
        self.tagged.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_as_restic_reads_them() {
        let rule = |name: &str, header: Option<&str>| TagRule {
            name: name.into(),
            header: header.map(str::to_string),
        };
        assert_eq!(TagRule::parse(".nobackup"), Some(rule(".nobackup", None)));
        assert_eq!(TagRule::parse("T:Sig: x"), Some(rule("T", Some("Sig: x"))));
        assert_eq!(TagRule::parse("T:"), Some(rule("T", None)));
        assert_eq!(TagRule::parse(":Sig"), None);
    }

    #[test]
    fn a_tagged_directory_keeps_itself_and_its_tag_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["cache/sub", "fake", "marked/deep", "plain"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(
            root.join("cache/CACHEDIR.TAG"),
            format!("{CACHE_SIGNATURE}\n# x\n"),
        )
        .unwrap();
        std::fs::write(
            root.join("fake/CACHEDIR.TAG"),
            "Signature: something else entirely, long",
        )
        .unwrap();
        std::fs::write(root.join("marked/.nobackup"), "").unwrap();
        let filter = SourceFilter {
            exclude_caches: true,
            exclude_if_present: vec![".nobackup".into()],
            ..SourceFilter::default()
        };
        // What lies deeper, below a directory left out, the walk never reaches (worker/tagged.rs).
        let tags = TagFilter::new(rules(&filter));
        let out = |p: &str| tags.in_tagged_dir(&root.join(p));
        assert!(!out("cache"));
        assert!(!out("cache/CACHEDIR.TAG"));
        assert!(out("cache/data"));
        assert!(out("cache/sub"));
        assert!(!out("fake/CACHEDIR.TAG"));
        assert!(!out("fake/f"));
        assert!(!out("marked/.nobackup"));
        assert!(out("marked/deep"));
        assert!(!out("plain/f"));
        assert!(!TagFilter::new(Vec::new()).in_tagged_dir(&root.join("cache/data")));
    }
}
