//! History garbage collection with Backrest's limits as defaults. It pages through operation metadata
//! (newest first) and decodes only index-snapshot operations, so a million-operation history is never
//! loaded into memory.
//!
//! Rules, in order, for each finished operation (pending and running ones are never touched):
//! 1. operations synced from a peer are deleted once it is no longer an authorized client, and are
//!    otherwise left alone (the peer collects its own history; its deletions arrive by sync, so a
//!    hub deleting them would only have them sent again);
//! 2. a flow holding an index-snapshot operation is kept while its snapshot exists and deleted whole
//!    once the snapshot is forgotten;
//! 3. everything else is grouped by (repo guid, repo id, plan, instance, kind): the newest `keep_min`
//!    are kept, anything beyond `keep_max` is deleted, and the rest is deleted once older than `max_age`.
use cairn_oplog::{LogStore, OpKind, OpLog, OpMeta, Order, Query, Result, Selector};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::OperationStatus;
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};

/// How many operations of one group are kept, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Operations older than this (from their start time) are deleted, unless among the newest
    /// `keep_min` of their group.
    pub max_age: Duration,
    /// The newest this many operations of a group are always kept, however old.
    pub keep_min: usize,
    /// Operations beyond the newest this many of a group are deleted, however recent.
    pub keep_max: usize,
}

/// Limits per operation kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcPolicy {
    /// Limits for the operation kinds that have their own; other kinds use `default`.
    pub by_kind: HashMap<OpKind, Limits>,
    /// Limits for every operation kind not in `by_kind`.
    pub default: Limits,
}

impl Default for GcPolicy {
    /// Backrest's limits: stats, check and prune a year (12/12/100 kept at most), forget 30 days (30),
    /// everything else 30 days (100); always at least the newest one. cairn's verifications are kept a
    /// year too (52 at most: a weekly one's year).
    fn default() -> Self {
        let limits = |days, keep_max| Limits {
            max_age: Duration::days(days),
            keep_min: 1,
            keep_max,
        };
        GcPolicy {
            by_kind: HashMap::from([
                (OpKind::Stats, limits(365, 100)),
                (OpKind::Check, limits(365, 12)),
                (OpKind::Prune, limits(365, 12)),
                (OpKind::Verify, limits(365, 52)),
                (OpKind::Forget, limits(30, 30)),
            ]),
            default: limits(30, 100),
        }
    }
}

impl GcPolicy {
    fn limits(&self, kind: OpKind) -> Limits {
        self.by_kind.get(&kind).copied().unwrap_or(self.default)
    }
}

/// What a collection removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Ids of the operations deleted (empty when nothing was removed).
    pub deleted: Vec<i64>,
}

/// Metadata rows read per page.
const PAGE: u32 = 5000;

type GroupKey = (String, String, String, String, OpKind);

/// Runs one collection over `log`, deleting the task logs of what it removes from `logs`.
/// `authorized_keyids` are the key ids of peers still authorized.
pub fn collect_garbage(
    log: &OpLog,
    logs: Option<&LogStore>,
    policy: &GcPolicy,
    now: DateTime<Utc>,
    authorized_keyids: &[String],
) -> Result<GcReport> {
    let (live_flows, forgotten_flows) = snapshot_flows(log)?;
    let mut seen: HashMap<GroupKey, usize> = HashMap::new();
    let mut doomed = Vec::new();
    let mut deleted = Vec::new();
    for_each_meta(log, |m| {
        if !finished(m) {
            return;
        }
        let synced = !m.original_instance_keyid.is_empty();
        let delete = if synced {
            // A peer's operations follow its own history: its deletions arrive by sync.
            !authorized_keyids.contains(&m.original_instance_keyid)
        } else if forgotten_flows.contains(&m.flow_id) {
            true
        } else if live_flows.contains(&m.flow_id) {
            false
        } else {
            let key = (
                m.repo_guid.clone(),
                m.repo_id.clone(),
                m.plan_id.clone(),
                m.instance_id.clone(),
                m.kind,
            );
            let position = seen.entry(key).or_default();
            let limits = policy.limits(m.kind);
            let age = now.timestamp_millis() - m.unix_time_start_ms;
            let verdict = *position >= limits.keep_min
                && (*position >= limits.keep_max || age > limits.max_age.num_milliseconds());
            *position += 1;
            verdict
        };
        if delete {
            doomed.push(m.id);
        }
    })?;
    for chunk in doomed.chunks(500) {
        deleted.extend(log.delete(chunk)?.into_iter().map(|o| o.id));
    }
    if let Some(store) = logs {
        for id in &deleted {
            store.delete_owned_by(*id)?;
        }
    }
    Ok(GcReport { deleted })
}

fn finished(m: &OpMeta) -> bool {
    !matches!(
        <OperationStatus as buffa::Enumeration>::from_i32(m.status),
        Some(OperationStatus::STATUS_PENDING | OperationStatus::STATUS_INPROGRESS)
    )
}

/// Calls `f` on every operation's metadata, newest first, a page at a time.
fn for_each_meta(log: &OpLog, mut f: impl FnMut(&OpMeta)) -> Result<()> {
    let mut cursor = None;
    loop {
        let q = Query {
            selector: Selector::all(),
            order: Order::Descending,
            limit: Some(PAGE),
            cursor,
        };
        let page = log.query_meta(&q)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        cursor = Some(last.id);
        page.iter().for_each(&mut f);
    }
}

/// Flows holding an index-snapshot operation, split by whether the snapshot still exists.
fn snapshot_flows(log: &OpLog) -> Result<(HashSet<i64>, HashSet<i64>)> {
    let mut index_ops = Vec::new();
    for_each_meta(log, |m| {
        if m.kind == OpKind::IndexSnapshot {
            index_ops.push(m.id);
        }
    })?;
    let (mut live, mut forgotten) = (HashSet::new(), HashSet::new());
    for chunk in index_ops.chunks(500) {
        for op in log.query(&Query::new(Selector::ids(chunk.iter().copied())))? {
            let forgot = matches!(&op.op, Some(Op::OperationIndexSnapshot(i)) if i.forgot);
            if forgot {
                forgotten.insert(op.flow_id)
            } else {
                live.insert(op.flow_id)
            };
        }
    }
    // A flow with any live snapshot stays.
    forgotten.retain(|f| !live.contains(f));
    Ok((live, forgotten))
}

impl GcPolicy {
    /// Backrest's limits, overridden kind by kind by cairn's `history_limits` setting.
    pub fn from_settings(settings: Option<&cairn_proto::v1::CairnSettings>) -> Self {
        let mut policy = GcPolicy::default();
        for l in settings
            .map(|s| s.history_limits.as_slice())
            .unwrap_or_default()
        {
            let limits = Limits {
                max_age: Duration::days(i64::from(l.max_age_days.max(1))),
                keep_min: l.keep_min.max(0) as usize,
                keep_max: l.keep_max.max(1) as usize,
            };
            if l.kind == "default" {
                policy.default = limits;
            } else if let Some(kind) = OpKind::from_name(&l.kind) {
                policy.by_kind.insert(kind, limits);
            }
        }
        policy
    }
}
