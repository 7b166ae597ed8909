//! The backup source with restic's tag-file exclusions applied (`--exclude-if-present`,
//! `--exclude-caches`; the rules are in tag_files.rs). rustic_core's own version drops a tagged
//! directory whole, where restic keeps the directory and its tag file; so cairn filters the walk itself.
//! Scan errors below a left-out directory are dropped too: restic never looks there.
use super::source::error_path;
use crate::embedded::tag_files::{TagExcluder, TagRule};
use rustic_core::{ReadSource, ReadSourceEntry, RusticResult};
use std::path::Path;

pub struct Tagged<S> {
    inner: S,
    rules: Vec<TagRule>,
}

impl<S> Tagged<S> {
    pub fn new(inner: S, rules: Vec<TagRule>) -> Self {
        Tagged { inner, rules }
    }
}

pub struct TaggedIter<I> {
    inner: I,
    excluder: TagExcluder,
}

impl<S: ReadSource> ReadSource for Tagged<S> {
    type Open = S::Open;
    type Iter = TaggedIter<S::Iter>;

    /// The walk's total before tag files are looked at (only a progress estimate).
    fn size(&self) -> RusticResult<Option<u64>> {
        self.inner.size()
    }

    fn entries(&self) -> Self::Iter {
        TaggedIter {
            inner: self.inner.entries(),
            excluder: TagExcluder::new(self.rules.clone()),
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
