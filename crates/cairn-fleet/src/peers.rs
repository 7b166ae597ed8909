//! What this instance knows about each peer's sync session: connection state, last message, last
//! heartbeat, and the plans, repositories and config the peer shared. Keyed by the peer's key id,
//! watched by `GetPeerSyncStatesStream`, and kept beside the operation log (`peer_state:<key id>`),
//! so the last heartbeat and what the peer shared survive a restart; on start every peer is
//! DISCONNECTED until its session says otherwise. States are written by a thread of their own (the
//! newest per peer, coalesced), so a session never waits for the store on its runtime's workers.
use buffa::Message as _;
use cairn_oplog::OpLog;
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::{ConnectionState, PeerState};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;

pub(crate) const KEY_PREFIX: &str = "peer_state:";
/// On a shared database: the server holding each peer's session, beside its state.
pub(crate) const HOLDER_PREFIX: &str = "peer_holder:";

/// The peer states of this instance (cheap to clone).
#[derive(Clone)]
pub struct PeerStates {
    states: Arc<Mutex<BTreeMap<String, PeerState>>>,
    changed: watch::Sender<u64>,
    store: Option<Arc<Persister>>,
    /// On a database several servers share: this server's id, stored with each state it writes.
    holder: Option<Arc<str>>,
}

/// A stored state to write (Some) or remove (None), by its key.
type Write = (String, Option<Vec<u8>>);

