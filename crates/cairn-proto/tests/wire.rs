//! Wire compatibility with Backrest: binary field numbers pinned byte for byte, JSON names and shapes
//! pinned (int64 as strings, enums by name, flattened oneofs, json_name overrides), and round trips of
//! every message with a non-trivial field in both encodings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use buffa::Message;
use cairn_proto::types;
use cairn_proto::v1::__buffa::oneof as o;
use cairn_proto::v1::*;
use cairn_proto::v1sync::{self, SyncStreamItem};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn to_json<T: Serialize>(m: &T) -> Value {
    serde_json::to_value(m).unwrap()
}

/// Binary and JSON round trips must both give back the same message.
fn round_trip<T: Message + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(m: &T) {
    let bin = T::decode_from_slice(&m.encode_to_vec()).unwrap();
    assert_eq!(&bin, m, "binary round trip");
    let text = serde_json::to_string(m).unwrap();
    let js: T = serde_json::from_str(&text).unwrap();
    assert_eq!(&js, m, "JSON round trip of {text}");
}

fn sample_operation(op: o::operation::Op) -> Operation {
    Operation {
        id: 42,
        original_id: 7,
        modno: 9_007_199_254_740_993, // beyond f64 precision: must survive JSON as a string
        flow_id: 40,
        original_flow_id: 3,
        repo_id: "b2".into(),
        repo_guid: "g".repeat(64),
        plan_id: "home".into(),
        instance_id: "laptop".into(),
        original_instance_keyid: "ed25519.abc".into(),
        snapshot_id: "f".repeat(64),
        status: OperationStatus::STATUS_WARNING.into(),
        unix_time_start_ms: 1_700_000_000_000,
        unix_time_end_ms: 1_700_000_100_000,
        display_message: "Partial backup".into(),
        logref: "t-1".into(),
        op: Some(op),
        ..Default::default()
    }
}

fn snapshot() -> ResticSnapshot {
    ResticSnapshot {
        id: "a".repeat(64),
        unix_time_ms: 1_700_000_000_000,
        hostname: "h".into(),
        username: "u".into(),
        tree: "t".into(),
        parent: "p".into(),
        paths: vec!["/home".into()],
        tags: vec!["plan:home".into(), "created-by:laptop".into()],
        summary: SnapshotSummary {
            files_new: 3,
            total_duration: 1.5,
            ..Default::default()
        }
        .into(),
        ..Default::default()
    }
}

