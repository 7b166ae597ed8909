//! API latency at scale over real loopback HTTP: the server on an operation log of 1M operations
//! (`CAIRN_BENCH_OPS` overrides; 20 plans over 4 repos, the newest ending now). Prints p50/p99/max of
//! GetOperations (a plan's last 100, Connect JSON and binary), GetSummaryDashboard (every plan and
//! repository over 30 days), and how long one change takes to reach 100 WatchOperations subscribers.
//! Run: `cargo bench -p cairn-server --bench api_latency`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failed unwrap stops the run; criterion's macros make undocumented items"
)]
#[path = "../../cairn-oplog/benches/common/mod.rs"]
mod common;
mod serve;

use cairn_proto::cairn::v1::{CairnClient, WatchOperationsRequest};
use cairn_proto::v1::{BackrestClient, GetOperationsRequest, OpSelector};
use connectrpc::client::{ClientConfig, HttpClient};
use std::time::{Duration, Instant};

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "p50 {:>10.2?}  p99 {:>10.2?}  max {:>10.2?}",
        at(0.5),
        at(0.99),
        v[v.len() - 1]
    )
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::TempDir::new().expect("tempdir");
    let total = common::total_ops();
    let (oplog, took) = common::build(&dir.path().join("oplog.sqlite"), total);
    println!("{total} operations inserted in {took:.2?}");
    let base = serve::serve(dir.path(), oplog.clone(), common::PLANS).await;
    let http = reqwest::Client::new();

    let mut samples = Vec::new();
    for i in 0..550 {
        let body = format!(
            r#"{{"selector":{{"planId":"{}"}},"lastN":100}}"#,
            common::plan_id(i)
        );
        let t = Instant::now();
        let r = http
            .post(format!("{base}/v1.Backrest/GetOperations"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        let bytes = r.bytes().await.expect("body");
        assert!(bytes.len() > 1000);
        if i >= 50 {
            samples.push(t.elapsed());
        }
    }
    println!(
        "{:<52} {}",
        "GetOperations, plan's last 100 (Connect JSON)",
        percentiles(samples)
    );

    let client = BackrestClient::new(
        HttpClient::plaintext(),
        ClientConfig::new(base.parse().expect("uri")),
    );
    let mut samples = Vec::new();
    for i in 0..550 {
        let req = GetOperationsRequest {
            selector: OpSelector {
                plan_id: Some(common::plan_id(i)),
                ..OpSelector::default()
            }
            .into(),
            last_n: 100,
            ..GetOperationsRequest::default()
        };
        let t = Instant::now();
        let ops = client.get_operations(req).await.expect("rpc").into_owned();
        assert_eq!(ops.operations.len(), 100);
        if i >= 50 {
            samples.push(t.elapsed());
        }
    }
    println!(
        "{:<52} {}",
        "GetOperations, plan's last 100 (Connect binary)",
        percentiles(samples)
    );

    let mut samples = Vec::new();
    for i in 0..23 {
        let t = Instant::now();
        let r = http
            .post(format!("{base}/v1.Backrest/GetSummaryDashboard"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("request");
        assert!(r.status().is_success());
        r.bytes().await.expect("body");
        if i >= 3 {
            samples.push(t.elapsed());
        }
    }
    println!(
        "{:<52} {}",
        "GetSummaryDashboard (20 plans, 4 repos, 30 days)",
        percentiles(samples)
    );

    // 100 subscribers; each change is timed until the last of them has it.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, Instant)>();
    for _ in 0..100 {
        let cairn = CairnClient::new(
            HttpClient::plaintext(),
            ClientConfig::new(base.parse().expect("uri")),
        );
        let tx = tx.clone();
        let mut stream = cairn
            .watch_operations(WatchOperationsRequest::default())
            .await
            .expect("watch");
        tokio::spawn(async move {
            while let Ok(Some(msg)) = stream.message().await {
                for op in msg.to_owned_message().upserted {
                    let _ = tx.send((op.id, Instant::now()));
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut samples = Vec::new();
    for i in 0..220 {
        let mut op = common::operation(total + i, 2, 0);
        let t = Instant::now();
        oplog.add(&mut op).expect("add");
        let mut got = 0;
        let mut last = t;
        while got < 100 {
            let (id, at) = rx.recv().await.expect("delivery");
            if id == op.id {
                got += 1;
                last = at;
            }
        }
        if i >= 20 {
            samples.push(last - t);
        }
    }
    println!(
        "{:<52} {}",
        "one change to 100 WatchOperations subscribers",
        percentiles(samples)
    );
}
