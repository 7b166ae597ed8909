//! rustic_core's progress reporting, captured: the byte counter of the running backup or restore is
//! kept where a reporter thread can read it, and the titles of other steps become output lines.
use crate::worker::Out;
use rustic_core::{Progress, ProgressBars, ProgressType, RusticProgress};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A byte counter: how much there is and how much is done.
#[derive(Debug, Default)]
pub struct Meter {
    pub length: AtomicU64,
    pub done: AtomicU64,
}

impl Meter {
    pub fn read(&self) -> (u64, u64) {
        (
            self.length.load(Ordering::Relaxed),
            self.done.load(Ordering::Relaxed),
        )
    }
}

#[derive(Debug)]
struct Counter(Arc<Meter>);

impl RusticProgress for Counter {
    fn is_hidden(&self) -> bool {
        false
    }
    fn set_length(&self, len: u64) {
        self.0.length.store(len, Ordering::Relaxed);
    }
    fn set_title(&self, _title: &str) {}
    fn inc(&self, inc: u64) {
        self.0.done.fetch_add(inc, Ordering::Relaxed);
    }
    fn finish(&self) {}
}

/// Progress bars that feed a `Meter` (for byte progress) and, when `out` is set, print step titles.
#[derive(Clone)]
pub struct Capture {
    pub meter: Arc<Meter>,
    out: Option<Out>,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture").finish_non_exhaustive()
    }
}

impl Capture {
    pub fn new(out: Option<Out>) -> Self {
        Capture {
            meter: Arc::new(Meter::default()),
            out,
        }
    }
}

impl ProgressBars for Capture {
    fn progress(&self, kind: ProgressType, prefix: &str) -> Progress {
        if let Some(out) = &self.out
            && !prefix.is_empty()
        {
            out.line(prefix.trim_end_matches("..."));
        }
        match kind {
            ProgressType::Bytes => {
                self.meter.length.store(0, Ordering::Relaxed);
                self.meter.done.store(0, Ordering::Relaxed);
                Progress::new(Counter(self.meter.clone()))
            }
            _ => Progress::hidden(),
        }
    }
}
