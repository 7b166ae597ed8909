//! Hand-written Backrest config files (tests/fixtures): every hook action, condition and on-error policy,
//! every schedule kind and clock, every retention kind, old versions that need migrating, and a file with
//! many planted errors. Each is loaded through the real store from a real file and saved back.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_config::*;
use cairn_proto::v1::__buffa::oneof::{
    hook::Action, retention_policy::Policy, schedule::Schedule as Kind,
};
use cairn_proto::v1::{Config, Hook, RetentionPolicy, Schedule};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a fixture into a fresh directory, as a user's config file.
fn install(name: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("config.json");
    std::fs::copy(fixture(name), &path).unwrap();
    (dir, path)
}

fn open(path: &Path) -> Result<ConfigStore> {
    ConfigStore::open(path, &MigrationEnv::default(), || {
        unreachable!("fixture exists")
    })
}

/// Drops values protobuf JSON never writes (zero numbers, empty strings and lists, false, zero enums).
fn strip_defaults(v: &Value) -> Value {
    const ZERO_ENUMS: [&str; 5] = [
        "ON_ERROR_IGNORE",
        "CLOCK_DEFAULT",
        "IO_DEFAULT",
        "CPU_DEFAULT",
        "UNKNOWN",
    ];
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| match x {
                    Value::Number(n) => n.as_f64() != Some(0.0),
                    Value::String(s) => {
                        !s.is_empty() && s != "0" && !ZERO_ENUMS.contains(&s.as_str())
                    }
                    Value::Bool(b) => *b,
                    Value::Array(a) => !a.is_empty(),
                    _ => true,
                })
                .map(|(k, x)| (k.clone(), strip_defaults(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_defaults).collect()),
        other => numbers_by_value(other),
    }
}

/// `10` and `10.0` are the same JSON number: compare numbers as f64.
fn numbers_by_value(v: &Value) -> Value {
    match v {
        Value::Number(n) => n.as_f64().map(Value::from).unwrap_or_else(|| v.clone()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), numbers_by_value(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(numbers_by_value).collect()),
        other => other.clone(),
    }
}

fn json_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn all_hooks(c: &Config) -> Vec<&Hook> {
    c.repos
        .iter()
        .flat_map(|r| &r.hooks)
        .chain(c.plans.iter().flat_map(|p| &p.hooks))
        .collect()
}

fn all_schedules(c: &Config) -> Vec<&Schedule> {
    let mut out: Vec<&Schedule> = c
        .plans
        .iter()
        .filter_map(|p| p.schedule.as_option())
        .collect();
    for r in &c.repos {
        out.extend(
            r.prune_policy
                .as_option()
                .and_then(|p| p.schedule.as_option()),
        );
        out.extend(
            r.check_policy
                .as_option()
                .and_then(|p| p.schedule.as_option()),
        );
        out.extend(
            r.forget_policy
                .as_option()
                .and_then(|p| p.schedule.as_option()),
        );
    }
    out
}

#[test]
fn the_full_v6_config_loads_unchanged_and_covers_every_kind() {
    let (_dir, path) = install("backrest-v6-full.json");
    let store = open(&path).unwrap();
    assert!(
        list_backups(&path).unwrap().is_empty(),
        "a current config is not rewritten on load"
    );
    let c = store.get();
    assert_eq!((c.version, c.modno, c.instance.as_str()), (6, 42, "nas-01"));

    let hooks = all_hooks(&c);
    let actions: BTreeSet<&str> = hooks
        .iter()
        .filter_map(|h| h.action.as_ref())
        .map(|a| match a {
            Action::ActionCommand(_) => "command",
            Action::ActionWebhook(_) => "webhook",
            Action::ActionDiscord(_) => "discord",
            Action::ActionGotify(_) => "gotify",
            Action::ActionSlack(_) => "slack",
            Action::ActionShoutrrr(_) => "shoutrrr",
            Action::ActionHealthchecks(_) => "healthchecks",
            Action::ActionTelegram(_) => "telegram",
            Action::ActionNtfy(_) => "ntfy",
            Action::ActionEmail(_) => "email",
        })
        .collect();
    assert_eq!(actions.len(), 8, "{actions:?}");
    let conditions: BTreeSet<i32> = hooks
        .iter()
        .flat_map(|h| h.conditions.iter().map(|c| c.to_i32()))
        .collect();
    assert_eq!(conditions.len(), 16, "every condition but UNKNOWN");
    let on_error: BTreeSet<i32> = hooks.iter().map(|h| h.on_error.to_i32()).collect();
    assert_eq!(on_error, BTreeSet::from([0, 1, 2, 100, 101, 103]));

    let schedules = all_schedules(&c);
    let kinds: BTreeSet<&str> = schedules
        .iter()
        .filter_map(|s| s.schedule.as_ref())
        .map(|k| match k {
            Kind::Disabled(_) => "disabled",
            Kind::Cron(_) => "cron",
            Kind::MaxFrequencyDays(_) => "days",
            Kind::MaxFrequencyHours(_) => "hours",
        })
        .collect();
    assert_eq!(kinds.len(), 4);
    let clocks: BTreeSet<i32> = schedules.iter().map(|s| s.clock.to_i32()).collect();
    assert_eq!(clocks, BTreeSet::from([0, 1, 2, 3]));
    let retention: Vec<&RetentionPolicy> = c
        .plans
        .iter()
        .filter_map(|p| p.retention.as_option())
        .chain(c.repos.iter().filter_map(|r| {
            r.forget_policy
                .as_option()
                .and_then(|f| f.retention.as_option())
        }))
        .collect();
    let policies: BTreeSet<&str> = retention
        .iter()
        .filter_map(|r| r.policy.as_ref())
        .map(|p| match p {
            Policy::PolicyKeepLastN(_) => "last",
            Policy::PolicyTimeBucketed(_) => "buckets",
            Policy::PolicyKeepAll(_) => "all",
        })
        .collect();
    assert_eq!(policies.len(), 3);
    let mh = c.multihost.as_option().unwrap();
    assert_eq!(
        (
            mh.known_hosts.len(),
            mh.authorized_clients.len(),
            mh.pairing_tokens.len()
        ),
        (2, 2, 2)
    );
    assert_eq!(c.auth.as_option().unwrap().users.len(), 2);
}

