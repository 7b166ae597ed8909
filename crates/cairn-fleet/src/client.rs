//! The client's side of a sync session with one known host: checks that the host is the one the
//! pairing token or entry names, forgets the pairing secret once paired, shows the host the config
//! and resources its grants cover, forwards this instance's own operations (live, and by a manifest
//! the host reconciles), answers the host's requests for operations in batches of 512, and ends the
//! session when the known-host entry changes.
use crate::Fleet;
use crate::config_view;
use crate::control;
use crate::dial::dial;
use crate::error::SessionError;
use crate::establish::{self, Me, Peer};
use crate::remote_edit::{self, Applied};
use crate::remote_logs;
use crate::scopes::allows_op;
use crate::secure::SecureLink;
use cairn_oplog::{ChangeKind, Delivery, OpMeta, Query, Selector};
use cairn_proto::types::Int64List;
use cairn_proto::v1::__buffa::oneof::operation_event::Event;
use cairn_proto::v1::multihost::Peer as PeerEntry;
use cairn_proto::v1::multihost::permission::Type;
use cairn_proto::v1::{Operation, OperationEvent, OperationList};
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::ConnectionState;
use cairn_proto::v1sync::sync_stream_item::{
    SyncActionOperationManifest, SyncActionReceiveOperations, SyncActionRunTask,
    SyncActionRunTaskResult, SyncActionSetConfig,
};
use std::time::Duration;

/// Operations sent in one `receive_operations`.
const SEND_BATCH: usize = 512;

/// The name of a sync action, for messages.
pub(crate) fn action_name(action: &Action) -> &'static str {
    match action {
        Action::SignedMessage(_) => "signed_message",
        Action::EstablishSharedSecret(_) => "establish_shared_secret",
        Action::Handshake(_) => "handshake",
        Action::Heartbeat(_) => "heartbeat",
        Action::Encrypted(_) => "encrypted",
        Action::OperationManifest(_) => "operation_manifest",
        Action::ReceiveOperations(_) => "receive_operations",
        Action::RequestOperationData(_) => "request_operation_data",
        Action::ReceiveConfig(_) => "receive_config",
        Action::SetConfig(_) => "set_config",
        Action::RequestResources(_) => "request_resources",
        Action::ReceiveResources(_) => "receive_resources",
        Action::RequestLog(_) => "request_log",
        Action::ReceiveLogData(_) => "receive_log_data",
        Action::Throttle(_) => "throttle",
        Action::RunTask(_) => "run_task",
        Action::RunTaskResult(_) => "run_task_result",
    }
}

/// Connects to `host` and runs the session until it ends.
pub(crate) async fn run(fleet: &Fleet, host: &PeerEntry) -> Result<(), SessionError> {
    let me = fleet.me()?;
    let link = dial(&host.instance_url).await?;
    let (link, peer) = establish::initiate(link, &me, &host.initial_pairing_secret).await?;
    check_host(host, &peer)?;
    if !host.initial_pairing_secret.is_empty() {
        forget_pairing_secret(fleet, &host.keyid).await?;
    }
    fleet.peers().set(
        &host.keyid,
        &host.instance_id,
        ConnectionState::CONNECTION_STATE_CONNECTED,
        "connected",
    );
    tracing::info!(host = %host.instance_id, url = %host.instance_url, "connected to the sync host");
    let (outbox_tx, outbox) = tokio::sync::mpsc::channel(64);
    let mut session = ClientSession {
        fleet: fleet.clone(),
        link,
        me,
        host: host.clone(),
        throttle: Duration::ZERO,
        outbox_tx,
        outbox,
    };
    session.run().await
}

/// The host must be the one the entry (or the pasted token) names.
fn check_host(host: &PeerEntry, peer: &Peer) -> Result<(), SessionError> {
    if peer.public_key.keyid != host.keyid || peer.instance_id != host.instance_id {
        return Err(SessionError::Refused(format!(
            "{} answered as instance {} with key {}, but this known host is instance {} with key {}: check the URL, or add the host again with a token from the right hub",
            host.instance_url,
            cairn_proto::quoted(&peer.instance_id),
            peer.public_key.keyid,
            cairn_proto::quoted(&host.instance_id),
            host.keyid
        )));
    }
    Ok(())
}

/// Clears the known host's pairing secret after the first successful handshake.
async fn forget_pairing_secret(fleet: &Fleet, keyid: &str) -> Result<(), SessionError> {
    let orch = &fleet.inner.orch;
    orch.config()
        .modify(|c| -> Result<(), cairn_config::ConfigError> {
            if let Some(m) = c.multihost.as_option_mut() {
                for h in m.known_hosts.iter_mut().filter(|h| h.keyid == keyid) {
                    h.initial_pairing_secret.clear();
                }
            }
            Ok(())
        })
        .map_err(|e| SessionError::Config(format!("cannot save the paired host: {e}")))?;
    orch.config_changed()
        .await
        .map_err(|e| SessionError::Internal(e.to_string()))
}

