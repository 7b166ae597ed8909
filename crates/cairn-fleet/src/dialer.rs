//! Keeps one session open to each known host: dials, runs the session, and after it ends waits before
//! dialling again (at least the retry interval between two attempts; after failures in a row, the
//! interval times 2, 4, … 32 more, reset by a session that lasted the interval). The set of dialled
//! hosts follows config changes: a removed host's session ends at once, a changed one restarts. A
//! clock jump (the wall clock moving more than 30 s away from the monotonic clock over a minute:
//! a suspend, a time correction) restarts every session, as Backrest does.
use crate::Fleet;
use crate::client::{self, fingerprint};
use cairn_proto::v1::multihost::Peer as PeerEntry;
use cairn_proto::v1sync::ConnectionState;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Runs until the orchestrator shuts down. On a database several servers share, only the one that
/// runs the tasks dials (its hubs would see one session replace another otherwise), so this waits
/// until this server is that one.
pub(crate) async fn run(fleet: Fleet) {
    let shutdown = fleet.inner.orch.shutting_down();
    tokio::select! {
        () = fleet.inner.orch.until_runs_tasks() => {}
        () = shutdown.cancelled() => return,
    }
    let mut config = fleet.inner.orch.config_changes();
    let mut running: HashMap<String, (PeerEntry, CancellationToken)> = HashMap::new();
    let mut clock = tokio::time::interval(CLOCK_CHECK);
    let mut last = (Instant::now(), chrono::Utc::now());
    loop {
        reconcile(&fleet, &mut running, &shutdown);
        tokio::select! {
            changed = config.changed() => if changed.is_err() { break },
            _ = clock.tick() => {
                let now = (Instant::now(), chrono::Utc::now());
                if jumped(now.0 - last.0, now.1 - last.1) {
                    tracing::info!("the clock jumped; restarting the sync sessions");
                    for (_, (_, token)) in running.drain() {
                        token.cancel();
                    }
                }
                last = now;
            }
            _ = shutdown.cancelled() => break,
        }
    }
    for (_, (_, token)) in running {
        token.cancel();
    }
}

/// How often the clocks are compared.
const CLOCK_CHECK: Duration = Duration::from_secs(60);
/// A difference between the clocks beyond this over one check is a jump.
const CLOCK_JUMP: Duration = Duration::from_secs(30);

/// Whether the wall clock moved `wall` while the monotonic clock moved `mono`, more than a jump apart.
fn jumped(mono: Duration, wall: chrono::TimeDelta) -> bool {
    let mono = chrono::TimeDelta::from_std(mono).unwrap_or(chrono::TimeDelta::MAX);
    let drift = (wall - mono).abs();
    drift > chrono::TimeDelta::from_std(CLOCK_JUMP).unwrap_or(chrono::TimeDelta::MAX)
}

/// Starts, restarts and stops sessions to match the config's known hosts.
fn reconcile(
    fleet: &Fleet,
    running: &mut HashMap<String, (PeerEntry, CancellationToken)>,
    shutdown: &CancellationToken,
) {
    let config = fleet.inner.orch.config().get();
    let (hosts, clients): (Vec<PeerEntry>, Vec<String>) = config
        .multihost
        .as_option()
        .map(|m| {
            (
                m.known_hosts.clone(),
                m.authorized_clients
                    .iter()
                    .map(|c| c.keyid.clone())
                    .collect(),
            )
        })
        .unwrap_or_default();
    let wanted: HashMap<String, PeerEntry> = hosts
        .into_iter()
        .filter(|h| !h.instance_url.is_empty() && !h.keyid.is_empty())
        .map(|h| (h.keyid.clone(), fingerprint(&h)))
        .collect();
    running.retain(|keyid, (entry, token)| {
        let keep = wanted.get(keyid) == Some(entry);
        if !keep {
            token.cancel();
        }
        keep
    });
    for (keyid, entry) in wanted {
        if running.contains_key(&keyid) {
            continue;
        }
        let token = shutdown.child_token();
        tokio::spawn(keep_connected(fleet.clone(), keyid.clone(), token.clone()));
        running.insert(keyid, (entry, token));
    }
    fleet
        .peers()
        .retain(|k| running.contains_key(k) || clients.iter().any(|c| c == k));
}

/// The known host with key id `keyid` as the config has it now.
fn current_host(fleet: &Fleet, keyid: &str) -> Option<PeerEntry> {
    fleet
        .inner
        .orch
        .config()
        .get()
        .multihost
        .as_option()
        .and_then(|m| m.known_hosts.iter().find(|h| h.keyid == keyid).cloned())
}

/// Dials the host `keyid` again and again until `stop`.
async fn keep_connected(fleet: Fleet, keyid: String, stop: CancellationToken) {
    let retry = fleet.inner.options.retry;
    let mut failures = 0u32;
    while let Some(host) = current_host(&fleet, &keyid) {
        let peers = fleet.peers().clone();
        peers.set(
            &keyid,
            &host.instance_id,
            ConnectionState::CONNECTION_STATE_PENDING,
            &format!("connecting to {}", host.instance_url),
        );
        let started = Instant::now();
        let outcome = tokio::select! {
            r = client::run(&fleet, &host) => r,
            _ = stop.cancelled() => {
                peers.set(&keyid, &host.instance_id, ConnectionState::CONNECTION_STATE_DISCONNECTED, "stopped");
                return;
            }
        };
        let lasted = started.elapsed();
        if lasted >= retry {
            failures = 0;
        }
        let wait = retry.saturating_sub(lasted).max(Duration::from_secs(1))
            + if failures > 0 {
                retry * 2u32.pow(failures.min(5))
            } else {
                Duration::ZERO
            };
        failures += 1;
        // A refusal or protocol error stays visible as such; anything else is a wait to retry.
        let state = match &outcome {
            Err(e) if e.state() != ConnectionState::CONNECTION_STATE_DISCONNECTED => e.state(),
            _ => ConnectionState::CONNECTION_STATE_RETRY_WAIT,
        };
        let why = outcome
            .err()
            .map_or_else(|| "the session ended".to_string(), |e| e.to_string());
        tracing::warn!(host = %host.instance_id, url = %host.instance_url, error = %why, retry_in_secs = wait.as_secs(), "sync session with the host ended");
        peers.set(
            &keyid,
            &host.instance_id,
            state,
            &format!("{why}; retrying in {} s", wait.as_secs()),
        );
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_is_the_wall_clock_moving_away_from_the_monotonic_one() {
        let minute = Duration::from_secs(60);
        let secs = chrono::TimeDelta::seconds;
        assert!(!jumped(minute, secs(60)));
        assert!(!jumped(minute, secs(85)), "a little drift");
        assert!(jumped(minute, secs(3600)), "woke from a suspend");
        assert!(jumped(minute, secs(-60)), "set back");
    }
}
