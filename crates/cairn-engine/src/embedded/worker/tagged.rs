//! The backup source with restic's tag-file exclusions applied (`--exclude-if-present`,
//! `--exclude-caches`; the rules are in tag_files.rs). rustic_core's own version drops a tagged
//! directory whole, where restic keeps the directory and its tag file; so cairn filters the walk itself.
//! The walk's entry filter leaves out what sits in a tagged directory, so a left-out directory is never
//! read (as in restic) and the progress total leaves it out too; the entries are checked once more for
//! the backup paths themselves, which the walk does not filter, and what lies below one left out.
use super::source::error_path;
use crate::embedded::tag_files::{TagExcluder, TagFilter, TagRule};
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
    excluder: TagExcluder,
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
            excluder: TagExcluder::new(self.filter.clone()),
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
                Ok(entry) => self.excluder.leaves_out(&entry.path, entry.node.is_dir()),
                Err(err) => {
                    error_path(err).is_some_and(|p| self.excluder.leaves_out(Path::new(&p), false))
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
    use crate::embedded::flags::SourceFilter;
    use crate::embedded::tag_files;
    use rustic_core::{Excludes, LocalSourceFilterOptions, LocalSourceSaveOptions};

    #[test]
    fn the_walk_does_not_go_into_what_tag_files_leave_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("cache/sub")).unwrap();
        std::fs::create_dir_all(root.join("keep")).unwrap();
        let tag = "Signature: 8a477f597d28d172789f06886806bc55\n";
        std::fs::write(root.join("cache/CACHEDIR.TAG"), tag).unwrap();
        std::fs::write(root.join("cache/big"), vec![1u8; 1 << 20]).unwrap();
        std::fs::write(root.join("cache/sub/deep"), vec![2u8; 1 << 20]).unwrap();
        std::fs::write(root.join("keep/a"), "0123456789").unwrap();
        let local = LocalSource::new(
            LocalSourceSaveOptions::default(),
            &Excludes::default(),
            &LocalSourceFilterOptions::default(),
            &[root],
        )
        .unwrap();
        let filter = SourceFilter {
            exclude_caches: true,
            ..SourceFilter::default()
        };
        let source = Tagged::new(local, tag_files::rules(&filter));

        let mut walked: Vec<String> = source
            .entries()
            .map(|e| {
                let path = e.unwrap().path;
                path.strip_prefix(root).unwrap().display().to_string()
            })
            .collect();
        walked.sort();
        assert_eq!(walked, ["cache", "cache/CACHEDIR.TAG", "keep", "keep/a"]);
        assert_eq!(
            source.size().unwrap(),
            Some(10 + tag.len() as u64),
            "the progress total leaves the tagged directory's contents out"
        );
        assert!(source.filter.looked_at(&root.join("cache")));
        assert!(
            !source.filter.looked_at(&root.join("cache/sub")),
            "the walk went into a directory it leaves out"
        );

        // A backup path inside the tagged directory: nothing of it is kept or counted.
        let inside = LocalSource::new(
            LocalSourceSaveOptions::default(),
            &Excludes::default(),
            &LocalSourceFilterOptions::default(),
            &[root.join("cache/sub")],
        )
        .unwrap();
        let inside = Tagged::new(inside, tag_files::rules(&filter));
        assert_eq!(inside.entries().count(), 0);
        assert_eq!(inside.size().unwrap(), Some(0));
    }
}
