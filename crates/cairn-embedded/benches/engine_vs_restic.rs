//! cairn's two engines against plain restic on the same generated data, side by side: initial backup,
//! unchanged re-backup, 5% incremental, full restore, and browsing one directory of a 100,000-file
//! snapshot. Each run is a separate child process; wall time and peak RSS (the child and the restic or
//! engine worker it runs, from wait4) are measured per run. One row repeats the unchanged re-backup as a
//! running cairn server does it: the engine has already opened the repository once (for a snapshot
//! listing, untimed), and only the backup is timed; restic's column is a plain restic run, which is what
//! Backrest runs for every operation.
//!
//! Run: `cargo bench -p cairn-engine --bench engine_vs_restic`
//! `CAIRN_BENCH_BYTES` sets the data size (default 1 GB), `CAIRN_BENCH_DIR` where it is written.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark code: a failed unwrap stops the run; criterion's macros make undocumented items"
)]
use cairn_embedded::{EmbeddedEngine, WorkerCommand};
use cairn_engine::{BackupRequest, Engine, ResticEngine, SnapshotFilter};
use cairn_proto::v1::Repo;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "bench";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    if args.get(1).map(String::as_str) == Some("--child") {
        child(&args[2], &args[3], Path::new(&args[4]), &args[5..]);
        return;
    }
    parent();
}

/// Deterministic bytes: incompressible, or text-like (compressible) when `text` is set.
fn fill(seed: u64, len: usize, text: bool) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let words: &[&[u8]] = &[
        b"backup ",
        b"restic ",
        b"cairn ",
        b"snapshot ",
        b"data\n",
        b"index ",
    ];
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if text {
            out.extend_from_slice(words[(x % words.len() as u64) as usize]);
        } else {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out.truncate(len);
    out
}

/// Writes `len` bytes of `fill` to `path`, a MiB at a time: the parent's own peak memory would be
/// charged to every child it starts (Linux carries it into the child's peak RSS through fork and exec).
fn write_filled(path: &Path, seed: u64, len: usize, text: bool) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut written = 0;
    for piece in 0u64.. {
        if written >= len {
            break;
        }
        let n = (len - written).min(1 << 20);
        let bytes = fill(seed.wrapping_mul(1_000_003).wrapping_add(piece), n, text);
        out.write_all(&bytes).expect("write");
        written += n;
    }
    out.flush().expect("flush");
}

/// ~40% of the bytes in many small files (1-32 KiB) over nested directories, ~60% in six large files;
/// half of each compressible. Returns the paths of all files.
fn generate(root: &Path, total: u64) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let small_budget = total * 2 / 5;
    let mut written = 0u64;
    let mut i = 0u64;
    while written < small_budget {
        let len = 1024 + (i * 7919 % 31_744) as usize;
        let dir = root.join(format!("small/d{:03}/e{:02}", i % 200, (i / 200) % 10));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join(format!("f{i}.dat"));
        write_filled(&path, i, len, i.is_multiple_of(2));
        files.push(path);
        written += len as u64;
        i += 1;
    }
    std::fs::create_dir_all(root.join("large")).expect("mkdir");
    let large = ((total - written) / 6) as usize;
    for j in 0..6u64 {
        let path = root.join(format!("large/big{j}.bin"));
        write_filled(&path, 1_000_000 + j, large, j.is_multiple_of(2));
        files.push(path);
    }
    files
}

/// Rewrites every 20th file (5% of them) with new content.
fn touch_five_percent(files: &[PathBuf], round: u64) {
    for (k, path) in files
        .iter()
        .enumerate()
        .filter(|(k, _)| k.is_multiple_of(20))
    {
        let len = std::fs::metadata(path)
            .map(|m| m.len() as usize)
            .unwrap_or(1024);
        write_filled(path, round * 1_000_003 + k as u64, len, k.is_multiple_of(2));
    }
}

fn tree(root: &Path, count: usize) {
    for i in 0..count {
        let dir = root.join(format!("d{:03}", i / 1000));
        if i.is_multiple_of(1000) {
            std::fs::create_dir_all(&dir).expect("mkdir");
        }
        std::fs::write(dir.join(format!("file{i:06}.txt")), format!("{i}\n")).expect("write");
    }
}

