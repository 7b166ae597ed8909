//! Fuzzing what a config file and a hook template can contain. Configs: structure-aware documents
//! built from a valid Backrest config with fields replaced, removed or added (values of every type,
//! hostile strings) go through parsing, migration, validation and rendering: each step answers or
//! refuses, never panics, and what validates renders to text that parses again. Templates: generated
//! from Go template grammar (actions, pipelines, define/template, range, if/with, printf with any
//! width, nesting, every helper) rendered in every escaping: each renders or fails with a reason,
//! within the time bound, and the engine never panics. 256 cases a property in CI; `scripts/fuzz`
//! runs many more. Failing inputs are kept under proptest-regressions/ and replayed first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_config::template::{self, Escaping, TemplateError};
use cairn_config::{MigrationEnv, migrate, normalize, parse, render, validate};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn base_config() -> Value {
    json!({
        "modno": 1, "version": 4, "instance": "fuzz",
        "repos": [{"id": "r", "uri": "/srv/r", "password": "pw", "env": ["A=${HOME}"], "flags": ["--x"],
            "prunePolicy": {"maxUnusedPercent": 10, "schedule": {"cron": "0 * * * *", "clock": "CLOCK_LOCAL"}},
            "checkPolicy": {"readDataSubsetPercent": 5, "schedule": {"maxFrequencyDays": 7}},
            "hooks": [{"conditions": ["CONDITION_SNAPSHOT_END"], "onError": "ON_ERROR_RETRY_1MINUTE",
                "actionCommand": {"command": "echo {{ .Summary }}"}}]}],
        "plans": [{"id": "p", "repo": "r", "paths": ["/a"], "excludes": ["*.tmp"], "iexcludes": ["X"],
            "schedule": {"maxFrequencyHours": 6}, "retention": {"policyTimeBucketed": {"daily": 7}},
            "backup_flags": ["--one-file-system"],
            "hooks": [{"conditions": ["CONDITION_ANY_ERROR"],
                "actionWebhook": {"webhookUrl": "http://127.0.0.1/x", "template": "{\"t\": \"{{ .Error }}\"}"}}]}],
        "auth": {"disabled": false, "users": [{"name": "u", "passwordBcrypt": "JDJhJDEwJA=="}]},
        "multihost": {"identity": {"keyid": "k"}, "knownHosts": [{"instanceId": "h", "keyId": "x", "instanceUrl": "http://127.0.0.1:9898"}]}
    })
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,16}".prop_map(Value::from),
        prop::sample::select(
            &[
                "",
                "..",
                "/",
                "-rf",
                "$(touch x)",
                "{{ template \"a\" }}",
                "0 0 31 2 *",
                "@hourly",
                "* * * * * * *",
                "CONDITION_UNKNOWN",
                "ON_ERROR_FATAL",
                "STATUS_ERROR",
                "1e400",
                "${A}${B",
                "\u{0}",
                "r",
                "p",
                "CLOCK_LAST_RUN_TIME",
                "TASK_PRUNE",
            ][..]
        )
        .prop_map(Value::from),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map("[a-zA-Z]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every (path to a field, the field's name) pair in a document, so an edit can land anywhere.
fn slots(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                path.push(k.clone());
                out.push(path.clone());
                slots(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(i.to_string());
                out.push(path.clone());
                slots(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, Value),
    Remove(usize),
    Add(usize, String, Value),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let one = prop_oneof![
        (any::<usize>(), any_json()).prop_map(|(i, v)| Edit::Replace(i, v)),
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), "[a-zA-Z]{1,14}", any_json()).prop_map(|(i, k, v)| Edit::Add(i, k, v)),
    ];
    prop::collection::vec(one, 1..6)
}

