//! The backup source as restic reports it: rustic_core's local source, watched. Every entry that cannot
//! be read (a directory that cannot be listed, a file that cannot be opened) is recorded as a
//! BackupProgressError and reported at once; rustic_core itself would only log it. The counts and the
//! current file feed the progress reports.
use cairn_proto::v1::BackupProgressError;
use parking_lot::Mutex;
use rustic_core::{ReadSource, ReadSourceEntry, ReadSourceOpen, RusticError, RusticResult};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Told of each error as it happens.
pub type OnError = Box<dyn Fn(&BackupProgressError) + Send + Sync>;

/// What the watcher saw so far.
#[derive(Default)]
pub struct Watch {
    pub files_seen: AtomicU64,
    pub files_opened: AtomicU64,
    pub current: Mutex<String>,
    pub errors: Mutex<Vec<BackupProgressError>>,
    pub on_error: Option<OnError>,
}

impl Watch {
    fn error(&self, item: String, during: &str, message: String) {
        let e = BackupProgressError {
            item,
            during: during.into(),
            message,
            ..Default::default()
        };
        if let Some(report) = &self.on_error {
            report(&e);
        }
        self.errors.lock().push(e);
    }
}

/// The path an error is about, from the `ignore` walker's error inside rustic_core's.
pub(super) fn error_path(err: &RusticError) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(s) = source {
        if let Some(ignore::Error::WithPath { path, .. }) = s.downcast_ref::<ignore::Error>() {
            return Some(path.display().to_string());
        }
        if let Some(ignore::Error::WithDepth { err, .. }) = s.downcast_ref::<ignore::Error>()
            && let ignore::Error::WithPath { path, .. } = err.as_ref()
        {
            return Some(path.display().to_string());
        }
        source = s.source();
    }
    None
}

fn innermost(err: &RusticError) -> String {
    let mut text = super::fail::describe(err);
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(s) = source {
        text = s.to_string();
        source = s.source();
    }
    text
}

pub struct Watched<S> {
    inner: S,
    watch: Arc<Watch>,
}

impl<S> Watched<S> {
    pub fn new(inner: S, watch: Arc<Watch>) -> Self {
        Watched { inner, watch }
    }
}

pub struct WatchedIter<I> {
    inner: I,
    watch: Arc<Watch>,
}

pub struct WatchedOpen<O> {
    inner: O,
    path: PathBuf,
    watch: Arc<Watch>,
}

impl<S> ReadSource for Watched<S>
where
    S: ReadSource,
    S::Open: Send + 'static,
{
    type Open = WatchedOpen<S::Open>;
    type Iter = WatchedIter<S::Iter>;

    fn size(&self) -> RusticResult<Option<u64>> {
        self.inner.size()
    }

    fn entries(&self) -> Self::Iter {
        WatchedIter {
            inner: self.inner.entries(),
            watch: self.watch.clone(),
        }
    }
}

impl<I, O> Iterator for WatchedIter<I>
where
    I: Iterator<Item = RusticResult<ReadSourceEntry<O>>>,
{
    type Item = RusticResult<ReadSourceEntry<WatchedOpen<O>>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.inner.next()? {
                Err(err) => {
                    let item = error_path(&err).unwrap_or_default();
                    self.watch.error(item, "scan", innermost(&err));
                }
                Ok(entry) => {
                    if entry.open.is_some() {
                        self.watch.files_seen.fetch_add(1, Ordering::Relaxed);
                    }
                    let watch = self.watch.clone();
                    let path = entry.path.clone();
                    return Some(Ok(ReadSourceEntry {
                        path: entry.path,
                        node: entry.node,
                        open: entry.open.map(|inner| WatchedOpen { inner, path, watch }),
                    }));
                }
            }
        }
    }
}

impl<O: ReadSourceOpen> ReadSourceOpen for WatchedOpen<O> {
    type Reader = O::Reader;

    fn open(self) -> RusticResult<Self::Reader> {
        let path = self.path.display().to_string();
        match self.inner.open() {
            Ok(reader) => {
                *self.watch.current.lock() = path;
                self.watch.files_opened.fetch_add(1, Ordering::Relaxed);
                Ok(reader)
            }
            Err(err) => {
                self.watch.error(path, "archival", innermost(&err));
                Err(err)
            }
        }
    }
}
