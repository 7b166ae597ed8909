//! Where the operation log lives: SQLite in the data dir (the default), or the PostgreSQL database
//! `--database-url` names. A server holds the data dir's lock either way (so `cairn secrets rotate`
//! and a second server see it). On PostgreSQL any number of servers share the database, each serving
//! the API, the web UI and sync sessions; the one holding the database's runner lease also runs the
//! tasks (schedules, history GC, dialling hubs). When it stops, is killed or loses its host, the
//! database ends its lease and another server takes it within about a second.
use crate::settings::Settings;
use anyhow::Context;
use cairn_oplog::{Lease, OpLog};
use parking_lot::Mutex;
use std::fs::File;
use std::sync::Arc;

/// The SQLite file of the operation log in a data dir.
pub const SQLITE_FILE: &str = "oplog.sqlite";
/// The lease of the server that runs the tasks on a shared database (`cairn db migrate` holds it
/// too, so that no tasks run during a migration).
pub const RUNNER_LEASE: &str = "runner";

/// How often a server checks that it still holds the runner lease.
const LEASE_CHECK: std::time::Duration = std::time::Duration::from_secs(5);
/// How often a server that does not run tasks tries to take the runner lease.
const RUNNER_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// Locks a server holds while it runs.
pub struct Held {
    _data_dir: Option<File>,
    /// Whether the log is a database other servers may share.
    shared: bool,
    /// The runner lease, once held; shared with the watch that takes it back.
    lease: Arc<Mutex<Option<Lease>>>,
}

impl Held {
    /// Whether other servers may share this server's database.
    pub fn shared(&self) -> bool {
        self.shared
    }

    /// Takes the runner lease if no other server holds it; true when this server runs the tasks
    /// (always on SQLite).
    pub fn try_runner(&self, oplog: &OpLog) -> anyhow::Result<bool> {
        if !self.shared {
            return Ok(true);
        }
        let taken = oplog
            .try_lease(RUNNER_LEASE)
            .context("taking the database's runner lease")?;
        let Some(lease) = taken else {
            return Ok(false);
        };
        tracing::info!("this server runs the tasks of the database's servers");
        *self.lease.lock() = Some(lease);
        Ok(true)
    }

    /// Returns once this server holds the runner lease, taken when no other server holds it (until
    /// then this one serves the API and sync sessions and hands tasks to that one).
    pub async fn until_runner(&self, oplog: &OpLog) -> anyhow::Result<()> {
        let mut told = false;
        loop {
            let log = oplog.clone();
            let taken = tokio::task::spawn_blocking(move || log.try_lease(RUNNER_LEASE))
                .await
                .context("taking the database's runner lease")?
                .context("taking the database's runner lease")?;
            if let Some(lease) = taken {
                tracing::warn!(oplog = %oplog.describe(), "the server that ran the tasks is gone; this server runs the tasks of the database's servers now");
                *self.lease.lock() = Some(lease);
                return Ok(());
            }
            if !told {
                tracing::info!(oplog = %oplog.describe(),
                    "another cairn serve runs the tasks on this database; this one serves the API and sync sessions and takes over the tasks when it stops");
                told = true;
            }
            tokio::time::sleep(RUNNER_RETRY).await;
        }
    }

    /// Resolves when the runner lease is lost for good: its connection dropped (the database
    /// restarted, or the network) and another server took it before this one could take it back.
    /// The server must then stop, or two would run the tasks. Pending for ever on SQLite.
    pub fn lease_lost(&self, oplog: OpLog) -> impl Future<Output = ()> + Send + 'static {
        let lease = self.lease.clone();
        let shared = self.shared;
        async move {
            if !shared {
                return std::future::pending().await;
            }
            loop {
                tokio::time::sleep(LEASE_CHECK).await;
                if lease.lock().as_ref().is_some_and(Lease::is_held) {
                    continue;
                }
                let log = oplog.clone();
                match tokio::task::spawn_blocking(move || log.try_lease(RUNNER_LEASE)).await {
                    Ok(Ok(Some(again))) => {
                        tracing::warn!(
                            "the database connection holding the runner lease dropped; took the lease again"
                        );
                        *lease.lock() = Some(again);
                    }
                    Ok(Ok(None)) => return,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "the runner lease's database connection dropped; retrying");
                    }
                    Err(e) => tracing::warn!(error = %e, "checking the runner lease failed"),
                }
            }
        }
    }
}

/// Opens the log `settings` name for a server, with its locks.
pub fn open_for_serve(settings: &Settings) -> anyhow::Result<(OpLog, Held)> {
    let Some(url) = &settings.database_url else {
        let oplog = OpLog::open(settings.data_dir.join(SQLITE_FILE)).with_context(|| {
            format!(
                "opening the operation log in {}",
                settings.data_dir.display()
            )
        })?;
        // The SQLite log holds the data dir's lock itself.
        return Ok((
            oplog,
            Held {
                _data_dir: None,
                shared: false,
                lease: Arc::default(),
            },
        ));
    };
    // The lock the SQLite log would take: `cairn secrets rotate` and a second server see it.
    let data_dir = cairn_oplog::lock_process(&settings.data_dir.join(SQLITE_FILE))?;
    let oplog = OpLog::connect(&url.0).context("opening the operation log in PostgreSQL")?;
    Ok((
        oplog,
        Held {
            _data_dir: Some(data_dir),
            shared: true,
            lease: Arc::default(),
        },
    ))
}
