//! Values a hook template prints can never become shell syntax or break a JSON body: a plan backs up
//! directories named like shell commands (`$(...)`, backquotes, quotes, newlines, leading dashes,
//! a here-document's delimiter) with command hooks that print them between words, in double and
//! single quotes, in here-documents, in comments and through Backrest's `.ShellEscape`, and a JSON
//! webhook; nothing runs, every script sees the exact values, and the webhook gets valid JSON. A
//! template that recurses only for some events fails its hook, not the server. Both engines.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_oplog::OpKind;
use cairn_proto::v1::OperationStatus;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::*;

/// Directory names that would run `touch` if a shell parsed them; each touches its own marker.
fn hostile_names(tag: &str) -> Vec<String> {
    let m = |i: u32| format!("owned-{tag}-{i}");
    vec![
        format!("$(touch {})", m(1)),
        format!("`touch {}`", m(2)),
        format!("'; touch {}; '", m(3)),
        format!("\"; touch {}; \"", m(4)),
        format!("x\ntouch {}\n", m(5)),
        "-rf".to_string(),
        format!("EOF\ntouch {}", m(7)),
        format!("\\$(touch {})", m(8)),
        format!("${{IFS}}$(touch {})", m(9)),
    ]
}

fn markers_left(tag: &str, dirs: &[&Path]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for d in dirs {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(&format!("owned-{tag}"))
            {
                found.push(e.path());
            }
        }
    }
    found
}

fn command(cmd: String) -> serde_json::Value {
    json!({"conditions": ["CONDITION_SNAPSHOT_START"], "actionCommand": {"command": cmd}})
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    let s = String::from_utf8(bytes.to_vec()).unwrap();
    let mut v: Vec<String> = s.split('\0').map(str::to_string).collect();
    v.pop();
    v
}

async fn hostile_names_run_nothing(engine: &str) {
    let rec = Recorder::start().await;
    let dir = tempfile::TempDir::new().unwrap();
    let tag = format!("{}-{engine}", std::process::id());
    let src = make_source(dir.path());
    let mut paths = vec![src.display().to_string()];
    for name in hostile_names(&tag) {
        let p = src.join(&name);
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("f"), b"x").unwrap();
        paths.push(p.display().to_string());
    }
    paths.sort(); // the config keeps a plan's paths sorted
    let out = |n: &str| dir.path().join(n).display().to_string();
    let mut repo = repo_json("a", dir.path());
    repo["engine"] = json!(engine);
    let mut plan = plan_json("p1", "a", &src);
    plan["paths"] = json!(paths);
    plan["hooks"] = json!([
        command(format!("printf '%s\\0' {{{{ range .Plan.Paths }}}}{{{{ . }}}} {{{{ end }}}} > {}", out("bare"))),
        command(format!("printf '%s\\0' {{{{ range .Plan.Paths }}}}{{{{ $.ShellEscape . }}}} {{{{ end }}}} > {}", out("escaped"))),
        command(format!("printf '%s' \"{{{{ .Summary }}}}\" > {}", out("double"))),
        command(format!("printf '%s' '{{{{ .Summary }}}}' > {}", out("single"))),
        command(format!("cat > {} <<EOF\n{{{{ .Summary }}}}\nEOF\n", out("heredoc"))),
        command(format!("# {{{{ .Summary }}}}\ntouch {}", out("comment"))),
        {
            "conditions": ["CONDITION_SNAPSHOT_START"],
            "actionWebhook": {"webhookUrl": rec.url("/json"), "method": "POST",
                "template": "{\"summary\": \"{{ .Summary }}\", \"paths\": {{ .JsonMarshal .Plan.Paths }}, \"second\": {{ index .Plan.Paths 1 }}}"}
        },
        {
            "conditions": ["CONDITION_SNAPSHOT_START"],
            "onError": "ON_ERROR_IGNORE",
            "actionCommand": {"command": "{{ define \"a\" }}{{ template \"a\" . }}{{ end }}{{ if eq .Event \"CONDITION_SNAPSHOT_START\" }}{{ template \"a\" . }}{{ end }}true"}
        }
    ]);
    let mut missing = plan_json("p2", "a", &src);
    let gone = src.join(format!("$(touch owned-{tag}-10)")).join("missing");
    missing["paths"] = json!([gone.display().to_string()]);
    missing["hooks"] = json!([{
        "conditions": ["CONDITION_SNAPSHOT_ERROR"],
        "actionCommand": {"command": format!("printf '%s' \"{{{{ .Error }}}}\" > {}", out("error"))}
    }]);
    let config = json!({"version": 6, "instance": "test", "repos": [repo], "plans": [plan, missing],
        "auth": {"disabled": true}});
    let env = Env::in_dir(dir, config, Arc::new(cairn_orchestrator::SystemClock));
    env.orch.start().await.unwrap();

    let id = env.orch.backup_now("p1", false).unwrap();
    let op = env.wait(id).await;
    assert_eq!(op.status, OperationStatus::STATUS_SUCCESS, "{op:#?}");
    let id2 = env.orch.backup_now("p2", false).unwrap();
    let op2 = env.wait(id2).await;
    assert_eq!(op2.status, OperationStatus::STATUS_ERROR, "{op2:#?}");
    let ops = env
        .until("every hook to finish", |ops| {
            ops.iter()
                .filter(|o| OpKind::of(o) == OpKind::RunHook)
                .count()
                >= 9
                && ops.iter().all(cairn_orchestrator::is_final)
        })
        .await;
    let hooks: Vec<_> = ops
        .iter()
        .filter(|o| OpKind::of(o) == OpKind::RunHook)
        .collect();
    assert_eq!(hooks.len(), 9, "{hooks:#?}");

    let cwd = std::env::current_dir().unwrap();
    assert_eq!(
        markers_left(&tag, &[env.dir.path(), &src, &cwd]),
        Vec::<PathBuf>::new()
    );
    let read = |n: &str| std::fs::read(env.path(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
    assert_eq!(
        split_nul(&read("bare")),
        paths,
        "values between words arrive as single words"
    );
    assert_eq!(
        split_nul(&read("escaped")),
        paths,
        "ShellEscape is not quoted twice"
    );
    for f in ["double", "single", "heredoc"] {
        let text = String::from_utf8(read(f)).unwrap();
        for p in &paths[1..] {
            assert!(text.contains(p.as_str()), "{f} lacks {p:?}: {text:?}");
        }
    }
    assert!(env.path("comment").exists());
    let error = String::from_utf8(read("error")).unwrap();
    assert!(
        error.contains(&format!("$(touch owned-{tag}-10)")),
        "{error}"
    );

    let body: serde_json::Value = serde_json::from_str(&rec.find("/json").unwrap().body).unwrap();
    assert_eq!(body["paths"], json!(paths));
    assert_eq!(body["second"], json!(paths[1]));
    assert!(body["summary"].as_str().unwrap().contains(&paths[5]));

    let failed: Vec<_> = ops
        .iter()
        .filter(|o| OpKind::of(o) == OpKind::RunHook && o.status == OperationStatus::STATUS_ERROR)
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "only the recursive template fails: {failed:#?}"
    );
    assert!(
        failed[0].display_message.contains("deeper than"),
        "{}",
        failed[0].display_message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_run_nothing_with_restic() {
    hostile_names_run_nothing("restic").await;
}
