//! `cairn find REPO PATTERN [--min-size N] [--max-size N] [--modified-after T] [--modified-before T]
//! [--limit N]`: paths whose name matches (a substring, or a glob when the pattern holds `*`, `?` or
//! `[`; case ignored) across every snapshot of the repository, from its search index. One line per
//! version of a matching path: the path, its kind, size and modification time, and the snapshots
//! holding that version (how many, the first and the last). Restore one with
//! `cairn restore REPO SNAPSHOT --path PATH`.
use super::format::{bytes, time};
use super::{Connection, Exit};
use anyhow::{Context, bail};
use cairn_proto::cairn::v1::{FindFilesRequest, FoundFiles};

#[derive(clap::Args, Debug)]
pub struct Args {
    pub repo: String,
    /// Part of a name, or a glob over whole names such as '*.jpg' (quote it)
    pub pattern: String,
    /// Only versions at least this large: bytes, or with K, M, G or T (powers of 1024)
    #[arg(long, value_parser = parse_size)]
    pub min_size: Option<i64>,
    /// Only versions at most this large
    #[arg(long, value_parser = parse_size)]
    pub max_size: Option<i64>,
    /// Only versions modified at or after this time: YYYY-MM-DD (local midnight) or RFC 3339
    #[arg(long, value_parser = parse_time)]
    pub modified_after: Option<i64>,
    /// Only versions modified at or before this time
    #[arg(long, value_parser = parse_time)]
    pub modified_before: Option<i64>,
    /// At most this many paths
    #[arg(long, default_value_t = 1000)]
    pub limit: i32,
}

pub async fn run(conn: &Connection, args: Args) -> anyhow::Result<Exit> {
    let found = conn
        .cairn()?
        .find_files(FindFilesRequest {
            repo_id: args.repo,
            pattern: args.pattern,
            min_size: args.min_size,
            max_size: args.max_size,
            modified_after_ms: args.modified_after,
            modified_before_ms: args.modified_before,
            limit: args.limit,
            ..FindFilesRequest::default()
        })
        .await?
        .into_owned();
    for l in lines(&found) {
        println!("{l}");
    }
    eprintln!("{}", summary(&found));
    Ok(Exit::Ok)
}

fn lines(found: &FoundFiles) -> Vec<String> {
    let short = |id: &str| cairn_proto::short_id(id).to_string();
    let mut out = Vec::new();
    for p in &found.paths {
        for v in &p.versions {
            let first = v
                .snapshot_ids
                .first()
                .map_or_else(String::new, |s| short(s));
            let last = v.snapshot_ids.last().map_or_else(String::new, |s| short(s));
            out.push(format!(
                "{}  {}  {:>10}  {}  {} snapshot(s) {first}..{last}  ({} .. {})",
                p.path,
                v.r#type,
                bytes(v.size),
                time(v.mtime_ms),
                v.snapshot_ids.len(),
                time(v.first_time_ms),
                time(v.last_time_ms),
            ));
        }
    }
    out
}

fn summary(found: &FoundFiles) -> String {
    let mut s = format!(
        "{} path(s) in {} indexed snapshot(s)",
        found.paths.len(),
        found.snapshots_indexed
    );
    if found.truncated {
        s.push_str("; more matched, raise --limit or narrow the pattern");
    }
    if found.snapshots_pending > 0 {
        s.push_str(&format!(
            "; {} snapshot(s) not indexed yet (run `cairn task REPO index`)",
            found.snapshots_pending
        ));
    }
    s
}

fn parse_size(text: &str) -> anyhow::Result<i64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: i64 = digits
        .parse()
        .with_context(|| format!("size {text:?} must start with a number of bytes, e.g. 500M"))?;
    let shift = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        other => bail!("size {text:?}: unit {other:?} is not one of K, M, G, T"),
    };
    n.checked_mul(1 << shift)
        .with_context(|| format!("size {text:?} is too large"))
}

fn parse_time(text: &str) -> anyhow::Result<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| {
        format!("time {text:?} is neither YYYY-MM-DD nor RFC 3339 (2024-05-01T12:00:00Z)")
    })?;
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
        .map(|t| t.timestamp_millis())
        .with_context(|| format!("time {text:?} does not exist in the local time zone"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::cairn::v1::{FoundPath, FoundVersion};

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("2K").unwrap(), 2048);
        assert_eq!(parse_size("3MiB").unwrap(), 3 << 20);
        assert!(parse_size("x").is_err());
        assert!(parse_size("5Q").unwrap_err().to_string().contains("\"Q\""));
    }

    #[test]
    fn times_take_days_and_rfc3339() {
        assert_eq!(parse_time("1970-01-01T00:00:01Z").unwrap(), 1000);
        assert!(parse_time("2024-02-30").is_err());
        assert!(parse_time("2024-02-03").is_ok());
    }

    #[test]
    fn one_line_per_version() {
        let found = FoundFiles {
            paths: vec![FoundPath {
                path: "/a/report.txt".into(),
                versions: vec![
                    FoundVersion {
                        r#type: "file".into(),
                        snapshot_ids: vec!["0123456789".into(), "abcdef0123".into()],
                        ..FoundVersion::default()
                    },
                    FoundVersion::default(),
                ],
                ..FoundPath::default()
            }],
            snapshots_pending: 2,
            ..FoundFiles::default()
        };
        let out = lines(&found);
        assert_eq!(out.len(), 2);
        assert!(out[0].starts_with("/a/report.txt  file"), "{}", out[0]);
        assert!(
            out[0].contains("2 snapshot(s) 01234567..abcdef01"),
            "{}",
            out[0]
        );
        assert!(summary(&found).contains("2 snapshot(s) not indexed yet"));
    }
}
