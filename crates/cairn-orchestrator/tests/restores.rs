//! Restores people need, with restic against a real repository on disk (the embedded engine's worker
//! is the cairn binary, so its run of the same restores is in cairn's CLI tests): several paths in one
//! operation, in place over live files with each overwrite mode, deletion of what the snapshot does not
//! hold, a dry run that previews exactly what the real run then does, and live links never followed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
mod support;

use cairn_orchestrator::RestoreSpec;
use cairn_orchestrator::restore_spec::Overwrite;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{Operation, OperationStatus, RestoreChanges};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::*;

struct Case {
    env: Env,
    src: PathBuf,
    snapshot: String,
}

async fn backed_up(engine: &str) -> Case {
    let dir = tempfile::TempDir::new().unwrap();
    let src = make_source(dir.path());
    std::fs::create_dir_all(src.join("other")).unwrap();
    std::fs::write(src.join("other/c.txt"), b"gamma\n").unwrap();
    let mut repo = repo_json("a", dir.path());
    repo["engine"] = json!(engine);
    let env = Env::in_dir(
        dir,
        json!({"version": 6, "instance": "test", "repos": [repo],
               "plans": [plan_json("p", "a", &src)], "auth": {"disabled": true}}),
        Arc::new(cairn_orchestrator::SystemClock),
    );
    env.orch.start().await.unwrap();
    let backup = env.wait(env.orch.backup_now("p", false).unwrap()).await;
    assert_eq!(
        backup.status.as_known(),
        Some(OperationStatus::STATUS_SUCCESS)
    );
    Case {
        env,
        src,
        snapshot: backup.snapshot_id,
    }
}

impl Case {
    fn path(&self, rel: &str) -> String {
        self.src.join(rel).display().to_string()
    }

    async fn restore(&self, spec: RestoreSpec) -> Operation {
        let id = self
            .env
            .orch
            .restore("a", "p", &self.snapshot, spec)
            .unwrap();
        self.env.wait(id).await
    }

