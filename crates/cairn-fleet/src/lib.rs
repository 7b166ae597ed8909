//! cairn's multihost sync, speaking Backrest's v1sync protocol: the post-quantum transport that keys
//! a sync stream ([`transport`]), the identity handshake that binds each side's ed25519 identity to
//! it ([`handshake`]), and the sessions above them: a hub admits clients (by key, or by a pairing
//! token on first contact) and stores the operations they forward; a client dials its known hosts,
//! keeps reconnecting, and forwards its operations live and by manifest. [`Fleet`] is the handle the
//! server mounts and starts (docs/multihost-crypto.md and docs/fleet.md hold the facts they follow).
mod admission;
mod client;
pub mod config_view;
pub mod control;
mod dial;
mod dialer;
mod error;
mod establish;
#[cfg(test)]
mod establish_tests;
pub mod handshake;
mod hub;
mod length_prefixed;
mod link;
mod peers;
mod relay;
pub mod remote_edit;
pub mod remote_logs;
pub mod scopes;
mod secure;
mod shared_peers;
pub mod throttle;
pub mod tls;
pub mod transport;

pub use admission::{Admitted, admit};
pub use dial::dial;
pub use error::SessionError;
pub use establish::{Me, Peer, initiate, respond};
pub use link::{Inbox, Link, Outgoing, SEND_QUEUE};
pub use peers::PeerStates;
pub use secure::SecureLink;

use cairn_orchestrator::Orchestrator;
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::sync_stream_item::{
    SyncActionReceiveLogData, SyncActionRequestLog, SyncActionRunTask, SyncActionRunTaskResult,
};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Timings of the sync sessions.
#[derive(Clone, Copy, Debug)]
pub struct FleetOptions {
    /// How often each side sends a heartbeat (Backrest: 600 s).
    pub heartbeat: Duration,
    /// The shortest time between two connection attempts to one host; a session that ends sooner
    /// waits out the rest, and failures in a row wait this times 2, 4, … 32 more (Backrest: 60 s).
    pub retry: Duration,
}

impl Default for FleetOptions {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(600),
            retry: Duration::from_secs(60),
        }
    }
}

/// A hub session as others reach it: a serial (so a replaced session's cleanup leaves its successor
/// alone), the token that ends it, and a queue of actions to send the client.
struct Registered {
    serial: u64,
    cancel: CancellationToken,
    commands: mpsc::Sender<Action>,
    /// The cairn extensions the client understands.
    features: Vec<String>,
}

/// What a registered hub session receives.
pub(crate) struct Registration {
    pub serial: u64,
    pub cancel: CancellationToken,
    pub commands: mpsc::Receiver<Action>,
}

/// The multihost side of one cairn instance (cheap to clone).
#[derive(Clone)]
pub struct Fleet {
    inner: Arc<Inner>,
}

struct Inner {
    orch: Orchestrator,
    options: FleetOptions,
    peers: PeerStates,
    /// The hub sessions open now, by client key id.
    sessions: Mutex<HashMap<String, Registered>>,
    serial: AtomicU64,
    /// Fleet-control requests waiting for the client's answer, by request id.
    pending: Mutex<HashMap<i64, oneshot::Sender<SyncActionRunTaskResult>>>,
    /// Reads of clients' logs in progress, by request id: the client's key id and where the
    /// chunks go.
    log_readers: Mutex<HashMap<i64, (String, remote_logs::ChunkSink)>>,
    /// On a database several servers share: this server's id, and the lease that says it runs.
    server: Option<(String, Mutex<Option<cairn_oplog::Lease>>)>,
}

impl Fleet {
    /// The fleet of the instance `orch` runs.
    pub fn new(orch: Orchestrator, options: FleetOptions) -> Self {
        let log = orch.oplog().clone();
        let server = log.path().is_none().then(|| {
            let id = format!("{:016x}", rand::random::<u64>());
            let lease = shared_peers::hold_server_lease(&log, &id);
            (id, Mutex::new(lease))
        });
        let peers = match &server {
            Some((id, _)) => PeerStates::persisted_shared(log, id),
            None => PeerStates::persisted(log),
        };
        Self {
            inner: Arc::new(Inner {
                orch,
                options,
                peers,
                sessions: Mutex::default(),
                serial: AtomicU64::new(0),
                pending: Mutex::default(),
                log_readers: Mutex::default(),
                server,
            }),
        }
    }

    /// The state of every peer's session.
    pub fn peers(&self) -> &PeerStates {
        &self.inner.peers
    }

