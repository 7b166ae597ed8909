//! What both engines share and neither owns: restic's JSON output types (the restic engine parses
//! them; the embedded engine's worker writes the same shapes), the directory-listing cache and the
//! cached `ls` around it, restoring one path through a staging directory, snapshot path checks, a repository's extra flags, and
//! telling failures apart by their text. Neither engine imports the other; both import this.
pub mod classify;
pub mod copy_env;
pub mod ls_cache;
pub mod repo_env;
pub mod repo_flags;
pub mod restic_json;
#[cfg(test)]
mod restic_json_fuzz;
pub mod restore_merge;
pub mod restore_staging;
pub mod snapshot_path;
