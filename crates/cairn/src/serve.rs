//! `cairn serve`: loads (or creates) the config, opens the operation log and the log store, recovers
//! operations a previous process left running, runs the orchestrator (schedules and tasks), serves the
//! API on the bind address, and shuts down cleanly on SIGINT or SIGTERM.
use crate::settings::Settings;
use anyhow::Context;
use cairn_config::{ConfigStore, MigrationEnv, default_config};
use cairn_oplog::{LogStore, OpLog};
use cairn_orchestrator::{Deps, Orchestrator, SystemClock, recover_interrupted};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// How long running tasks get to stop cleanly at shutdown.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// The stores a running server holds.
pub struct Stores {
    pub config: Arc<ConfigStore>,
    pub oplog: OpLog,
    pub logs: LogStore,
    /// What keeps a second server off this data dir and database while this one runs.
    pub held: crate::oplog_location::Held,
}

/// Opens everything `serve` needs, writing a default config on first start.
pub fn open_stores(settings: &Settings) -> anyhow::Result<Stores> {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let keys = crate::secrets_key::load(&settings.data_dir)?;
    // The history first: on PostgreSQL the config is read from there.
    let (oplog, held) = crate::oplog_location::open_for_serve(settings)?;
    tracing::info!(oplog = %oplog.describe(), "operation log opened");
    let env = MigrationEnv::from_process();
    let default = || default_config(&host);
    let config = match &settings.database_url {
        None => ConfigStore::open_sealed(&settings.config, &env, default, Some(keys.sealer())),
        Some(_) => ConfigStore::open_shared(
            &settings.config,
            &env,
            default,
            Some(keys.sealer()),
            Arc::new(crate::shared_config::DatabaseConfigCopy {
                oplog: oplog.clone(),
            }),
        ),
    }
    .with_context(|| format!("loading config {}", settings.config.display()))?;
    let current = config.get();
    if current.instance.is_empty() {
        tracing::warn!(
            "ACTION REQUIRED: the config has no instance id; set \"instance\" so snapshots can be tagged"
        );
    }
    tracing::info!(config = %settings.config.display(), instance = %current.instance,
        repos = current.repos.len(), plans = current.plans.len(), "config loaded");
    let logs = crate::log_bodies::open(&settings.data_dir.join("tasklogs"), settings, &oplog)?;
    Ok(Stores {
        config: Arc::new(config),
        oplog,
        logs,
        held,
    })
}

/// Where Backrest's history may be: the data directory cairn shares with Backrest (cairn's own files
/// then live in its `cairn` folder), and Backrest's default data directory.
fn backrest_histories(data_dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut dirs = Vec::new();
    if data_dir.file_name() == Some(std::ffi::OsStr::new(crate::data_dir::INNER))
        && let Some(parent) = data_dir.parent()
    {
        dirs.push(parent.to_path_buf());
    }
    dirs.push(crate::import_backrest::backrest_data_dir(|k| {
        std::env::var(k).ok()
    }));
    dirs
}

/// Marks operations a previous process left running as interrupted, removes the staging directories of
/// interrupted restores, then has the orchestrator unlock their repositories in the background (a
/// killed restic leaves a stale lock).
fn recover(stores: &Stores, orchestrator: &Orchestrator) -> anyhow::Result<()> {
    let recovery =
        recover_interrupted(&stores.oplog).context("recovering interrupted operations")?;
    if recovery.interrupted.is_empty() {
        return Ok(());
    }
    tracing::warn!(
        count = recovery.interrupted.len(),
        "operations interrupted by the last shutdown were marked as errors"
    );
    for dir in cairn_orchestrator::remove_restore_leftovers(&recovery.interrupted) {
        tracing::warn!(dir = %dir.display(), "removed an interrupted restore's staging directory");
    }
    let config = stores.config.get();
    let orchestrator = orchestrator.clone();
    tokio::spawn(async move {
        for (id, guid) in recovery.repos() {
            let Some(repo) = config.repos.iter().find(|r| r.guid == guid || r.id == id) else {
                tracing::warn!(repo = %id, "an interrupted operation's repository is no longer configured; not unlocking");
                continue;
            };
            unlock_after_crash(&orchestrator, &repo.id).await;
        }
    });
    Ok(())
}

/// When to unlock after a crash, from start-up: restic only removes locks of processes that are gone,
/// and a restic killed with the previous cairn may not have been reaped yet at the first try.
const UNLOCK_ATTEMPTS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(2),
    Duration::from_secs(10),
];

async fn unlock_after_crash(orchestrator: &Orchestrator, repo_id: &str) {
    for wait in UNLOCK_ATTEMPTS {
        tokio::time::sleep(wait).await;
        if let Err(e) = orchestrator.unlock(repo_id).await {
            tracing::warn!(repo = %repo_id, error = %e, "could not unlock after an interrupted operation");
            return;
        }
    }
    tracing::info!(repo = %repo_id, "removed stale locks left by the interrupted operation");
}

