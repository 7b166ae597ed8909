//! The hub's side of a sync session: admits the client (by key, or by its pairing token), shows it
//! the hub's config its grants cover, reconciles the client's manifest with the operations stored for
//! it (deleting what the client no longer has, asking for what is new or changed), stores what the
//! client forwards under local ids, records its heartbeats, config and resources, and ends the
//! session at once when the client is removed or its entry changes.
use crate::Fleet;
use crate::admission::{Admitted, admit};
use crate::config_view;
use crate::error::SessionError;
use crate::establish::{self, Peer};
use crate::link::{Link, Outgoing};
use crate::remote_logs::remote_logref;
use crate::scopes::{Resource, allows};
use crate::secure::SecureLink;
use crate::throttle;
use cairn_oplog::{OpLog, OplogError};
use cairn_proto::v1::__buffa::oneof::operation_event::Event;
use cairn_proto::v1::multihost::Peer as PeerEntry;
use cairn_proto::v1::multihost::permission::Type;
use cairn_proto::v1::{Operation, OperationEvent};
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::ConnectionState;
use cairn_proto::v1sync::sync_stream_item::{
    SyncActionRequestOperationData, SyncActionSetConfig, SyncActionThrottle,
};
use connectrpc::ConnectError;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Operation ids asked for in one request.
const REQUEST_BATCH: usize = 4096;

/// Runs one incoming session to its end; `out` carries the reason a refused client is given.
pub(crate) async fn serve(fleet: Fleet, link: Link, out: mpsc::Sender<Outgoing>) {
    let me = match fleet.me() {
        Ok(me) => me,
        Err(e) => return refuse(&out, ConnectError::unavailable(e.to_string())).await,
    };
    let (secure, peer) = match establish::respond(link, &me).await {
        Ok(opened) => opened,
        Err(e) => {
            tracing::warn!(error = %e, "a sync connection failed before the client was identified");
            return refuse(&out, ConnectError::permission_denied(e.to_string())).await;
        }
    };
    let keyid = peer.public_key.keyid.clone();
    let admitted = match admit(
        fleet.inner.orch.config(),
        &peer,
        chrono::Utc::now().timestamp(),
    ) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(peer = %keyid, instance = %peer.instance_id, error = %e, "refused a sync client");
            return refuse(&out, ConnectError::permission_denied(e.to_string())).await;
        }
    };
    if let Admitted::Paired(_) = admitted {
        tracing::info!(peer = %keyid, instance = %peer.instance_id, "paired a new client with a pairing token");
        if let Err(e) = fleet.inner.orch.config_changed().await {
            tracing::warn!(error = %e, "applying the config after pairing failed");
        }
    }
    let registration = fleet.register(&keyid, &peer.features);
    let (serial, cancel) = (registration.serial, registration.cancel.clone());
    let peers = fleet.peers().clone();
    peers.set(
        &keyid,
        &peer.instance_id,
        ConnectionState::CONNECTION_STATE_CONNECTED,
        "connected",
    );
    tracing::info!(peer = %keyid, instance = %peer.instance_id, "sync client connected");
    let mut session = HubSession {
        fleet: fleet.clone(),
        link: secure,
        entry: admitted.entry().clone(),
        peer,
        commands: registration.commands,
        throttled: Duration::ZERO,
    };
    let outcome = tokio::select! {
        r = session.run() => r,
        _ = cancel.cancelled() => Err(SessionError::Closed("replaced by a newer connection or shutting down".into())),
    };
    if fleet.unregister(&keyid, serial) {
        let e = outcome
            .err()
            .unwrap_or_else(|| SessionError::Closed(String::new()));
        tracing::info!(peer = %keyid, reason = %e, "sync client disconnected");
        peers.set(&keyid, &session.peer.instance_id, e.state(), &e.to_string());
        if let SessionError::Refused(_) = e {
            session
                .link
                .fail(ConnectError::permission_denied(e.to_string()))
                .await;
        }
    }
}

async fn refuse(out: &mpsc::Sender<Outgoing>, error: ConnectError) {
    let _ = out.send(Err(error)).await;
}

