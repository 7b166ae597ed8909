//! cairn's orchestrator: schedules, the per-repository task queue, every task and the operations it
//! writes, hooks and notifications, crash recovery and history garbage collection.
mod browse;
pub mod clock;
pub mod engine_choice;
mod engines;
pub mod error;
mod file_history;
pub mod gc;
mod handoff;
mod history;
mod hooks;
mod orchestrator;
mod queue;
pub mod reconcile;
pub mod recovery;
mod repos;
pub mod restore_leftovers;
pub mod restore_spec;
mod run;
pub mod schedule;
mod scheduler;
mod search_indexes;
mod snapshot_diff;
pub mod task;
mod task_log;
mod tasks;

pub use cairn_engine::{ArchiveFormat, restore_destination};
pub use cairn_search::Find;
pub use clock::{Clock, FakeClock, SystemClock};
pub use error::{OrchestratorError, Result};
pub use gc::{GcPolicy, GcReport, Limits, collect_garbage};
pub use handoff::CONFIG_KEY;
pub use orchestrator::{
    DEFAULT_MAX_PARALLEL, Deps, Orchestrator, SYSTEM_PLAN, UNASSOCIATED, is_final,
};
pub use recovery::{INTERRUPTED, Recovery, recover_interrupted};
pub use restore_leftovers::remove_restore_leftovers;
pub use restore_spec::RestoreSpec;
pub use schedule::{ScheduleError, next_run};
pub use snapshot_diff::DiffOutcome;
pub use task::{ScheduleKey, Task};

#[cfg(test)]
mod gc_tests;
#[cfg(test)]
mod schedule_tests;