fn restic_env(cmd: &mut Command, repo: &Path) {
    cmd.env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD", PASSWORD)
        .env("XDG_CACHE_HOME", repo.with_extension("cache"));
}

/// Runs this benchmark binary as a child doing one step; returns wall time and peak RSS in MiB.
fn measure(who: &str, step: &str, repo: &Path, extra: &[&str]) -> (Duration, f64) {
    let exe = std::env::current_exe().expect("current exe");
    // Flush the previous step's writes so they are not charged to this one.
    // SAFETY: sync(2) takes no arguments and only schedules I/O.
    unsafe { libc::sync() };
    let start = Instant::now();
    // Reaped below with wait4, which also reports its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(exe)
        .args(["--child", who, step])
        .arg(repo)
        .args(extra)
        .spawn()
        .expect("spawn child");
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert!(
        waited == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{who} {step} failed"
    );
    // A step that times only part of its run leaves the time in `<repo>.timed`.
    let timed = repo.with_extension("timed");
    let time = match std::fs::read_to_string(&timed) {
        Ok(secs) => {
            let _ = std::fs::remove_file(&timed);
            Duration::from_secs_f64(secs.trim().parse().expect("a time in seconds"))
        }
        Err(_) => wall,
    };
    (time, usage.ru_maxrss as f64 / 1024.0)
}

fn child(who: &str, step: &str, repo: &Path, extra: &[String]) {
    match who {
        "restic" => {
            let mut cmd = Command::new("restic");
            restic_env(&mut cmd, repo);
            match step {
                "backup" | "backup-warm" => cmd
                    .args(["backup", "--json", "--tag", "plan:bench", "--host", "bench"])
                    .arg(&extra[0]),
                "restore" => cmd.args(["restore", "latest", "--target"]).arg(&extra[0]),
                "ls" => cmd
                    .args(["ls", "--json", "--no-lock", "latest"])
                    .arg(&extra[0]),
                other => panic!("unknown step {other}"),
            };
            let out = cmd
                .stdout(std::process::Stdio::null())
                .status()
                .expect("run restic");
            assert!(out.success(), "restic {step} failed");
        }
        "cairn" | "embedded" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(cairn_step(who, step, repo, extra));
        }
        other => panic!("unknown engine {other}"),
    }
}

async fn cairn_step(who: &str, step: &str, repo_path: &Path, extra: &[String]) {
    let engine: Box<dyn Engine> = if who == "embedded" {
        Box::new(EmbeddedEngine::new(WorkerCommand {
            program: env!("CARGO_BIN_EXE_cairn-engine-worker").into(),
            args: Vec::new(),
        }))
    } else {
        Box::new(ResticEngine::locate(None).await.expect("restic"))
    };
    let repo = Repo {
        id: "bench".into(),
        uri: repo_path.to_string_lossy().into_owned(),
        password: PASSWORD.into(),
        env: vec![format!(
            "XDG_CACHE_HOME={}",
            repo_path.with_extension("cache").display()
        )],
        ..Repo::default()
    };
    let cancel = CancellationToken::new();
    match step {
        "backup" | "backup-warm" => {
            let req = BackupRequest {
                paths: vec![extra[0].clone()],
                tags: vec!["plan:bench".into()],
                host: Some("bench".into()),
                ..BackupRequest::default()
            };
            if step == "backup-warm" {
                engine
                    .snapshots(&repo, &SnapshotFilter::default())
                    .await
                    .expect("snapshots");
            }
            let start = Instant::now();
            engine
                .backup(&repo, &req, &|_| {}, &cancel)
                .await
                .expect("backup");
            if step == "backup-warm" {
                let secs = start.elapsed().as_secs_f64().to_string();
                std::fs::write(repo_path.with_extension("timed"), secs).expect("write the time");
            }
        }
        "restore" => {
            engine
                .restore(
                    &repo,
                    &extra[1],
                    "/",
                    Path::new(&extra[0]),
                    &|_| {},
                    &cancel,
                )
                .await
                .expect("restore");
        }
        "ls" => {
            let id = &extra[1];
            let first = Instant::now();
            let n = engine.ls(&repo, id, &extra[0]).await.expect("ls").len();
            let cold = first.elapsed();
            let again = Instant::now();
            engine.ls(&repo, id, &extra[0]).await.expect("ls again");
            eprintln!(
                "    {who} ls: {n} entries, first {cold:.2?}, repeated {:.2?} (cached)",
                again.elapsed()
            );
        }
        other => panic!("unknown step {other}"),
    }
}

