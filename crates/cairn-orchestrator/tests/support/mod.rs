//! Shared set-up for the orchestrator's tests: a temporary data directory with a config, the stores,
//! an orchestrator over them, and a local HTTP server that records what notification actions send.
#![allow(dead_code)]
use cairn_config::{ConfigStore, MigrationEnv};
use cairn_oplog::{LogStore, OpLog, Query, Selector};
use cairn_orchestrator::{Clock, Deps, Orchestrator, SystemClock};
use cairn_proto::v1::Operation;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Env {
    pub dir: TempDir,
    pub orch: Orchestrator,
}

impl Env {
    /// An orchestrator over `config` (JSON) with the system clock.
    pub fn new(config: serde_json::Value) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    pub fn with_clock(config: serde_json::Value, clock: Arc<dyn Clock>) -> Self {
        let dir = TempDir::new().unwrap();
        Self::in_dir(dir, config, clock)
    }

    pub fn in_dir(dir: TempDir, config: serde_json::Value, clock: Arc<dyn Clock>) -> Self {
        Self::build(dir, config, clock, None)
    }

    /// An orchestrator whose restic engine runs `restic` (for example a wrapper that records calls).
    pub fn with_restic(dir: TempDir, config: serde_json::Value, restic: PathBuf) -> Self {
        Self::build(dir, config, Arc::new(SystemClock), Some(restic))
    }

    fn build(
        dir: TempDir,
        config: serde_json::Value,
        clock: Arc<dyn Clock>,
        restic_command: Option<PathBuf>,
    ) -> Self {
        let path = dir.path().join("config.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let store = ConfigStore::open(&path, &MigrationEnv::default(), || unreachable!()).unwrap();
        let oplog = OpLog::open(dir.path().join("oplog.sqlite")).unwrap();
        let logs = LogStore::open(dir.path().join("tasklogs")).unwrap();
        let orch = Orchestrator::new(Deps {
            config: Arc::new(store),
            oplog,
            logs,
            clock,
            restic_command,
            search_dir: dir.path().join("search"),
            scratch_dir: dir.path().join("scratch"),
        });
        Env { dir, orch }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn ops(&self) -> Vec<Operation> {
        self.orch
            .oplog()
            .query(&Query::new(Selector::all()))
            .unwrap()
    }

    pub async fn wait(&self, id: i64) -> Operation {
        tokio::time::timeout(Duration::from_secs(120), self.orch.wait(id))
            .await
            .expect("operation did not finish in time")
            .unwrap()
    }

    /// Waits until `f` holds for the log's operations.
    pub async fn until(&self, what: &str, f: impl Fn(&[Operation]) -> bool) -> Vec<Operation> {
        for _ in 0..1200 {
            let ops = self.ops();
            if f(&ops) {
                return ops;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}: {:#?}", self.ops());
    }

    pub async fn log_text(&self, logref: &str) -> String {
        let mut r = self.orch.logs().open_reader(logref).unwrap();
        String::from_utf8(r.read_to_end().await.unwrap()).unwrap()
    }
}

/// A repository and a plan backing up `src` into it (no schedule, so only explicit runs happen).
pub fn repo_json(id: &str, dir: &Path) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "uri": dir.join(format!("repo-{id}")).display().to_string(),
        "password": "test-password",
        "autoInitialize": true,
        "engine": "restic",
    })
}

pub fn plan_json(id: &str, repo: &str, src: &Path) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "repo": repo,
        "paths": [src.display().to_string()],
        "schedule": {"disabled": true},
    })
}

/// Writes a small tree to back up.
pub fn make_source(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a.txt"), b"alpha\n").unwrap();
    std::fs::write(src.join("sub/b.txt"), vec![7u8; 100_000]).unwrap();
    src
}

/// One request a notification action made.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A local HTTP server that answers 200 to everything and records each request.
pub struct Recorder {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl Recorder {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    while let Some(req) = read_request(&mut sock).await {
                        seen.lock().unwrap().push(req);
                        let _ = sock
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                            .await;
                    }
                });
            }
        });
        Recorder { port, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }

    pub fn find(&self, path_prefix: &str) -> Option<Request> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .find(|r| r.path.starts_with(path_prefix))
            .cloned()
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    sock.read_exact(&mut body).await.ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Points the embedded engine's workers at the workspace's `cairn-engine-worker` binary (built now if
/// a lone `cargo test -p cairn-orchestrator` did not build it): a test binary cannot run as a worker
/// itself, and the tree reader (diffs, history, search, verification) always runs in one.
pub fn use_built_worker() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).unwrap();
        let worker = profile_dir.join("cairn-engine-worker");
        if !worker.exists() {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let built = std::process::Command::new(cargo)
                .args([
                    "build",
                    "-p",
                    "cairn-embedded",
                    "--bin",
                    "cairn-engine-worker",
                ])
                .status()
                .unwrap();
            assert!(built.success(), "building cairn-engine-worker failed");
        }
        // SAFETY: set once, before any orchestrator of this test process starts a worker; nothing
        // else in the test process writes the environment.
        unsafe { std::env::set_var("CAIRN_ENGINE_WORKER", &worker) };
    });
}