/// The sync-relevant part of a known-host entry: a change to it restarts the session.
pub(crate) fn fingerprint(host: &PeerEntry) -> PeerEntry {
    PeerEntry {
        initial_pairing_secret: String::new(),
        ..host.clone()
    }
}

struct ClientSession {
    fleet: Fleet,
    link: SecureLink,
    me: Me,
    host: PeerEntry,
    throttle: Duration,
    /// What background work (log reads) sends the host, through the session.
    outbox_tx: tokio::sync::mpsc::Sender<Action>,
    outbox: tokio::sync::mpsc::Receiver<Action>,
}

impl ClientSession {
    async fn run(&mut self) -> Result<(), SessionError> {
        self.send_config().await?;
        // Subscribed before the manifest is read, so no change falls between the two.
        let mut changes = self
            .fleet
            .inner
            .orch
            .oplog()
            .subscribe(Selector::all(), None)?;
        self.send_manifest().await?;
        let mut heartbeat = tokio::time::interval(self.fleet.inner.options.heartbeat);
        let mut config = self.fleet.inner.orch.config_changes();
        loop {
            tokio::select! {
                action = self.link.recv() => self.handle(action?).await?,
                Some(action) = self.outbox.recv() => self.link.send(action).await?,
                delivery = changes.next() => match delivery {
                    Some(d) => self.forward(d).await?,
                    None => return Err(SessionError::Closed("the operation log closed".into())),
                },
                _ = heartbeat.tick() => self.link.send(Action::Heartbeat(Box::default())).await?,
                changed = config.changed() => {
                    changed.map_err(|_| SessionError::Closed("shutting down".into()))?;
                    self.recheck().await?;
                }
            }
        }
    }

    /// Ends the session when the known-host entry changed; else shows the host the changed config.
    async fn recheck(&mut self) -> Result<(), SessionError> {
        let config = self.fleet.inner.orch.config().get();
        let current = config
            .multihost
            .as_option()
            .and_then(|m| m.known_hosts.iter().find(|h| h.keyid == self.host.keyid))
            .map(fingerprint);
        if current.as_ref() != Some(&fingerprint(&self.host)) {
            return Err(SessionError::Closed(
                "the known host's settings changed; reconnecting".into(),
            ));
        }
        self.send_config().await
    }

    async fn send_config(&mut self) -> Result<(), SessionError> {
        let config = self.fleet.inner.orch.config().get();
        config_view::send(&mut self.link, &config, &self.host.permissions).await
    }

    /// Whether an operation is this instance's own and the host may see it. Unlike Backrest's
    /// manifest, operations attributed to other instances (indexed snapshots) are never included,
    /// so the manifest and live forwarding agree.
    fn forwardable(&self, m: &OpMeta) -> bool {
        m.original_instance_keyid.is_empty()
            && m.instance_id == self.me.instance_id
            && allows_op(
                &self.host.permissions,
                Type::PERMISSION_READ_OPERATIONS,
                &m.repo_id,
                &m.plan_id,
            )
    }

    async fn send_manifest(&mut self) -> Result<(), SessionError> {
        let selector = Selector {
            instance_id: Some(self.me.instance_id.clone()),
            original_instance_keyid: Some(String::new()),
            ..Selector::default()
        };
        let metas = self
            .fleet
            .inner
            .orch
            .oplog()
            .query_meta(&Query::new(selector))?;
        let (op_ids, modnos) = metas
            .iter()
            .filter(|m| self.forwardable(m))
            .map(|m| (m.id, m.modno))
            .unzip();
        self.link
            .send(Action::OperationManifest(Box::new(
                SyncActionOperationManifest {
                    op_ids,
                    modnos,
                    ..SyncActionOperationManifest::default()
                },
            )))
            .await
    }

    async fn handle(&mut self, action: Action) -> Result<(), SessionError> {
        if self
            .fleet
            .peers()
            .record(&self.host.keyid, &self.host.instance_id, &action)
        {
            return Ok(());
        }
        match action {
            Action::OperationManifest(_) => self.send_manifest().await?,
            Action::RequestOperationData(r) => self.answer(&r.op_ids).await?,
            Action::RequestResources(_) => self.send_config().await?,
            Action::Throttle(t) => {
                self.throttle = Duration::from_millis(t.delay_ms.clamp(0, 60_000) as u64);
                let delay_ms = self.throttle.as_millis() as u64;
                if delay_ms == 0 {
                    tracing::info!(host = %self.host.instance_id, "the hub lifted its wait between batches");
                } else {
                    tracing::info!(host = %self.host.instance_id, delay_ms, "the hub asks to wait between batches");
                }
            }
            Action::SetConfig(edit) => self.apply_edit(&edit).await?,
            Action::RunTask(t) => self.run_task(&t).await?,
            Action::RequestLog(r) => {
                tokio::spawn(remote_logs::serve(
                    self.fleet.inner.orch.clone(),
                    self.host.clone(),
                    *r,
                    self.outbox_tx.clone(),
                ));
            }
            other => {
                return Err(SessionError::Protocol(format!(
                    "a host may not send {} to its client",
                    action_name(&other)
                )));
            }
        }
        Ok(())
    }

