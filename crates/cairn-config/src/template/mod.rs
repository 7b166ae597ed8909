//! The hook template language: Go `text/template` syntax (through gtmpl), so templates written for
//! Backrest keep working: `{{ .Plan.Id }}`, `{{ .Summary }}`, `if`/`else`/`range`/`with`, and Backrest's
//! helper methods `.EventName`, `.FormatTime`, `.FormatDuration`, `.FormatSizeBytes`, `.IsError`,
//! `.ShellEscape` and `.JsonMarshal`. gtmpl cannot call a method with arguments, so those helper calls
//! are rewritten to functions of the same name before parsing (`.EventName .Event` → `EventName .Event`).
//!
//! Templates run bounded ([`sandbox`]) and what they print is escaped for where it lands: for a shell
//! ([`shell`]: values reach the script through its environment), in JSON ([`json`]), or not at all for
//! plain text. docs/hooks.md states the rule.
mod helpers;
pub mod json;
pub mod marks;
mod sandbox;
pub mod shell;

pub use helpers::{event_words, go_duration, size_bytes};
pub use sandbox::{MAX_DEPTH, MAX_OUTPUT, MAX_SOURCE, MAX_STEPS, MAX_TIME};

use gtmpl::{Context, Template, Value};
use std::sync::LazyLock;
use std::time::Instant;

/// What can go wrong with a template.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    /// It cannot be parsed.
    #[error("{0}")]
    Invalid(String),
    /// It failed with these values (a missing field, a function given the wrong type).
    #[error("{0}")]
    Failed(String),
    /// It went past a bound (nesting, steps, time, size, a printf width) or broke the engine.
    #[error("{0}")]
    Limit(String),
}

/// How what a template's actions print is escaped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Escaping {
    /// Plain text: as it is.
    Plain,
    /// A shell script: values reach it through environment variables.
    Shell,
    /// A JSON document: values are JSON-escaped for where they stand.
    Json,
}

/// A rendered template, with the environment a shell script reads its values from.
#[derive(Debug, Default, PartialEq)]
pub struct Rendered {
    /// The rendered text (for [`Escaping::Shell`], a script naming its values by variable).
    pub text: String,
    /// Name/value pairs the shell script reads its values from; empty unless [`Escaping::Shell`].
    pub env: Vec<(String, String)>,
}

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

/// Parses a template (on the calling thread: call it from inside [`sandbox::run`]).
fn compile(src: &str, deadline: Instant) -> Result<Template, TemplateError> {
    if src.len() > MAX_SOURCE {
        return Err(TemplateError::Invalid(format!(
            "the template is {} bytes long; at most {MAX_SOURCE} are allowed",
            src.len()
        )));
    }
    let src = marks::strip(src);
    check_actions_closed(&src)?;
    let rewritten = METHOD_CALL.replace_all(&src, "$1");
    let mut t = Template::default();
    t.add_func("EventName", helpers::event_name);
    t.add_func("FormatTime", helpers::format_time);
    t.add_func("FormatDuration", helpers::format_duration);
    t.add_func("FormatSizeBytes", helpers::format_size_bytes);
    t.add_func("IsError", helpers::is_error);
    t.add_func("ShellEscape", helpers::shell_escape);
    t.add_func("JsonMarshal", helpers::json_marshal);
    t.parse(rewritten.as_ref())
        .map_err(|e| TemplateError::Invalid(e.to_string()))?;
    t.limits = sandbox::limits(deadline);
    t.mark_actions = true;
    Ok(t)
}

