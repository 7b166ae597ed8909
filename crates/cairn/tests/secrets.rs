//! Secrets sealed at rest, with the real binary: a config that turns sealing on is written with every
//! secret sealed and a 0600 key file in the data dir, the server uses the secrets (restic opens the
//! repository with the sealed password), a missing key is a clear error, `cairn secrets rotate`
//! re-seals with a new key the server then uses, and a Backrest config that does not opt in stays
//! plain so Backrest can still read it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use support::*;
use tempfile::TempDir;

/// A version-4 config (migrated, so written back at start) with a repository and its secrets.
fn write_config(dir: &Path, seal: bool) -> std::path::PathBuf {
    let repo = dir.join("repo");
    assert!(
        restic(&repo).arg("init").output().unwrap().status.success(),
        "restic is installed"
    );
    let mut cfg = json!({"version": 4, "instance": "sealed", "auth": {"disabled": true},
        "repos": [{"id": "r", "uri": repo, "password": "pw",
            "env": ["AWS_SECRET_ACCESS_KEY=very-secret", format!("XDG_CACHE_HOME={}", repo.with_extension("cache").display())],
            "hooks": [{"conditions": ["CONDITION_SNAPSHOT_END"],
                "actionWebhook": {"webhookUrl": "http://127.0.0.1:9/hook-secret"}}]}]});
    if seal {
        cfg["cairn"] = json!({"sealSecrets": true});
    }
    let path = dir.join("config.json");
    std::fs::write(&path, cfg.to_string()).unwrap();
    path
}

fn serve(dir: &Path, config: &Path) -> (std::process::Child, u16) {
    serve_with(dir, config, &dir.join("data"))
}

fn snapshots_listed(port: u16) {
    let (code, body) = http_post_json(
        port,
        "/v1.Backrest/ListSnapshots",
        r#"{"repoId":"r"}"#,
        "x:y",
    )
    .unwrap();
    assert_eq!(
        code, 200,
        "restic opened the repository with the unsealed password: {body}"
    );
}

#[test]
fn secrets_are_sealed_used_and_rotated() {
    let dir = TempDir::new().unwrap();
    let config = write_config(dir.path(), true);
    let (child, port) = serve(dir.path(), &config);
    snapshots_listed(port);
    assert!(terminate(child).status.success());
    let text = std::fs::read_to_string(&config).unwrap();
    for secret in ["\"pw\"", "very-secret", "hook-secret"] {
        assert!(!text.contains(secret), "{secret} is sealed: {text}");
    }
    // The repository password, the secret env value, the hook URL, and the multihost identity's
    // private key (made on first load).
    assert_eq!(text.matches("cairn-sealed:v1:").count(), 4, "{text}");
    let key = dir.path().join("data/secrets.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Without its key the config cannot be opened, and the error says what to restore.
    std::fs::rename(&key, dir.path().join("moved.key")).unwrap();
    std::fs::write(&key, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    let out = serve_command(dir.path(), &config, &dir.path().join("data"), free_port())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("secrets.key") && err.contains("sealed with key"),
        "{err}"
    );
    std::fs::rename(dir.path().join("moved.key"), &key).unwrap();

    let before = std::fs::read_to_string(&key).unwrap();
    let out = cairn(dir.path())
        .args(["secrets", "rotate", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(std::fs::read_to_string(&key).unwrap(), before, "a new key");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("data/secrets.key.old")).unwrap(),
        before,
        "the old key is kept for backups"
    );
    let rotated = std::fs::read_to_string(&config).unwrap();
    assert_eq!(rotated.matches("cairn-sealed:v1:").count(), 4);
    assert_ne!(rotated, text);
    std::fs::remove_file(dir.path().join("data/secrets.key.old")).unwrap();
    let (child, port) = serve(dir.path(), &config);
    snapshots_listed(port);
    assert!(terminate(child).status.success());
}

#[test]
fn a_backrest_config_that_does_not_opt_in_stays_readable_by_backrest() {
    let dir = TempDir::new().unwrap();
    let config = write_config(dir.path(), false);
    let (child, port) = serve(dir.path(), &config);
    snapshots_listed(port);
    assert!(terminate(child).status.success());
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("\"version\": 6"),
        "migrated and written: {text}"
    );
    assert!(
        text.contains("\"pw\"") && !text.contains("cairn-sealed"),
        "{text}"
    );
}