fn apply(doc: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    slots(doc, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let path = match edit {
        Edit::Replace(i, _) | Edit::Remove(i) | Edit::Add(i, ..) => &all[*i % all.len()],
    };
    let pointer: String = path
        .iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect();
    match edit {
        Edit::Replace(_, v) => {
            if let Some(slot) = doc.pointer_mut(&pointer) {
                *slot = v.clone();
            }
        }
        Edit::Remove(_) => {
            let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", ""));
            match doc.pointer_mut(parent) {
                Some(Value::Object(o)) => {
                    o.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(a)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < a.len()
                    {
                        a.remove(i);
                    }
                }
                _ => {}
            }
        }
        Edit::Add(_, k, v) => {
            if let Some(Value::Object(o)) = doc.pointer_mut(&pointer) {
                o.insert(k.clone(), v.clone());
            }
        }
    }
}

fn env() -> MigrationEnv {
    MigrationEnv::default()
}

proptest! {
    #[test]
    fn edited_configs_load_validate_and_render_or_are_refused(es in edits()) {
        let mut doc = base_config();
        for e in &es {
            apply(&mut doc, e);
        }
        let text = doc.to_string();
        let Ok(mut parsed) = parse(&text) else { return Ok(()) };
        if migrate(&mut parsed.config, &env()).is_err() {
            return Ok(());
        }
        normalize(&mut parsed.config);
        if validate(&parsed.config).is_ok() {
            let out = render(&parsed).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let again = parse(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(again.config, parsed.config);
        }
    }

    #[test]
    fn arbitrary_text_as_a_config_is_refused_cleanly(text in "\\PC{0,200}") {
        let _ = parse(&text);
    }
}

/// Template source built from Go template grammar.
fn template_src() -> impl Strategy<Value = String> {
    let arg = prop_oneof![
        Just(".Plan.Id".to_string()),
        Just(".Error".to_string()),
        Just(".Summary".to_string()),
        Just(".SnapshotStats.FilesNew".to_string()),
        Just("$".to_string()),
        Just(".".to_string()),
        Just(".Nope.X".to_string()),
        any::<i32>().prop_map(|i| i.to_string()),
        "[a-z%*.0-9\\[\\]]{0,8}".prop_map(|s| format!("{s:?}")),
    ];
    let func = prop::sample::select(
        &[
            "printf",
            "print",
            "len",
            "index",
            "eq",
            "ne",
            "lt",
            "and",
            "or",
            "not",
            "html",
            "js",
            "urlquery",
            "ShellEscape",
            "JsonMarshal",
            "EventName",
            "FormatTime",
            "FormatDuration",
            "FormatSizeBytes",
            "IsError",
            ".ShellEscape",
            ".JsonMarshal",
        ][..],
    );
    let pipeline = (func, prop::collection::vec(arg.clone(), 0..4))
        .prop_map(|(f, args)| format!("{f} {}", args.join(" ")));
    let format = prop_oneof![
        Just("%d".to_string()),
        Just("%s".to_string()),
        (0u32..100_000).prop_map(|w| format!("%{w}d")),
        (0u32..100_000).prop_map(|w| format!("%.{w}f")),
        Just("%[0]d".to_string()),
        Just("%*d".to_string()),
        Just("%!".to_string()),
    ];
    let action = prop_oneof![
        arg.clone().prop_map(|a| format!("{{{{ {a} }}}}")),
        pipeline.clone().prop_map(|p| format!("{{{{ {p} }}}}")),
        (format, arg.clone()).prop_map(|(f, a)| format!("{{{{ printf \"{f}\" {a} }}}}")),
        pipeline.prop_map(|p| format!("{{{{ ({p}) }}}}")),
        Just("{{ template \"t\" . }}".to_string()),
        "[ -~]{0,10}".prop_map(String::from),
        Just("{{".to_string()),
        Just("}}".to_string()),
    ];
    let block = action.prop_recursive(4, 32, 4, |inner| {
        let body = prop::collection::vec(inner, 0..4).prop_map(|v| v.concat());
        prop_oneof![
            body.clone()
                .prop_map(|b| format!("{{{{ if .Error }}}}{b}{{{{ else }}}}x{{{{ end }}}}")),
            body.clone()
                .prop_map(|b| format!("{{{{ range .Plan.Paths }}}}{b}{{{{ end }}}}")),
            body.clone()
                .prop_map(|b| format!("{{{{ with .Plan }}}}{b}{{{{ end }}}}")),
            body.clone()
                .prop_map(|b| format!("{{{{ define \"t\" }}}}{b}{{{{ end }}}}")),
            body,
        ]
    });
    prop::collection::vec(block, 1..4).prop_map(|v| v.concat())
}

fn vars() -> gtmpl::Value {
    template::from_json(&json!({
        "Plan": {"Id": "p", "Paths": ["/a", "$(x)", "b c"]},
        "Error": "it's \"bad\"\n$(touch x)",
        "Summary": "s", "Event": "CONDITION_SNAPSHOT_ERROR",
        "SnapshotStats": {"FilesNew": 3}
    }))
}

proptest! {
    #[test]
    fn templates_render_or_fail_with_a_reason_in_bounded_time(src in template_src()) {
        for escaping in [Escaping::Plain, Escaping::Shell, Escaping::Json] {
            let started = Instant::now();
            let result = template::render_as(&src, &vars(), escaping);
            prop_assert!(started.elapsed() < template::MAX_TIME + Duration::from_secs(1));
            if let Err(TemplateError::Limit(why)) = &result {
                prop_assert!(!why.contains("engine failed"), "the engine panicked on {:?}: {}", src, why);
            }
        }
        let _ = template::check(&src);
    }
}

/// The fuzzer starts from a config that loads and validates, so its edits reach every check.
#[test]
fn the_seed_config_is_valid() {
    let mut doc = parse(&base_config().to_string()).unwrap();
    migrate(&mut doc.config, &env()).unwrap();
    normalize(&mut doc.config);
    validate(&doc.config).unwrap();
}
