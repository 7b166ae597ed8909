//! Serves a benchmark's operation log: a config with the 4 repositories and 20 plans the log's
//! operations name (auth disabled, nothing scheduled), an orchestrator over it, and the whole app on
//! a loopback port. Returns the base URL (no trailing slash); the server lives as long as `dir`.
use cairn_config::{ConfigStore, MigrationEnv};
use cairn_oplog::{LogStore, OpLog};
use cairn_orchestrator::{Deps, Orchestrator, SystemClock};
use std::path::Path;
use std::sync::Arc;

fn config_json(dir: &Path, plans: usize) -> serde_json::Value {
    let repos: Vec<_> = (0..4)
        .map(|r| {
            serde_json::json!({"id": format!("repo-{r}"), "uri": dir.join(format!("repo-{r}")).display().to_string(),
                "password": "x", "guid": format!("{r:064x}"), "engine": "restic"})
        })
        .collect();
    let plans: Vec<_> = (0..plans)
        .map(|p| {
            serde_json::json!({"id": format!("plan-{p}"), "repo": format!("repo-{}", p % 4),
                "paths": ["/srv"], "schedule": {"disabled": true}})
        })
        .collect();
    serde_json::json!({"version": 6, "modno": 1, "instance": "bench", "repos": repos, "plans": plans,
        "auth": {"disabled": true}})
}

pub async fn serve(dir: &Path, oplog: OpLog, plans: usize) -> String {
    let config_path = dir.join("config.json");
    std::fs::write(&config_path, config_json(dir, plans).to_string()).expect("config");
    let store = ConfigStore::open(&config_path, &MigrationEnv::default(), || unreachable!())
        .expect("config store");
    let orch = Orchestrator::new(Deps {
        config: Arc::new(store),
        oplog,
        logs: LogStore::open(dir.join("tasklogs")).expect("log store"),
        clock: Arc::new(SystemClock),
        restic_command: None,
        search_dir: dir.join("search"),
        scratch_dir: dir.join("scratch"),
    });
    let app = cairn_server::app(cairn_server::ServerOptions {
        orchestrator: orch,
        config_path,
        data_dir: dir.to_path_buf(),
        backrest_history: None,
        shutdown: Default::default(),
        fleet: Default::default(),
    })
    .expect("app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    base
}
