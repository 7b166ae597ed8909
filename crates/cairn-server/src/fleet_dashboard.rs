//! GetFleetDashboard: this instance and every authorised client, each with its session state and, for
//! each plan, the last backup, the failures of the last 30 days and the next run. A plan's backups are
//! read newest first through the (key id, plan, kind) index and the scan stops once it is past the 30
//! days and has the last finished backup, so a long history costs no more than its last month.
use crate::backup_summary::status_name;
use crate::state::Shared;
use cairn_oplog::{OpKind, OpLog, Selector};
use cairn_orchestrator::is_final;
use cairn_proto::cairn::v1::{FleetDashboard, FleetInstance, FleetPlan};
use cairn_proto::v1::multihost::Peer;
use cairn_proto::v1::{Config, Operation, OperationStatus};
use cairn_proto::v1sync::{ConnectionState, PeerState};
use connectrpc::ConnectError;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

const WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;

pub fn dashboard(s: &Shared) -> Result<FleetDashboard, ConnectError> {
    let config = s.orch.config().get();
    let now = chrono::Utc::now().timestamp_millis();
    let mut instances = vec![local(s, &config, now)?];
    let mut clients: Vec<&Peer> = config
        .multihost
        .as_option()
        .map(|m| m.authorized_clients.iter().collect())
        .unwrap_or_default();
    clients.sort_by(|a, b| a.instance_id.cmp(&b.instance_id));
    for client in clients {
        let state = s.fleet.peers().get(&client.keyid);
        instances.push(remote(s.orch.oplog(), client, state, now)?);
    }
    Ok(FleetDashboard {
        instances,
        ..FleetDashboard::default()
    })
}

/// This instance: its config's plans, its own operations and its queue's next runs.
fn local(s: &Shared, config: &Config, now: i64) -> Result<FleetInstance, ConnectError> {
    let next = crate::backrest::dashboard::next_backups(s);
    let mut plans = Vec::new();
    for plan in &config.plans {
        let mut row = plan_row(s.orch.oplog(), "", &plan.id, now)?;
        row.repo_id = plan.repo.clone();
        row.next_backup_ms = next.get(&plan.id).copied().unwrap_or(0);
        plans.push(row);
    }
    Ok(FleetInstance {
        instance_id: config.instance.clone(),
        local: true,
        state: ConnectionState::CONNECTION_STATE_CONNECTED.into(),
        plans,
        ..FleetInstance::default()
    })
}

/// An authorised client: the plans it shared (by its config, or its resources) and the operations it
/// synced; its next run is its newest pending backup.
fn remote(
    oplog: &OpLog,
    client: &Peer,
    state: Option<PeerState>,
    now: i64,
) -> Result<FleetInstance, ConnectError> {
    let state = state.unwrap_or_default();
    let mut repos: BTreeMap<String, String> = state
        .known_plans
        .iter()
        .map(|p| (p.id.clone(), String::new()))
        .collect();
    if let Some(remote) = state.remote_config.as_option() {
        for p in &remote.plans {
            repos.insert(p.id.clone(), p.repo.clone());
        }
    }
    let mut plans = Vec::new();
    for (plan_id, repo_id) in repos {
        let mut row = plan_row(oplog, &client.keyid, &plan_id, now)?;
        if !repo_id.is_empty() {
            row.repo_id = repo_id;
        }
        plans.push(row);
    }
    let connection = if state.state.to_i32() == ConnectionState::CONNECTION_STATE_UNKNOWN as i32 {
        ConnectionState::CONNECTION_STATE_DISCONNECTED.into()
    } else {
        state.state
    };
    Ok(FleetInstance {
        instance_id: client.instance_id.clone(),
        keyid: client.keyid.clone(),
        state: connection,
        status_message: state.status_message,
        last_heartbeat_ms: state.last_heartbeat_millis,
        plans,
        ..FleetInstance::default()
    })
}

/// One plan's row from the backups of the instance with key id `keyid` ("" for this instance).
fn plan_row(
    oplog: &OpLog,
    keyid: &str,
    plan_id: &str,
    now: i64,
) -> Result<FleetPlan, ConnectError> {
    let selector = Selector {
        original_instance_keyid: Some(keyid.to_string()),
        plan_id: Some(plan_id.to_string()),
        kinds: vec![OpKind::Backup],
        ..Selector::default()
    };
    let cutoff = now - WINDOW_MS;
    let mut row = FleetPlan {
        plan_id: plan_id.to_string(),
        ..FleetPlan::default()
    };
    let mut have_last = false;
    crate::newest_first::walk(oplog, &selector, |op| {
        if have_last && op.unix_time_start_ms < cutoff {
            return ControlFlow::Break(());
        }
        if row.repo_id.is_empty() {
            row.repo_id = op.repo_id.clone();
        }
        if op.status.to_i32() == OperationStatus::STATUS_PENDING as i32 {
            if row.next_backup_ms == 0 {
                row.next_backup_ms = op.unix_time_start_ms;
            }
        } else if is_final(op) {
            count(&mut row, op, cutoff, !have_last);
            have_last = true;
        }
        ControlFlow::Continue(())
    })?;
    Ok(row)
}

/// Adds a finished backup to its plan's row: as the last one when it is `newest`, and to the 30-day
/// counts when it started after `cutoff`.
fn count(row: &mut FleetPlan, op: &Operation, cutoff: i64, newest: bool) {
    let name = status_name(op.status.to_i32());
    if newest {
        row.last_status = op.status;
        row.last_backup_ms = op.unix_time_start_ms;
        if name != "success" {
            row.last_message = op.display_message.clone();
        }
    }
    if op.unix_time_start_ms >= cutoff {
        match name {
            "success" => row.successes_30days += 1,
            "warning" => row.warnings_30days += 1,
            "error" => row.failures_30days += 1,
            _ => {}
        }
    }
}