struct HubSession {
    fleet: Fleet,
    link: SecureLink,
    entry: PeerEntry,
    peer: Peer,
    /// Actions others want sent to the client (SetRemoteClientConfig).
    commands: mpsc::Receiver<Action>,
    /// The wait the client was last asked to keep between batches.
    throttled: Duration,
}

impl HubSession {
    fn keyid(&self) -> &str {
        &self.entry.keyid
    }

    async fn run(&mut self) -> Result<(), SessionError> {
        self.send_config().await?;
        let mut heartbeat = tokio::time::interval(self.fleet.inner.options.heartbeat);
        heartbeat.tick().await;
        let mut config = self.fleet.inner.orch.config_changes();
        loop {
            tokio::select! {
                action = self.link.recv() => self.handle(action?).await?,
                Some(command) = self.commands.recv() => self.link.send(command).await?,
                _ = heartbeat.tick() => self.link.send(Action::Heartbeat(Box::default())).await?,
                changed = config.changed() => {
                    changed.map_err(|_| SessionError::Closed("shutting down".into()))?;
                    self.recheck().await?;
                }
            }
        }
    }

    /// Ends the session when the client is no longer authorised or its grants changed; else shows it
    /// the changed config.
    async fn recheck(&mut self) -> Result<(), SessionError> {
        let config = self.fleet.inner.orch.config().get();
        let current = config.multihost.as_option().and_then(|m| {
            m.authorized_clients
                .iter()
                .find(|c| c.keyid == self.entry.keyid)
        });
        match current {
            None => Err(SessionError::Refused(
                "this client was removed from the hub's authorised clients".into(),
            )),
            Some(c) if *c != self.entry => Err(SessionError::Closed(
                "the hub changed this client's permissions; reconnect".into(),
            )),
            Some(_) => self.send_config().await,
        }
    }

    async fn send_config(&mut self) -> Result<(), SessionError> {
        let config = self.fleet.inner.orch.config().get();
        let grants = &self.entry.permissions;
        config_view::send(&mut self.link, &config, grants).await?;
        let shared: Vec<_> = config
            .repos
            .iter()
            .filter(|r| {
                r.shared
                    && allows(
                        grants,
                        Type::PERMISSION_RECEIVE_SHARED_REPOS,
                        Resource::Repo(&r.id),
                    )
            })
            .cloned()
            .collect();
        if shared.is_empty() {
            return Ok(());
        }
        // A shared repository goes with its password: the client runs backups into it.
        self.link
            .send(Action::SetConfig(Box::new(SyncActionSetConfig {
                repos: shared,
                ..SyncActionSetConfig::default()
            })))
            .await
    }

    async fn handle(&mut self, action: Action) -> Result<(), SessionError> {
        if self
            .fleet
            .peers()
            .record(&self.entry.keyid, &self.peer.instance_id, &action)
        {
            return Ok(());
        }
        match action {
            Action::OperationManifest(m) => self.reconcile(&m.op_ids, &m.modnos).await?,
            Action::ReceiveOperations(r) => {
                if let Some(event) = r.event.into_option() {
                    let started = Instant::now();
                    // On a blocking thread: a batch can take a while to store (a slow disk, a
                    // database across the network), and the runtime's workers serve every session.
                    let oplog = self.fleet.inner.orch.oplog().clone();
                    let keyid = self.keyid().to_string();
                    tokio::task::spawn_blocking(move || store(&oplog, &keyid, event))
                        .await
                        .map_err(|e| SessionError::Internal(format!("storing a batch: {e}")))??;
                    self.pace(started.elapsed()).await?;
                }
            }
            Action::RequestResources(_) => self.send_config().await?,
            Action::RunTaskResult(r) => self.fleet.answered(*r),
            Action::ReceiveLogData(r) => self.fleet.log_data(*r).await,
            other => {
                return Err(SessionError::Protocol(format!(
                    "a client may not send {} to its hub",
                    crate::client::action_name(&other)
                )));
            }
        }
        Ok(())
    }

