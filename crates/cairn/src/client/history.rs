//! `cairn history REPO PATH`: every version of a path across the repository's snapshots, oldest first,
//! one per line: the snapshot's short id and time, the change (`+` appears, `M` content changed, `=`
//! same content, `-` gone), the size and the modification time. Restore a version with
//! `cairn restore REPO SNAPSHOT --path PATH`.
use super::format::{bytes, time};
use super::{Connection, Exit};
use cairn_proto::cairn::v1::{FileHistoryRequest, FileVersion};

pub async fn run(conn: &Connection, repo: &str, path: &str) -> anyhow::Result<Exit> {
    let history = conn
        .cairn()?
        .file_history(FileHistoryRequest {
            repo_id: repo.into(),
            path: path.into(),
            ..FileHistoryRequest::default()
        })
        .await?
        .into_owned();
    for v in &history.versions {
        println!("{}", line(v));
    }
    eprintln!("{} version(s)", history.versions.len());
    Ok(Exit::Ok)
}

fn line(v: &FileVersion) -> String {
    let change = if v.change.is_empty() { "=" } else { &v.change };
    let id = cairn_proto::short_id(&v.snapshot_id);
    let at = time(v.snapshot_time_ms);
    match v.entry.as_option() {
        Some(e) => format!("{id}  {at}  {change}  {:>10}  {}", bytes(e.size), e.mtime),
        None => format!("{id}  {at}  {change}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removal_has_no_size() {
        let gone = FileVersion {
            snapshot_id: "0123456789abcdef".into(),
            change: "-".into(),
            ..FileVersion::default()
        };
        assert!(line(&gone).starts_with("01234567  ") && line(&gone).ends_with("  -"));
    }
}
