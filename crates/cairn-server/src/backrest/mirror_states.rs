//! The dashboard's mirror states (cairn's own): for each mirror a plan names, its newest copy
//! operation's status, time and message, read through the (plan, repository, kind) index: one row per
//! mirror, never the history.
use cairn_oplog::{OpKind, OpLog, OplogError, Query, Selector};
use cairn_proto::v1::summary_dashboard_response::MirrorState;
use cairn_proto::v1::{Config, Plan};

pub fn of_plan(
    oplog: &OpLog,
    config: &Config,
    plan: &Plan,
) -> Result<Vec<MirrorState>, OplogError> {
    let mut states = Vec::new();
    for mirror in &plan.mirrors {
        let guid = config
            .repos
            .iter()
            .find(|r| r.id == mirror.repo)
            .map(|r| r.guid.clone())
            .unwrap_or_default();
        let mut state = MirrorState {
            repo_id: mirror.repo.clone(),
            ..MirrorState::default()
        };
        if !guid.is_empty() {
            let selector = Selector {
                plan_id: Some(plan.id.clone()),
                repo_guid: Some(guid),
                kinds: vec![OpKind::Mirror],
                ..Selector::default()
            };
            if let Some(op) = oplog.query(&Query::last_n(selector, 1))?.into_iter().next() {
                state.status = op.status;
                state.unix_time_ms = op.unix_time_end_ms.max(op.unix_time_start_ms);
                state.message = op.display_message;
                state.flow_id = op.flow_id;
            }
        }
        states.push(state);
    }
    Ok(states)
}