#[test]
fn the_full_v6_config_saves_back_with_nothing_lost() {
    let (_dir, path) = install("backrest-v6-full.json");
    let original = json_of(&path);
    let store = open(&path).unwrap();
    let before = store.get();
    let saved = store.update(before.clone()).unwrap();
    assert_eq!(saved.modno, before.modno + 1);
    let mut written = numbers_by_value(&json_of(&path));
    let mut expected = strip_defaults(&original);
    written["modno"] = Value::Null;
    expected["modno"] = Value::Null;
    assert_eq!(
        written, expected,
        "every value of the original is written back"
    );
    let reread = parse(&std::fs::read_to_string(&path).unwrap())
        .unwrap()
        .config;
    assert_eq!(
        Config {
            modno: before.modno,
            ..reread
        },
        before
    );
    let backup = list_backups(&path).unwrap();
    assert_eq!(backup.len(), 1);
    assert_eq!(
        json_of(&backup[0]),
        original,
        "the previous file is kept as it was"
    );
}

#[test]
fn a_v4_config_gets_guids_and_is_written_back_with_a_backup() {
    let (_dir, path) = install("backrest-v4.json");
    let original = std::fs::read(&path).unwrap();
    let c = open(&path).unwrap().get();
    assert_eq!(c.version, 6);
    assert_eq!(
        c.repos[0].guid,
        "047de0f543c7e3596bb6dbd0e65f2c30357720a63eca423f08c52fae314f6806"
    );
    assert_eq!(
        c.repos[1].guid,
        "04b961957b4302de0ec524dd4d50749faea13f0d189721daf44dc67e0c88490d"
    );
    let clock = c.repos[0]
        .prune_policy
        .as_option()
        .unwrap()
        .schedule
        .as_option()
        .unwrap()
        .clock;
    assert_eq!(
        clock.to_i32(),
        1,
        "migration 003 is not re-run for a version-4 config"
    );
    let on_disk = json_of(&path);
    assert_eq!(on_disk["version"], 6);
    let backups = list_backups(&path).unwrap();
    assert_eq!(backups.len(), 1);
    assert_eq!(std::fs::read(&backups[0]).unwrap(), original);
    assert_eq!(
        open(&path).unwrap().get(),
        c,
        "the migrated file loads as written"
    );
}

#[test]
fn a_v3_config_gets_relative_prune_scheduling_and_a_guid() {
    let (_dir, path) = install("backrest-v3-minimal.json");
    let c = open(&path).unwrap().get();
    let prune = c.repos[0].prune_policy.as_option().unwrap();
    assert_eq!(
        prune.schedule.as_option().unwrap().clock.to_i32(),
        3,
        "CLOCK_LAST_RUN_TIME"
    );
    assert_eq!(
        c.repos[0].guid,
        "25bf8e1a2393f1108d37029b3df5593236c755742ec93465bbafa9b290bddcf6"
    );
}

#[test]
fn a_v5_identity_without_the_ed25519_prefix_is_replaced_and_the_rest_kept() {
    let (_dir, path) = install("backrest-v5-bad-identity.json");
    let c = open(&path).unwrap().get();
    let mh = c.multihost.as_option().unwrap();
    let identity = mh.identity.as_option().expect("a new identity is made");
    assert!(identity.keyid.starts_with("ed25519."));
    assert_eq!(cairn_config::identity::check(identity), Ok(()));
    assert_eq!(
        open(&path).unwrap().get(),
        c,
        "written back once, kept after"
    );
    assert_eq!(mh.authorized_clients.len(), 1);
    assert_eq!(c.auth.as_option().unwrap().users[0].name, "admin");
}

#[test]
fn every_planted_error_is_reported_at_its_path_and_the_file_is_untouched() {
    let (_dir, path) = install("invalid-many-errors.json");
    let before = std::fs::read(&path).unwrap();
    let err = open(&path).err().unwrap();
    let ConfigError::Invalid(errors) = &err else {
        panic!("{err}")
    };
    let got: BTreeSet<&str> = errors.paths().into_iter().collect();
    let text = std::fs::read_to_string(fixture("invalid-many-errors.expected.txt")).unwrap();
    let want: BTreeSet<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(got, want, "{err}");
    let message = err.to_string();
    assert!(
        message.contains("plans[0].schedule.cron: \"* * *\" has 3 field(s), cron needs 5"),
        "{message}"
    );
    assert!(
        message.contains("plans[2].repo: repo \"does-not-exist\" does not exist"),
        "{message}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(list_backups(&path).unwrap().is_empty());
    // A relative path, which Backrest accepts, is a warning and not among the errors.
    let parsed = cairn_config::parse(&String::from_utf8(before).unwrap()).unwrap();
    let warned: Vec<String> = cairn_config::warnings(&parsed.config)
        .into_iter()
        .map(|w| w.path)
        .collect();
    assert_eq!(warned, vec!["plans[3].paths[0]"]);
}
