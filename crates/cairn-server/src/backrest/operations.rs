//! GetOperations, GetOperationEvents and ClearHistory: every read goes through an indexed query.
use crate::errors;
use crate::events::{self, Batch};
use crate::state::Shared;
use buffa_types::google::protobuf::Empty as ProtoEmpty;
use cairn_oplog::{OpKind, Query, Selector};
use cairn_proto::quoted;
use cairn_proto::types::{Empty, Int64List};
use cairn_proto::v1::__buffa::oneof::operation_event::Event;
use cairn_proto::v1::{GetOperationsRequest, OpSelector, OperationEvent, OperationList};
use connectrpc::{ConnectError, ServiceStream};
use futures::StreamExt;

/// The selector of a request, its kind names checked: a name no operation kind has is refused
/// (it would silently select nothing).
pub fn selector(proto: Option<&OpSelector>) -> Result<Option<Selector>, ConnectError> {
    if let Some(bad) = proto.and_then(|s| s.kinds.iter().find(|k| OpKind::from_name(k).is_none())) {
        return Err(errors::invalid(
            "selector.kinds",
            format!(
                "{bad} is not an operation kind; use backup, index_snapshot, forget, prune, restore, stats, hook, check or run_command",
                bad = quoted(&bad)
            ),
        ));
    }
    Ok(proto.map(Selector::from))
}

pub fn get(s: &Shared, req: &GetOperationsRequest) -> Result<OperationList, ConnectError> {
    // As Backrest: no selector at all is an error (so `{}` cannot fetch a whole history by
    // accident); an empty selector (`{"selector":{}}`) selects every operation.
    let selector = selector(req.selector.as_option())?.ok_or_else(|| {
        errors::invalid(
            "selector",
            "is missing; pass one, e.g. {\"selector\":{\"planId\":\"my-plan\"},\"lastN\":50}, or {\"selector\":{}} for all operations",
        )
    })?;
    let operations = if req.last_n > 0 {
        let n = u32::try_from(req.last_n).unwrap_or(u32::MAX);
        let query = Query {
            cursor: (req.before_id > 0).then_some(req.before_id),
            ..Query::last_n(selector, n)
        };
        let mut ops = s.orch.oplog().query(&query).map_err(errors::oplog)?;
        ops.reverse();
        ops
    } else {
        s.orch
            .oplog()
            .query(&Query::new(selector))
            .map_err(errors::oplog)?
    };
    Ok(OperationList {
        operations,
        ..OperationList::default()
    })
}

/// Every change of every operation, as Backrest streams them.
pub fn events(s: &Shared) -> Result<ServiceStream<OperationEvent>, ConnectError> {
    let sub = s
        .orch
        .oplog()
        .subscribe(Selector::all(), None)
        .map_err(errors::oplog)?;
    let stream = events::stream(sub, &s.shutdown)
        .flat_map(|b| futures::stream::iter(to_events(b)))
        .map(Ok);
    Ok(Box::pin(stream))
}

fn to_events(b: Batch) -> Vec<OperationEvent> {
    let event = |e: Event| OperationEvent {
        event: Some(e),
        ..OperationEvent::default()
    };
    match b {
        Batch::KeepAlive { .. } | Batch::Reload { .. } => {
            vec![event(Event::from(Empty::default()))]
        }
        Batch::Changes {
            created,
            updated,
            deleted,
            ..
        } => {
            let mut out = Vec::new();
            if !created.is_empty() {
                out.push(event(Event::CreatedOperations(Box::new(OperationList {
                    operations: created,
                    ..OperationList::default()
                }))));
            }
            if !updated.is_empty() {
                out.push(event(Event::UpdatedOperations(Box::new(OperationList {
                    operations: updated,
                    ..OperationList::default()
                }))));
            }
            if !deleted.is_empty() {
                out.push(event(Event::from(Int64List {
                    values: deleted,
                    ..Int64List::default()
                })));
            }
            out
        }
    }
}

/// Deletes finished operations matching the selector (only failed ones with `only_failed`) and the
/// logs they own. Pending and running operations are never deleted. A selector that names no plan,
/// repository, flow, snapshot or operation is refused (a kind or instance alone would reach across
/// every plan).
pub fn clear(
    s: &Shared,
    selector: Option<&OpSelector>,
    only_failed: bool,
) -> Result<ProtoEmpty, ConnectError> {
    let selector = self::selector(selector)?.unwrap_or_default();
    let scoped = !selector.ids.is_empty()
        || selector.plan_id.is_some()
        || selector.repo_guid.is_some()
        || selector.flow_id.is_some()
        || selector.snapshot_id.is_some();
    if !scoped {
        return Err(errors::invalid(
            "selector",
            "names no plan, repository, flow, snapshot or operation; name the history to clear",
        ));
    }
    let removed = s
        .orch
        .delete_history(&selector, only_failed)
        .map_err(errors::orch)?;
    tracing::info!(removed, only_failed, "history cleared");
    Ok(ProtoEmpty::default())
}
