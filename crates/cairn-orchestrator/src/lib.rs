//! cairn's orchestrator. So far: the clock abstraction and schedule resolution; the task queue, tasks,
//! hooks and notifications are still to come.
pub mod clock;
pub mod schedule;

pub use clock::{Clock, FakeClock, SystemClock};
pub use schedule::{ScheduleError, next_run};

#[cfg(test)]
mod schedule_tests;
