//! restic's exclude rules as rustic_core filter options. rustic_core feeds its globs to the `ignore`
//! crate as overrides, where a plain glob *keeps* what matches; restic's patterns exclude what matches,
//! so each one is turned into a negated glob. restic also matches a pattern without a leading `/` at
//! any depth, which gitignore-style globs only do for single names, so those get a `**/` prefix.
use super::flags::SourceFilter;
use rustic_core::{Excludes, LocalSourceFilterOptions};

/// One restic pattern as an `ignore` override glob that excludes what the pattern matches.
pub fn glob(pattern: &str) -> String {
    let p = pattern.trim();
    let p = if p.len() > 1 {
        p.trim_end_matches('/')
    } else {
        p
    };
    if p.starts_with('/') || p.starts_with("**/") {
        format!("!{p}")
    } else {
        format!("!**/{p}")
    }
}

/// The rustic_core excludes for restic's `--exclude` and `--iexclude` patterns.
pub fn excludes(filter: &SourceFilter) -> Excludes {
    let mut ex = Excludes::default();
    ex.globs = filter.excludes.iter().map(|p| glob(p)).collect();
    ex.iglobs = filter.iexcludes.iter().map(|p| glob(p)).collect();
    ex
}

/// The rustic_core walk options for restic's size and file-system flags. Tag files
/// (`--exclude-if-present`, `--exclude-caches`) are not among them: rustic_core would drop a tagged
/// directory whole, so the worker applies restic's rule itself (tag_files.rs).
pub fn walk_options(filter: &SourceFilter) -> LocalSourceFilterOptions {
    let mut opts = LocalSourceFilterOptions::default();
    opts.exclude_larger_than = filter.exclude_larger_than.map(bytesize::ByteSize::b);
    opts.one_file_system = filter.one_file_system;
    opts
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustic_core::{LocalSource, LocalSourceSaveOptions, ReadSource};
    use std::path::Path;

    fn walk(root: &Path, filter: &SourceFilter) -> Vec<String> {
        let src = LocalSource::new(
            LocalSourceSaveOptions::default(),
            &excludes(filter),
            &walk_options(filter),
            &[root],
        )
        .unwrap();
        let mut out: Vec<String> = src
            .entries()
            .map(|e| {
                let e = e.unwrap();
                e.path.strip_prefix(root).unwrap().display().to_string()
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn restic_patterns_exclude_what_they_match() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["logs/old", "docs/cache", "cache", "keep"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        for f in [
            "a.log",
            "logs/old/b.log",
            "logs/old/c.txt",
            "docs/r.md",
            "docs/cache/x",
            "keep/Thumbs.DB",
            "keep/big.bin",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        std::fs::write(root.join("keep/big.bin"), vec![0u8; 5000]).unwrap();
        let filter = SourceFilter {
            excludes: vec![
                "*.log".into(),
                "docs/cache".into(),
                format!("{}/cache/", root.display()),
            ],
            iexcludes: vec!["thumbs.db".into()],
            exclude_larger_than: Some(1000),
            ..SourceFilter::default()
        };
        assert_eq!(
            walk(root, &filter),
            [
                "docs",
                "docs/r.md",
                "keep",
                "logs",
                "logs/old",
                "logs/old/c.txt"
            ]
        );
        // Nothing excluded: everything is kept (rustic's own globs would keep only matches).
        assert_eq!(walk(root, &SourceFilter::default()).len(), 13);
    }
}