    /// Applies config the host sent, as far as this known host's grants allow (see `remote_edit`).
    async fn apply_edit(&mut self, edit: &SyncActionSetConfig) -> Result<(), SessionError> {
        enum NotSaved {
            Unchanged,
            Invalid(cairn_config::ConfigError),
        }
        impl From<cairn_config::ConfigError> for NotSaved {
            fn from(e: cairn_config::ConfigError) -> Self {
                Self::Invalid(e)
            }
        }
        let orch = &self.fleet.inner.orch;
        let mut applied = Applied::default();
        let saved = orch.config().modify(|c| {
            applied = remote_edit::apply(c, &self.host, edit);
            if applied.changed == 0 {
                Err(NotSaved::Unchanged)
            } else {
                Ok(())
            }
        });
        for why in &applied.refused {
            tracing::warn!(host = %self.host.instance_id, "left out a config change from the host: {why}");
        }
        match saved {
            Ok(_) => {
                tracing::info!(host = %self.host.instance_id, changes = applied.changed, "applied config changes from the host");
                orch.config_changed()
                    .await
                    .map_err(|e| SessionError::Internal(e.to_string()))
            }
            Err(NotSaved::Unchanged) => Ok(()),
            Err(NotSaved::Invalid(e)) => {
                tracing::warn!(host = %self.host.instance_id, error = %e, "the host's config changes are not valid here; nothing was changed");
                Ok(())
            }
        }
    }

    /// Runs what the host asked for, within its grants, and answers with the operation or the reason.
    async fn run_task(&mut self, t: &SyncActionRunTask) -> Result<(), SessionError> {
        let outcome = control::run_here(&self.fleet.inner.orch, &self.host, t).await;
        let host = &self.host.instance_id;
        match &outcome {
            Ok(op) => {
                tracing::info!(%host, task = %t.task, op, "started a task the host asked for")
            }
            Err(why) => {
                tracing::warn!(%host, task = %t.task, "refused a task the host asked for: {why}")
            }
        }
        let (op_id, error) = match outcome {
            Ok(op) => (op, String::new()),
            Err(why) => (0, why),
        };
        self.link
            .send(Action::RunTaskResult(Box::new(SyncActionRunTaskResult {
                request_id: t.request_id,
                op_id,
                error,
                ..SyncActionRunTaskResult::default()
            })))
            .await
    }

    /// Sends the operations the host asked for, in batches, leaving out any it may not see.
    async fn answer(&mut self, ids: &[i64]) -> Result<(), SessionError> {
        for chunk in ids.chunks(SEND_BATCH) {
            let ops: Vec<Operation> = self
                .fleet
                .inner
                .orch
                .oplog()
                .query(&Query::new(Selector::ids(chunk.iter().copied())))?
                .into_iter()
                .filter(|op| self.forwardable(&OpMeta::of(op)))
                .collect();
            if !ops.is_empty() {
                self.send_event(Event::UpdatedOperations(Box::new(OperationList {
                    operations: ops,
                    ..OperationList::default()
                })))
                .await?;
            }
        }
        Ok(())
    }

    /// Forwards live changes of this instance's operations; after a lag, a new manifest lets the
    /// host catch up.
    async fn forward(&mut self, delivery: Delivery) -> Result<(), SessionError> {
        let changes = match delivery {
            Delivery::Changes(c) => c,
            Delivery::Lagged { .. } | Delivery::ResumeTooOld { .. } => {
                return self.send_manifest().await;
            }
        };
        let mut created = Vec::new();
        let mut updated = Vec::new();
        let mut deleted = Vec::new();
        for c in changes.iter().filter(|c| self.forwardable(&c.meta)) {
            match (c.kind, &c.op) {
                (ChangeKind::Created, Some(op)) => created.push(Operation::clone(op)),
                (ChangeKind::Updated, Some(op)) => updated.push(Operation::clone(op)),
                (ChangeKind::Deleted, _) => deleted.push(c.meta.id),
                _ => {}
            }
        }
        for (list, make) in [
            (
                created,
                Event::CreatedOperations as fn(Box<OperationList>) -> Event,
            ),
            (updated, Event::UpdatedOperations),
        ] {
            for chunk in list.chunks(SEND_BATCH) {
                self.send_event(make(Box::new(OperationList {
                    operations: chunk.to_vec(),
                    ..OperationList::default()
                })))
                .await?;
            }
        }
        if !deleted.is_empty() {
            self.send_event(Event::DeletedOperations(Box::new(Int64List {
                values: deleted,
                ..Int64List::default()
            })))
            .await?;
        }
        Ok(())
    }

    async fn send_event(&mut self, event: Event) -> Result<(), SessionError> {
        if !self.throttle.is_zero() {
            tokio::time::sleep(self.throttle).await;
        }
        self.link
            .send(Action::ReceiveOperations(Box::new(
                SyncActionReceiveOperations {
                    event: OperationEvent {
                        event: Some(event),
                        ..OperationEvent::default()
                    }
                    .into(),
                    ..SyncActionReceiveOperations::default()
                },
            )))
            .await
    }
}
