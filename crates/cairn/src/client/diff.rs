//! `cairn diff REPO SNAPSHOT_A SNAPSHOT_B [PATH]`: every entry that differs from the first snapshot to
//! the second, one per line as restic prints them (`+` added, `-` removed, `T` type changed, `M`
//! content changed, `U` metadata changed; directories end in `/`), then the totals on stderr.
use super::format::bytes;
use super::{Connection, Exit};
use cairn_proto::cairn::v1::{DiffEntry, DiffSnapshotsRequest, DiffTotals};

pub async fn run(
    conn: &Connection,
    repo: &str,
    pair: [&str; 2],
    path: &str,
) -> anyhow::Result<Exit> {
    let diff = conn
        .cairn()?
        .diff_snapshots(DiffSnapshotsRequest {
            repo_id: repo.into(),
            snapshot_a: pair[0].into(),
            snapshot_b: pair[1].into(),
            path: path.into(),
            recursive: true,
            ..DiffSnapshotsRequest::default()
        })
        .await?
        .into_owned();
    for entry in &diff.entries {
        println!("{}", line(entry));
    }
    let totals = diff.totals.as_option().cloned().unwrap_or_default();
    eprintln!("{}", summary(&totals));
    if diff.truncated {
        eprintln!(
            "more entries differ than one answer carries; the totals count them all. \
             Give a PATH to see the rest"
        );
        return Ok(Exit::Warning);
    }
    Ok(Exit::Ok)
}

fn is_dir(entry: &DiffEntry) -> bool {
    let either = entry.after.as_option().or(entry.before.as_option());
    either.is_some_and(|e| e.r#type == "dir")
}

fn line(entry: &DiffEntry) -> String {
    let slash = if is_dir(entry) { "/" } else { "" };
    format!("{:<4} {}{slash}", entry.change, entry.path)
}

fn summary(t: &DiffTotals) -> String {
    format!(
        "files: {} added, {} removed, {} changed; dirs: {} added, {} removed; others: {} added, {} removed; \
         metadata only: {}; bytes: +{} -{}",
        t.files_added,
        t.files_removed,
        t.files_changed,
        t.dirs_added,
        t.dirs_removed,
        t.others_added,
        t.others_removed,
        t.metadata_changed,
        bytes(t.bytes_added),
        bytes(t.bytes_removed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::v1::LsEntry;

    #[test]
    fn lines_read_like_restics() {
        let dir = DiffEntry {
            path: "/src/new".into(),
            change: "+".into(),
            after: Some(LsEntry {
                r#type: "dir".into(),
                ..LsEntry::default()
            })
            .into(),
            ..DiffEntry::default()
        };
        assert_eq!(line(&dir), "+    /src/new/");
        let file = DiffEntry {
            path: "/src/f".into(),
            change: "M".into(),
            ..DiffEntry::default()
        };
        assert_eq!(line(&file), "M    /src/f");
    }
}
