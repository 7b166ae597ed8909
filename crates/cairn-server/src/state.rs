//! What every handler shares: the orchestrator (and through it the config, the operation log and the
//! log store), where the config and data live, the signing keys and the metrics registry.
use crate::auth::basic_cache::BasicCache;
use crate::auth::session::SessionKeys;
use crate::auth::throttle::Throttle;
use crate::auth::totp::TotpState;
use crate::download::DownloadKeys;
use crate::metrics::Metrics;
use axum::extract::State;
use axum::http::StatusCode;
use cairn_oplog::{Query, Selector};
use cairn_orchestrator::Orchestrator;
use std::path::PathBuf;
use std::sync::Arc;

/// What the server is built from.
pub struct ServerOptions {
    /// The orchestrator handlers act through (it also holds the config, operation log and log
    /// store).
    pub orchestrator: Orchestrator,
    /// The config file (reported by GetSummaryDashboard and GetStatus; SetupSftp keeps keys beside it).
    pub config_path: PathBuf,
    /// The data directory (holds the session signing key `jwt-secret`).
    pub data_dir: PathBuf,
    /// Backrest's history, found on a first start with cairn's history empty (GetStatus offers
    /// importing it).
    pub backrest_history: Option<PathBuf>,
    /// Cancel at shutdown: event and log streams end, so graceful shutdown is not held open by them.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// Multihost sync timings (heartbeat, reconnect interval).
    pub fleet: cairn_fleet::FleetOptions,
}

/// Errors building the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The session signing key file cannot be read, is shorter than 32 bytes, or cannot be
    /// created when missing.
    #[error("cannot read or create the session signing key {path}: {source}")]
    SessionKey {
        /// The key file (`jwt-secret` in the data directory).
        path: PathBuf,
        /// The I/O error, or why an existing key was refused (shorter than 32 bytes).
        #[source]
        source: std::io::Error,
    },
    /// The operating system's random number generator failed; holds its error.
    #[error("the system random number generator failed: {0}")]
    Random(String),
    /// The HTTP client for single sign-on cannot be built; holds why.
    #[error("cannot set up the HTTP client for single sign-on: {0}")]
    HttpClient(#[source] reqwest::Error),
}

pub(crate) struct Shared {
    pub orch: Orchestrator,
    /// Multihost sync: the hub sessions behind the Sync endpoint, the dialled hosts, peer states.
    pub fleet: cairn_fleet::Fleet,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    pub backrest_history: Option<PathBuf>,
    pub sessions: SessionKeys,
    pub downloads: DownloadKeys,
    pub metrics: Metrics,
    pub basic_cache: BasicCache,
    /// Slows password guessing per source and per user name.
    pub throttle: Throttle,
    /// Two-factor enrolments waiting for a code, and the codes already used.
    pub totp: TotpState,
    /// Single sign-on: the provider's cached metadata and keys, sign-ins in progress.
    pub oidc: crate::auth::oidc::OidcState,
    /// Limits password hashing running at once (see `auth::HASHES_AT_ONCE`).
    pub hash_gate: tokio::sync::Semaphore,
    /// Cancelled when the server shuts down: streams end so connections can close.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl Shared {
    pub fn new(o: ServerOptions) -> Result<Self, ServerError> {
        Ok(Self {
            sessions: SessionKeys::load_or_create(&o.data_dir.join("jwt-secret"))?,
            downloads: DownloadKeys::generate()?,
            metrics: Metrics::new(),
            basic_cache: BasicCache::default(),
            throttle: Throttle::default(),
            totp: TotpState::default(),
            oidc: crate::auth::oidc::OidcState::new().map_err(ServerError::HttpClient)?,
            hash_gate: tokio::sync::Semaphore::new(crate::auth::HASHES_AT_ONCE),
            shutdown: o.shutdown,
            fleet: cairn_fleet::Fleet::new(o.orchestrator.clone(), o.fleet),
            orch: o.orchestrator,
            config_path: o.config_path,
            data_dir: o.data_dir,
            backrest_history: o.backrest_history,
        })
    }
}

/// Liveness and readiness: 200 when both stores answer a query, else 503 with the error.
pub(crate) async fn health(
    State(s): State<Arc<Shared>>,
) -> (StatusCode, axum::Json<serde_json::Value>) {
    let instance = s.orch.config().get().instance;
    let probe = s
        .orch
        .oplog()
        .query_meta(&Query::last_n(Selector::all(), 1))
        .and_then(|_| s.orch.logs().exists("healthz"));
    match probe {
        Ok(_) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok", "instance": instance})),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "error", "error": e.to_string()})),
        ),
    }
}

/// Random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], ServerError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| ServerError::Random(e.to_string()))?;
    Ok(buf)
}
