//! The variables a hook template sees, with Backrest's names: `.Task`, `.Event`, `.Repo`, `.Plan`,
//! `.SnapshotId`, `.SnapshotStats`, `.CurTime`, `.Duration`, `.Error` and `.Summary`. Proto messages
//! appear under their Go field names (`.Plan.Id`, `.Repo.Uri`). Unlike Backrest, `.Repo` carries no
//! password and no env (they would end up in notifications).
use super::Event;
use super::error::HookError;
use crate::run::TaskCtx;
use cairn_config::template::{
    Escaping, Rendered, event_words, from_json, go_duration, render_as, size_bytes,
};
use cairn_engine::BackupOutcome;
use gtmpl::Value;
use std::collections::HashMap;

/// A hook's template variables.
#[derive(Clone)]
pub struct HookVars {
    value: Value,
    /// The event (its proto name), for actions that depend on it.
    pub condition: String,
}

impl HookVars {
    pub(crate) fn new(ctx: &TaskCtx, event: &Event, outcome: Option<&BackupOutcome>) -> Self {
        let task = ctx.task();
        let (plan, repo) = ctx.configured_plan_and_repo();
        let op = ctx.op();
        let now = ctx.inner.now();
        let started = op
            .as_ref()
            .map_or(now.timestamp_millis(), |o| o.unix_time_start_ms);
        let condition = buffa::Enumeration::proto_name(&event.condition).to_string();
        let mut m: HashMap<String, Value> = HashMap::new();
        m.insert(
            "Task".into(),
            task.name(plan.map(|p| p.repo.as_str())).as_str().into(),
        );
        m.insert("Event".into(), condition.as_str().into());
        let repo_json = repo.map(|r| {
            let mut r = r.clone();
            r.password.clear();
            r.env.clear();
            go_names(serde_json::to_value(&r).unwrap_or_default())
        });
        m.insert(
            "Repo".into(),
            repo_json.map_or(Value::Nil, |j| from_json(&j)),
        );
        let plan_json = match plan {
            Some(p) => go_names(serde_json::to_value(p).unwrap_or_default()),
            None => serde_json::json!({"Id": crate::orchestrator::SYSTEM_PLAN}),
        };
        m.insert("Plan".into(), from_json(&plan_json));
        let snapshot_id = outcome
            .map(|o| o.summary.snapshot_id.clone())
            .or_else(|| op.as_ref().map(|o| o.snapshot_id.clone()))
            .unwrap_or_default();
        m.insert("SnapshotId".into(), snapshot_id.as_str().into());
        let stats = outcome.map(|o| go_names(serde_json::to_value(&o.summary).unwrap_or_default()));
        m.insert(
            "SnapshotStats".into(),
            stats.map_or(Value::Nil, |s| from_json(&numbers(s))),
        );
        m.insert(
            "CurTime".into(),
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
                .into(),
        );
        m.insert(
            "Duration".into(),
            go_duration(now.timestamp_millis() - started)
                .as_str()
                .into(),
        );
        m.insert(
            "Error".into(),
            event.error.clone().unwrap_or_default().as_str().into(),
        );
        let summary = summary(&m, plan, outcome);
        m.insert("Summary".into(), summary.as_str().into());
        HookVars {
            value: Value::Object(m),
            condition,
        }
    }

    /// Renders a template as plain text; an empty one renders `default`.
    pub async fn render(&self, template: &str, default: &str) -> Result<String, HookError> {
        self.render_as(template, default, Escaping::Plain)
            .await
            .map(|r| r.text)
    }

    /// Renders a template, escaping its values as `escaping` says; an empty one renders `default`.
    /// Rendering blocks for at most the template time limit, so it runs off the async threads.
    pub async fn render_as(
        &self,
        template: &str,
        default: &str,
        escaping: Escaping,
    ) -> Result<Rendered, HookError> {
        let src = if template.trim().is_empty() {
            default
        } else {
            template
        }
        .to_string();
        let value = self.value.clone();
        tokio::task::spawn_blocking(move || render_as(&src, &value, escaping))
            .await
            .map_err(|e| HookError::Panicked(format!("rendering the template: {e}")))?
            .map_err(HookError::Template)
    }
}

/// Proto JSON (camelCase) keys as Go field names (`snapshotId` → `SnapshotId`), recursively.
fn go_names(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(o) => o
            .into_iter()
            .map(|(k, v)| {
                let name: String = k
                    .split('_')
                    .map(|part| {
                        let mut c = part.chars();
                        c.next()
                            .map(|f| f.to_uppercase().chain(c).collect::<String>())
                            .unwrap_or_default()
                    })
                    .collect();
                (name, go_names(v))
            })
            .collect(),
        serde_json::Value::Array(a) => a.into_iter().map(go_names).collect(),
        other => other,
    }
}

/// int64 fields arrive from proto JSON as strings; numbers are what templates compute with.
fn numbers(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(o) => o
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) if s.parse::<i64>().is_ok() && k != "SnapshotId" => {
                    (k, serde_json::Value::from(s.parse::<i64>().unwrap_or(0)))
                }
                other => (k, other),
            })
            .collect(),
        other => other,
    }
}

/// The built-in message `.Summary` gives: what happened, where, and for a backup its statistics.
fn summary(
    m: &HashMap<String, Value>,
    plan: Option<&cairn_proto::v1::Plan>,
    outcome: Option<&BackupOutcome>,
) -> String {
    let get = |k: &str| match m.get(k) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let event = get("Event");
    let error = get("Error");
    let repo = match m.get("Repo") {
        Some(Value::Object(r)) => match r.get("Id") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    let title = if error.is_empty() {
        "cairn notification"
    } else {
        "cairn error"
    };
    let mut out = format!(
        "{title}: {}\nTask: {}\nTime: {}\nRepo: {repo}\nPlan: {}\n",
        event_words(&event),
        get("Task"),
        get("CurTime"),
        plan.map_or(crate::orchestrator::SYSTEM_PLAN, |p| p.id.as_str()),
    );
    if event == "CONDITION_SNAPSHOT_START"
        && let Some(p) = plan
    {
        out.push_str("Paths:\n");
        for path in &p.paths {
            out.push_str(&format!(" - {path}\n"));
        }
    }
    if !error.is_empty() {
        out.push_str(&format!("Error: {error}\n"));
    }
    if let Some(o) = outcome {
        let s = &o.summary;
        if !s.snapshot_id.is_empty() {
            out.push_str(&format!("Snapshot: {}\n", s.snapshot_id));
        }
        out.push_str(&format!(
            "Files: {} new, {} changed, {} unmodified\nData added: {}\nProcessed: {} files, {}\nDuration: {}\n",
            s.files_new,
            s.files_changed,
            s.files_unmodified,
            size_bytes(s.data_added as f64),
            s.total_files_processed,
            size_bytes(s.total_bytes_processed as f64),
            go_duration((s.total_duration * 1000.0) as i64),
        ));
        if !o.errors.is_empty() {
            out.push_str(&format!("Unreadable files: {}\n", o.errors.len()));
        }
    }
    out
}
