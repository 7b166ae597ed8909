//! The config written on first start: current version, an instance id derived from the host name, and
//! auth enabled with no users yet (the UI's first-run setup creates the first one).
use crate::CURRENT_VERSION;
use cairn_proto::v1::{Auth, CairnSettings, Config};

/// Turns a host name into a valid instance id (letters, digits, '_', '-', '.'; at most 50 characters).
pub fn instance_id_from_hostname(host: &str) -> String {
    let cleaned: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(50)
        .collect();
    let trimmed = cleaned.trim_matches(|c| c == '_' || c == '-' || c == '.');
    if trimmed.is_empty() {
        "cairn".to_string()
    } else {
        trimmed.to_string()
    }
}

/// A fresh config for an instance on `host`.
pub fn default_config(host: &str) -> Config {
    Config {
        version: CURRENT_VERSION,
        instance: instance_id_from_hostname(host),
        auth: Auth::default().into(),
        // A config cairn creates keeps its secrets sealed; a Backrest config opts in.
        cairn: CairnSettings {
            seal_secrets: true,
            ..CairnSettings::default()
        }
        .into(),
        ..Config::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_become_valid_instance_ids() {
        assert_eq!(instance_id_from_hostname("nas-01.local"), "nas-01.local");
        assert_eq!(instance_id_from_hostname("My Laptop (2)"), "My-Laptop--2");
        assert_eq!(instance_id_from_hostname("__"), "cairn");
        assert_eq!(instance_id_from_hostname(&"x".repeat(80)).len(), 50);
        assert!(crate::validate(&default_config("box")).is_ok());
    }
}
