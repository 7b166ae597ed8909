//! The rotating read-data check's position: which part of a repository's packs the next check reads.
//! It is kept per repository (by GUID, so renaming the repository keeps it) in the operation log's
//! metadata, so it survives restarts; it advances only when a check of a part succeeds, so a part that
//! found a problem is read again until the problem is fixed.
use cairn_engine::CheckMode;
use cairn_oplog::{OpLog, Result};

fn key(repo_guid: &str) -> String {
    format!("check_rotation:{repo_guid}")
}

/// The part the next check reads, when the packs are split into `parts`: the one after the last part
/// read (wrapping around), or the first.
pub(crate) fn next(oplog: &OpLog, repo_guid: &str, parts: i32) -> Result<CheckMode> {
    let of = u32::try_from(parts).unwrap_or(1).max(1);
    let last = oplog
        .transact(|tx| tx.metadata(&key(repo_guid)))?
        .unwrap_or(0);
    let last = u32::try_from(last).unwrap_or(0);
    Ok(CheckMode::ReadDataPart {
        part: last % of + 1,
        of,
    })
}

/// Records that `part` was read without finding a problem.
pub(crate) fn done(oplog: &OpLog, repo_guid: &str, part: u32) -> Result<()> {
    oplog.transact(|tx| tx.set_metadata(&key(repo_guid), i64::from(part)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(mode: CheckMode) -> (u32, u32) {
        match mode {
            CheckMode::ReadDataPart { part, of } => (part, of),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn it_walks_through_the_parts_and_wraps_and_follows_a_smaller_split() {
        let dir = tempfile::tempdir().unwrap();
        let oplog = OpLog::open(dir.path().join("oplog.sqlite")).unwrap();
        assert_eq!(part(next(&oplog, "g", 3).unwrap()), (1, 3));
        assert_eq!(
            part(next(&oplog, "g", 3).unwrap()),
            (1, 3),
            "a part not done is read again"
        );
        for (done_part, following) in [(1, 2), (2, 3), (3, 1)] {
            done(&oplog, "g", done_part).unwrap();
            assert_eq!(part(next(&oplog, "g", 3).unwrap()), (following, 3));
        }
        done(&oplog, "g", 3).unwrap();
        assert_eq!(part(next(&oplog, "g", 2).unwrap()), (2, 2));
        assert_eq!(part(next(&oplog, "other", 2).unwrap()), (1, 2));
        drop(oplog);
        let reopened = OpLog::open(dir.path().join("oplog.sqlite")).unwrap();
        assert_eq!(part(next(&reopened, "g", 3).unwrap()), (1, 3));
    }
}
