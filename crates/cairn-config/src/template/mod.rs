//! The hook template language: Go `text/template` syntax (through gtmpl), so templates written for
//! Backrest keep working: `{{ .Plan.Id }}`, `{{ .Summary }}`, `if`/`else`/`range`/`with`, and Backrest's
//! helper methods `.EventName`, `.FormatTime`, `.FormatDuration`, `.FormatSizeBytes`, `.IsError`,
//! `.ShellEscape` and `.JsonMarshal`. gtmpl cannot call a method with arguments, so those helper calls
//! are rewritten to functions of the same name before parsing (`.EventName .Event` → `EventName .Event`).
use gtmpl::{Context, FuncError, Template, Value};
use std::sync::LazyLock;

/// The helper methods, callable as `.Name args` (Backrest) or `Name args`.
pub const HELPERS: [&str; 7] = [
    "EventName",
    "FormatTime",
    "FormatDuration",
    "FormatSizeBytes",
    "IsError",
    "ShellEscape",
    "JsonMarshal",
];

static METHOD_CALL: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(&format!(r"\$?\.({})\b", HELPERS.join("|")))
        .unwrap_or_else(|_| unreachable!())
});

/// Parses a template; the error says what is wrong with it.
pub fn compile(src: &str) -> Result<Template, String> {
    check_actions_closed(src)?;
    let rewritten = METHOD_CALL.replace_all(src, "$1");
    let mut t = Template::default();
    t.add_func("EventName", event_name);
    t.add_func("FormatTime", format_time);
    t.add_func("FormatDuration", format_duration);
    t.add_func("FormatSizeBytes", format_size_bytes);
    t.add_func("IsError", is_error);
    t.add_func("ShellEscape", shell_escape);
    t.add_func("JsonMarshal", json_marshal);
    t.parse(rewritten.as_ref()).map_err(|e| e.to_string())?;
    Ok(t)
}

/// Refuses a template with an action (`{{ ...`) that never closes: gtmpl's parser does not return on
/// some of those, and a config must never hang validation.
fn check_actions_closed(src: &str) -> Result<(), String> {
    let bytes = src.as_bytes();
    let mut i = 0;
    while let Some(open) = src[i..].find("{{").map(|o| o + i) {
        let mut j = open + 2;
        let mut quote: Option<u8> = None;
        let mut closed = false;
        while j < bytes.len() {
            let b = bytes[j];
            match quote {
                Some(q) if b == b'\\' && q != b'`' => j += 1,
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'`' || b == b'\'' => quote = Some(b),
                None if src[j..].starts_with("}}") => {
                    closed = true;
                    break;
                }
                None => {}
            }
            j += 1;
        }
        if !closed {
            let line = src[..open].matches('\n').count() + 1;
            return Err(format!(
                "line {line}: '{{{{' opens an action that is never closed with '}}}}'"
            ));
        }
        i = j + 2;
    }
    Ok(())
}

/// Renders a template with `vars` as its dot.
pub fn render(src: &str, vars: &Value) -> Result<String, String> {
    let t = compile(src)?;
    t.render(&Context::from(vars.clone()))
        .map_err(|e| e.to_string())
}

/// A JSON value as a template value.
pub fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => Value::from(f),
            _ => Value::Nil,
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// A template value as JSON (functions become null).
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil | Value::NoValue | Value::Function(_) => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::String(s) => s.clone().into(),
        Value::Number(n) => n
            .as_i64()
            .map(serde_json::Value::from)
            .or_else(|| n.as_f64().map(serde_json::Value::from))
            .unwrap_or(serde_json::Value::Null),
        Value::Array(a) => a.iter().map(to_json).collect(),
        Value::Object(o) | Value::Map(o) => {
            serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

fn one<'a>(name: &str, args: &'a [Value]) -> Result<&'a Value, FuncError> {
    args.first()
        .ok_or_else(|| FuncError::Generic(format!("{name} needs one argument")))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
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

fn event_name(args: &[Value]) -> Result<Value, FuncError> {
    Ok(Value::from(event_words(&text(one("EventName", args)?))))
}

fn format_time(args: &[Value]) -> Result<Value, FuncError> {
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

fn format_duration(args: &[Value]) -> Result<Value, FuncError> {
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

fn format_size_bytes(args: &[Value]) -> Result<Value, FuncError> {
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

fn is_error(args: &[Value]) -> Result<Value, FuncError> {
    let c = text(one("IsError", args)?);
    Ok(Value::from(matches!(
        c.as_str(),
        "CONDITION_ANY_ERROR" | "CONDITION_SNAPSHOT_ERROR"
    )))
}

fn shell_escape(args: &[Value]) -> Result<Value, FuncError> {
    let s = text(one("ShellEscape", args)?);
    Ok(Value::from(format!("'{}'", s.replace('\'', r"'\''"))))
}

fn json_marshal(args: &[Value]) -> Result<Value, FuncError> {
    let v = to_json(one("JsonMarshal", args)?);
    Ok(Value::from(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars() -> Value {
        let mut plan = HashMap::new();
        plan.insert("Id".to_string(), Value::from("home"));
        let mut root = HashMap::new();
        root.insert("Plan".to_string(), Value::Object(plan));
        root.insert("Event".to_string(), Value::from("CONDITION_SNAPSHOT_ERROR"));
        root.insert("Error".to_string(), Value::from("it's broken"));
        root.insert("Bytes".to_string(), Value::from(1_234_567i64));
        Value::Object(root)
    }

    #[test]
    fn backrest_template_forms_render() {
        let cases = [
            ("{{ .Plan.Id }}", "home"),
            ("{{ .EventName .Event }}", "snapshot error"),
            (
                "{{ with .Plan }}{{ $.EventName $.Event }}{{ end }}",
                "snapshot error",
            ),
            ("{{ if .IsError .Event }}bad{{ else }}good{{ end }}", "bad"),
            ("{{ .ShellEscape .Error }}", r"'it'\''s broken'"),
            ("{{ .FormatSizeBytes .Bytes }}", "1.235 MB"),
            ("{{ .JsonMarshal .Plan }}", r#"{"Id":"home"}"#),
            ("{{ FormatDuration 62500 }}", "1m2.5s"),
        ];
        for (src, want) in cases {
            assert_eq!(render(src, &vars()).unwrap(), want, "{src}");
        }
    }

    #[test]
    fn broken_templates_are_refused_with_a_reason() {
        for unclosed in ["{{ .Plan.Id ", "{{ \"}}\" ", "a {{ .A }}\n{{ if"] {
            let e = compile(unclosed).err().unwrap();
            assert!(e.contains("never closed"), "{unclosed}: {e}");
        }
        assert!(
            compile("{{ nosuchfunc .Plan }}")
                .err()
                .unwrap()
                .contains("nosuchfunc")
        );
        assert!(render("{{ .Nope.Id }}", &vars()).is_err());
    }

    #[test]
    fn durations_and_sizes_print_like_backrest() {
        assert_eq!(go_duration(350), "350ms");
        assert_eq!(go_duration(3_723_000), "1h2m3s");
        assert_eq!(go_duration(1500), "1.5s");
        assert_eq!(size_bytes(999.0), "999.000 B");
        assert_eq!(size_bytes(1_000_000_000.0), "1.000 GB");
    }
}