    async fn in_place(&self, paths: &[&str], overwrite: Overwrite, dry_run: bool) -> Operation {
        let paths: Vec<String> = paths.iter().map(|p| self.path(p)).collect();
        let spec = RestoreSpec::new(&paths, None, Some(overwrite), true, dry_run).unwrap();
        self.restore(spec).await
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn changes(op: &Operation) -> (i64, i64, i64) {
    let Some(Op::OperationRestore(r)) = &op.op else {
        panic!("not a restore: {op:?}")
    };
    let c = r
        .changes
        .as_option()
        .cloned()
        .unwrap_or_else(RestoreChanges::default);
    (c.written, c.kept, c.deleted)
}

async fn several_paths_land_below_the_target(c: &Case) {
    let target = c.env.path("restored");
    let paths = [c.path("a.txt"), c.path("sub"), c.path("other")];
    let spec = RestoreSpec::new(&paths, Some(target.clone()), None, false, false).unwrap();
    let op = c.restore(spec).await;
    assert_eq!(
        op.status.as_known(),
        Some(OperationStatus::STATUS_SUCCESS),
        "{}",
        op.display_message
    );
    assert_eq!(read(&target.join("a.txt")), "alpha\n");
    assert_eq!(
        std::fs::read(target.join("sub/b.txt")).unwrap(),
        vec![7u8; 100_000]
    );
    assert_eq!(read(&target.join("other/c.txt")), "gamma\n");
    let Some(Op::OperationRestore(r)) = &op.op else {
        panic!()
    };
    assert_eq!(r.paths.len(), 3);
    assert_eq!(r.last_status.files_restored, 3, "{:?}", r.last_status);
}

async fn in_place_previews_then_applies_exactly_that(c: &Case) {
    std::fs::write(c.src.join("a.txt"), b"edited\n").unwrap();
    std::fs::remove_file(c.src.join("sub/b.txt")).unwrap();
    std::fs::write(c.src.join("sub/extra.txt"), b"not in the snapshot").unwrap();
    let preview = c
        .in_place(&["a.txt", "sub"], Overwrite::IfChanged, true)
        .await;
    assert_eq!(
        preview.status.as_known(),
        Some(OperationStatus::STATUS_SUCCESS),
        "{}",
        preview.display_message
    );
    assert_eq!(changes(&preview), (2, 0, 1));
    let log = c.env.log_text(&preview.logref).await;
    for line in [
        format!("+ \"{}\"", c.path("a.txt")),
        format!("+ \"{}\"", c.path("sub/b.txt")),
        format!("- \"{}\"", c.path("sub/extra.txt")),
    ] {
        assert!(log.contains(&line), "the preview lacks {line}:\n{log}");
    }
    assert_eq!(
        read(&c.src.join("a.txt")),
        "edited\n",
        "a dry run changes nothing"
    );
    assert!(c.src.join("sub/extra.txt").exists() && !c.src.join("sub/b.txt").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&c.src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cairn"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");

    let applied = c
        .in_place(&["a.txt", "sub"], Overwrite::IfChanged, false)
        .await;
    assert_eq!(changes(&applied), changes(&preview));
    assert_eq!(read(&c.src.join("a.txt")), "alpha\n");
    assert_eq!(
        std::fs::read(c.src.join("sub/b.txt")).unwrap(),
        vec![7u8; 100_000]
    );
    assert!(!c.src.join("sub/extra.txt").exists());
    let again = c
        .in_place(&["a.txt", "sub"], Overwrite::IfChanged, false)
        .await;
    assert_eq!(changes(&again), (0, 2, 0), "a.txt and b.txt are equal now");
}

async fn never_and_if_newer_keep_live_files(c: &Case) {
    std::fs::write(c.src.join("a.txt"), b"live and newer\n").unwrap();
    let never = c.in_place(&["a.txt"], Overwrite::Never, false).await;
    assert_eq!(changes(&never), (0, 1, 0));
    let newer = c.in_place(&["a.txt"], Overwrite::IfNewer, false).await;
    assert_eq!(changes(&newer), (0, 1, 0));
    assert_eq!(read(&c.src.join("a.txt")), "live and newer\n");
    let always = c.in_place(&["a.txt"], Overwrite::Always, false).await;
    assert_eq!(changes(&always), (1, 0, 0));
    assert_eq!(read(&c.src.join("a.txt")), "alpha\n");
}

/// Refused with and without a dry run: the preview says what the run would do.
async fn an_existing_destination_needs_an_overwrite_mode(c: &Case) {
    for dry_run in [false, true] {
        let spec = RestoreSpec::new(&[c.path("other")], None, None, false, dry_run).unwrap();
        let op = c.restore(spec).await;
        assert_eq!(op.status.as_known(), Some(OperationStatus::STATUS_ERROR));
        let says = &op.display_message;
        assert!(says.contains("already exists"), "{says}");
        assert!(says.contains("overwrite mode"), "{says}");
    }
}

/// A path the snapshot lacks is named, and nothing of the request is restored.
async fn a_path_the_snapshot_lacks_is_refused_by_name(c: &Case) {
    let target = c.env.path("partial");
    let paths = [c.path("a.txt"), c.path("no-such-file")];
    let spec = RestoreSpec::new(&paths, Some(target.clone()), None, false, false).unwrap();
    let op = c.restore(spec).await;
    assert_eq!(op.status.as_known(), Some(OperationStatus::STATUS_ERROR));
    let says = &op.display_message;
    assert!(
        says.contains("no-such-file") && says.contains("is not in snapshot"),
        "{says}"
    );
    assert!(!target.join("a.txt").exists(), "nothing is restored");
}

async fn a_live_link_is_replaced_not_followed(c: &Case) {
    let outside = c.env.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::remove_dir_all(c.src.join("other")).unwrap();
    std::os::unix::fs::symlink(&outside, c.src.join("other")).unwrap();
    let op = c.in_place(&["other"], Overwrite::Always, false).await;
    assert_eq!(
        op.status.as_known(),
        Some(OperationStatus::STATUS_SUCCESS),
        "{}",
        op.display_message
    );
    assert!(
        std::fs::read_dir(&outside).unwrap().next().is_none(),
        "nothing written through the link"
    );
    let meta = std::fs::symlink_metadata(c.src.join("other")).unwrap();
    assert!(meta.is_dir() && !meta.file_type().is_symlink());
    assert_eq!(read(&c.src.join("other/c.txt")), "gamma\n");
}

async fn all(engine: &str) {
    let c = backed_up(engine).await;
    several_paths_land_below_the_target(&c).await;
    in_place_previews_then_applies_exactly_that(&c).await;
    never_and_if_newer_keep_live_files(&c).await;
    an_existing_destination_needs_an_overwrite_mode(&c).await;
    a_path_the_snapshot_lacks_is_refused_by_name(&c).await;
    a_live_link_is_replaced_not_followed(&c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restores_with_restic() {
    all("restic").await;
}
