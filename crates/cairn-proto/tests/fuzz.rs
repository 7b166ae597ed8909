//! Fuzzing the decoding of every RPC's request (and the config and sync messages) in both encodings:
//! arbitrary bytes, valid encodings with bytes flipped, cut or spliced (structure-aware: they reach
//! deep into nested messages), and JSON documents built from each message's own field names with
//! values of every type. Decoding must return a message or an error, never panic or hang; what
//! decodes must encode again and decode to the same message. Runs 256 cases a property in CI;
//! `scripts/fuzz` runs many more. Failing inputs are kept under proptest-regressions/ and replayed
//! first by every later run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use buffa::Message;
use cairn_proto::types;
use cairn_proto::v1::*;
use cairn_proto::v1sync::SyncStreamItem;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON keys the schema uses, so generated documents hit real fields.
const KEYS: &[&str] = &[
    "value",
    "values",
    "username",
    "password",
    "selector",
    "ids",
    "instanceId",
    "originalInstanceKeyid",
    "repoId",
    "repoGuid",
    "planId",
    "snapshotId",
    "flowId",
    "lastN",
    "beforeId",
    "ref",
    "opId",
    "filePath",
    "path",
    "target",
    "command",
    "repo",
    "plan",
    "task",
    "dryRun",
    "status",
    "repos",
    "plans",
    "auth",
    "users",
    "sync",
    "modno",
    "version",
    "instance",
    "id",
    "uri",
    "env",
    "flags",
    "hooks",
    "schedule",
    "retention",
    "paths",
    "excludes",
    "keepLastN",
    "cron",
    "maxFrequencyDays",
    "prunePolicy",
    "checkPolicy",
    "guid",
    "engine",
    "operations",
    "operationBackup",
    "lastStatus",
    "keyId",
    "identity",
    "knownHosts",
    "authorizedClients",
    "permissions",
    "actionCommand",
    "conditions",
    "onError",
    "actionWebhook",
    "webhookUrl",
    "template",
    "passwordBcrypt",
    "passwordArgon2",
    "label",
    "ttlSeconds",
    "maxUses",
    "item",
    "sshKey",
    "host",
    "port",
];

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        any::<i64>().prop_map(|i| serde_json::Value::from(i.to_string())),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        prop::sample::select(
            &[
                "STATUS_ERROR",
                "CONDITION_SNAPSHOT_END",
                "TASK_PRUNE",
                "1e400",
                "-0",
                "NaN",
                "",
                "18446744073709551616",
                "ON_ERROR_RETRY_1MINUTE",
            ][..]
        )
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// A byte-level mutation of a valid encoding.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Splice(usize, Vec<u8>),
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(i, b)| Mutation::Splice(i, b)),
    ];
    prop::collection::vec(one, 1..4)
}

fn mutate(mut bytes: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        let at = |i: usize| {
            if bytes.is_empty() {
                0
            } else {
                i % (bytes.len() + 1)
            }
        };
        match m {
            Mutation::Flip(i, b) if !bytes.is_empty() => {
                let n = bytes.len();
                bytes[i % n] ^= b | 1;
            }
            Mutation::Flip(..) => {}
            Mutation::Cut(i) => bytes.truncate(at(*i)),
            Mutation::Splice(i, b) => {
                let i = at(*i);
                bytes.splice(i..i, b.iter().copied());
            }
        }
    }
    bytes
}

/// A message rich enough that its encoding reaches nested messages, maps and repeated fields.
fn seed_config() -> Config {
    serde_json::from_value(serde_json::json!({
        "modno": 3, "version": 6, "instance": "fuzz",
        "repos": [{"id": "r", "uri": "/srv/r", "password": "pw", "env": ["A=1"], "flags": ["--x"],
            "prunePolicy": {"maxUnusedPercent": 10, "schedule": {"cron": "0 * * * *"}},
            "hooks": [{"conditions": ["CONDITION_SNAPSHOT_END"], "actionCommand": {"command": "echo"}}]}],
        "plans": [{"id": "p", "repo": "r", "paths": ["/a"], "excludes": ["*.tmp"],
            "schedule": {"maxFrequencyDays": 1}, "retention": {"policyKeepLastN": 3}}],
        "auth": {"users": [{"name": "u", "passwordBcrypt": "x"}]}
    }))
    .unwrap_or_default()
}

/// Decodes `bytes` as `T`; what decodes must round-trip.
fn decode_binary<T: Message + PartialEq + std::fmt::Debug>(
    bytes: &[u8],
) -> Result<(), TestCaseError> {
    if let Ok(m) = T::decode_from_slice(bytes) {
        let again = T::decode_from_slice(&m.encode_to_vec()).ok();
        prop_assert_eq!(again, Some(m));
    }
    Ok(())
}

fn decode_json<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    v: &serde_json::Value,
) -> Result<(), TestCaseError> {
    if let Ok(m) = serde_json::from_value::<T>(v.clone()) {
        let text = serde_json::to_string(&m).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let again: Option<T> = serde_json::from_str(&text).ok();
        prop_assert_eq!(again, Some(m), "{}", text);
    }
    Ok(())
}

/// Every request type of v1.Backrest, v1.Authentication and cairn.v1.Cairn, plus what SetConfig
/// and sync carry, through `$check`.
macro_rules! every_request {
    ($check:ident, $input:expr) => {{
        $check::<Config>($input)?;
        $check::<SetupSftpRequest>($input)?;
        $check::<CheckRepoExistsRequest>($input)?;
        $check::<AddRepoRequest>($input)?;
        $check::<RemoveRepoRequest>($input)?;
        $check::<GetOperationsRequest>($input)?;
        $check::<ListSnapshotsRequest>($input)?;
        $check::<ListSnapshotFilesRequest>($input)?;
        $check::<BackupRequest>($input)?;
        $check::<DoRepoTaskRequest>($input)?;
        $check::<ForgetRequest>($input)?;
        $check::<RestoreSnapshotRequest>($input)?;
        $check::<CancelOperationRequest>($input)?;
        $check::<LogDataRequest>($input)?;
        $check::<RunCommandRequest>($input)?;
        $check::<GetDownloadURLRequest>($input)?;
        $check::<ClearHistoryRequest>($input)?;
        $check::<GeneratePairingTokenRequest>($input)?;
        $check::<LoginRequest>($input)?;
        $check::<types::StringValue>($input)?;
        $check::<types::Int64Value>($input)?;
        $check::<cairn_proto::cairn::v1::SetupRequest>($input)?;
        $check::<cairn_proto::cairn::v1::WatchOperationsRequest>($input)?;
        $check::<cairn_proto::cairn::v1::CreateApiTokenRequest>($input)?;
        $check::<cairn_proto::cairn::v1::RevokeApiTokenRequest>($input)?;
        $check::<Operation>($input)?;
        $check::<SyncStreamItem>($input)?;
    }};
}

proptest! {
    #[test]
    fn arbitrary_bytes_decode_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        every_request!(decode_binary, &bytes);
    }

    #[test]
    fn mutated_encodings_decode_or_fail_cleanly(ms in mutations()) {
        let bytes = mutate(seed_config().encode_to_vec(), &ms);
        every_request!(decode_binary, &bytes);
    }

    #[test]
    fn json_documents_decode_or_fail_cleanly(v in json_value()) {
        every_request!(decode_json, &v);
    }
}
