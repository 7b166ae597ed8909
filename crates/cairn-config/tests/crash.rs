//! A process updating the config in a loop is killed with SIGKILL at arbitrary moments; the file must
//! always be a complete, valid config (the old or the new one), and reopening cleans up temp files.
//!
//! The test re-executes its own binary as the writer (selected by `CAIRN_CRASH_CHILD`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_config::{ConfigStore, MigrationEnv, default_config, list_backups};
use cairn_proto::v1::Repo;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_ENV: &str = "CAIRN_CRASH_CHILD";

fn child(path: &Path) -> ! {
    let store = ConfigStore::open(path, &MigrationEnv::default(), || default_config("crash"))
        .expect("open");
    println!("ready");
    loop {
        let mut c = store.get();
        let n = c.repos.len();
        c.repos.push(Repo {
            id: format!("r{n}"),
            uri: "/srv/r".into(),
            guid: "b".repeat(64),
            ..Repo::default()
        });
        c.instance = format!("crash-{n}");
        store.update(c).expect("update");
    }
}

#[test]
fn sigkill_during_config_writes_never_leaves_a_broken_file() {
    if let Ok(p) = std::env::var(CHILD_ENV) {
        child(Path::new(&p));
    }
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("config.json");
    let mut last_modno = -1;
    for round in 0..8 {
        let mut c = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sigkill_during_config_writes_never_leaves_a_broken_file",
                "--nocapture",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = c.stdout.take().unwrap();
        let _ = std::io::Read::read(&mut out, &mut [0u8; 16]);
        std::thread::sleep(Duration::from_millis(150 + 23 * round as u64));
        c.kill().unwrap();
        c.wait().unwrap();
        let store = ConfigStore::open(&path, &MigrationEnv::default(), || {
            unreachable!("file exists")
        })
        .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let cfg = store.get();
        assert_eq!(
            cfg.repos.len() as i32,
            cfg.modno,
            "round {round}: every write is whole"
        );
        assert!(cfg.modno > last_modno, "round {round} made progress");
        last_modno = cfg.modno;
        let temps = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .count();
        assert_eq!(temps, 0, "reopening removed leftover temp files");
        assert!(list_backups(&path).unwrap().len() <= cairn_config::KEEP_BACKUPS + 1);
    }
}
