//! Reading snapshot trees for what restic's commands do not offer in one call: comparing two snapshots
//! directory by directory with totals, one path's versions across all snapshots, the search index's
//! changes, and a restore verification's draws and comparisons. One reader serves
//! every repository, whichever engine writes it, since all of them are in restic's format (see
//! `docs/engines.md`).
use crate::error::Result;
use crate::verify::{Draw, FileVerdict, RestoredFile, SampledFile};
use async_trait::async_trait;
use cairn_proto::cairn::v1::{DiffEntry, DiffTotals, FileVersion, IndexChange};
use cairn_proto::v1::Repo;

/// Two snapshots to compare and where.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffRequest {
    /// The first ("from") snapshot: a full id or a unique prefix.
    pub a: String,
    /// The second ("to") snapshot.
    pub b: String,
    /// The absolute path to compare, "/" for the whole snapshot.
    pub path: String,
    /// Every differing entry below `path`; otherwise only the entries of `path` itself.
    pub recursive: bool,
}

/// Receives each differing entry as it is found.
pub type DiffSink<'a> = &'a (dyn Fn(DiffEntry) + Send + Sync);

/// Receives each change for the search index as it is found.
pub type ChangeSink<'a> = &'a (dyn Fn(IndexChange) + Send + Sync);

/// Reads snapshot trees of restic-format repositories.
#[async_trait]
pub trait TreeReader: Send + Sync {
    /// Sends each entry that differs between the snapshots (depth first, a directory before what it
    /// holds) to `entry`, and returns the totals of every change below the path.
    async fn diff(&self, repo: &Repo, req: &DiffRequest, entry: DiffSink<'_>)
    -> Result<DiffTotals>;

    /// Every version of `path` across the repository's snapshots, oldest first (see `FileVersion`).
    async fn history(&self, repo: &Repo, path: &str) -> Result<Vec<FileVersion>>;

    /// Sends every entry of `snapshot` that is new or differs from the same path in `base`, and every
    /// path of `base` that `snapshot` lacks (as a change with no type), to `change`; with no base,
    /// every entry. Directories equal in both are not read. Answers with how many changes were sent.
    async fn index_changes(
        &self,
        repo: &Repo,
        base: Option<&str>,
        snapshot: &str,
        change: ChangeSink<'_>,
    ) -> Result<u64>;

    /// Regular files of `snapshot` drawn at random by `draw` (at most [`crate::verify::MAX_DRAWN`]);
    /// the same seed draws the same files.
    async fn sample_files(
        &self,
        repo: &Repo,
        snapshot: &str,
        draw: Draw,
        seed: u64,
    ) -> Result<Vec<SampledFile>>;

    /// Compares each restored copy, and with `live` the live file of the same path where its size and
    /// modification time equal the snapshot's, with the content blob ids `snapshot` recorded for it.
    async fn verify_files(
        &self,
        repo: &Repo,
        snapshot: &str,
        files: &[RestoredFile],
        live: bool,
    ) -> Result<Vec<FileVerdict>>;
}

/// Adds `more` to `totals`.
pub fn add_totals(totals: &mut DiffTotals, more: &DiffTotals) {
    totals.files_added += more.files_added;
    totals.files_removed += more.files_removed;
    totals.files_changed += more.files_changed;
    totals.dirs_added += more.dirs_added;
    totals.dirs_removed += more.dirs_removed;
    totals.others_added += more.others_added;
    totals.others_removed += more.others_removed;
    totals.bytes_added += more.bytes_added;
    totals.bytes_removed += more.bytes_removed;
    totals.metadata_changed += more.metadata_changed;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_field_by_field() {
        let one = DiffTotals {
            files_added: 1,
            files_removed: 2,
            files_changed: 3,
            dirs_added: 4,
            dirs_removed: 5,
            others_added: 6,
            others_removed: 7,
            bytes_added: 8,
            bytes_removed: 9,
            metadata_changed: 10,
            ..DiffTotals::default()
        };
        let mut sum = one.clone();
        add_totals(&mut sum, &one);
        assert_eq!(sum.files_added, 2);
        assert_eq!(sum.dirs_removed, 10);
        assert_eq!(sum.bytes_removed, 18);
        assert_eq!(sum.metadata_changed, 20);
    }
}