/// Runs the server until a shutdown signal.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let stores = open_stores(&settings)?;
    let backrest_history =
        crate::import_backrest::offer(&stores.oplog, &backrest_histories(&settings.data_dir));
    let orchestrator = Orchestrator::new(Deps {
        config: stores.config.clone(),
        oplog: stores.oplog.clone(),
        logs: stores.logs.clone(),
        clock: Arc::new(SystemClock),
        restic_command: settings.restic_command.clone(),
        search_dir: settings.data_dir.join("search"),
        scratch_dir: settings.data_dir.join("scratch"),
    });
    if stores.held.shared() {
        // Follows the config other servers save; tasks asked of this server go to the one that
        // runs them until this one does.
        orchestrator.follow();
    }
    // The tasks run before the server listens, unless another server runs them (then this one
    // takes them over when it stops; see `runner_duty`).
    let runner = stores.held.try_runner(&stores.oplog)?;
    if runner {
        run_tasks(&stores, &orchestrator).await?;
    }
    let shutdown = CancellationToken::new();
    let app = cairn_server::app(cairn_server::ServerOptions {
        orchestrator: orchestrator.clone(),
        config_path: settings.config.clone(),
        data_dir: settings.data_dir.clone(),
        backrest_history,
        shutdown: shutdown.clone(),
        fleet: fleet_options(&settings),
    })
    .context("starting the API server")?;
    let tls = settings
        .tls
        .as_ref()
        .map(crate::tls::server_config)
        .transpose()?;
    let listener = TcpListener::bind(settings.bind).await.with_context(|| {
        format!(
            "cannot listen on {}; is another cairn or Backrest running? pick another with --bind",
            settings.bind
        )
    })?;
    tracing::info!(bind = %listener.local_addr()?, https = tls.is_some(), modno = stores.oplog.current_modno(), "cairn is listening");
    // On a signal: end the event and log streams (they would hold connections open), then stop the
    // tasks (blocking Backup calls return), then let in-flight requests finish.
    let failed = Arc::new(parking_lot::Mutex::new(None));
    let stop = {
        let failed = failed.clone();
        async move {
            tokio::select! {
                () = shutdown_signal() => {}
                e = runner_duty(&stores, &orchestrator, runner) => *failed.lock() = Some(e),
            }
            shutdown.cancel();
            orchestrator.shutdown(SHUTDOWN_GRACE).await;
        }
    };
    match tls {
        // The TLS server stamps each request with the caller's address (PeerAddr) itself.
        Some(config) => {
            connectrpc::axum::serve_tls(listener, app, config)
                .with_graceful_shutdown(stop)
                .await?
        }
        // Connection info gives login throttling and its log lines the caller's address.
        None => {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(stop)
            .await?
        }
    }
    if let Some(e) = failed.lock().take() {
        return Err(e);
    }
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Recovers what a previous process left running and starts running the tasks.
async fn run_tasks(stores: &Stores, orchestrator: &Orchestrator) -> anyhow::Result<()> {
    recover(stores, orchestrator)?;
    orchestrator
        .start()
        .await
        .context("scheduling the plans and repositories in the config")
}

/// Unless this server runs the tasks already: waits to be the one that does (on a shared database)
/// and runs them. Then ends (with the reason to stop) if another server took the runner lease while
/// this one's connection was down; on SQLite it never ends.
async fn runner_duty(stores: &Stores, orchestrator: &Orchestrator, runner: bool) -> anyhow::Error {
    if !runner {
        if let Err(e) = stores.held.until_runner(&stores.oplog).await {
            return e;
        }
        if let Err(e) = run_tasks(stores, orchestrator).await {
            return e;
        }
    }
    stores.held.lease_lost(stores.oplog.clone()).await;
    anyhow::anyhow!(
        "another cairn serve took the database's runner lease while this one's connection was down; stopping so that only one runs the tasks"
    )
}

/// The multihost timings: Backrest's defaults unless the settings say otherwise.
fn fleet_options(settings: &Settings) -> cairn_fleet::FleetOptions {
    let defaults = cairn_fleet::FleetOptions::default();
    let options = cairn_fleet::FleetOptions {
        heartbeat: settings.heartbeat.unwrap_or(defaults.heartbeat),
        retry: settings.retry.unwrap_or(defaults.retry),
    };
    if settings.heartbeat.is_some() || settings.retry.is_some() {
        tracing::info!(
            heartbeat_secs = options.heartbeat.as_secs(),
            retry_secs = options.retry.as_secs(),
            "multihost sync timings set"
        );
    }
    options
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received, shutting down"),
        _ = term => tracing::info!("SIGTERM received, shutting down"),
    }
}
