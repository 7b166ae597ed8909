//! GetSummaryDashboard: for each plan and repository, the last 30 days of backups (counts by status,
//! bytes scanned and added, a bucket per day) and the 60 newest backups for a chart, read newest first
//! through the (plan or repository, kind) indexes and stopping as soon as both are filled, never the
//! whole history.
use crate::backup_summary;
use crate::errors;
use crate::state::Shared;
use cairn_oplog::{OpKind, OpLog, Selector};
use cairn_orchestrator::{Task, is_final};
use cairn_proto::v1::summary_dashboard_response::{
    BackupChart, DayStatusBucket, StatusAndCount, Summary,
};
use cairn_proto::v1::{Operation, SummaryDashboardResponse};
use chrono::{DateTime, Local, TimeZone};
use connectrpc::ConnectError;
use std::collections::HashMap;
use std::ops::ControlFlow;

const DAYS: i64 = 30;
const CHART_LEN: usize = 60;

pub fn summary(s: &Shared) -> Result<SummaryDashboardResponse, ConnectError> {
    let config = s.orch.config().get();
    let now = Local::now();
    let next = next_backups(s);
    let oplog = s.orch.oplog();
    let mut plan_summaries = Vec::new();
    for plan in &config.plans {
        // This instance's own backups: a hub also holds its clients' backups of plans named alike.
        let selector = Selector {
            original_instance_keyid: Some(String::new()),
            plan_id: Some(plan.id.clone()),
            kinds: vec![OpKind::Backup],
            ..Selector::default()
        };
        let next_ms = next.get(&plan.id).copied().unwrap_or(0);
        let mut summary = summarize(oplog, &plan.id, selector, next_ms, now)?;
        summary.mirrors =
            super::mirror_states::of_plan(oplog, &config, plan).map_err(errors::oplog)?;
        plan_summaries.push(summary);
    }
    let mut repo_summaries = Vec::new();
    for repo in &config.repos {
        let next_ms = config
            .plans
            .iter()
            .filter(|p| p.repo == repo.id)
            .filter_map(|p| next.get(&p.id).copied())
            .min()
            .unwrap_or(0);
        let selector = Selector {
            repo_guid: Some(repo.guid.clone()),
            kinds: vec![OpKind::Backup],
            ..Selector::default()
        };
        repo_summaries.push(summarize(oplog, &repo.id, selector, next_ms, now)?);
    }
    Ok(SummaryDashboardResponse {
        repo_summaries,
        plan_summaries,
        config_path: s.config_path.display().to_string(),
        data_path: s.data_dir.display().to_string(),
        ..SummaryDashboardResponse::default()
    })
}

/// Each plan's next queued backup (unix ms).
pub(crate) fn next_backups(s: &Shared) -> HashMap<String, i64> {
    let mut next: HashMap<String, i64> = HashMap::new();
    for (_, task, at) in s.orch.queued() {
        if let Task::Backup { plan_id, .. } = task {
            let ms = at.timestamp_millis();
            next.entry(plan_id)
                .and_modify(|m| *m = (*m).min(ms))
                .or_insert(ms);
        }
    }
    next
}

fn summarize(
    oplog: &OpLog,
    id: &str,
    selector: Selector,
    next_backup_time_ms: i64,
    now: DateTime<Local>,
) -> Result<Summary, ConnectError> {
    let midnights = day_starts(now);
    let cutoff = midnights[0];
    let mut acc = Acc::new(&midnights);
    crate::newest_first::walk(oplog, &selector, |op| {
        if !is_final(op) {
            return ControlFlow::Continue(());
        }
        let in_window = op.unix_time_start_ms >= cutoff;
        if !in_window && acc.chart_full() {
            return ControlFlow::Break(());
        }
        acc.add(op, in_window);
        ControlFlow::Continue(())
    })?;
    Ok(acc.finish(id, next_backup_time_ms))
}

/// Local midnights of the last 30 days, oldest first (unix ms).
fn day_starts(now: DateTime<Local>) -> Vec<i64> {
    let today = now.date_naive();
    (0..DAYS)
        .rev()
        .map(|back| {
            let day = today - chrono::Days::new(back as u64);
            let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            Local
                .from_local_datetime(&midnight)
                .earliest()
                .map_or(0, |t| t.timestamp_millis())
        })
        .collect()
}

struct Acc<'a> {
    midnights: &'a [i64],
    summary: Summary,
    chart: BackupChart,
    buckets: Vec<DayStatusBucket>,
    with_bytes: i64,
}

impl<'a> Acc<'a> {
    fn new(midnights: &'a [i64]) -> Self {
        let buckets = midnights
            .iter()
            .map(|&m| DayStatusBucket {
                timestamp_ms: m,
                ..DayStatusBucket::default()
            })
            .collect();
        Self {
            midnights,
            summary: Summary::default(),
            chart: BackupChart::default(),
            buckets,
            with_bytes: 0,
        }
    }

    fn chart_full(&self) -> bool {
        self.chart.flow_id.len() >= CHART_LEN
    }

    fn add(&mut self, op: &Operation, in_window: bool) {
        let added = backup_summary::of(op).map_or(0, |s| s.data_added);
        if !self.chart_full() {
            let c = &mut self.chart;
            c.flow_id.push(op.flow_id);
            c.timestamp_ms.push(op.unix_time_start_ms);
            c.duration_ms
                .push((op.unix_time_end_ms - op.unix_time_start_ms).max(0));
            c.status.push(op.status);
            c.bytes_added.push(added);
        }
        if !in_window {
            return;
        }
        let s = &mut self.summary;
        match backup_summary::status_name(op.status.to_i32()) {
            "success" => s.backups_success_last_30days += 1,
            "warning" => s.backups_warning_last_30days += 1,
            "error" => s.backups_failed_30days += 1,
            _ => {}
        }
        if let Some(sum) = backup_summary::of(op) {
            s.bytes_added_last_30days += sum.data_added;
            s.bytes_scanned_last_30days += sum.total_bytes_processed;
            self.with_bytes += 1;
        }
        let day = self
            .midnights
            .partition_point(|&m| m <= op.unix_time_start_ms)
            .saturating_sub(1);
        let b = &mut self.buckets[day];
        if let Some(sum) = backup_summary::of(op) {
            b.bytes_added += sum.data_added;
            b.bytes_scanned += sum.total_bytes_processed;
        }
        match b.status_counts.iter_mut().find(|c| c.status == op.status) {
            Some(c) => c.count += 1,
            None => b.status_counts.push(StatusAndCount {
                count: 1,
                status: op.status,
                ..StatusAndCount::default()
            }),
        }
    }

    fn finish(mut self, id: &str, next_backup_time_ms: i64) -> Summary {
        let n = self.with_bytes.max(1);
        let s = &mut self.summary;
        s.id = id.to_string();
        s.bytes_added_avg = s.bytes_added_last_30days / n;
        s.bytes_scanned_avg = s.bytes_scanned_last_30days / n;
        s.next_backup_time_ms = next_backup_time_ms;
        // Oldest first, as a chart reads.
        let c = &mut self.chart;
        c.flow_id.reverse();
        c.timestamp_ms.reverse();
        c.duration_ms.reverse();
        c.status.reverse();
        c.bytes_added.reverse();
        s.recent_backups = self.chart.into();
        s.history_last_30days = self.buckets;
        self.summary
    }
}
