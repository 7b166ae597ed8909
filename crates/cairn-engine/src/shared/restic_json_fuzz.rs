//! Fuzzing the parsing of restic's JSON output: documents built from restic's own field names with
//! values of every type (and arbitrary text with warning lines before it) go through every parser
//! and conversion the engine uses (backup and restore progress lines, snapshot lists, `ls` nodes,
//! forget groups, stats): each parses or fails, and what parses converts, never panicking. A newer or
//! broken restic must not be able to take the server down. 256 cases a property in CI; `scripts/fuzz`
//! runs many more; failures are kept under proptest-regressions/ and replayed first.
use super::restic_json::{ForgetGroup, Message, Node, Snapshot, Stats, parse_tolerant};
use proptest::prelude::*;
use serde_json::Value;

const KEYS: &[&str] = &[
    "message_type",
    "percent_done",
    "total_files",
    "files_done",
    "total_bytes",
    "bytes_done",
    "current_files",
    "error",
    "during",
    "item",
    "message",
    "files_new",
    "files_changed",
    "files_unmodified",
    "dirs_new",
    "dirs_changed",
    "dirs_unmodified",
    "data_blobs",
    "tree_blobs",
    "data_added",
    "data_added_packed",
    "total_files_processed",
    "total_bytes_processed",
    "total_duration",
    "snapshot_id",
    "seconds_elapsed",
    "files_restored",
    "bytes_restored",
    "id",
    "short_id",
    "time",
    "tree",
    "paths",
    "hostname",
    "username",
    "tags",
    "parent",
    "summary",
    "name",
    "type",
    "path",
    "size",
    "mode",
    "mtime",
    "atime",
    "ctime",
    "uid",
    "gid",
    "struct_type",
    "keep",
    "remove",
    "reasons",
    "total_size",
    "total_file_count",
    "total_blob_count",
    "snapshots_count",
    "Op",
    "Path",
    "Err",
    "backup_start",
    "backup_end",
    "program_version",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        "\\PC{0,20}".prop_map(Value::from),
        prop::sample::select(
            &[
                "status",
                "error",
                "summary",
                "exit_error",
                "verbose_status",
                "snapshot",
                "node",
                "dir",
                "file",
                "symlink",
                "2024-02-30T25:61:61Z",
                "0001-01-01T00:00:00Z",
                "1e400",
                "",
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..10).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn progress_lines_parse_and_convert_or_fail(v in value()) {
        if let Ok(m) = serde_json::from_value::<Message>(v) {
            let _ = (m.status(), m.error(), m.summary());
        }
    }

    #[test]
    fn snapshot_lists_nodes_groups_and_stats_convert(v in value(), noise in "\\PC{0,40}") {
        let text = format!("{noise}\n{v}");
        if let Ok(list) = parse_tolerant::<Vec<Snapshot>>(&text) {
            list.iter().for_each(|s| drop(s.to_proto()));
        }
        if let Ok(n) = serde_json::from_value::<Node>(v.clone()) {
            let _ = n.to_proto();
        }
        let _ = parse_tolerant::<Vec<ForgetGroup>>(&text);
        if let Ok(s) = serde_json::from_value::<Stats>(v) {
            let _ = s.to_proto();
        }
    }

    #[test]
    fn arbitrary_output_is_tolerated(text in "\\PC{0,300}") {
        let _ = parse_tolerant::<Value>(&text);
        let _ = parse_tolerant::<Vec<Snapshot>>(&text);
    }
}
