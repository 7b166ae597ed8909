//! Every Backrest RPC over real loopback HTTP against a real restic repository: Connect JSON (as curl
//! sends it), binary protobuf, gRPC and gRPC-Web; restores, downloads and the path checks around them;
//! config secrets and validation; dashboard and metrics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_proto::v1::{BackrestClient, GetOperationsRequest, LogDataRequest, OpSelector};
use connectrpc::Protocol;
use serde_json::{Value, json};
use std::io::Read;
use support::{Auth, Server, config, make_source, scratch};

const NO: Auth<'static> = Auth::None;

fn ops_of<'a>(list: &'a Value, field: &str) -> Vec<&'a Value> {
    list["operations"]
        .as_array()
        .map(|a| a.iter().filter(|o| o.get(field).is_some()).collect())
        .unwrap_or_default()
}

fn id(v: &Value) -> i64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or(v.as_i64())
        .unwrap()
}

/// A signed download link from GetDownloadURL.
async fn download_url(s: &Server, request: Value) -> String {
    let r = s.ok("v1.Backrest/GetDownloadURL", request, NO).await;
    r["value"].as_str().unwrap().to_string()
}

async fn download(s: &Server, url: &str, query: &str) -> (u16, Vec<u8>) {
    let full = format!("{}{}{query}", s.base, url.trim_start_matches('.'));
    let resp = s.http.get(full).send().await.unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

fn tar_gz_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    ar.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (name, data)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rpc_works_against_a_real_repository() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let srcs = src.display().to_string();
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": true}))).await;

    // Backup, exactly as Backrest's documented curl call, blocks until it has finished.
    let (status, body) = s
        .call("v1.Backrest/Backup", json!({"value": "plan1"}), NO)
        .await;
    assert_eq!(status, 200, "{body}");
    let ops = s
        .ok(
            "v1.Backrest/GetOperations",
            json!({"selector": {"planId": "plan1"}}),
            NO,
        )
        .await;
    let (code, body) = s.call("v1.Backrest/GetOperations", json!({}), NO).await;
    assert_eq!(
        code, 400,
        "no selector at all is an error, as in Backrest: {body}"
    );
    let backups = ops_of(&ops, "operationBackup");
    assert_eq!(backups.len(), 1, "{ops}");
    assert_eq!(backups[0]["status"], "STATUS_SUCCESS", "{ops}");

    // Snapshots, as this API and as the real restic see them.
    let snaps = s
        .ok(
            "v1.Backrest/ListSnapshots",
            json!({"repoId": "repo1", "planId": "plan1"}),
            NO,
        )
        .await;
    let snap = &snaps["snapshots"][0];
    let snap_id = snap["id"].as_str().unwrap().to_string();
    assert!(
        snap["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("plan:plan1")),
        "{snaps}"
    );
    let out = std::process::Command::new("restic")
        .args([
            "-r",
            &tmp.path().join("repo").display().to_string(),
            "snapshots",
            "--json",
            "--no-lock",
        ])
        .env("RESTIC_PASSWORD", "repo-secret-pw")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tags = listed[0]["tags"].as_array().unwrap();
    assert!(tags.contains(&json!("plan:plan1")) && tags.contains(&json!("created-by:test-host")));

    let files = s
        .ok(
            "v1.Backrest/ListSnapshotFiles",
            json!({"repoId": "repo1", "snapshotId": snap_id, "path": srcs}),
            NO,
        )
        .await;
    let names: Vec<&str> = files["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.txt", "sub"], "{files}");

    // Searching names: bad patterns and limits are refused by name; a snapshot the search index has
    // not reached is counted, never walked (this test binary is no engine worker, so it stays pending).
    for (body, says) in [
        (
            json!({"repoId": "repo1", "pattern": "["}),
            "not a valid glob",
        ),
        (json!({"repoId": "repo1", "pattern": ""}), "it is empty"),
        (
            json!({"repoId": "repo1", "pattern": "a", "limit": -1}),
            "negative",
        ),
    ] {
        let (code, answer) = s.call("cairn.v1.Cairn/FindFiles", body, NO).await;
        assert_eq!(code, 400, "{answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(says),
            "{answer}"
        );
    }
    let (code, answer) = s
        .call(
            "cairn.v1.Cairn/FindFiles",
            json!({"repoId": "nope", "pattern": "a"}),
            NO,
        )
        .await;
    assert_eq!(code, 404, "{answer}");
    let found = s
        .ok(
            "cairn.v1.Cairn/FindFiles",
            json!({"repoId": "repo1", "pattern": "a.txt"}),
            NO,
        )
        .await;
    assert_eq!(found["snapshotsPending"], json!(1), "{found}");

    // Restore, then download what was restored as tar.gz and zip.
    let target = tmp.path().join("restored");
    let r = s
        .ok(
            "v1.Backrest/Restore",
            json!({"planId": "plan1", "repoId": "repo1", "snapshotId": snap_id, "path": srcs,
                   "target": target.display().to_string()}),
            NO,
        )
        .await;
    let restore_op = id(&r["operationId"]);
    assert_eq!(s.wait(restore_op).await.status.to_i32(), 3);
    assert_eq!(std::fs::read(target.join("src/a.txt")).unwrap(), b"alpha\n");
    assert_eq!(
        std::fs::read(target.join("src/sub/b.txt")).unwrap(),
        vec![7u8; 100_000]
    );
    let url = download_url(&s, json!({"opId": restore_op, "filePath": ""})).await;
    assert!(url.starts_with("./download/"), "{url}");
    let (code, tgz) = download(&s, &url, "").await;
    assert_eq!(code, 200);
    let entries = tar_gz_entries(&tgz);
    assert!(
        entries
            .iter()
            .any(|(n, d)| n == "src/a.txt" && d == b"alpha\n"),
        "{:?}",
        entries.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    let (code, zipped) = download(&s, &url, "?format=zip").await;
    assert_eq!(code, 200);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
    assert_eq!(z.by_name("src/sub/b.txt").unwrap().size(), 100_000);
    let tampered = url.replacen("download/", "download/x", 1);
    assert_eq!(download(&s, &tampered, "").await.0, 403);

    // Paths never leave their roots.
    for bad in ["../../etc", "sub/../../..", "/../.."] {
        let (code, body) = s
            .call(
                "v1.Backrest/GetDownloadURL",
                json!({"opId": restore_op, "filePath": bad}),
                NO,
            )
            .await;
        assert_eq!(code, 400, "{bad}: {body}");
    }
    std::os::unix::fs::symlink("/etc", target.join("src/escape")).unwrap();
    let (code, _) = s
        .call(
            "v1.Backrest/GetDownloadURL",
            json!({"opId": restore_op, "filePath": "escape"}),
            NO,
        )
        .await;
    assert_eq!(code, 400, "a symlink out of the restore target is refused");
    // A restore replaced by a symbolic link after the fact is not followed by its download link.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("secret"), b"never restored").unwrap();
    std::fs::rename(target.join("src"), tmp.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, target.join("src")).unwrap();
    let (code, body) = download(&s, &url, "").await;
    assert_eq!(code, 404, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("symbolic link"));
    std::fs::remove_file(target.join("src")).unwrap();
    std::fs::rename(tmp.path().join("moved"), target.join("src")).unwrap();
    // A streaming method in a unary content type: 415 with the types it takes, as Connect says.
    let resp = s
        .http
        .post(format!("{}/v1.Backrest/GetOperationEvents", s.base))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    assert_eq!(
        resp.headers()["accept-post"],
        "application/connect+json, application/connect+proto"
    );
    let restore = |t: &str| json!({"planId": "plan1", "repoId": "repo1", "snapshotId": snap_id, "path": srcs, "target": t});
    for bad in ["relative/dir", "/tmp/../etc/x", target.to_str().unwrap()] {
        let (code, body) = s.call("v1.Backrest/Restore", restore(bad), NO).await;
        assert_eq!(code, 400, "restore target {bad}: {body}");
    }
    // cairn's extensions: bad combinations are refused before anything is queued, naming the fix.
    let ext = |extra: serde_json::Value| {
        let mut r =
            json!({"planId": "plan1", "repoId": "repo1", "snapshotId": snap_id, "path": srcs});
        r.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        r
    };
    for (extra, says) in [
        (json!({"inPlace": true, "delete": true}), "overwrite mode"),
        (
            json!({"inPlace": true, "target": "/tmp/x"}),
            "leave the target empty",
        ),
        (
            json!({"inPlace": true, "paths": [format!("{srcs}/sub")]}),
            "overlap",
        ),
        (json!({"path": "/", "inPlace": true}), "in place over /"),
    ] {
        let (code, body) = s.call("v1.Backrest/Restore", ext(extra.clone()), NO).await;
        assert_eq!(code, 400, "{extra}: {body}");
        assert!(body.to_string().contains(says), "{extra}: {body}");
    }
    // A dry run in place, and a restore over an existing target (which may hold anything), have no
    // restored copy to download.
    let shared_target = tmp.path().join("shared-target");
    std::fs::create_dir_all(shared_target.join("unrelated")).unwrap();
    for extra in [
        json!({"inPlace": true, "overwrite": "RESTORE_OVERWRITE_ALWAYS", "dryRun": true}),
        json!({"target": shared_target.display().to_string(), "overwrite": "RESTORE_OVERWRITE_NEVER"}),
    ] {
        let r = s.ok("v1.Backrest/Restore", ext(extra.clone()), NO).await;
        let op = s.wait(id(&r["operationId"])).await;
        assert_eq!(op.status.to_i32(), 3, "{extra}: {}", op.display_message);
        let (code, body) = s
            .call(
                "v1.Backrest/GetDownloadURL",
                json!({"opId": op.id, "filePath": "unrelated"}),
                NO,
            )
            .await;
        assert_eq!(code, 400, "{extra}: {body}");
        assert!(
            body.to_string()
                .contains("download from the snapshot instead"),
            "{body}"
        );
    }
    assert!(shared_target.join("src/a.txt").exists() && shared_target.join("unrelated").exists());
    let listed = s
        .ok("v1.Backrest/PathAutocomplete", json!({"value": srcs}), NO)
        .await;
    assert_eq!(listed["values"], json!(["a.txt", "sub"]));
    let missing = s
        .ok(
            "v1.Backrest/PathAutocomplete",
            json!({"value": "/no/such/dir"}),
            NO,
        )
        .await;
    assert!(
        missing.get("values").is_none_or(|v| v == &json!([])),
        "{missing}"
    );
    let (code, _) = s
        .call(
            "v1.Backrest/PathAutocomplete",
            json!({"value": "/srv/../etc"}),
            NO,
        )
        .await;
    assert_eq!(code, 400);
    let (code, _) = s
        .call("v1.Backrest/PathAutocomplete", json!({"value": "etc"}), NO)
        .await;
    assert_eq!(code, 400);

    // A snapshot path downloads through the engine.
    let all = s
        .ok(
            "v1.Backrest/GetOperations",
            json!({"selector": {"planId": "plan1"}}),
            NO,
        )
        .await;
    let index_op = id(&ops_of(&all, "operationIndexSnapshot")[0]["id"]);
    let url = s
        .ok(
            "v1.Backrest/GetDownloadURL",
            json!({"opId": index_op, "filePath": format!("{srcs}/sub")}),
            NO,
        )
        .await["value"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, tgz) = download(&s, &url, "").await;
    assert_eq!(code, 200);
    let entries = tar_gz_entries(&tgz);
    assert!(
        entries
            .iter()
            .any(|(n, d)| n.ends_with("sub/b.txt") && d.len() == 100_000)
    );
    // A file of the snapshot downloads as itself, whatever format is asked for (as restic dumps it).
    let file = json!({"opId": index_op, "filePath": format!("{srcs}/a.txt")});
    let url = download_url(&s, file).await;
    assert!(url.ends_with("/a.txt"), "{url}");
    assert_eq!(download(&s, &url, "").await, (200, b"alpha\n".to_vec()));
    let zip = download(&s, &url, "?format=zip").await;
    assert_eq!(zip, (200, b"alpha\n".to_vec()));
    // A path the snapshot does not have: the download breaks off instead of ending as a tidy, empty
    // archive; a relative path is refused up front.
    let url = download_url(&s, json!({"opId": index_op, "filePath": "/no/such/path"})).await;
    let resp = s
        .http
        .get(format!("{}{}", s.base, url.trim_start_matches('.')))
        .send()
        .await
        .unwrap();
    assert!(
        resp.bytes().await.is_err(),
        "a failed dump must not look complete"
    );
    let (code, _) = s
        .call(
            "v1.Backrest/GetDownloadURL",
            json!({"opId": index_op, "filePath": "sub"}),
            NO,
        )
        .await;
    assert_eq!(code, 400);
    let backup_op = id(&backups[0]["id"]);
    let (code, _) = s
        .call(
            "v1.Backrest/GetDownloadURL",
            json!({"opId": backup_op, "filePath": ""}),
            NO,
        )
        .await;
    assert_eq!(code, 400, "a backup operation has nothing to download");

    // Repository tasks, forget, a command and its log.
    for task in ["TASK_STATS", "TASK_CHECK", "TASK_PRUNE"] {
        let r = s
            .ok(
                "v1.Backrest/DoRepoTask",
                json!({"repoId": "repo1", "task": task}),
                NO,
            )
            .await;
        let op = s.wait(id(&r["operationId"])).await;
        assert_eq!(op.status.to_i32(), 3, "{task}: {}", op.display_message);
    }
    let r = s
        .ok(
            "v1.Backrest/DoRepoTask",
            json!({"repoId": "repo1", "task": "TASK_UNLOCK"}),
            NO,
        )
        .await;
    assert!(r.get("operationId").is_none_or(|v| id(v) == 0));
    let (code, _) = s
        .call(
            "v1.Backrest/DoRepoTask",
            json!({"repoId": "nope", "task": "TASK_STATS"}),
            NO,
        )
        .await;
    assert_eq!(code, 404);
    let r = s
        .ok(
            "v1.Backrest/Forget",
            json!({"planId": "plan1", "repoId": "repo1"}),
            NO,
        )
        .await;
    assert_eq!(s.wait(id(&r["operationId"])).await.status.to_i32(), 3);
    let r = s
        .ok(
            "v1.Backrest/RunCommand",
            json!({"repoId": "repo1", "command": "snapshots"}),
            NO,
        )
        .await;
    let cmd = s.wait(id(&r["operationId"])).await;
    let Some(cairn_proto::v1::__buffa::oneof::operation::Op::OperationRunCommand(run)) = &cmd.op
    else {
        panic!("not a command operation: {cmd:?}");
    };
    let client = BackrestClient::new(s.client(), s.client_config(None));
    let mut logs = client
        .get_logs(LogDataRequest {
            r#ref: run.output_logref.clone(),
            ..LogDataRequest::default()
        })
        .await
        .unwrap();
    let mut text = Vec::new();
    while let Some(chunk) = logs.message().await.unwrap() {
        text.extend_from_slice(&chunk.to_owned_message().value);
    }
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains(&snap_id[..8]), "{text}");
    let (code, _) = s
        .call("v1.Backrest/Cancel", json!({"operationId": cmd.id}), NO)
        .await;
    assert_eq!(code, 400, "a finished operation cannot be cancelled");

    // Binary protobuf, gRPC and gRPC-Web see the same operations as JSON.
    let req = || GetOperationsRequest {
        selector: OpSelector {
            plan_id: Some("plan1".into()),
            ..OpSelector::default()
        }
        .into(),
        ..GetOperationsRequest::default()
    };
    let json_count = s
        .ok(
            "v1.Backrest/GetOperations",
            json!({"selector": {"planId": "plan1"}}),
            NO,
        )
        .await["operations"]
        .as_array()
        .unwrap()
        .len();
    let transports = [
        (s.client(), Protocol::Connect),
        (
            connectrpc::client::HttpClient::plaintext_http2_only(),
            Protocol::Grpc,
        ),
        (s.client(), Protocol::GrpcWeb),
    ];
    for (http, protocol) in transports {
        let c = BackrestClient::new(http, s.client_config(None).with_protocol(protocol));
        let got = c.get_operations(req()).await.unwrap().into_owned();
        assert_eq!(got.operations.len(), json_count, "{protocol:?}");
    }

    // Dashboard and metrics.
    let dash = s.ok("v1.Backrest/GetSummaryDashboard", json!({}), NO).await;
    let plan = &dash["planSummaries"][0];
    assert_eq!(
        (plan["id"].as_str(), id(&plan["backupsSuccessLast30days"])),
        (Some("plan1"), 1),
        "{dash}"
    );
    assert_eq!(plan["historyLast30days"].as_array().unwrap().len(), 30);
    assert!(id(&plan["bytesScannedLast30days"]) >= 100_000, "{plan}");
    let metrics = s.metrics(None).await;
    assert!(
        metrics.contains("cairn_operations_total{type=\"backup\",status=\"success\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("cairn_last_backup_bytes_processed{plan_id=\"plan1\",repo_id=\"repo1\"}"),
        "{metrics}"
    );

    // Clearing history: a selector naming what to clear is required (a kind alone would reach
    // across every plan); only failed ones go with only_failed.
    for selector in [
        json!({}),
        json!({"kinds": ["backup"]}),
        json!({"planId": "plan1", "kinds": ["nope"]}),
    ] {
        let (code, body) = s
            .call(
                "v1.Backrest/ClearHistory",
                json!({"selector": selector}),
                NO,
            )
            .await;
        assert_eq!(code, 400, "{selector}: {body}");
    }
    s.ok(
        "v1.Backrest/ClearHistory",
        json!({"selector": {"planId": "plan1"}, "onlyFailed": true}),
        NO,
    )
    .await;
    assert_eq!(
        client
            .get_operations(req())
            .await
            .unwrap()
            .into_owned()
            .operations
            .len(),
        json_count
    );
    // A request without uses is refused by name (a token nobody could use).
    let (code, body) = s
        .call("v1.Backrest/GeneratePairingToken", json!({}), NO)
        .await;
    assert_eq!(
        (code, body["code"].as_str()),
        (400, Some("invalid_argument"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn config_secrets_stay_on_the_server_and_invalid_configs_change_nothing() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": true}))).await;
    let cfg = s.ok("v1.Backrest/GetConfig", json!({}), NO).await;
    let text = cfg.to_string();
    assert!(
        !text.contains("repo-secret-pw") && !text.contains("very-secret"),
        "{text}"
    );
    assert!(text.contains("AWS_DEFAULT_REGION=eu-west-1"), "{text}");

    // Sending the redacted config back keeps the stored secrets.
    let saved = s.ok("v1.Backrest/SetConfig", cfg.clone(), NO).await;
    let file = s.config_text();
    assert!(
        file.contains("repo-secret-pw") && file.contains("very-secret"),
        "{file}"
    );
    assert_eq!(id(&saved["modno"]), id(&cfg["modno"]) + 1);

    // Invalid, stale, or a placeholder with nothing behind it: refused, file byte-identical.
    let before = std::fs::read(s.path("config.json")).unwrap();
    let mut bad = saved.clone();
    bad["plans"][0]["repo"] = json!("no-such-repo");
    bad["plans"][0]["schedule"] = json!({"cron": "not a cron"});
    let (code, body) = s.call("v1.Backrest/SetConfig", bad, NO).await;
    assert_eq!(code, 400, "{body}");
    let msg = body["message"].as_str().unwrap();
    assert!(
        msg.contains("plans[0].repo") && msg.contains("plans[0].schedule"),
        "{msg}"
    );
    assert_eq!(
        violations(&body),
        ["plans[0].repo", "plans[0].schedule.cron"],
        "each refused field travels as a google.rpc.BadRequest violation: {body}"
    );
    let (code, body) = s.call("v1.Backrest/SetConfig", cfg.clone(), NO).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (400, Some("failed_precondition")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("modno"));
    let mut copy = saved.clone();
    copy["repos"][0]["id"] = json!("repo2");
    copy["repos"][0]["uri"] = json!(tmp.path().join("other").display().to_string());
    let (code, body) = s.call("v1.Backrest/SetConfig", copy, NO).await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(std::fs::read(s.path("config.json")).unwrap(), before);

    // AddRepo creates a repository (restic can open it), CheckRepoExists sees it, RemoveRepo keeps it.
    let repo2 = tmp.path().join("repo2");
    let candidate = json!({"id": "repo2", "uri": repo2.display().to_string(), "password": "pw2"});
    let r = s
        .ok(
            "v1.Backrest/CheckRepoExists",
            json!({"repo": candidate}),
            NO,
        )
        .await;
    assert!(r.get("exists").is_none_or(|e| e == &json!(false)), "{r}");
    let added = s
        .ok("v1.Backrest/AddRepo", json!({"repo": candidate}), NO)
        .await;
    let guid = added["repos"][1]["guid"].as_str().unwrap().to_string();
    assert_eq!(guid.len(), 64);
    let r = s
        .ok(
            "v1.Backrest/CheckRepoExists",
            json!({"repo": candidate}),
            NO,
        )
        .await;
    assert_eq!(r["exists"], true);
    let status = std::process::Command::new("restic")
        .args(["-r", &repo2.display().to_string(), "cat", "config"])
        .env("RESTIC_PASSWORD", "pw2")
        .output()
        .unwrap();
    assert!(status.status.success());
    let removed = s
        .ok("v1.Backrest/RemoveRepo", json!({"repoId": "repo2"}), NO)
        .await;
    assert_eq!(removed["repos"].as_array().unwrap().len(), 1);
    assert!(
        repo2.join("config").exists(),
        "the repository's data is kept"
    );
    // Adding it again imports the existing repository: same id, nothing re-initialised.
    let imported = s
        .ok("v1.Backrest/AddRepo", json!({"repo": candidate}), NO)
        .await;
    assert_eq!(imported["repos"][1]["guid"].as_str(), Some(guid.as_str()));
    let (code, _) = s
        .call("v1.Backrest/RemoveRepo", json!({"repoId": "repo1"}), NO)
        .await;
    assert_eq!(code, 400, "a repository used by a plan cannot be removed");
}

#[tokio::test(flavor = "multi_thread")]
async fn editing_a_repository_keeps_it_and_never_switches_to_another() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": true}))).await;
    let uri = tmp.path().join("repo2").display().to_string();
    let added = s
        .ok(
            "v1.Backrest/AddRepo",
            json!({"repo": {"id": "repo2", "uri": uri, "password": "pw2"}}),
            NO,
        )
        .await;
    let guid = added["repos"][1]["guid"].as_str().unwrap().to_string();
    // Editing it, as the UI's form does, sends it back with its guid and the redacted password.
    let mut edited = added["repos"][1].clone();
    edited["flags"] = json!(["--limit-upload=100"]);
    let saved = s
        .ok("v1.Backrest/AddRepo", json!({"repo": edited}), NO)
        .await;
    assert_eq!(saved["repos"][1]["flags"], json!(["--limit-upload=100"]));
    assert_eq!(saved["repos"][1]["guid"].as_str(), Some(guid.as_str()));

    // A URI with nothing there is refused without creating a repository, and so is the URI of
    // another repository.
    let nowhere = tmp.path().join("typo");
    let other = tmp.path().join("other-repo");
    let init = std::process::Command::new("restic")
        .args(["init", "-r", &other.display().to_string()])
        .env("RESTIC_PASSWORD", "pw2")
        .output()
        .unwrap();
    assert!(init.status.success());
    for (to, why) in [
        (&nowhere, "no repository at"),
        (&other, "is not repository"),
    ] {
        let mut moved = edited.clone();
        moved["uri"] = json!(to.display().to_string());
        let (code, body) = s
            .call("v1.Backrest/AddRepo", json!({"repo": moved}), NO)
            .await;
        assert_eq!(code, 400, "{body}");
        assert!(body["message"].as_str().unwrap().contains(why), "{body}");
    }
    assert!(!nowhere.join("config").exists(), "nothing was created");
    assert_eq!(
        s.ok("v1.Backrest/GetConfig", json!({}), NO).await["repos"][1]["uri"],
        json!(uri)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_sftp_makes_a_key_and_reports_an_unreachable_host_in_its_error_field() {
    let tmp = scratch();
    let src = make_source(tmp.path());
    let s = Server::start(config(tmp.path(), &src, json!({"disabled": true}))).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = s
        .ok(
            "v1.Backrest/SetupSftp",
            json!({"host": "127.0.0.1", "port": port.to_string()}),
            NO,
        )
        .await;
    assert!(
        r["publicKey"].as_str().unwrap().starts_with("ssh-ed25519 "),
        "{r}"
    );
    let key = r["keyPath"].as_str().unwrap();
    assert!(
        std::path::Path::new(key).exists() && key.contains(".cairn-ssh"),
        "{r}"
    );
    assert!(
        !r["error"].as_str().unwrap_or_default().is_empty(),
        "nothing listens there: {r}"
    );
    let again = s
        .ok(
            "v1.Backrest/SetupSftp",
            json!({"host": "127.0.0.1", "port": port.to_string()}),
            NO,
        )
        .await;
    assert_eq!(
        again["publicKey"], r["publicKey"],
        "the key is made once and reused"
    );
    for (host, port) in [
        ("a;rm -rf /", "22"),
        ("-oProxyCommand=x", "22"),
        ("-v", "22"),
        ("example.org", "99999"),
    ] {
        let (code, body) = s
            .call(
                "v1.Backrest/SetupSftp",
                json!({"host": host, "port": port}),
                NO,
            )
            .await;
        assert_eq!(code, 400, "{host}:{port}: {body}");
    }
}

/// The fields of the google.rpc.BadRequest detail of a Connect JSON error body.
fn violations(body: &serde_json::Value) -> Vec<String> {
    use base64::Engine as _;
    use buffa::Message as _;
    let details = body["details"].as_array().cloned().unwrap_or_default();
    let detail = details
        .iter()
        .find(|d| d["type"] == "google.rpc.BadRequest")
        .unwrap_or_else(|| panic!("no BadRequest detail in {body}"));
    let value = detail["value"].as_str().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(value.trim_end_matches('='))
        .unwrap();
    let br = cairn_proto::google::rpc::BadRequest::decode_from_slice(&bytes).unwrap();
    br.field_violations
        .iter()
        .map(|v| v.field.clone())
        .collect()
}
