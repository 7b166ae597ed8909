//! cairn's repository engines behind one async trait: init, backup, snapshots, ls, restore, dump,
//! forget, prune, check, stats, unlock and arbitrary commands. The restic engine drives the `restic`
//! binary; the embedded engine runs rustic_core in a worker process.
mod die_with_parent;
pub mod embedded;
mod engine;
mod error;
mod expand;
pub mod restic;
mod retention;
mod select;
pub(crate) mod shared;

pub use embedded::{EmbeddedEngine, WorkerCommand};
pub use engine::*;
pub use error::{EngineError, Result};
pub use expand::expand_env;
pub use restic::ResticEngine;
pub use retention::keep_flags;
pub use select::{EngineChoice, select};
