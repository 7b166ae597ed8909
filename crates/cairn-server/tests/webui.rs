//! The embedded web UI over loopback: its page and assets are served without credentials (the API
//! behind them still needs a session), with content types, caching rules and security headers, and
//! GetOperations pages back through a long history with cairn's `before_id`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationStatus};
use serde_json::json;
use support::{Auth, Server, config, make_source, scratch};

async fn server() -> (Server, tempfile::TempDir) {
    let work = scratch();
    let src = make_source(work.path());
    let s = Server::start(config(work.path(), &src, json!({"users": []}))).await;
    (s, work)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_and_its_assets_are_served_without_credentials() {
    let (s, _work) = server().await;
    let page = s.http.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let headers = page.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<div id=\"root\">"), "{html}");

    // Every asset the page names is served, immutable, with its type.
    let assets = assets_of(&html);
    assert!(!assets.is_empty(), "the page names no assets: {html}");
    for a in assets {
        let url = format!(
            "{}/{}",
            s.base,
            a.trim_start_matches("./").trim_start_matches('/')
        );
        let resp = s.http.get(&url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{url}");
        assert!(
            resp.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let etag = resp.headers()["etag"].clone();
        let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert!(
            ct.starts_with("text/javascript")
                || ct.starts_with("application/javascript")
                || ct.starts_with("text/css"),
            "{url}: {ct}"
        );
        let again = s
            .http
            .get(&url)
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{url}");
    }

    // With gzip accepted, scripts and styles come compressed (and decompress to the same bytes).
    let script = assets_of(&html)
        .into_iter()
        .find(|a| a.ends_with(".js"))
        .expect("a script");
    let url = format!(
        "{}/{}",
        s.base,
        script.trim_start_matches("./").trim_start_matches('/')
    );
    let plain = s
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let zipped = s
        .http
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["vary"], "accept-encoding");
    let body = zipped.bytes().await.unwrap();
    assert!(
        body.len() * 2 < plain.len(),
        "{} vs {}",
        body.len(),
        plain.len()
    );
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);

    let missing = s
        .http
        .get(format!("{}/assets/nope.js", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    // The API behind the page still needs a session (GetConfig, which Backrest's first-run dialog
    // reads before any user exists, is open only then and only in part: see tests/backrest_ui.rs).
    let (status, _) = s
        .call("v1.Backrest/GetOperations", json!({}), Auth::None)
        .await;
    assert_eq!(status, 401);
}

/// The asset paths a page names.
fn assets_of(html: &str) -> Vec<&str> {
    html.split('"')
        .filter(|p| p.starts_with("/assets/") || p.starts_with("./assets/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn get_operations_pages_back_with_before_id() {
    let (s, _work) = server().await;
    s.orch
        .oplog()
        .transact(|tx| {
            for i in 0..250 {
                let mut op = Operation {
                    plan_id: "plan1".into(),
                    repo_id: "repo1".into(),
                    repo_guid: "g".into(),
                    instance_id: "test-host".into(),
                    status: OperationStatus::STATUS_SUCCESS.into(),
                    unix_time_start_ms: 1_000 + i,
                    display_message: format!("op {i}"),
                    op: (i % 10 == 0).then(|| Op::OperationStats(Box::default())),
                    ..Operation::default()
                };
                tx.add(&mut op)?;
            }
            Ok(())
        })
        .unwrap();
    let token = s
        .ok(
            "cairn.v1.Cairn/Setup",
            json!({"username": "admin", "password": "pw-123456"}),
            Auth::None,
        )
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut seen = Vec::new();
    let mut before = 0i64;
    loop {
        let page = s
            .ok(
                "v1.Backrest/GetOperations",
                json!({"selector": {"planId": "plan1"}, "lastN": 100, "beforeId": before}),
                Auth::Bearer(&token),
            )
            .await;
        let ids: Vec<i64> = page["operations"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|o| o["id"].as_str().unwrap().parse().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        if ids.is_empty() {
            break;
        }
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "each page ascending: {ids:?}"
        );
        before = ids[0];
        seen.extend(ids);
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 250, "three pages cover the history once");

    // cairn's kinds filter: only the stats operations, and a clear refusal of an unknown kind.
    let stats = s
        .ok(
            "v1.Backrest/GetOperations",
            json!({"selector": {"planId": "plan1", "kinds": ["stats"]}, "lastN": 1000}),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(stats["operations"].as_array().map(Vec::len), Some(25));
    let (code, body) = s
        .call(
            "v1.Backrest/GetOperations",
            json!({"selector": {"kinds": ["backups"]}, "lastN": 10}),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("selector.kinds"),
        "{body}"
    );
}
