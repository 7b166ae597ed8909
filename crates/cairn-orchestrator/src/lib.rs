//! cairn's orchestrator. So far: the clock abstraction, schedule resolution and history garbage
//! collection; the task queue, tasks, hooks and notifications are still to come.
pub mod clock;
pub mod gc;
pub mod recovery;
pub mod schedule;

pub use clock::{Clock, FakeClock, SystemClock};
pub use gc::{GcPolicy, GcReport, Limits, collect_garbage};
pub use recovery::{INTERRUPTED, Recovery, recover_interrupted};
pub use schedule::{ScheduleError, next_run};

#[cfg(test)]
mod gc_tests;
#[cfg(test)]
mod schedule_tests;
