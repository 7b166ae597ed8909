//! The helper functions hook templates call, with Backrest's names and output: `EventName`,
//! `FormatTime`, `FormatDuration`, `FormatSizeBytes`, `IsError`, `ShellEscape` and `JsonMarshal`.
//! `ShellEscape` and `JsonMarshal` mark what they return as already escaped for the shell and for JSON,
//! so the context-aware escaping in [`super::shell`] and [`super::json`] leaves it as it is.
use super::marks;
use super::to_json;
use gtmpl::{FuncError, Value};

fn one<'a>(name: &str, args: &'a [Value]) -> Result<&'a Value, FuncError> {
    args.first()
        .ok_or_else(|| FuncError::Generic(format!("{name} needs one argument")))
}

/// A value as text, without any mark an earlier helper put in it.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => marks::strip(s),
        other => marks::strip(&other.to_string()),
    }
}

/// A condition's words, as Backrest's `.EventName` gives them.
pub fn event_words(condition: &str) -> &'static str {
    match condition {
        "CONDITION_SNAPSHOT_START" => "snapshot start",
        "CONDITION_SNAPSHOT_END" => "snapshot end",
        "CONDITION_ANY_ERROR" => "error",
        "CONDITION_SNAPSHOT_ERROR" => "snapshot error",
        "CONDITION_SNAPSHOT_WARNING" => "snapshot warning",
        "CONDITION_SNAPSHOT_SUCCESS" => "snapshot success",
        "CONDITION_SNAPSHOT_SKIPPED" => "snapshot skipped",
        "CONDITION_CHECK_START" => "check start",
        "CONDITION_CHECK_ERROR" => "check error",
        "CONDITION_CHECK_SUCCESS" => "check success",
        "CONDITION_PRUNE_START" => "prune start",
        "CONDITION_PRUNE_ERROR" => "prune error",
        "CONDITION_PRUNE_SUCCESS" => "prune success",
        "CONDITION_FORGET_START" => "forget start",
        "CONDITION_FORGET_ERROR" => "forget error",
        "CONDITION_FORGET_SUCCESS" => "forget success",
        _ => "unknown",
    }
}

pub(super) fn event_name(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::from(event_words(&text(one("EventName", args)?))))
}

pub(super) fn format_time(args: &[Value]) -> Result<Value, FuncError> {
    let v = one("FormatTime", args)?;
    let out = match v {
        Value::Number(n) => n
            .as_i64()
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
        other => text(other),
    };
    Ok(Value::from(out))
}

pub(super) fn format_duration(args: &[Value]) -> Result<Value, FuncError> {
    let v = one("FormatDuration", args)?;
    Ok(Value::from(match v {
        Value::Number(n) => go_duration(n.as_i64().unwrap_or(0)),
        other => text(other),
    }))
}

/// A duration in milliseconds as Go prints one truncated to milliseconds (`1m2.5s`, `350ms`).
pub fn go_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms.abs() < 1000 {
        return format!("{ms}ms");
    }
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let secs = if frac == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{frac:03}").trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) => format!("{sign}{secs}"),
        (0, m) => format!("{sign}{m}m{secs}"),
        (h, m) => format!("{sign}{h}h{m}m{secs}"),
    }
}

pub(super) fn format_size_bytes(args: &[Value]) -> Result<Value, FuncError> {
    let v = one("FormatSizeBytes", args)?;
    let n = match v {
        Value::Number(n) => n
            .as_i64()
            .map(|i| i as f64)
            .or_else(|| n.as_u64().map(|u| u as f64))
            .or_else(|| n.as_f64())
            .unwrap_or(0.0),
        other => text(other).parse().unwrap_or(0.0),
    };
    Ok(Value::from(size_bytes(n)))
}

/// Bytes in base-1000 units with three decimals, as Backrest's `.FormatSizeBytes`.
pub fn size_bytes(n: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = n;
    let mut unit = 0;
    while v.abs() >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.3} {}", UNITS[unit])
}

pub(super) fn is_error(args: &[Value]) -> Result<Value, FuncError> {
    let c = text(one("IsError", args)?);
    Ok(Value::from(matches!(
        c.as_str(),
        "CONDITION_ANY_ERROR" | "CONDITION_SNAPSHOT_ERROR"
    )))
}

pub(super) fn shell_escape(args: &[Value]) -> Result<Value, FuncError> {
    let s = text(one("ShellEscape", args)?);
    let quoted = format!("'{}'", s.replace('\'', r"'\''"));
    Ok(Value::from(marks::wrap(marks::SHELL_WORD, &quoted)))
}

pub(super) fn json_marshal(args: &[Value]) -> Result<Value, FuncError> {
    let v = to_json(&marks::strip_value(one("JsonMarshal", args)?));
    Ok(Value::from(marks::wrap(marks::JSON_TEXT, &v.to_string())))
}