    /// Asks a client that understands it to slow down while storing its batches is slow, and lifts
    /// the wait when storing is quick again.
    async fn pace(&mut self, took: Duration) -> Result<(), SessionError> {
        let want = throttle::delay_for(took);
        if !self.peer.features.iter().any(|f| f == throttle::FEATURE)
            || !throttle::worth_sending(self.throttled, want)
        {
            return Ok(());
        }
        tracing::debug!(peer = %self.entry.keyid, delay_ms = want.as_millis() as u64, "pacing the client");
        self.throttled = want;
        self.link
            .send(Action::Throttle(Box::new(SyncActionThrottle {
                delay_ms: want.as_millis() as i64,
                ..SyncActionThrottle::default()
            })))
            .await
    }

    /// Deletes the stored operations the client no longer has and asks for those that are new or
    /// changed.
    async fn reconcile(&mut self, ids: &[i64], modnos: &[i64]) -> Result<(), SessionError> {
        if ids.len() != modnos.len() {
            return Err(SessionError::Protocol(format!(
                "a manifest with {} ids and {} modnos",
                ids.len(),
                modnos.len()
            )));
        }
        let oplog = self.fleet.inner.orch.oplog();
        let stored: HashMap<i64, i64> = oplog
            .synced(self.keyid())?
            .into_iter()
            .map(|e| (e.original_id, e.original_modno))
            .collect();
        let listed: HashMap<i64, i64> = ids.iter().copied().zip(modnos.iter().copied()).collect();
        let gone: Vec<i64> = stored
            .keys()
            .filter(|id| !listed.contains_key(id))
            .copied()
            .collect();
        let keyid = self.keyid().to_string();
        if !gone.is_empty() {
            oplog.transact(|t| {
                for id in &gone {
                    t.delete_synced(&keyid, *id)?;
                }
                Ok(())
            })?;
        }
        let wanted: Vec<i64> = listed
            .iter()
            .filter(|(id, modno)| stored.get(id) != Some(modno))
            .map(|(id, _)| *id)
            .collect();
        tracing::info!(peer = %keyid, listed = listed.len(), deleted = gone.len(), requested = wanted.len(), "reconciled a client's manifest");
        for chunk in wanted.chunks(REQUEST_BATCH) {
            self.link
                .send(Action::RequestOperationData(Box::new(
                    SyncActionRequestOperationData {
                        op_ids: chunk.to_vec(),
                        ..SyncActionRequestOperationData::default()
                    },
                )))
                .await?;
        }
        Ok(())
    }
}

/// Stores what the client with key id `keyid` forwarded; an operation the log refuses as invalid is
/// skipped with a warning, not the whole batch.
fn store(oplog: &OpLog, keyid: &str, event: OperationEvent) -> Result<(), SessionError> {
    match event.event {
        Some(Event::CreatedOperations(list)) | Some(Event::UpdatedOperations(list)) => {
            let ops: Vec<Operation> = list
                .operations
                .into_iter()
                .map(|mut op| {
                    // Its log is the client's; reading it here asks the client.
                    if !op.logref.is_empty() {
                        op.logref = remote_logref(keyid, &op.logref);
                    }
                    op
                })
                .collect();
            oplog.transact(|t| {
                for (original_id, stored) in t.store_synced_batch(keyid, ops)? {
                    skip_invalid(keyid, original_id, stored.map(|_| ()))?;
                }
                Ok(())
            })?;
        }
        Some(Event::DeletedOperations(ids)) => {
            oplog.transact(|t| {
                for id in &ids.values {
                    t.delete_synced(keyid, *id)?;
                }
                Ok(())
            })?;
        }
        Some(Event::KeepAlive(_)) | None => {}
    }
    Ok(())
}

fn skip_invalid(
    keyid: &str,
    original_id: i64,
    r: Result<(), OplogError>,
) -> Result<(), OplogError> {
    match r {
        Err(OplogError::Invalid(why)) => {
            tracing::warn!(peer = %keyid, op = original_id, %why, "skipped an invalid operation from a client");
            Ok(())
        }
        other => other,
    }
}
