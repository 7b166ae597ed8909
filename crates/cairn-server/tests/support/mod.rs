//! Shared set-up for the server's tests: a real config file, operation log and log store in a
//! temporary directory, a real orchestrator running restic, and the whole app served on loopback.
#![allow(dead_code)]
use cairn_config::{ConfigStore, MigrationEnv};
use cairn_oplog::{LogStore, OpLog};
use cairn_orchestrator::{Deps, Orchestrator, SystemClock};
use connectrpc::client::{ClientConfig, HttpClient};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

pub struct Server {
    pub dir: TempDir,
    pub orch: Orchestrator,
    pub base: String,
    pub http: reqwest::Client,
}

impl Server {
    /// Serves `config` (JSON) from a fresh data directory.
    pub async fn start(config: Value) -> Self {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let store = ConfigStore::open(&path, &MigrationEnv::default(), || unreachable!()).unwrap();
        let orch = Orchestrator::new(Deps {
            config: Arc::new(store),
            oplog: OpLog::open(dir.path().join("oplog.sqlite")).unwrap(),
            logs: LogStore::open(dir.path().join("tasklogs")).unwrap(),
            clock: Arc::new(SystemClock),
            restic_command: None,
            search_dir: dir.path().join("search"),
            scratch_dir: dir.path().join("scratch"),
        });
        orch.start().await.unwrap();
        let app = cairn_server::app(cairn_server::ServerOptions {
            orchestrator: orch.clone(),
            config_path: path,
            data_dir: dir.path().to_path_buf(),
            backrest_history: None,
            shutdown: Default::default(),
            fleet: Default::default(),
        })
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
        });
        Server {
            dir,
            orch,
            base,
            http: reqwest::Client::new(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn config_text(&self) -> String {
        std::fs::read_to_string(self.path("config.json")).unwrap()
    }

    /// A Connect JSON unary call: (HTTP status, body as JSON).
    pub async fn call(&self, method: &str, body: Value, auth: Auth<'_>) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}/{method}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        req = auth.apply(req);
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `/metrics` as text, with a bearer token when given.
    pub async fn metrics(&self, token: Option<&str>) -> String {
        let mut req = self.http.get(format!("{}/metrics", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap().text().await.unwrap()
    }

    /// A call that must succeed; returns the body.
    pub async fn ok(&self, method: &str, body: Value, auth: Auth<'_>) -> Value {
        let (status, out) = self.call(method, body, auth).await;
        assert_eq!(status, 200, "{method} failed: {out}");
        out
    }

    /// A binary-protobuf Connect client config for this server, with a bearer token.
    pub fn client_config(&self, token: Option<&str>) -> ClientConfig {
        let mut c = ClientConfig::new(self.base.parse().unwrap());
        if let Some(t) = token {
            c = c.with_default_header("authorization", format!("Bearer {t}"));
        }
        c
    }

    pub fn client(&self) -> HttpClient {
        HttpClient::plaintext()
    }

    /// Waits for an operation to finish (through the orchestrator).
    pub async fn wait(&self, id: i64) -> cairn_proto::v1::Operation {
        tokio::time::timeout(Duration::from_secs(120), self.orch.wait(id))
            .await
            .expect("operation did not finish in time")
            .unwrap()
    }
}

/// An HTTP client whose connections come from `ip` (a loopback address such as 127.0.0.2).
pub fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().ok())
        .build()
        .unwrap()
}

/// How a test call authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    Basic(&'a str, &'a str),
}

impl Auth<'_> {
    fn apply(self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
        }
    }
}

/// A config with one restic repository and one plan backing up `src`, and the given auth section.
pub fn config(dir: &Path, src: &Path, auth: Value) -> Value {
    json!({
        "version": 6,
        "modno": 1,
        "instance": "test-host",
        "repos": [{
            "id": "repo1",
            "uri": dir.join("repo").display().to_string(),
            "password": "repo-secret-pw",
            "env": ["AWS_SECRET_ACCESS_KEY=very-secret", "AWS_DEFAULT_REGION=eu-west-1"],
            "autoInitialize": true,
            "engine": "restic",
        }],
        "plans": [{
            "id": "plan1",
            "repo": "repo1",
            "paths": [src.display().to_string()],
            "schedule": {"disabled": true},
            "retention": {"policyKeepLastN": 5},
        }],
        "auth": auth,
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

/// A scratch directory that outlives nothing but the test.
pub fn scratch() -> TempDir {
    TempDir::new().unwrap()
}

/// Backrest's check of a stored hash: base64-decode, then bcrypt.
pub fn bcrypt_verifies(stored: &str, password: &str) -> bool {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .unwrap();
    bcrypt::verify(password, std::str::from_utf8(&text).unwrap()).unwrap()
}
