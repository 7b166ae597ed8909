//! The config store against real files: first start, modno guard, validation before writing, atomic
//! writes with mode 0600, backup rotation, unknown keys kept across updates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_config::*;
use cairn_proto::v1::{Config, Plan, Repo};
use std::os::unix::fs::PermissionsExt;
use tempfile::TempDir;

fn repo(id: &str) -> Repo {
    Repo {
        id: id.into(),
        uri: format!("/srv/{id}"),
        guid: "a".repeat(64),
        password: "pw".into(),
        ..Repo::default()
    }
}

fn plan(id: &str, repo: &str) -> Plan {
    Plan {
        id: id.into(),
        repo: repo.into(),
        paths: vec!["/home/b".into(), "/home/a".into()],
        ..Plan::default()
    }
}

fn open(dir: &TempDir) -> ConfigStore {
    ConfigStore::open(
        dir.path().join("config.json"),
        &MigrationEnv::default(),
        || default_config("test-host"),
    )
    .unwrap()
}

#[test]
fn first_open_writes_the_default_with_mode_0600() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let c = store.get();
    assert_eq!(
        (c.version, c.instance.as_str(), c.modno),
        (6, "test-host", 0)
    );
    let meta = std::fs::metadata(store.path()).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let again = open(&dir);
    assert_eq!(again.get(), c, "reopening reads back the same config");
}

#[test]
fn updates_check_modno_validate_first_and_increment() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let mut next = store.get();
    next.repos.push(repo("nas"));
    next.plans.push(plan("home", "nas"));
    let saved = store.update(next.clone()).unwrap();
    assert_eq!(saved.modno, 1);
    assert_eq!(
        saved.plans[0].paths,
        vec!["/home/a".to_string(), "/home/b".to_string()],
        "paths sorted on save"
    );
    let stale = store.update(next).unwrap_err();
    assert!(
        matches!(
            stale,
            ConfigError::StaleModno {
                stored: 1,
                given: 0
            }
        ),
        "{stale}"
    );
    assert!(stale.to_string().contains("reload and try again"));

    let before = std::fs::read(store.path()).unwrap();
    let mut bad = store.get();
    bad.plans.push(plan("broken", "missing-repo"));
    bad.repos.push(repo("nas"));
    let err = store.update(bad).unwrap_err();
    let ConfigError::Invalid(errors) = &err else {
        panic!("{err}")
    };
    assert_eq!(errors.paths(), vec!["repos[1].id", "plans[1].repo"]);
    assert_eq!(
        std::fs::read(store.path()).unwrap(),
        before,
        "an invalid update leaves the file byte-identical"
    );
    assert_eq!(store.get().modno, 1);
}

#[test]
fn every_write_keeps_a_backup_and_only_the_newest_ten() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    for i in 0..13 {
        let mut c = store.get();
        c.instance = format!("host-{i}");
        store.update(c).unwrap();
    }
    let backups = list_backups(store.path()).unwrap();
    assert_eq!(backups.len(), KEEP_BACKUPS);
    for b in &backups {
        assert_eq!(
            std::fs::metadata(b).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let newest_backup: Vec<Config> = backups
        .iter()
        .map(|b| parse(&std::fs::read_to_string(b).unwrap()).unwrap().config)
        .filter(|c| c.instance == "host-11")
        .collect();
    assert_eq!(
        newest_backup.len(),
        1,
        "the version before the last write is kept"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left behind");
}

#[test]
fn unknown_keys_survive_updates() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(
        &path,
        r#"{"version": 6, "instance": "x", "fromTheFuture": {"a": 1},
            "repos": [{"id": "nas", "uri": "/srv/nas", "guid": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "newRepoKnob": true}]}"#,
    )
    .unwrap();
    let store = ConfigStore::open(&path, &MigrationEnv::default(), Config::default).unwrap();
    let mut c = store.get();
    c.repos.insert(0, repo("first"));
    store.update(c).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["fromTheFuture"]["a"], 1);
    assert_eq!(written["repos"][1]["id"], "nas");
    assert_eq!(written["repos"][1]["newRepoKnob"], true);
    assert!(written["repos"][0].get("newRepoKnob").is_none());
}

#[test]
fn modify_applies_a_change_under_the_lock() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let c = store
        .modify(|c| {
            c.repos.push(repo("nas"));
            Ok::<_, ConfigError>(())
        })
        .unwrap();
    assert_eq!((c.modno, c.repos.len()), (1, 1));
    let err = store.modify(|c| {
        c.repos.push(repo("nas"));
        Ok::<_, ConfigError>(())
    });
    assert!(matches!(err, Err(ConfigError::Invalid(_))));
    assert_eq!(store.get().repos.len(), 1);
}

#[test]
fn unreadable_and_unparsable_files_give_clear_errors() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, "{ not json").unwrap();
    let err = ConfigStore::open(&path, &MigrationEnv::default(), Config::default)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("cannot be parsed") && err.contains("not valid JSON"),
        "{err}"
    );
    std::fs::write(
        &path,
        r#"{"version": 6, "repos": [{"id": "r", "autoUnlock": "yes"}]}"#,
    )
    .unwrap();
    let err = ConfigStore::open(&path, &MigrationEnv::default(), Config::default)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("repos[0].autoUnlock"), "{err}");
    std::fs::write(&path, r#"{"version": 9}"#).unwrap();
    let err = ConfigStore::open(&path, &MigrationEnv::default(), Config::default)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("newer"), "{err}");
}

#[test]
fn the_engine_extension_is_validated_and_kept() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let mut c = store.get();
    c.repos.push(Repo {
        engine: "rustic".into(),
        ..repo("nas")
    });
    let err = store.update(c.clone()).unwrap_err().to_string();
    assert!(
        err.contains("repos[0].engine: \"rustic\" is not an engine"),
        "{err}"
    );
    c.repos[0].engine = "restic".into();
    store.update(c).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.path()).unwrap()).unwrap();
    assert_eq!(written["repos"][0]["engine"], "restic");
}
