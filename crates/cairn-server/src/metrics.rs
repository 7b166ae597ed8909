//! Prometheus metrics at `/metrics` (behind authentication): operations finished by type and status,
//! their durations, each plan's last backup time and bytes, and the task queue. A collector follows the
//! operation log's event stream, so nothing is counted by scanning history.
use crate::backup_summary;
use crate::state::Shared;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_oplog::{ChangeKind, Delivery, OpKind, Query, Selector};
use cairn_orchestrator::is_final;
use cairn_proto::v1::Operation;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabels {
    r#type: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    r#type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LoginLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlanLabels {
    plan_id: String,
    repo_id: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

fn duration_histogram() -> Histogram {
    // 1 s to about 9 hours.
    Histogram::new(exponential_buckets(1.0, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    operations: Family<OpLabels, Counter>,
    durations: Family<TypeLabels, Histogram, fn() -> Histogram>,
    last_backup: Family<PlanLabels, FloatGauge>,
    bytes_added: Family<PlanLabels, Gauge>,
    bytes_processed: Family<PlanLabels, Gauge>,
    queue_depth: Gauge,
    running: Gauge,
    logins: Family<LoginLabels, Counter>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut m = Self {
            registry: Registry::with_prefix("cairn"),
            operations: Family::default(),
            durations: Family::new_with_constructor(duration_histogram),
            last_backup: Family::default(),
            bytes_added: Family::default(),
            bytes_processed: Family::default(),
            queue_depth: Gauge::default(),
            running: Gauge::default(),
            logins: Family::default(),
        };
        let r = &mut m.registry;
        r.register(
            "operations",
            "Operations finished, by type and final status",
            m.operations.clone(),
        );
        r.register(
            "operation_duration_seconds",
            "How long finished operations ran, by type",
            m.durations.clone(),
        );
        r.register(
            "last_backup_timestamp_seconds",
            "When each plan's last backup finished (unix seconds)",
            m.last_backup.clone(),
        );
        r.register(
            "last_backup_bytes_added",
            "Bytes the plan's last backup added to the repository",
            m.bytes_added.clone(),
        );
        r.register(
            "last_backup_bytes_processed",
            "Bytes the plan's last backup scanned",
            m.bytes_processed.clone(),
        );
        r.register(
            "queue_depth",
            "Tasks queued, scheduled ones included",
            m.queue_depth.clone(),
        );
        r.register("tasks_running", "Tasks running now", m.running.clone());
        r.register(
            "logins",
            "Password checks (Login and HTTP Basic), by result: success, failure or throttled",
            m.logins.clone(),
        );
        m
    }

    /// Counts a login attempt's result.
    pub fn login(&self, result: &str) {
        self.logins
            .get_or_create(&LoginLabels {
                result: result.to_string(),
            })
            .inc();
    }

    /// Records an operation that just finished.
    fn finished(&self, op: &Operation) {
        let kind = OpKind::of(op).name().to_string();
        self.operations
            .get_or_create(&OpLabels {
                r#type: kind.clone(),
                status: backup_summary::status_name(op.status.to_i32()).into(),
            })
            .inc();
        if op.unix_time_end_ms > 0 && op.unix_time_start_ms > 0 {
            let secs = (op.unix_time_end_ms - op.unix_time_start_ms).max(0) as f64 / 1000.0;
            self.durations
                .get_or_create(&TypeLabels { r#type: kind })
                .observe(secs);
        }
        self.backup_gauges(op);
    }

    /// Sets a plan's last-backup gauges from a finished backup.
    fn backup_gauges(&self, op: &Operation) {
        let Some(summary) = backup_summary::of(op) else {
            return;
        };
        let labels = PlanLabels {
            plan_id: op.plan_id.clone(),
            repo_id: op.repo_id.clone(),
        };
        self.last_backup
            .get_or_create(&labels)
            .set(op.unix_time_end_ms as f64 / 1000.0);
        self.bytes_added
            .get_or_create(&labels)
            .set(summary.data_added);
        self.bytes_processed
            .get_or_create(&labels)
            .set(summary.total_bytes_processed);
    }
}

/// Seeds the last-backup gauges from each plan's newest backup, then follows the event stream.
pub fn spawn_collector(s: Arc<Shared>) {
    let oplog = s.orch.oplog().clone();
    for plan in s.orch.config().get().plans {
        let selector = Selector {
            plan_id: Some(plan.id.clone()),
            kinds: vec![OpKind::Backup],
            ..Selector::default()
        };
        if let Ok(ops) = oplog.query(&Query::last_n(selector, 5))
            && let Some(op) = ops.iter().find(|o| backup_summary::of(o).is_some())
        {
            s.metrics.backup_gauges(op);
        }
    }
    let Ok(mut sub) = oplog.subscribe(Selector::all(), None) else {
        tracing::warn!("metrics cannot follow the operation log; /metrics will show no operations");
        return;
    };
    tokio::spawn(async move {
        // Operations seen unfinished, so a final state is counted once.
        let mut open: HashSet<i64> = HashSet::new();
        while let Some(d) = sub.next().await {
            let Delivery::Changes(changes) = d else {
                continue;
            };
            for c in changes {
                let Some(op) = &c.op else {
                    open.remove(&c.meta.id);
                    continue;
                };
                let fin = is_final(op);
                let counted = match c.kind {
                    ChangeKind::Created => fin,
                    _ => fin && open.remove(&op.id),
                };
                if !fin {
                    open.insert(op.id);
                }
                if counted {
                    s.metrics.finished(op);
                }
            }
        }
    });
}

/// `GET /metrics`: Prometheus text format.
pub async fn handler(State(s): State<Arc<Shared>>) -> Response {
    s.metrics.queue_depth.set(s.orch.queued().len() as i64);
    s.metrics.running.set(s.orch.running() as i64);
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &s.metrics.registry) {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
