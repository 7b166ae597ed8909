//! Where the operation log lives: SQLite in the data dir (the default), or the PostgreSQL database
//! `--database-url` names. A server holds the data dir's lock either way (so `cairn secrets rotate`
//! and a second server see it), and on PostgreSQL also the database's `serve` lease: one server is
//! active on a database, and another one started on it (a standby, on another host) waits, without
//! listening, until the lease is free (the active one stopped, was killed or lost its host), then
//! takes over with the history and the config the database holds.
use crate::settings::Settings;
use anyhow::Context;
use cairn_oplog::{Lease, OpLog};
use parking_lot::Mutex;
use std::fs::File;
use std::sync::Arc;

/// The SQLite file of the operation log in a data dir.
pub const SQLITE_FILE: &str = "oplog.sqlite";
/// The lease a server holds on a shared database (`cairn db migrate` holds it too, so neither runs
/// during the other).
pub const SERVE_LEASE: &str = "serve";

/// How often a server checks that it still holds the database's serve lease.
const LEASE_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Locks a server holds while it runs.
pub struct Held {
    _data_dir: Option<File>,
    /// The database's serve lease (PostgreSQL); shared with the watch that takes it back.
    lease: Arc<Mutex<Option<Lease>>>,
}

impl Held {
    /// Resolves when the serve lease is lost for good: its connection dropped (the database
    /// restarted, or the network) and another server took it before this one could take it back.
    /// The server must then stop, or two would run on one database. Pending for ever on SQLite.
    pub fn lease_lost(&self, oplog: OpLog) -> impl Future<Output = ()> + Send + 'static {
        let lease = self.lease.clone();
        async move {
            if lease.lock().is_none() {
                return std::future::pending().await;
            }
            loop {
                tokio::time::sleep(LEASE_CHECK).await;
                if lease.lock().as_ref().is_some_and(Lease::is_held) {
                    continue;
                }
                let log = oplog.clone();
                match tokio::task::spawn_blocking(move || log.try_lease(SERVE_LEASE)).await {
                    Ok(Ok(Some(again))) => {
                        tracing::warn!(
                            "the database connection holding the serve lease dropped; took the lease again"
                        );
                        *lease.lock() = Some(again);
                    }
                    Ok(Ok(None)) => return,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "the serve lease's database connection dropped; retrying");
                    }
                    Err(e) => tracing::warn!(error = %e, "checking the serve lease failed"),
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
                lease: Arc::default(),
            },
        ));
    };
    // The lock the SQLite log would take: `cairn secrets rotate` and a second server see it.
    let data_dir = cairn_oplog::lock_process(&settings.data_dir.join(SQLITE_FILE))?;
    let oplog = OpLog::connect(&url.0).context("opening the operation log in PostgreSQL")?;
    let lease = wait_for_lease(&oplog)?;
    Ok((
        oplog,
        Held {
            _data_dir: Some(data_dir),
            lease: Arc::new(Mutex::new(Some(lease))),
        },
    ))
}

/// How often a standby tries to take the serve lease.
const STANDBY_RETRY: std::time::Duration = std::time::Duration::from_secs(1);
/// How often a standby says it is still waiting.
const STANDBY_REPORT: std::time::Duration = std::time::Duration::from_secs(60);

/// Takes the serve lease, waiting as a standby while another server holds it.
fn wait_for_lease(oplog: &OpLog) -> anyhow::Result<Lease> {
    let mut reported: Option<std::time::Instant> = None;
    loop {
        if let Some(lease) = oplog
            .try_lease(SERVE_LEASE)
            .context("taking the database's serve lease")?
        {
            if reported.is_some() {
                tracing::warn!(oplog = %oplog.describe(), "the active server is gone; taking over");
            }
            return Ok(lease);
        }
        if reported.is_none_or(|at| at.elapsed() >= STANDBY_REPORT) {
            tracing::warn!(
                oplog = %oplog.describe(),
                "another cairn serve is active on this database; standing by to take over when it stops"
            );
            reported = Some(std::time::Instant::now());
        }
        std::thread::sleep(STANDBY_RETRY);
    }
}
