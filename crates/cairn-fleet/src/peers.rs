//! What this instance knows about each peer's sync session: connection state, last message, last
//! heartbeat, and the plans, repositories and config the peer shared. Held in memory, keyed by the
//! peer's key id, and watched by `GetPeerSyncStatesStream`; every peer starts DISCONNECTED.
use cairn_proto::v1sync::{ConnectionState, PeerState};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;

/// The peer states of this instance (cheap to clone).
#[derive(Clone)]
pub struct PeerStates {
    states: Arc<Mutex<BTreeMap<String, PeerState>>>,
    changed: watch::Sender<u64>,
}

impl Default for PeerStates {
    fn default() -> Self {
        Self {
            states: Arc::default(),
            changed: watch::Sender::new(0),
        }
    }
}

impl PeerStates {
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
        {
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
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// Sets peer `keyid`'s connection state and message.
    pub fn set(&self, keyid: &str, instance_id: &str, state: ConnectionState, message: &str) {
        self.update(keyid, instance_id, |s| {
            s.state = state.into();
            s.status_message = message.to_string();
        });
    }

    /// Forgets the peers whose key ids `keep` rejects (removed from the config).
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        let removed = {
            let mut states = self.states.lock();
            let before = states.len();
            states.retain(|k, _| keep(k));
            before != states.len()
        };
        if removed {
            self.changed.send_modify(|n| *n += 1);
        }
    }
}