/// Checks a template as config validation does: it must parse, and rendering it with example values
/// must not go past a bound (a template that calls itself, say). Failures that depend on the values
/// (a field the example lacks) are left for the real run to report.
pub fn check(src: &str) -> Result<(), TemplateError> {
    match render_as(src, &example_vars(), Escaping::Plain) {
        Ok(_) | Err(TemplateError::Failed(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Refuses a template with an action (`{{ ...`) that never closes: gtmpl's parser does not return on
/// some of those, and a config must never hang validation.
fn check_actions_closed(src: &str) -> Result<(), TemplateError> {
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
            return Err(TemplateError::Invalid(format!(
                "line {line}: '{{{{' opens an action that is never closed with '}}}}'"
            )));
        }
        i = j + 2;
    }
    Ok(())
}

/// Renders a template with `vars` as its dot, as plain text.
pub fn render(src: &str, vars: &Value) -> Result<String, TemplateError> {
    render_as(src, vars, Escaping::Plain).map(|r| r.text)
}

/// Renders a template with `vars` as its dot, escaping what its actions print as `escaping` says.
pub fn render_as(src: &str, vars: &Value, escaping: Escaping) -> Result<Rendered, TemplateError> {
    let src = src.to_string();
    let vars = marks::strip_value(vars);
    let marked = sandbox::run(move |deadline| {
        let t = compile(&src, deadline)?;
        let mut out = sandbox::Capped::default();
        match t.execute(&mut out, &Context::from(vars)) {
            Ok(()) => Ok(String::from_utf8_lossy(&out.buf).into_owned()),
            Err(_) if out.over => Err(TemplateError::Limit(format!(
                "the output grew past {MAX_OUTPUT} bytes"
            ))),
            Err(gtmpl::error::ExecError::Limit(why)) => Err(TemplateError::Limit(why)),
            Err(e) => Err(TemplateError::Failed(e.to_string())),
        }
    })?;
    let pieces = marks::split(&marked);
    Ok(match escaping {
        Escaping::Plain => Rendered {
            text: pieces
                .iter()
                .map(|p| match p {
                    marks::Piece::Text(t) => t.clone(),
                    marks::Piece::Action(parts) => marks::Piece::plain(parts),
                })
                .collect(),
            env: Vec::new(),
        },
        Escaping::Json => Rendered {
            text: json::escape(pieces),
            env: Vec::new(),
        },
        Escaping::Shell => {
            let s = shell::escape(pieces).map_err(|e| TemplateError::Failed(e.to_string()))?;
            Rendered {
                text: s.text,
                env: s.env,
            }
        }
    })
}

/// Example values with every variable a hook template sees, for [`check`].
fn example_vars() -> Value {
    from_json(&serde_json::json!({
        "Task": "backup for plan \"example\"",
        "Event": "CONDITION_SNAPSHOT_ERROR",
        "Repo": {"Id": "example", "Uri": "/srv/restic", "Guid": "0000"},
        "Plan": {"Id": "example", "Repo": "example", "Paths": ["/home"]},
        "SnapshotId": "0123456789abcdef",
        "SnapshotStats": {"FilesNew": 1, "FilesChanged": 0, "DataAdded": 1000, "TotalBytesProcessed": 1000},
        "CurTime": "2026-01-01T00:00:00Z",
        "Duration": "1s",
        "Error": "example error",
        "Summary": "example summary",
    }))
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
            let e = check(unclosed).unwrap_err().to_string();
            assert!(e.contains("never closed"), "{unclosed}: {e}");
        }
        let e = check("{{ nosuchfunc .Plan }}").unwrap_err();
        assert!(
            matches!(&e, TemplateError::Invalid(m) if m.contains("nosuchfunc")),
            "{e}"
        );
        assert!(matches!(
            render("{{ .Nope.Id }}", &vars()),
            Err(TemplateError::Failed(_))
        ));
        assert_eq!(check("{{ .Nope.Id }}"), Ok(()));
    }

    /// Each of these used to overflow the stack, panic, or run without end.
    #[test]
    fn hostile_templates_hit_a_bound_instead_of_hurting_the_process() {
        let exponential = (0..40)
            .map(|i| format!("{{{{ define \"t{i}\" }}}}{{{{ template \"t{}\" }}}}{{{{ template \"t{}\" }}}}{{{{ end }}}}", i + 1, i + 1))
            .collect::<String>()
            + "{{ define \"t40\" }}{{ end }}{{ template \"t0\" }}";
        let cases = [
            r#"{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}"#.to_string(),
            r#"{{ printf "%70000d" 1 }}"#.to_string(),
            r#"{{ printf "%*d" 70000 1 }}"#.to_string(),
            r#"{{ printf "%.70000f" 1.0 }}"#.to_string(),
            exponential,
            format!("{}1{}", "{{ (".repeat(150), ") }}".repeat(150)),
            format!("{}x{}", "{{ if 1 }}".repeat(150), "{{ end }}".repeat(150)),
            r#"{{ define "a" }}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{{ template "b" }}{{ template "b" }}{{ end }}{{ define "b" }}{{ template "c" }}{{ template "c" }}{{ end }}{{ define "c" }}{{ range $i, $e := .P }}{{ end }}{{ end }}{{ range .Plan }}{{ template "a" }}{{ end }}"#.to_string(),
        ];
        for src in &cases {
            let started = std::time::Instant::now();
            let e = render(src, &vars()).unwrap_err();
            assert!(
                matches!(
                    e,
                    TemplateError::Limit(_) | TemplateError::Invalid(_) | TemplateError::Failed(_)
                ),
                "{src}: {e}"
            );
            assert!(
                started.elapsed() < MAX_TIME + std::time::Duration::from_secs(1),
                "{src}"
            );
            assert!(
                check(src).is_err() || matches!(e, TemplateError::Failed(_)),
                "check accepted {src}: {e}"
            );
        }
    }

    #[test]
    fn output_and_values_are_bounded() {
        // 4^12 copies of a 64-byte line would be 1 GiB.
        let mut src = String::from(
            "{{ define \"l0\" }}0123456789012345678901234567890123456789012345678901234567890123{{ end }}",
        );
        for i in 1..=12 {
            let p = i - 1;
            src.push_str(&format!("{{{{ define \"l{i}\" }}}}{{{{ template \"l{p}\" }}}}{{{{ template \"l{p}\" }}}}{{{{ template \"l{p}\" }}}}{{{{ template \"l{p}\" }}}}{{{{ end }}}}"));
        }
        src.push_str("{{ template \"l12\" }}");
        assert!(matches!(
            render(&src, &vars()),
            Err(TemplateError::Limit(_))
        ));
        let mut root = std::collections::HashMap::new();
        root.insert(
            "L".to_string(),
            Value::Array((0..40).map(Value::from).collect()),
        );
        let doubling = r#"{{ $x := "0123456789abcdef" }}{{ range .L }}{{ $x = printf "%s%s" $x $x }}{{ end }}{{ len $x }}"#;
        // Values cannot grow in a loop: the engine has no reassignment.
        let e = render(doubling, &Value::Object(root)).unwrap_err();
        assert!(matches!(&e, TemplateError::Invalid(_)), "{e}");
        assert!(matches!(
            render(r#"{{ printf "%[0]d" 1 }}"#, &vars()),
            Err(TemplateError::Failed(_))
        ));
    }

    #[test]
    fn shell_rendering_passes_values_in_the_environment() {
        let mut root = std::collections::HashMap::new();
        root.insert(
            "Error".to_string(),
            Value::from("$(touch owned) `id` 'q' \"d\"\n-x \u{E003}"),
        );
        let v = Value::Object(root);
        let r = render_as(
            "echo {{ .Error }} && echo {{ .ShellEscape .Error }}",
            &v,
            Escaping::Shell,
        )
        .unwrap();
        assert_eq!(
            r.text,
            "echo \"${CAIRN_HOOK_VALUE_1}\" && echo '$(touch owned) `id` '\\''q'\\'' \"d\"\n-x '"
        );
        assert_eq!(
            r.env,
            vec![(
                "CAIRN_HOOK_VALUE_1".to_string(),
                "$(touch owned) `id` 'q' \"d\"\n-x ".to_string()
            )]
        );
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
