//! cairn's repository engines' common ground: the async `Engine` trait (init, backup, snapshots, ls,
//! restore, dump, forget, prune, check, stats, unlock and arbitrary commands) with its request and
//! result types and errors, what every engine shares (`shared`), and the restic engine, which drives the
//! `restic` binary. The embedded engine is the crate `cairn-embedded`; choosing between them is the
//! orchestrator's.
pub mod die_with_parent;
mod engine;
mod error;
mod expand;
pub mod restic;
mod retention;
pub mod shared;
mod tree_reader;
pub mod verify;

pub use engine::*;
pub use error::{EngineError, Result};
pub use expand::expand_env;
pub use restic::ResticEngine;
pub use retention::keep_flags;
pub use tree_reader::{ChangeSink, DiffRequest, DiffSink, TreeReader, add_totals};
