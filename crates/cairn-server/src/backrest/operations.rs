//! GetOperations, GetOperationEvents and ClearHistory: every read goes through an indexed query.
use crate::errors;
use crate::events::{self, Batch};
use crate::state::Shared;
use buffa_types::google::protobuf::Empty as ProtoEmpty;
use cairn_oplog::{Query, Selector};
use cairn_proto::types::{Empty, Int64List};
use cairn_proto::v1::__buffa::oneof::operation_event::Event;
use cairn_proto::v1::{
    GetOperationsRequest, OpSelector, OperationEvent, OperationList, OperationStatus,
};
use connectrpc::{ConnectError, ServiceStream};
use futures::StreamExt;

/// Deletions happen in batches of this many operations.
const DELETE_BATCH: u32 = 256;

pub fn get(s: &Shared, req: &GetOperationsRequest) -> Result<OperationList, ConnectError> {
    let selector = req
        .selector
        .as_option()
        .map(Selector::from)
        .unwrap_or_default();
    let operations = if req.last_n > 0 {
        let n = u32::try_from(req.last_n).unwrap_or(u32::MAX);
        let mut ops = s
            .orch
            .oplog()
            .query(&Query::last_n(selector, n))
            .map_err(errors::oplog)?;
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
    let stream = events::stream(sub)
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
/// logs they own. Pending and running operations are never deleted.
pub fn clear(
    s: &Shared,
    selector: Option<&OpSelector>,
    only_failed: bool,
) -> Result<ProtoEmpty, ConnectError> {
    let selector = selector.map(Selector::from).unwrap_or_default();
    if selector.is_empty() {
        return Err(errors::invalid(
            "selector",
            "is empty; name the plan, repository or operations whose history to clear",
        ));
    }
    let oplog = s.orch.oplog();
    let mut cursor = None;
    let mut removed = 0usize;
    loop {
        let page = oplog
            .query_meta(&Query {
                selector: selector.clone(),
                limit: Some(DELETE_BATCH),
                cursor,
                ..Query::default()
            })
            .map_err(errors::oplog)?;
        let Some(last) = page.last() else { break };
        cursor = Some(last.id);
        let ids: Vec<i64> = page
            .iter()
            .filter(|m| finished(m.status))
            .filter(|m| !only_failed || m.status == OperationStatus::STATUS_ERROR as i32)
            .map(|m| m.id)
            .collect();
        for op in oplog.delete(&ids).map_err(errors::oplog)? {
            removed += 1;
            if let Err(e) = s.orch.logs().delete_owned_by(op.id) {
                tracing::warn!(op = op.id, error = %e, "could not delete the operation's logs");
            }
        }
    }
    tracing::info!(removed, only_failed, "history cleared");
    Ok(ProtoEmpty::default())
}

fn finished(status: i32) -> bool {
    ![
        OperationStatus::STATUS_UNKNOWN,
        OperationStatus::STATUS_PENDING,
        OperationStatus::STATUS_INPROGRESS,
    ]
    .iter()
    .any(|s| *s as i32 == status)
}
