//! On a database several hub servers share, each server shows every peer's session, wherever it
//! is: a client's session lives on the server its connection landed on, which stores the session's
//! state with its own id beside it. The others adopt the states they do not hold as they are stored
//! (the database's notices bring each change), except that a session whose server stopped (its
//! server lease is free: it exited or was killed) shows as disconnected. Each server holds its own
//! server lease while it runs, and takes it again when its connection drops.
use crate::Fleet;
use crate::peers::{HOLDER_PREFIX, KEY_PREFIX};
use buffa::Message as _;
use cairn_oplog::{ANY_KEY, Lease, OpLog};
use cairn_proto::v1sync::{ConnectionState, PeerState};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// The lease a running server holds, by its id.
fn server_lease(id: &str) -> String {
    format!("server:{id}")
}

/// How often the states of sessions on other servers are checked against those servers' leases.
const SWEEP: Duration = Duration::from_secs(20);

/// The message of a session whose server stopped.
pub const SERVER_GONE: &str = "its session was on another server of this hub, which stopped; it reconnects to one of the others";

/// Takes this server's lease (`id`); while it is held, other servers know this one runs.
pub(crate) fn hold_server_lease(log: &OpLog, id: &str) -> Option<Lease> {
    match log.try_lease(&server_lease(id)) {
        Ok(lease) => lease,
        Err(e) => {
            tracing::warn!(error = %e, "cannot take this server's lease; other servers will show its sessions as disconnected");
            None
        }
    }
}

/// Takes this server's lease again if its connection dropped (the database restarted, or the
/// network), so the others see this server run again.
fn keep_server_lease(fleet: &Fleet, log: &OpLog, me: &str) {
    let Some((_, lease)) = &fleet.inner.server else {
        return;
    };
    let mut lease = lease.lock();
    if lease.as_ref().is_some_and(Lease::is_held) {
        return;
    }
    *lease = hold_server_lease(log, me);
}

/// Follows the states other servers store until shutdown.
pub(crate) async fn follow(fleet: Fleet, me: String) {
    let log = fleet.inner.orch.oplog().clone();
    let mut changes = log.kv_changes();
    let shutdown = fleet.inner.orch.shutting_down();
    let mut sweep = tokio::time::interval(SWEEP);
    let mut servers = Servers::default();
    loop {
        let only = tokio::select! {
            key = changes.recv() => match key {
                Ok(k) if k == ANY_KEY => None,
                Ok(k) => match k.strip_prefix(KEY_PREFIX).or_else(|| k.strip_prefix(HOLDER_PREFIX)) {
                    Some(keyid) => Some(keyid.to_string()),
                    None => continue,
                },
                Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            },
            _ = sweep.tick() => {
                keep_server_lease(&fleet, &log, &me);
                None
            }
            () = shutdown.cancelled() => return,
        };
        adopt(&fleet, &log, &me, only.as_deref(), &mut servers);
    }
}

/// Which other servers run, as last checked: a server's lease is checked at most once per sweep.
#[derive(Default)]
struct Servers(HashMap<String, (bool, std::time::Instant)>);

impl Servers {
    fn alive(&mut self, log: &OpLog, id: &str) -> bool {
        if let Some((alive, at)) = self.0.get(id)
            && at.elapsed() < SWEEP
        {
            return *alive;
        }
        let alive = server_alive(log, id);
        self.0
            .insert(id.to_string(), (alive, std::time::Instant::now()));
        alive
    }
}

/// Adopts the stored states of the peers whose sessions this server does not hold: `only` one,
/// or all.
fn adopt(fleet: &Fleet, log: &OpLog, me: &str, only: Option<&str>, servers: &mut Servers) {
    let held = fleet.held();
    if only.is_some_and(|k| held.contains(k)) {
        // This server's own write (the database announces it here too).
        return;
    }
    let read = |prefix: &str| -> HashMap<String, Vec<u8>> {
        let prefix = format!("{prefix}{}", only.unwrap_or(""));
        match log.kv_scan(&prefix) {
            Ok(rows) => rows.into_iter().collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the peer states other servers stored");
                HashMap::new()
            }
        }
    };
    let (states, holders) = (read(KEY_PREFIX), read(HOLDER_PREFIX));
    for (key, value) in states {
        let keyid = &key[KEY_PREFIX.len()..];
        if only.is_some_and(|o| o != keyid) || held.contains(keyid) {
            continue;
        }
        let Ok(mut state) = PeerState::decode_from_slice(&value) else {
            continue;
        };
        let holder = holders
            .get(&format!("{HOLDER_PREFIX}{keyid}"))
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .unwrap_or_default();
        let connected = state.state.to_i32() == ConnectionState::CONNECTION_STATE_CONNECTED as i32;
        if connected && holder != me && !servers.alive(log, &holder) {
            state.state = ConnectionState::CONNECTION_STATE_DISCONNECTED.into();
            state.status_message = SERVER_GONE.into();
        }
        fleet.inner.peers.adopt(keyid, state);
    }
}

/// Whether the server `id` runs (holds its lease); a server of unknown id does not.
fn server_alive(log: &OpLog, id: &str) -> bool {
    if id.is_empty() {
        return false;
    }
    // Taking the lease proves its holder gone; it is let go at once.
    matches!(log.try_lease(&server_lease(id)), Ok(None))
}