    /// Starts dialling the config's known hosts, and keeps the set of dialled hosts in step with
    /// config changes until the orchestrator shuts down.
    pub fn start(&self) {
        tokio::spawn(dialer::run(self.clone()));
        if let Some((id, _)) = &self.inner.server {
            tokio::spawn(shared_peers::follow(self.clone(), id.clone()));
            tokio::spawn(relay::serve(self.clone()));
        }
    }

    /// The key ids of the peers whose sessions this server holds: its clients' hub sessions, and
    /// (on the server that runs the tasks, which dials) the known hosts.
    pub(crate) fn held(&self) -> std::collections::HashSet<String> {
        let mut held: std::collections::HashSet<String> =
            self.inner.sessions.lock().keys().cloned().collect();
        if self.inner.orch.runs_tasks()
            && let Some(m) = self.inner.orch.config().get().multihost.as_option()
        {
            held.extend(m.known_hosts.iter().map(|h| h.keyid.clone()));
        }
        held
    }

    /// Serves one incoming sync stream (the `Sync` RPC): returns what to send back, fed by the hub
    /// session running in the background.
    pub fn accept(&self, inbox: Inbox) -> mpsc::Receiver<Outgoing> {
        let (tx, rx) = mpsc::channel(SEND_QUEUE);
        tokio::spawn(hub::serve(self.clone(), Link::new(tx.clone(), inbox), tx));
        rx
    }

    /// This instance as it presents itself to peers.
    pub(crate) fn me(&self) -> Result<Me, SessionError> {
        let config = self.inner.orch.config().get();
        let identity = config
            .multihost
            .as_option()
            .and_then(|m| m.identity.as_option())
            .filter(|i| !i.ed25519priv.is_empty())
            .cloned()
            .ok_or_else(|| {
                SessionError::Config(
                    "this instance has no multihost identity yet; restart cairn to have one made"
                        .into(),
                )
            })?;
        if config.instance.is_empty() {
            return Err(SessionError::Config(
                "this instance has no instance id: set one in the settings before syncing".into(),
            ));
        }
        Ok(Me {
            instance_id: config.instance,
            identity,
        })
    }

    /// Registers a hub session for client `keyid`, ending the one it replaces.
    pub(crate) fn register(&self, keyid: &str, features: &[String]) -> Registration {
        let serial = self.inner.serial.fetch_add(1, Ordering::Relaxed);
        let cancel = self.inner.orch.shutting_down().child_token();
        let (tx, commands) = mpsc::channel(16);
        let entry = Registered {
            serial,
            cancel: cancel.clone(),
            commands: tx,
            features: features.to_vec(),
        };
        if let Some(old) = self.inner.sessions.lock().insert(keyid.to_string(), entry) {
            tracing::info!(peer = %keyid, "a newer connection of the client replaces its older one");
            old.cancel.cancel();
        }
        Registration {
            serial,
            cancel,
            commands,
        }
    }

    /// Sends `action` to the connected client `keyid` (the hub side of SetRemoteClientConfig).
    pub async fn send_to_client(&self, keyid: &str, action: Action) -> Result<(), SessionError> {
        if self.relays(keyid) {
            return relay::send(self, keyid, action).await;
        }
        self.send_here(keyid, action).await
    }

    /// Whether a request for client `keyid` goes to another server of this hub: on a shared
    /// database, when the client's session is connected to another server (see [`relay`]).
    fn relays(&self, keyid: &str) -> bool {
        self.inner.server.is_some()
            && !self.inner.sessions.lock().contains_key(keyid)
            && self.inner.peers.get(keyid).is_some_and(|s| {
                s.state.to_i32()
                    == cairn_proto::v1sync::ConnectionState::CONNECTION_STATE_CONNECTED as i32
            })
    }

    /// [`send_to_client`](Self::send_to_client) over a session this server holds.
    pub(crate) async fn send_here(&self, keyid: &str, action: Action) -> Result<(), SessionError> {
        let tx = self.client_queue(keyid, None)?;
        tx.send(action)
            .await
            .map_err(|_| SessionError::Closed(format!("the client {keyid} just disconnected")))
    }

    /// The action queue of the connected client `keyid`, which must understand `feature`.
    fn client_queue(
        &self,
        keyid: &str,
        feature: Option<&str>,
    ) -> Result<mpsc::Sender<Action>, SessionError> {
        let sessions = self.inner.sessions.lock();
        let r = sessions.get(keyid).ok_or_else(|| {
            SessionError::Closed(format!(
                "the client {keyid} is not connected to this hub now; try again once it is"
            ))
        })?;
        if let Some(f) = feature
            && !r.features.iter().any(|x| x == f)
        {
            return Err(SessionError::Refused(format!(
                "the client {keyid} cannot run tasks for its hub (it is not cairn, or an older cairn)"
            )));
        }
        Ok(r.commands.clone())
    }

