//! Validation of cairn's own settings (`cairn` in the config): the task limit, the hook timeout and the
//! history limits.
use super::Check;
use cairn_proto::quoted;
use cairn_proto::v1::CairnSettings;

/// Operation kinds a history limit may name ("default" covers the rest).
pub const HISTORY_KINDS: [&str; 12] = [
    "default",
    "backup",
    "index_snapshot",
    "forget",
    "prune",
    "check",
    "stats",
    "restore",
    "hook",
    "run_command",
    "verify",
    "mirror",
];

pub(super) fn check(k: &mut Check, s: &CairnSettings) {
    if !(0..=64).contains(&s.max_parallel_tasks) {
        k.err(
            "cairn.max_parallel_tasks",
            format!(
                "{} is out of range; use 1 to 64 (or 0 for the default, 2)",
                s.max_parallel_tasks
            ),
        );
    }
    if s.hook_timeout_seconds < 0 {
        k.err(
            "cairn.hook_timeout_seconds",
            "must not be negative; use 0 for the default (one hour)",
        );
    }
    let mut seen = Vec::new();
    for (i, l) in s.history_limits.iter().enumerate() {
        let path = format!("cairn.history_limits[{i}]");
        if !HISTORY_KINDS.contains(&l.kind.as_str()) {
            k.err(
                format!("{path}.kind"),
                format!(
                    "{} is not an operation kind; use one of {}",
                    quoted(&l.kind),
                    HISTORY_KINDS.join(", ")
                ),
            );
        } else if seen.contains(&l.kind.as_str()) {
            k.err(
                format!("{path}.kind"),
                format!("{} is listed twice", quoted(&l.kind)),
            );
        }
        seen.push(l.kind.as_str());
        if l.max_age_days < 1 {
            k.err(format!("{path}.max_age_days"), "must be at least 1");
        }
        if l.keep_min < 0 || l.keep_max < 1 || l.keep_min > l.keep_max {
            k.err(
                format!("{path}.keep_min"),
                format!(
                    "keep_min ({}) must be between 0 and keep_max ({}), and keep_max at least 1",
                    l.keep_min, l.keep_max
                ),
            );
        }
    }
    check_api_tokens(k, s);
}

/// API tokens need a unique id and the SHA-256 of the token (the token itself is never stored).
fn check_api_tokens(k: &mut Check, s: &CairnSettings) {
    let mut ids = Vec::new();
    for (i, t) in s.api_tokens.iter().enumerate() {
        let path = format!("cairn.api_tokens[{i}]");
        if t.id.is_empty() || ids.contains(&t.id.as_str()) {
            k.err(
                format!("{path}.id"),
                "every API token needs an id of its own; create tokens with CreateApiToken",
            );
        }
        ids.push(t.id.as_str());
        let is_hex = t.sha256.len() == 64 && t.sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hex {
            k.err(
                format!("{path}.sha256"),
                "must be the 64-hex-digit SHA-256 of the token; create tokens with CreateApiToken",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate;
    use cairn_proto::v1::{CairnSettings, Config, HistoryLimit};

    fn errors(s: CairnSettings) -> Vec<String> {
        let config = Config {
            cairn: s.into(),
            ..Default::default()
        };
        match validate(&config) {
            Ok(()) => Vec::new(),
            Err(e) => {
                e.0.iter()
                    .map(|f| format!("{}: {}", f.path, f.message))
                    .collect()
            }
        }
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        assert!(errors(CairnSettings::default()).is_empty());
        let limit = |kind: &str, age, min, max| HistoryLimit {
            kind: kind.into(),
            max_age_days: age,
            keep_min: min,
            keep_max: max,
            ..Default::default()
        };
        let e = errors(CairnSettings {
            max_parallel_tasks: 65,
            hook_timeout_seconds: -1,
            history_limits: vec![
                limit("backup", 30, 1, 100),
                limit("backups", 30, 1, 100),
                limit("backup", 0, 5, 2),
            ],
            ..Default::default()
        });
        assert_eq!(e.len(), 6, "{e:#?}");
        assert!(e[0].starts_with("cairn.max_parallel_tasks: 65 is out of range"));
        assert!(e[1].starts_with("cairn.hook_timeout_seconds"));
        assert!(e[2].contains("history_limits[1].kind: \"backups\" is not an operation kind"));
        assert!(e[3].contains("history_limits[2].kind: \"backup\" is listed twice"));
        assert!(e[4].contains("history_limits[2].max_age_days"));
        assert!(e[5].contains("history_limits[2].keep_min"));
    }
}
