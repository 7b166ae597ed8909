//! The backup source with restic's tag-file exclusions applied (`--exclude-if-present`,
//! `--exclude-caches`; the rules are in tag_files.rs). rustic_core's own version drops a tagged
//! directory whole, where restic keeps the directory and its tag file; so cairn filters the walk itself.
//! The walk's entry filter leaves out what sits in a tagged directory, so a left-out directory is never
//! read (as in restic) and the progress total leaves it out too; the entries are checked once more for
//! the backup paths themselves and for scan errors, which the walk does not filter.
use super::source::error_path;
use crate::tag_files::{TagFilter, TagRule};
use rustic_core::{LocalSource, ReadSource, ReadSourceEntry, RusticResult};
use std::path::Path;
use std::sync::Arc;

impl TagFilter {
    /// Whether the walk leaves this entry out: it sits in a tagged directory, or it is directly inside a
    /// backup path that sits in one (the walk does not filter the backup paths themselves).
    fn leaves_out_of_walk(&self, entry: &ignore::DirEntry) -> bool {
        let path = entry.path();
        self.in_tagged_dir(path)
            || (entry.depth() == 1 && path.parent().is_some_and(|p| self.in_tagged_dir(p)))
    }
}

pub struct Tagged<S> {
    inner: S,
    filter: Arc<TagFilter>,
}

impl Tagged<LocalSource> {
    pub fn new(local: LocalSource, rules: Vec<TagRule>) -> Self {
        let filter = Arc::new(TagFilter::new(rules));
        let inner = if filter.is_empty() {
            local
        } else {
            let walk_filter = filter.clone();
            local.filter_entries(move |entry| !walk_filter.leaves_out_of_walk(entry))
        };
        Tagged { inner, filter }
    }
}

pub struct TaggedIter<I> {
    inner: I,
    filter: Arc<TagFilter>,
}

impl<S: ReadSource> ReadSource for Tagged<S> {
    type Open = S::Open;
    type Iter = TaggedIter<S::Iter>;

    /// The walk's total (a progress estimate).
    fn size(&self) -> RusticResult<Option<u64>> {
        self.inner.size()
    }

    fn entries(&self) -> Self::Iter {
        TaggedIter {
            inner: self.inner.entries(),
            filter: self.filter.clone(),
        }
    }
}

impl<I, O> Iterator for TaggedIter<I>
where
    I: Iterator<Item = RusticResult<ReadSourceEntry<O>>>,
{
    type Item = RusticResult<ReadSourceEntry<O>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let item = self.inner.next()?;
            let left_out = match &item {
                Ok(entry) => self.filter.in_tagged_dir(&entry.path),
                Err(err) => {
                    error_path(err).is_some_and(|p| self.filter.in_tagged_dir(Path::new(&p)))
                }
            };
            if !left_out {
                return Some(item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::SourceFilter;
    use crate::tag_files;
    use rustic_core::{Excludes, LocalSourceFilterOptions, LocalSourceSaveOptions};

    /// The tagged source of `paths`, with `--exclude-caches` and `--exclude-if-present .nobackup`.
    fn tagged(paths: &[std::path::PathBuf]) -> Tagged<LocalSource> {
        let local = LocalSource::new(
            LocalSourceSaveOptions::default(),
            &Excludes::default(),
            &LocalSourceFilterOptions::default(),
            paths,
        )
        .unwrap();
        let filter = SourceFilter {
            exclude_caches: true,
            exclude_if_present: vec![".nobackup".into()],
            ..SourceFilter::default()
        };
        Tagged::new(local, tag_files::rules(&filter))
    }

    #[test]
    fn the_walk_does_not_go_into_what_tag_files_leave_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["cache/sub", "keep", "marked/deep"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let tag = "Signature: 8a477f597d28d172789f06886806bc55\n";
        std::fs::write(root.join("cache/CACHEDIR.TAG"), tag).unwrap();
        std::fs::write(root.join("cache/big"), vec![1u8; 1 << 20]).unwrap();
        std::fs::write(root.join("cache/sub/deep"), vec![2u8; 1 << 20]).unwrap();
        std::fs::write(root.join("keep/a"), "0123456789").unwrap();
        std::fs::write(root.join("marked/.nobackup"), "").unwrap();
        std::fs::write(root.join("marked/deep/f"), vec![3u8; 1 << 20]).unwrap();
        let source = tagged(&[root.to_path_buf()]);

        let mut walked: Vec<String> = source
            .entries()
            .map(|e| {
                let path = e.unwrap().path;
                path.strip_prefix(root).unwrap().display().to_string()
            })
            .collect();
        walked.sort();
        assert_eq!(
            walked,
            [
                "cache",
                "cache/CACHEDIR.TAG",
                "keep",
                "keep/a",
                "marked",
                "marked/.nobackup"
            ]
        );
        assert_eq!(
            source.size().unwrap(),
            Some(10 + tag.len() as u64),
            "the progress total leaves the tagged directories' contents out"
        );
        assert!(source.filter.looked_at(&root.join("cache")));
        for left_out in ["cache/sub", "marked/deep"] {
            assert!(
                !source.filter.looked_at(&root.join(left_out)),
                "the walk went into {left_out}, which it leaves out"
            );
        }

        // A backup path inside the tagged directory: nothing of it is kept or counted.
        let inside = tagged(&[root.join("cache/sub")]);
        assert_eq!(inside.entries().count(), 0);
        assert_eq!(inside.size().unwrap(), Some(0));
    }
}