fn every_op_kind() -> Vec<o::operation::Op> {
    use o::operation::Op;
    vec![
        Op::OperationBackup(Box::new(OperationBackup {
            last_status: BackupProgressEntry {
                entry: Some(o::backup_progress_entry::Entry::Summary(Box::new(
                    BackupProgressSummary {
                        snapshot_id: "s".into(),
                        data_added: 10,
                        total_duration: 2.5,
                        ..Default::default()
                    },
                ))),
                ..Default::default()
            }
            .into(),
            errors: vec![BackupProgressError {
                item: "/x".into(),
                during: "scan".into(),
                message: "denied".into(),
                ..Default::default()
            }],
            dry_run: true,
            ..Default::default()
        })),
        Op::OperationIndexSnapshot(Box::new(OperationIndexSnapshot {
            snapshot: snapshot().into(),
            forgot: true,
            ..Default::default()
        })),
        Op::OperationForget(Box::new(OperationForget {
            forget: vec![snapshot()],
            policy: RetentionPolicy {
                policy: Some(o::retention_policy::Policy::PolicyKeepLastN(5)),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        })),
        Op::OperationPrune(Box::new(OperationPrune {
            output_logref: "c-1".into(),
            ..Default::default()
        })),
        Op::OperationRestore(Box::new(OperationRestore {
            path: "/home".into(),
            target: "/tmp/r".into(),
            last_status: RestoreProgressEntry {
                message_type: "status".into(),
                percent_done: 0.5,
                bytes_restored: 9,
                ..Default::default()
            }
            .into(),
            ..Default::default()
        })),
        Op::OperationStats(Box::new(OperationStats {
            stats: RepoStats {
                total_size: 100,
                compression_ratio: 1.25,
                snapshot_count: 4,
                ..Default::default()
            }
            .into(),
            ..Default::default()
        })),
        Op::OperationRunHook(Box::new(OperationRunHook {
            parent_op: 41,
            name: "command hook plan/home/hook/0".into(),
            condition: hook::Condition::CONDITION_SNAPSHOT_END.into(),
            ..Default::default()
        })),
        Op::OperationCheck(Box::new(OperationCheck {
            output_logref: "c-2".into(),
            ..Default::default()
        })),
        Op::OperationRunCommand(Box::new(OperationRunCommand {
            command: "snapshots".into(),
            output_logref: "c-3".into(),
            output_size_bytes: 12,
            ..Default::default()
        })),
    ]
}

#[test]
fn binary_field_numbers_match_backrest() {
    let op = Operation {
        id: 1,
        status: OperationStatus::STATUS_SUCCESS.into(),
        ..Default::default()
    };
    assert_eq!(op.encode_to_vec(), vec![0x08, 0x01, 0x20, 0x03]);
    let op = Operation {
        flow_id: 2,
        repo_guid: "g".into(),
        ..Default::default()
    };
    assert_eq!(op.encode_to_vec(), vec![0x50, 0x02, 0x7a, 0x01, b'g']);
    let ev = OperationEvent {
        event: Some(o::operation_event::Event::KeepAlive(Box::default())),
        ..Default::default()
    };
    assert_eq!(ev.encode_to_vec(), vec![0x0a, 0x00]);
    let cfg = Config {
        multihost: Multihost::default().into(),
        ..Default::default()
    };
    assert_eq!(
        cfg.encode_to_vec(),
        vec![0x3a, 0x00],
        "Config.multihost is field 7"
    );
    let plan = Plan {
        backup_flags: vec!["x".into()],
        ..Default::default()
    };
    assert_eq!(
        plan.encode_to_vec(),
        vec![0x52, 0x01, b'x'],
        "Plan.backup_flags is field 10"
    );
    let hook = Hook {
        action: Some(o::hook::Action::ActionCommand(Box::default())),
        ..Default::default()
    };
    assert_eq!(
        hook.encode_to_vec(),
        vec![0xa2, 0x06, 0x00],
        "Hook.action_command is field 100"
    );
    let op = Operation {
        op: Some(o::operation::Op::OperationRunCommand(Box::default())),
        ..Default::default()
    };
    assert_eq!(
        op.encode_to_vec(),
        vec![0xe2, 0x06, 0x00],
        "Operation.operation_run_command is field 108"
    );
    let sel = OpSelector {
        plan_id: Some(String::new()),
        modno_gte: Some(0),
        ..Default::default()
    };
    assert_eq!(
        sel.encode_to_vec(),
        vec![0x1a, 0x00, 0x48, 0x00],
        "optional fields keep presence"
    );
    let item = SyncStreamItem {
        action: Some(v1sync::__buffa::oneof::sync_stream_item::Action::Throttle(
            Box::default(),
        )),
        ..Default::default()
    };
    assert_eq!(
        item.encode_to_vec(),
        vec![0xc2, 0x3e, 0x00],
        "SyncStreamItem.throttle is field 1000"
    );
}

#[test]
fn json_names_and_shapes_match_backrest() {
    let cfg = Config {
        modno: 3,
        version: 6,
        instance: "laptop".into(),
        multihost: Multihost {
            identity: PrivateKey {
                keyid: "ed25519.k".into(),
                ..Default::default()
            }
            .into(),
            known_hosts: vec![multihost::Peer {
                instance_id: "nas".into(),
                keyid: "ed25519.p".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
        .into(),
        plans: vec![Plan {
            id: "home".into(),
            backup_flags: vec!["--one-file-system".into()],
            schedule: Schedule {
                schedule: Some(o::schedule::Schedule::MaxFrequencyDays(2)),
                clock: schedule::Clock::CLOCK_LAST_RUN_TIME.into(),
                ..Default::default()
            }
            .into(),
            retention: RetentionPolicy {
                policy: Some(o::retention_policy::Policy::PolicyTimeBucketed(Box::new(
                    retention_policy::TimeBucketedCounts {
                        keep_last_n: 2,
                        ..Default::default()
                    },
                ))),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        }],
        repos: vec![Repo {
            id: "r".into(),
            prune_policy: PrunePolicy {
                max_unused_bytes: 5,
                ..Default::default()
            }
            .into(),
            command_prefix: CommandPrefix {
                io_nice: command_prefix::IONiceLevel::IO_IDLE.into(),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(
        to_json(&cfg),
        json!({
            "modno": 3, "version": 6, "instance": "laptop",
            "repos": [{"id": "r", "prunePolicy": {"maxUnusedBytes": "5"}, "commandPrefix": {"ioNice": "IO_IDLE"}}],
            "plans": [{"id": "home", "backup_flags": ["--one-file-system"],
                       "schedule": {"maxFrequencyDays": 2, "clock": "CLOCK_LAST_RUN_TIME"},
                       "retention": {"policyTimeBucketed": {"keepLastN": 2}}}],
            "sync": {"identity": {"keyId": "ed25519.k"}, "knownHosts": [{"instanceId": "nas", "keyId": "ed25519.p"}]}
        })
    );
    let op = sample_operation(o::operation::Op::OperationRunHook(Box::new(
        OperationRunHook {
            parent_op: 41,
            condition: hook::Condition::CONDITION_ANY_ERROR.into(),
            ..Default::default()
        },
    )));
    let v = to_json(&op);
    assert_eq!(v["id"], "42");
    assert_eq!(v["modno"], "9007199254740993");
    assert_eq!(v["flowId"], "40");
    assert_eq!(v["repoGuid"], "g".repeat(64));
    assert_eq!(v["originalInstanceKeyid"], "ed25519.abc");
    assert_eq!(v["status"], "STATUS_WARNING");
    assert_eq!(v["unixTimeStartMs"], "1700000000000");
    assert_eq!(v["displayMessage"], "Partial backup");
    assert_eq!(
        v["operationRunHook"],
        json!({"parentOp": "41", "condition": "CONDITION_ANY_ERROR"})
    );
    let ev = OperationEvent {
        event: Some(o::operation_event::Event::DeletedOperations(Box::new(
            types::Int64List {
                values: vec![1, 2],
                ..Default::default()
            },
        ))),
        ..Default::default()
    };
    assert_eq!(
        to_json(&ev),
        json!({"deletedOperations": {"values": ["1", "2"]}})
    );
    let user = User {
        name: "admin".into(),
        password: Some(o::user::Password::PasswordBcrypt("aGFzaA==".into())),
        ..Default::default()
    };
    assert_eq!(
        to_json(&user),
        json!({"name": "admin", "passwordBcrypt": "aGFzaA=="})
    );
}

#[test]
fn json_input_accepts_proto_names_and_numbers_like_protojson() {
    let cfg: Config =
        serde_json::from_value(json!({"multihost": {"known_hosts": [{"instance_id": "a"}]}}))
            .unwrap();
    assert_eq!(
        cfg.multihost.as_option().unwrap().known_hosts[0].instance_id,
        "a"
    );
    let op: Operation = serde_json::from_value(json!({"flow_id": 5, "status": 3})).unwrap();
    assert_eq!(op.flow_id, 5);
    assert_eq!(op.status, OperationStatus::STATUS_SUCCESS);
    let req: BackupRequest = serde_json::from_value(json!({"value": "my-plan"})).unwrap();
    assert_eq!(req.value, "my-plan");
}

#[test]
fn every_operation_kind_round_trips() {
    for kind in every_op_kind() {
        round_trip(&sample_operation(kind));
    }
    let list = OperationList {
        operations: every_op_kind().into_iter().map(sample_operation).collect(),
        ..Default::default()
    };
    round_trip(&list);
    for event in [
        o::operation_event::Event::KeepAlive(Box::default()),
        o::operation_event::Event::CreatedOperations(Box::new(list.clone())),
        o::operation_event::Event::UpdatedOperations(Box::new(list.clone())),
        o::operation_event::Event::DeletedOperations(Box::new(types::Int64List {
            values: vec![1, -2],
            ..Default::default()
        })),
    ] {
        round_trip(&OperationEvent {
            event: Some(event),
            ..Default::default()
        });
    }
}

#[test]
fn config_and_service_messages_round_trip() {
    use o::check_policy::Mode;
    use o::retention_policy::Policy;
    for policy in [
        Policy::PolicyKeepLastN(3),
        Policy::PolicyKeepAll(true),
        Policy::PolicyTimeBucketed(Box::new(retention_policy::TimeBucketedCounts {
            hourly: 1,
            daily: 2,
            weekly: 3,
            monthly: 4,
            yearly: 5,
            keep_last_n: 6,
            ..Default::default()
        })),
    ] {
        round_trip(&RetentionPolicy {
            policy: Some(policy),
            ..Default::default()
        });
    }
    for mode in [Mode::StructureOnly(true), Mode::ReadDataSubsetPercent(2.5)] {
        round_trip(&CheckPolicy {
            mode: Some(mode),
            ..Default::default()
        });
    }
    for s in [
        o::schedule::Schedule::Disabled(true),
        o::schedule::Schedule::Cron("0 * * * *".into()),
        o::schedule::Schedule::MaxFrequencyHours(6),
    ] {
        round_trip(&Schedule {
            schedule: Some(s),
            clock: schedule::Clock::CLOCK_UTC.into(),
            ..Default::default()
        });
    }
    round_trip(&OpSelector {
        ids: vec![1, 2],
        plan_id: Some(String::new()),
        flow_id: Some(0),
        modno_gte: Some(5),
        ..Default::default()
    });
    let none = OpSelector::default();
    round_trip(&none);
    let summary = summary_dashboard_response::Summary {
        id: "home".into(),
        recent_backups: summary_dashboard_response::BackupChart {
            flow_id: vec![1],
            status: vec![OperationStatus::STATUS_ERROR.into()],
            ..Default::default()
        }
        .into(),
        history_last_30days: vec![summary_dashboard_response::DayStatusBucket {
            overdue: true,
            status_counts: vec![summary_dashboard_response::StatusAndCount {
                count: 2,
                status: OperationStatus::STATUS_SUCCESS.into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    round_trip(&SummaryDashboardResponse {
        plan_summaries: vec![summary],
        config_path: "/c".into(),
        ..Default::default()
    });
    round_trip(&ListSnapshotFilesResponse {
        path: "/".into(),
        entries: vec![LsEntry {
            name: "a".into(),
            r#type: "file".into(),
            size: 3,
            mode: 0o644,
            mtime: "2024-01-01T00:00:00Z".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    round_trip(&BackupProgressEntry {
        entry: Some(o::backup_progress_entry::Entry::Status(Box::new(
            BackupProgressStatusEntry {
                percent_done: 0.25,
                current_file: vec!["/a".into()],
                ..Default::default()
            },
        ))),
        ..Default::default()
    });
    round_trip(&DoRepoTaskRequest {
        repo_id: "r".into(),
        task: do_repo_task_request::Task::TASK_UNLOCK.into(),
        ..Default::default()
    });
}

#[test]
fn sync_messages_round_trip() {
    use v1sync::__buffa::oneof::sync_stream_item::Action;
    use v1sync::sync_stream_item as s;
    let items = [
        Action::Handshake(Box::new(s::SyncActionHandshake {
            protocol_version: 3,
            instance_id: "a".into(),
            signature: vec![1, 2],
            ..Default::default()
        })),
        Action::Encrypted(Box::new(s::SyncActionEncrypted {
            nonce: vec![0; 12],
            ciphertext: vec![9],
            ..Default::default()
        })),
        Action::OperationManifest(Box::new(s::SyncActionOperationManifest {
            op_ids: vec![1],
            modnos: vec![2],
            ..Default::default()
        })),
        Action::EstablishSharedSecret(Box::new(s::SyncEstablishSharedSecret {
            protocol_version: 1,
            kem_public_key: vec![7],
            ..Default::default()
        })),
    ];
    for a in items {
        round_trip(&SyncStreamItem {
            action: Some(a),
            ..Default::default()
        });
    }
    round_trip(&v1sync::PeerState {
        peer_instance_id: "p".into(),
        state: v1sync::ConnectionState::CONNECTION_STATE_ERROR_AUTH.into(),
        known_repos: vec![v1sync::RepoMetadata {
            id: "r".into(),
            guid: "g".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_operation_round_trips(
            id in any::<i64>(), modno in any::<i64>(), flow in any::<i64>(),
            plan in "[a-z0-9_-]{0,12}", msg in "\\PC{0,40}", status in 0i32..8, kind in 0usize..9,
        ) {
            let mut op = sample_operation(every_op_kind().swap_remove(kind));
            op.id = id;
            op.modno = modno;
            op.flow_id = flow;
            op.plan_id = plan;
            op.display_message = msg;
            op.status = status.into();
            round_trip(&op);
        }
    }
}
