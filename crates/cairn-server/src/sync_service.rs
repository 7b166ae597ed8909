//! Backrest's multihost services: `v1sync.BackrestSyncService/Sync`, the peer-to-peer stream (open at
//! the HTTP level: peers prove their identity inside it; cairn-fleet runs the session), and
//! `v1sync.BackrestSyncStateService`, which shows the web UI every peer's session state and forwards
//! a hub's edits of a connected client's config (behind authentication like every other call).
use crate::state::Shared;
use cairn_fleet::{Inbox, SessionError};
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::sync_stream_item::SyncActionSetConfig;
use cairn_proto::v1sync::{
    BackrestSyncService, BackrestSyncStateService, PeerState, SetRemoteClientConfigRequest,
    SetRemoteClientConfigResponse, SyncStateStreamRequest, SyncStreamItem,
};
use connectrpc::{
    ConnectError, InboundStream, RequestContext, Response, ServiceRequest, ServiceResult,
    ServiceStream,
};
use futures::StreamExt;
use std::sync::Arc;

pub struct SyncApi {
    s: Arc<Shared>,
}

impl SyncApi {
    pub fn new(s: Arc<Shared>) -> Self {
        Self { s }
    }
}

impl BackrestSyncService for SyncApi {
    async fn sync(
        &self,
        _ctx: RequestContext,
        requests: InboundStream<SyncStreamItem>,
    ) -> ServiceResult<ServiceStream<SyncStreamItem>> {
        let inbox: Inbox = Box::pin(requests.map(|item| {
            item.map(|m| m.to_owned_message()).map_err(|e| {
                SessionError::Closed(e.message.clone().unwrap_or_else(|| e.to_string()))
            })
        }));
        let outgoing = self.s.fleet.accept(inbox);
        Response::ok(Box::pin(tokio_stream_of(outgoing)) as ServiceStream<SyncStreamItem>)
    }
}

/// The items a session sends, as the response stream.
fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<cairn_fleet::Outgoing>,
) -> impl futures::Stream<Item = Result<SyncStreamItem, ConnectError>> + Send {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

pub struct SyncStateApi {
    s: Arc<Shared>,
}

impl SyncStateApi {
    pub fn new(s: Arc<Shared>) -> Self {
        Self { s }
    }
}

impl BackrestSyncStateService for SyncStateApi {
    async fn get_peer_sync_states_stream(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, SyncStateStreamRequest>,
    ) -> ServiceResult<ServiceStream<PeerState>> {
        let peers = self.s.fleet.peers().clone();
        let current = futures::stream::iter(peers.all().into_iter().map(Ok));
        if !req.subscribe {
            return Response::ok(Box::pin(current) as ServiceStream<PeerState>);
        }
        // Every change sends the states of all peers again (a handful of small messages).
        let mut watch = peers.watch();
        watch.mark_unchanged();
        let shutdown = self.s.shutdown.clone();
        let updates = futures::stream::unfold((watch, peers), move |(mut watch, peers)| {
            let shutdown = shutdown.clone();
            async move {
                tokio::select! {
                    changed = watch.changed() => changed.ok()?,
                    _ = shutdown.cancelled() => return None,
                }
                let batch = peers.all();
                Some((
                    futures::stream::iter(batch.into_iter().map(Ok)),
                    (watch, peers),
                ))
            }
        })
        .flatten();
        Response::ok(Box::pin(current.chain(updates)) as ServiceStream<PeerState>)
    }

    async fn set_remote_client_config(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, SetRemoteClientConfigRequest>,
    ) -> ServiceResult<SetRemoteClientConfigResponse> {
        let req = req.to_owned_message();
        crate::fleet_control::check_client(&self.s, &req.peer_keyid)?;
        let edit = SyncActionSetConfig {
            repos: req.repos,
            plans: req.plans,
            repos_to_delete: req.repos_to_delete,
            plans_to_delete: req.plans_to_delete,
            ..SyncActionSetConfig::default()
        };
        // The client applies what its grants to this hub allow and reports the rest in its log.
        self.s
            .fleet
            .send_to_client(&req.peer_keyid, Action::SetConfig(Box::new(edit)))
            .await
            .map_err(|e| ConnectError::unavailable(e.to_string()))?;
        Response::ok(SetRemoteClientConfigResponse::default())
    }
}