fn init(repo: &Path) {
    let mut cmd = Command::new("restic");
    restic_env(&mut cmd, repo);
    let out = cmd.arg("init").output().expect("restic init");
    assert!(out.status.success(), "init failed");
}

/// The newest snapshot's full id (found before timing, as the UI already knows it when it browses).
fn latest_id(repo: &Path) -> String {
    let mut cmd = Command::new("restic");
    restic_env(&mut cmd, repo);
    let out = cmd
        .args(["snapshots", "--json", "latest"])
        .output()
        .expect("restic snapshots");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("snapshots json");
    v[0]["id"].as_str().expect("an id").to_string()
}

/// (wall time, peak RSS) of one step for restic, cairn's restic engine and the embedded engine.
type Runs = [(Duration, f64); 3];

fn row(name: &str, runs: Runs) {
    let vs = |r: (Duration, f64)| runs[0].0.as_secs_f64() / r.0.as_secs_f64();
    println!(
        "| {name:<26} | {:>9.2?} | {:>9.2?} ({:.2}x) | {:>9.2?} ({:.2}x) | {:>5.0} | {:>5.0} | {:>5.0} |",
        runs[0].0,
        runs[1].0,
        vs(runs[1]),
        runs[2].0,
        vs(runs[2]),
        runs[0].1,
        runs[1].1,
        runs[2].1
    );
}

const WHO: [&str; 3] = ["restic", "cairn", "embedded"];

fn parent() {
    let total: u64 = std::env::var("CAIRN_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000_000);
    let base = std::env::var("CAIRN_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let dir = tempfile::TempDir::new_in(base).expect("tempdir");
    let data = dir.path().join("data");
    let t = Instant::now();
    let files = generate(&data, total);
    eprintln!(
        "generated {} files, {total} bytes in {:.1?}",
        files.len(),
        t.elapsed()
    );
    let repos = WHO.map(|w| dir.path().join(format!("repo-{w}")));
    repos.iter().for_each(|r| init(r));
    let data_arg = data.to_string_lossy().into_owned();
    println!(
        "| step | restic | cairn, restic engine (speed vs restic) | cairn, embedded engine (speed vs restic) | restic MiB | restic engine MiB | embedded MiB |"
    );
    println!("|---|---|---|---|---|---|---|");
    let each = |step: &str, extra: &dyn Fn(usize) -> Vec<String>| -> Runs {
        std::array::from_fn(|i| {
            let args = extra(i);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            measure(WHO[i], step, &repos[i], &args)
        })
    };
    let backup = |_: usize| vec![data_arg.clone()];
    row("initial backup", each("backup", &backup));
    row("unchanged re-backup", each("backup", &backup));
    row(
        "unchanged, in a running server",
        each("backup-warm", &backup),
    );
    touch_five_percent(&files, 1);
    row("5% changed, incremental", each("backup", &backup));
    let targets = WHO.map(|w| dir.path().join(format!("restore-{w}")));
    let ids: Vec<String> = repos.iter().map(|r| latest_id(r)).collect();
    let restore = |i: usize| vec![targets[i].to_string_lossy().into_owned(), ids[i].clone()];
    row("full restore", each("restore", &restore));
    targets.iter().for_each(|t| {
        std::fs::remove_dir_all(t).ok();
    });
    // Browsing: one directory of a 100,000-file snapshot.
    let many = dir.path().join("many");
    tree(&many, 100_000);
    let many_repos = WHO.map(|w| dir.path().join(format!("many-{w}")));
    let many_arg = many.to_string_lossy().into_owned();
    for (i, r) in many_repos.iter().enumerate() {
        init(r);
        measure(WHO[i], "backup", r, &[&many_arg]);
    }
    let one = format!("{many_arg}/d050");
    let runs: Runs = std::array::from_fn(|i| {
        let id = latest_id(&many_repos[i]);
        measure(WHO[i], "ls", &many_repos[i], &[&one, &id])
    });
    row("ls one dir of 100k files", runs);
}