    /// Fleet control: has the connected client `keyid` run `task` (see [`control`]); the client's
    /// id of the operation it started.
    pub async fn run_remote(
        &self,
        keyid: &str,
        task: SyncActionRunTask,
    ) -> Result<i64, SessionError> {
        if self.relays(keyid) {
            return relay::run_task(self, keyid, &task).await;
        }
        self.run_here(keyid, task).await
    }

    /// [`run_remote`](Self::run_remote) over a session this server holds.
    pub(crate) async fn run_here(
        &self,
        keyid: &str,
        mut task: SyncActionRunTask,
    ) -> Result<i64, SessionError> {
        let tx = self.client_queue(keyid, Some(control::FEATURE))?;
        let id = self.inner.serial.fetch_add(1, Ordering::Relaxed) as i64;
        task.request_id = id;
        let (done, answer) = oneshot::channel();
        self.inner.pending.lock().insert(id, done);
        let outcome = async {
            tx.send(Action::RunTask(Box::new(task)))
                .await
                .map_err(|_| {
                    SessionError::Closed(format!("the client {keyid} just disconnected"))
                })?;
            tokio::time::timeout(control::ANSWER_TIMEOUT, answer)
                .await
                .map_err(|_| SessionError::Timeout(control::ANSWER_TIMEOUT.as_secs()))?
                .map_err(|_| {
                    SessionError::Closed(format!(
                        "the client {keyid} disconnected before answering"
                    ))
                })
        }
        .await;
        self.inner.pending.lock().remove(&id);
        let result = outcome?;
        if result.error.is_empty() {
            Ok(result.op_id)
        } else {
            Err(SessionError::Refused(result.error))
        }
    }

    /// Hands a client's answer to the request waiting for it.
    pub(crate) fn answered(&self, result: SyncActionRunTaskResult) {
        if let Some(waiting) = self.inner.pending.lock().remove(&result.request_id) {
            let _ = waiting.send(result);
        }
    }

    /// Reads the log `log_id` of the connected client `keyid` (see [`remote_logs`]): its chunks,
    /// ending when the log is complete or the session ends.
    pub async fn remote_log(
        &self,
        keyid: &str,
        log_id: &str,
    ) -> Result<remote_logs::LogChunks, SessionError> {
        if self.relays(keyid) {
            return relay::read_log(self, keyid, log_id);
        }
        self.read_log_here(keyid, log_id).await
    }

    /// [`remote_log`](Self::remote_log) over a session this server holds.
    pub(crate) async fn read_log_here(
        &self,
        keyid: &str,
        log_id: &str,
    ) -> Result<remote_logs::LogChunks, SessionError> {
        let tx = self.client_queue(keyid, Some(remote_logs::FEATURE))?;
        let id = self.inner.serial.fetch_add(1, Ordering::Relaxed) as i64;
        let (chunks, rx) = mpsc::channel(64);
        self.inner
            .log_readers
            .lock()
            .insert(id, (keyid.to_string(), chunks));
        let request = SyncActionRequestLog {
            log_id: log_id.to_string(),
            request_id: id,
            ..SyncActionRequestLog::default()
        };
        if tx
            .send(Action::RequestLog(Box::new(request)))
            .await
            .is_err()
        {
            self.inner.log_readers.lock().remove(&id);
            return Err(SessionError::Closed(format!(
                "the client {keyid} just disconnected"
            )));
        }
        Ok(rx)
    }

    /// Hands a chunk of a client's log to its reader; a reader that went away ends the read.
    pub(crate) async fn log_data(&self, r: SyncActionReceiveLogData) {
        let Some(tx) = self
            .inner
            .log_readers
            .lock()
            .get(&r.request_id)
            .map(|(_, tx)| tx.clone())
        else {
            return;
        };
        let item = if r.error_message.is_empty() {
            Ok(r.chunk)
        } else {
            Err(SessionError::Refused(r.error_message))
        };
        let has_data = item.as_ref().map_or(true, |c| !c.is_empty());
        let gone = has_data && tx.send(item).await.is_err();
        if r.done || gone {
            self.inner.log_readers.lock().remove(&r.request_id);
        }
    }

    /// Forgets hub session `serial` of client `keyid`, unless a newer one replaced it; its log
    /// reads end.
    pub(crate) fn unregister(&self, keyid: &str, serial: u64) -> bool {
        let mut sessions = self.inner.sessions.lock();
        if sessions.get(keyid).is_some_and(|r| r.serial == serial) {
            self.inner.log_readers.lock().retain(|_, (k, _)| k != keyid);
            sessions.remove(keyid);
            true
        } else {
            false
        }
    }
}
