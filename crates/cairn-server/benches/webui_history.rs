//! The web UI on a long history: builds an operation log in which plan `plan-0` has 100,000
//! operations (2,000,000 in all over 20 plans and 4 repositories, so `repo-0` has 500,000;
//! `CAIRN_BENCH_OPS` overrides the total), serves it with the web UI on loopback, and runs
//! `webui/bench/history.mjs`, which drives Debian's chromium through the plan and repository views and
//! prints how fast the tree appears, how many rows the DOM holds, frame times while scrolling and the
//! time to load older pages. Needs node with the UI's npm packages and chromium (as the tests do).
//! Run: `cargo bench -p cairn-server --bench webui_history`
#[path = "../../cairn-oplog/benches/common/mod.rs"]
mod common;

use cairn_config::{ConfigStore, MigrationEnv};
use cairn_oplog::LogStore;
use cairn_orchestrator::{Deps, Orchestrator, SystemClock};
use std::sync::Arc;

fn config_json(dir: &std::path::Path) -> serde_json::Value {
    let repos: Vec<_> = (0..4)
        .map(|r| {
            serde_json::json!({"id": format!("repo-{r}"), "uri": dir.join(format!("repo-{r}")).display().to_string(),
                "password": "x", "guid": format!("{r:064x}"), "engine": "restic"})
        })
        .collect();
    let plans: Vec<_> = (0..common::PLANS)
        .map(|p| {
            serde_json::json!({"id": format!("plan-{p}"), "repo": format!("repo-{}", p % 4),
                "paths": ["/srv"], "schedule": {"disabled": true}})
        })
        .collect();
    serde_json::json!({"version": 6, "modno": 1, "instance": "bench", "repos": repos, "plans": plans,
        "auth": {"disabled": true}})
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if std::env::var_os("CAIRN_BENCH_OPS").is_none() {
        // SAFETY: no other thread exists yet (the runtime starts below).
        unsafe { std::env::set_var("CAIRN_BENCH_OPS", "2000000") };
    }
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(run());
}

async fn run() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let total = common::total_ops();
    let (oplog, took) = common::build(&dir.path().join("oplog.sqlite"), total);
    println!(
        "{total} operations inserted in {took:.2?} ({} per plan)",
        total / common::PLANS
    );
    let config_path = dir.path().join("config.json");
    std::fs::write(&config_path, config_json(dir.path()).to_string()).expect("config");
    let store = ConfigStore::open(&config_path, &MigrationEnv::default(), || unreachable!())
        .expect("config store");
    let orch = Orchestrator::new(Deps {
        config: Arc::new(store),
        oplog,
        logs: LogStore::open(dir.path().join("tasklogs")).expect("log store"),
        clock: Arc::new(SystemClock),
        restic_command: None,
    });
    let app = cairn_server::app(cairn_server::ServerOptions {
        orchestrator: orch,
        config_path,
        data_dir: dir.path().to_path_buf(),
        shutdown: Default::default(),
    })
    .expect("app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let webui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../webui");
    let status = tokio::process::Command::new("node")
        .arg("bench/history.mjs")
        .arg(&base)
        .current_dir(&webui)
        .status()
        .await
        .expect("run node (install Node.js and `npm ci` in webui/)");
    assert!(status.success(), "the browser benchmark failed");
}