/// The thread that writes states to the log; dropping the last handle writes what is pending and
/// waits for it.
struct Persister {
    writes: Option<std::sync::mpsc::Sender<Write>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Persister {
    fn start(log: OpLog) -> Self {
        let (writes, pending) = std::sync::mpsc::channel::<Write>();
        let thread = std::thread::Builder::new()
            .name("cairn-peer-states".into())
            .spawn(move || {
                while let Ok(first) = pending.recv() {
                    // The newest write per key wins.
                    let batch: BTreeMap<String, Option<Vec<u8>>> =
                        std::iter::once(first).chain(pending.try_iter()).collect();
                    for (key, value) in batch {
                        let done = match value {
                            Some(v) => log.kv_put(&key, &v),
                            None => log.kv_delete(&key).map(|_| ()),
                        };
                        if let Err(e) = done {
                            tracing::warn!(%key, error = %e, "cannot store the peer's state");
                        }
                    }
                }
            });
        match thread {
            Ok(thread) => Self {
                writes: Some(writes),
                thread: Some(thread),
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the thread that stores peer states; they are kept in memory only");
                Self {
                    writes: None,
                    thread: None,
                }
            }
        }
    }

    fn send(&self, key: String, value: Option<Vec<u8>>) {
        if let Some(writes) = &self.writes {
            let _ = writes.send((key, value));
        }
    }
}

impl Drop for Persister {
    fn drop(&mut self) {
        self.writes.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Default for PeerStates {
    fn default() -> Self {
        Self {
            states: Arc::default(),
            changed: watch::Sender::new(0),
            store: None,
            holder: None,
        }
    }
}

impl PeerStates {
    /// Peer states kept in `log`'s key-value table, loaded as DISCONNECTED.
    pub fn persisted(log: OpLog) -> Self {
        let mut states = BTreeMap::new();
        match log.kv_scan(KEY_PREFIX) {
            Ok(rows) => {
                for (key, value) in rows {
                    let Ok(mut state) = PeerState::decode_from_slice(&value) else {
                        tracing::warn!(%key, "a stored peer state is unreadable; it is dropped");
                        continue;
                    };
                    state.state = ConnectionState::CONNECTION_STATE_DISCONNECTED.into();
                    state.status_message = "not connected since cairn started".into();
                    states.insert(key[KEY_PREFIX.len()..].to_string(), state);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the stored peer states"),
        }
        Self {
            states: Arc::new(Mutex::new(states)),
            changed: watch::Sender::new(0),
            store: Some(Arc::new(Persister::start(log))),
            holder: None,
        }
    }

    /// [`persisted`](Self::persisted), for one of several servers sharing the log's database:
    /// `holder` (this server's id) is stored beside each state it writes, so the others can tell a
    /// session of a server that stopped (see `shared_peers`).
    pub fn persisted_shared(log: OpLog, holder: &str) -> Self {
        Self {
            holder: Some(Arc::from(holder)),
            ..Self::persisted(log)
        }
    }

    /// Shows `state` for peer `keyid` as another server stored it (not stored again).
    pub(crate) fn adopt(&self, keyid: &str, state: PeerState) {
        let mut states = self.states.lock();
        if states.get(keyid) == Some(&state) {
            return;
        }
        states.insert(keyid.to_string(), state);
        drop(states);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Every peer's state, by key id.
    pub fn all(&self) -> Vec<PeerState> {
        self.states.lock().values().cloned().collect()
    }

    /// One peer's state.
    pub fn get(&self, keyid: &str) -> Option<PeerState> {
        self.states.lock().get(keyid).cloned()
    }

    /// Changes whenever a state does.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Applies `f` to the state of peer `keyid` (instance `instance_id`), made on first use.
    pub fn update(&self, keyid: &str, instance_id: &str, f: impl FnOnce(&mut PeerState)) {
        let encoded = {
            let mut states = self.states.lock();
            let state = states
                .entry(keyid.to_string())
                .or_insert_with(|| PeerState {
                    peer_keyid: keyid.to_string(),
                    state: ConnectionState::CONNECTION_STATE_DISCONNECTED.into(),
                    ..PeerState::default()
                });
            if !instance_id.is_empty() {
                state.peer_instance_id = instance_id.to_string();
            }
            f(state);
            state.encode_to_vec()
        };
        if let Some(store) = &self.store {
            store.send(format!("{KEY_PREFIX}{keyid}"), Some(encoded));
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// Records what peer `keyid` told about itself (a heartbeat, its config, its resources);
    /// false for any other action, which the session handles.
    pub(crate) fn record(&self, keyid: &str, instance_id: &str, action: &Action) -> bool {
        match action {
            Action::Heartbeat(_) => self.update(keyid, instance_id, |s| {
                s.last_heartbeat_millis = chrono::Utc::now().timestamp_millis();
            }),
            Action::ReceiveConfig(c) => {
                let config = c.config.as_option().cloned().unwrap_or_default();
                self.update(keyid, instance_id, |s| s.remote_config = config.into());
            }
            Action::ReceiveResources(r) => self.update(keyid, instance_id, |s| {
                s.known_repos = r.repos.clone();
                s.known_plans = r.plans.clone();
            }),
            _ => return false,
        }
        true
    }

    /// Sets peer `keyid`'s connection state and message. On a shared database this server is then
    /// recorded as the one holding the peer's session (a session starts and ends with this call).
    pub fn set(&self, keyid: &str, instance_id: &str, state: ConnectionState, message: &str) {
        if let (Some(store), Some(holder)) = (&self.store, &self.holder) {
            store.send(
                format!("{HOLDER_PREFIX}{keyid}"),
                Some(holder.as_bytes().to_vec()),
            );
        }
        self.update(keyid, instance_id, |s| {
            s.state = state.into();
            s.status_message = message.to_string();
        });
    }

    /// Forgets the peers whose key ids `keep` rejects (removed from the config).
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        let removed: Vec<String> = {
            let mut states = self.states.lock();
            let gone: Vec<String> = states.keys().filter(|k| !keep(k)).cloned().collect();
            for k in &gone {
                states.remove(k);
            }
            gone
        };
        if removed.is_empty() {
            return;
        }
        if let Some(store) = &self.store {
            for k in &removed {
                store.send(format!("{KEY_PREFIX}{k}"), None);
                store.send(format!("{HOLDER_PREFIX}{k}"), None);
            }
        }
        self.changed.send_modify(|n| *n += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_survive_a_restart_as_disconnected_and_removed_peers_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oplog.sqlite");
        {
            let peers = PeerStates::persisted(OpLog::open(&path).unwrap());
            peers.set(
                "ed25519.a",
                "laptop",
                ConnectionState::CONNECTION_STATE_CONNECTED,
                "connected",
            );
            peers.update("ed25519.a", "", |s| s.last_heartbeat_millis = 42);
            peers.set(
                "ed25519.b",
                "desk",
                ConnectionState::CONNECTION_STATE_CONNECTED,
                "connected",
            );
            peers.retain(|k| k != "ed25519.b");
        }
        let peers = PeerStates::persisted(OpLog::open(&path).unwrap());
        let all = peers.all();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].peer_instance_id, "laptop");
        assert_eq!(all[0].last_heartbeat_millis, 42);
        assert_eq!(
            all[0].state.to_i32(),
            ConnectionState::CONNECTION_STATE_DISCONNECTED as i32
        );
    }
}
