//! Every notification action delivers the expected payload: HTTP services to a local server that
//! records requests, email to a local SMTP responder that records the message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_proto::v1::OperationStatus;
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A minimal SMTP server on loopback that accepts one message per connection and keeps its data.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let seen = mails.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 test ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            seen.lock().unwrap().push(data.take().unwrap_or_default());
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, mails)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_delivers_its_payload() {
    let rec = Recorder::start().await;
    let (smtp_port, mails) = smtp_server().await;
    // SAFETY: set before any task reads it; no other test in this binary touches the environment.
    unsafe { std::env::set_var("CAIRN_TELEGRAM_API", rec.url("/telegram")) };
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    let on_end = |action: serde_json::Value| {
        let mut h = json!({"conditions": ["CONDITION_SNAPSHOT_END"]});
        for (k, v) in action.as_object().unwrap() {
            h[k] = v.clone();
        }
        h
    };
    let t = "{{ .Plan.Id }}: {{ .EventName .Event }}";
    let hooks = vec![
        on_end(json!({"actionDiscord": {"webhookUrl": rec.url("/discord"), "template": t}})),
        on_end(json!({"actionSlack": {"webhookUrl": rec.url("/slack"), "template": t}})),
        on_end(
            json!({"actionGotify": {"baseUrl": rec.url("/gotify/"), "token": "tok en", "template": t, "priority": 7}}),
        ),
        on_end(json!({"actionHealthchecks": {"webhookUrl": rec.url("/hc"), "template": t}})),
        on_end(json!({"actionTelegram": {"botToken": "123:abc", "chatId": "42", "template": t}})),
        on_end(
            json!({"actionNtfy": {"url": rec.url("/ntfy-topic"), "token": "secret", "template": t, "priority": 4}}),
        ),
        on_end(
            json!({"actionShoutrrr": {"shoutrrrUrl": format!("generic+http://127.0.0.1:{}/generic", rec.port), "template": t}}),
        ),
        on_end(json!({"actionWebhook": {"webhookUrl": rec.url("/get"), "method": "GET"}})),
        on_end(
            json!({"actionEmail": {"smtpUrl": format!("smtp+plain://127.0.0.1:{smtp_port}"), "from": "cairn@example.org",
            "to": ["ops@example.org"], "subjectTemplate": "backup {{ .Plan.Id }}", "template": t}}),
        ),
    ];
    let mut plan = plan_json("p", "a", &src);
    plan["hooks"] = json!(hooks);
    let cfg = json!({"version": 6, "instance": "test", "repos": [repo_json("a", dir.path())], "plans": [plan], "auth": {"disabled": true}});
    let env = Env::in_dir(dir, cfg, Arc::new(cairn_orchestrator::SystemClock));
    env.orch.start().await.unwrap();
    let op = env.wait(env.orch.backup_now("p", false).unwrap()).await;
    assert_eq!(op.status, OperationStatus::STATUS_SUCCESS, "{op:#?}");
    let hooks: Vec<_> = env
        .ops()
        .into_iter()
        .filter(|o| {
            matches!(
                &o.op,
                Some(cairn_proto::v1::__buffa::oneof::operation::Op::OperationRunHook(_))
            )
        })
        .collect();
    assert_eq!(hooks.len(), 9);
    for h in &hooks {
        assert_eq!(h.status, OperationStatus::STATUS_SUCCESS, "{h:#?}");
    }
    let text = "p: snapshot end";
    let body = |path: &str| -> serde_json::Value {
        let r = rec
            .find(path)
            .unwrap_or_else(|| panic!("nothing at {path}: {:#?}", rec.requests.lock().unwrap()));
        serde_json::from_str(&r.body).unwrap_or(json!(r.body))
    };
    assert_eq!(body("/discord"), json!({"content": text}));
    assert_eq!(
        body("/slack"),
        json!({"text": format!("cairn notification\n{text}")})
    );
    let gotify = rec
        .find("/gotify/message?token=tok%20en")
        .expect("gotify with the escaped token");
    let g: serde_json::Value = serde_json::from_str(&gotify.body).unwrap();
    assert_eq!(
        (g["message"].as_str(), g["priority"].as_i64()),
        (Some(text), Some(7))
    );
    assert_eq!(g["title"], "cairn snapshot end in plan p");
    assert_eq!(
        rec.find("/hc/log").expect("SNAPSHOT_END pings /log").body,
        text
    );
    let tg = body("/telegram/bot123:abc/sendMessage");
    assert_eq!(
        tg,
        json!({"chat_id": "42", "text": text, "parse_mode": "HTML"})
    );
    let ntfy = rec.find("/ntfy-topic").unwrap();
    assert_eq!(ntfy.body, text);
    assert_eq!(ntfy.header("authorization"), Some("Bearer secret"));
    assert_eq!(ntfy.header("priority"), Some("4"));
    assert_eq!(rec.find("/generic").unwrap().body, text);
    assert_eq!(rec.find("/get").unwrap().method, "GET");
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Subject: backup p"), "{}", mails[0]);
    assert!(mails[0].contains("To: ops@example.org"), "{}", mails[0]);
    assert!(mails[0].contains(text), "{}", mails[0]);
}
