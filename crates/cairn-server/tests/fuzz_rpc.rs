//! Fuzzing every RPC a client can send, through the real server over loopback HTTP: arbitrary
//! bytes as Connect binary, JSON documents built from the requests' own field names, and arbitrary
//! Authorization headers. Each request gets an answer (a response or a Connect error naming a code),
//! never a dropped connection or a panic, and the server stays healthy. RPCs that reach outside the
//! machine or write where a request says (AddRepo, SetConfig, SetupSftp, CheckRepoExists,
//! RunCommand) are left out; their decoding is fuzzed in cairn-proto's fuzz suite. 32 cases a
//! property in CI (each sends every RPC); `scripts/fuzz` sets PROPTEST_CASES for more.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use support::{Auth, Server, config, make_source, scratch};

const RPCS: &[&str] = &[
    "v1.Backrest/GetConfig",
    "v1.Backrest/RemoveRepo",
    "v1.Backrest/GetOperations",
    "v1.Backrest/ListSnapshots",
    "v1.Backrest/ListSnapshotFiles",
    "v1.Backrest/Backup",
    "v1.Backrest/DoRepoTask",
    "v1.Backrest/Forget",
    "v1.Backrest/Restore",
    "v1.Backrest/Cancel",
    "v1.Backrest/GetDownloadURL",
    "v1.Backrest/ClearHistory",
    "v1.Backrest/PathAutocomplete",
    "v1.Backrest/GetSummaryDashboard",
    "v1.Backrest/GeneratePairingToken",
    "v1.Authentication/Login",
    "v1.Authentication/HashPassword",
    "cairn.v1.Cairn/GetAuthState",
    "cairn.v1.Cairn/Setup",
    "cairn.v1.Cairn/StartBackup",
    "cairn.v1.Cairn/GetStatus",
    "cairn.v1.Cairn/CreateApiToken",
    "cairn.v1.Cairn/RevokeApiToken",
];

const FIELDS: &[&str] = &[
    "value",
    "username",
    "password",
    "selector",
    "ids",
    "repoId",
    "planId",
    "snapshotId",
    "flowId",
    "lastN",
    "beforeId",
    "opId",
    "filePath",
    "path",
    "target",
    "task",
    "dryRun",
    "instanceId",
    "repoGuid",
    "name",
    "expiresAtMs",
    "id",
    "label",
    "ttlSeconds",
];

fn body() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<i64>().prop_map(|i| Value::from(i.to_string())),
        "\\PC{0,12}".prop_map(Value::from),
        prop::sample::select(
            &[
                "repo1",
                "plan1",
                "/",
                "..",
                "/etc",
                "TASK_PRUNE",
                "TASK_UNLOCK",
                "latest",
                "-h",
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// 32 cases unless PROPTEST_CASES says; failures are kept in proptest-regressions/ beside this file.
fn runner(scale: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    TestRunner::new(Config {
        cases: cases * scale,
        source_file: Some(file!()),
        ..Config::default()
    })
}

/// A response that is an answer: success, or a Connect error with its code.
fn answered(rpc: &str, status: u16, text: &str) -> Result<(), TestCaseError> {
    if status == 200 {
        return Ok(());
    }
    let v: Value = serde_json::from_str(text).map_err(|_| {
        TestCaseError::fail(format!("{rpc}: {status} without a Connect error: {text:?}"))
    })?;
    prop_assert!(v["code"].is_string(), "{}: {} {}", rpc, status, text);
    Ok(())
}

/// A server with `auth`, on a runtime the properties block on.
fn serve(auth: Value) -> (tokio::runtime::Runtime, tempfile::TempDir, Server) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = rt.block_on(Server::start(config(tmp.path(), &src, auth)));
    (rt, tmp, s)
}

#[test]
fn every_rpc_answers_whatever_it_is_sent() {
    let (rt, _tmp, s) = serve(json!({"disabled": true}));
    let mut runner = runner(1);
    let strategy = (body(), prop::collection::vec(any::<u8>(), 0..256));
    runner
        .run(&strategy, |(json_body, bytes)| {
            rt.block_on(async {
                for rpc in RPCS {
                    let (status, out) = s.call(rpc, json_body.clone(), Auth::None).await;
                    answered(rpc, status, &out.to_string())?;
                    let resp = s
                        .http
                        .post(format!("{}/{rpc}", s.base))
                        .header("content-type", "application/proto")
                        .body(bytes.clone())
                        .send()
                        .await
                        .map_err(|e| TestCaseError::fail(format!("{rpc}: no answer: {e}")))?;
                    let status = resp.status().as_u16();
                    let text = resp.text().await.unwrap_or_default();
                    if status != 200 {
                        answered(rpc, status, &text)?;
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    let health = rt.block_on(async {
        s.http
            .get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(health, 200);
}

#[test]
fn arbitrary_credentials_are_refused_cleanly() {
    let (rt, _tmp, s) = serve(json!({"disabled": false}));
    rt.block_on(s.ok(
        "cairn.v1.Cairn/Setup",
        json!({"username": "admin", "password": "pw"}),
        Auth::None,
    ));
    let header = prop_oneof![
        "\\PC{0,60}",
        "[ -~]{0,40}".prop_map(|t| format!("Bearer {t}")),
        "[A-Za-z0-9+/=]{0,40}".prop_map(|t| format!("Basic {t}")),
        "[ -~]{0,20}".prop_map(|t| format!("Bearer cairn_{t}")),
    ];
    let mut runner = runner(4);
    runner
        .run(&header, |h| {
            rt.block_on(async {
                let Ok(value) = reqwest::header::HeaderValue::from_str(&h) else {
                    return Ok(());
                };
                let resp = s
                    .http
                    .post(format!("{}/v1.Backrest/GetConfig", s.base))
                    .header("content-type", "application/json")
                    .header("authorization", value)
                    .body("{}")
                    .send()
                    .await
                    .map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
                prop_assert_eq!(resp.status().as_u16(), 401, "{:?}", h);
                Ok(())
            })
        })
        .unwrap();
}
