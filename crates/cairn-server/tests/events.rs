//! The live operation streams over loopback: cairn's WatchOperations resumes after a reconnect from
//! the last modno it delivered, Backrest's GetOperationEvents sends creates and updates, and 200
//! concurrent clients read operations while backups run, with no errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use buffa_types::google::protobuf::Empty;
use cairn_proto::cairn::v1::{CairnClient, WatchOperationsRequest};
use cairn_proto::v1::__buffa::oneof::operation_event::Event;
use cairn_proto::v1::{BackrestClient, OpSelector, Operation};
use serde_json::json;
use std::time::Duration;
use support::{Auth, Server, config, make_source, scratch};

fn done(op: &Operation) -> bool {
    cairn_orchestrator::is_final(op)
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_operations_resumes_from_the_last_modno_after_a_reconnect() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": true}))).await;
    let cairn = CairnClient::new(s.client(), s.client_config(None));
    let plan_only = || WatchOperationsRequest {
        selector: OpSelector {
            plan_id: Some("plan1".into()),
            ..OpSelector::default()
        }
        .into(),
        ..WatchOperationsRequest::default()
    };

    // Follow one backup to its end.
    let mut stream = cairn.watch_operations(plan_only()).await.unwrap();
    let id = s.orch.backup_now("plan1", false).unwrap();
    let mut last_modno = 0;
    'first: loop {
        let msg = tokio::time::timeout(Duration::from_secs(120), stream.message())
            .await
            .expect("no change within 2 minutes")
            .unwrap()
            .expect("stream ended")
            .to_owned_message();
        last_modno = last_modno.max(msg.modno);
        for op in &msg.upserted {
            assert_eq!(op.plan_id, "plan1", "the selector filters server-side");
            if op.id == id && done(op) {
                break 'first;
            }
        }
    }
    drop(stream);

    // While disconnected, a dry run happens; resuming replays it.
    let dry = s.orch.backup_now("plan1", true).unwrap();
    s.wait(dry).await;
    let mut resumed = cairn
        .watch_operations(WatchOperationsRequest {
            resume_after_modno: Some(last_modno),
            ..plan_only()
        })
        .await
        .unwrap();
    let mut seen_dry = false;
    while !seen_dry {
        let msg = tokio::time::timeout(Duration::from_secs(30), resumed.message())
            .await
            .expect("resume delivered nothing")
            .unwrap()
            .expect("stream ended")
            .to_owned_message();
        if msg.keep_alive {
            assert_eq!(
                msg.modno, last_modno,
                "the first message carries the resume point"
            );
            continue;
        }
        assert!(msg.modno > last_modno);
        seen_dry = msg.upserted.iter().any(|o| o.id == dry && done(o));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn backrest_event_stream_and_200_concurrent_readers_during_backups() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": true}))).await;
    let client = BackrestClient::new(s.client(), s.client_config(None));
    let mut events = client.get_operation_events(Empty::default()).await.unwrap();

    let backups = {
        let base = s.base.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for _ in 0..2 {
                let r = http
                    .post(format!("{base}/v1.Backrest/Backup"))
                    .header("content-type", "application/json")
                    .body(r#"{"value":"plan1"}"#)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
            }
        })
    };
    let mut readers = Vec::new();
    for i in 0..200 {
        let base = s.base.clone();
        readers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut errors = 0;
            for _ in 0..5 {
                let body = if i % 2 == 0 {
                    json!({"selector": {"planId": "plan1"}, "lastN": 50})
                } else {
                    json!({"selector": {}})
                };
                let r = http
                    .post(format!("{base}/v1.Backrest/GetOperations"))
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let v: serde_json::Value = r.json().await.unwrap();
                        assert!(v.is_object());
                    }
                    _ => errors += 1,
                }
            }
            errors
        }));
    }
    let mut errors = 0;
    for r in readers {
        errors += r.await.unwrap();
    }
    backups.await.unwrap();
    assert_eq!(errors, 0, "readers saw errors");

    // The Backrest stream saw operations created and finished.
    let (mut created, mut finished) = (false, false);
    while !(created && finished) {
        let msg = tokio::time::timeout(Duration::from_secs(30), events.message())
            .await
            .expect("no event")
            .unwrap()
            .expect("stream ended")
            .to_owned_message();
        match msg.event {
            Some(Event::CreatedOperations(l)) => created |= !l.operations.is_empty(),
            Some(Event::UpdatedOperations(l)) => finished |= l.operations.iter().any(done),
            _ => {}
        }
    }
    let ops = s
        .ok(
            "v1.Backrest/GetOperations",
            json!({"selector": {"planId": "plan1"}}),
            Auth::None,
        )
        .await;
    let ok = ops["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o.get("operationBackup").is_some() && o["status"] == "STATUS_SUCCESS")
        .count();
    assert_eq!(ok, 2);
}
