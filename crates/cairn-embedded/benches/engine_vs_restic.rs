//! cairn's two engines against plain restic on the same generated data, side by side: initial backup,
//! unchanged re-backup, 5% incremental, full restore, and browsing one directory of a 100,000-file
//! snapshot. Each run is a separate child process; its peak RSS (the child and the restic or engine
//! worker it runs, from wait4) is measured per run. One row repeats the unchanged re-backup as a
//! running cairn server does it: the engine has already opened the repository once (for a snapshot
//! listing, untimed), and only the backup is timed; restic's column is a plain restic run, which is what
//! Backrest runs for every operation.
//!
//! The steps run in `CAIRN_BENCH_RUNS` rounds (default 3), each on fresh repositories; within a round the
//! initial backup (into fresh repositories each time) and the quick steps (re-backups, check, ls) run
//! three times, the others once, and the engines take turns to go first. The table gives the medians of
//! all runs of a step. A step's time is its own work: the child
//! records it around the restic run or the engine call, so neither this binary's start-up nor finding
//! restic (which a server does once) counts. One more row has restic check (`--read-data`) each
//! engine's repository, for the memory restic needs on what the engine wrote.
//!
//! Run: `cargo bench -p cairn-embedded --bench engine_vs_restic`
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

/// Runs this benchmark binary as a child doing one step; returns the step's time and peak RSS in MiB.
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

/// Leaves the time of the step's own work in `<repo>.timed`, where [`measure`] reads it: process
/// start-up of this benchmark binary and of the engine (finding restic, as a server does once) is
/// not part of any column.
fn record_time(repo: &Path, start: Instant) {
    let secs = start.elapsed().as_secs_f64().to_string();
    std::fs::write(repo.with_extension("timed"), secs).expect("write the time");
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
                "check" => cmd.args(["check", "--read-data"]),
                other => panic!("unknown step {other}"),
            };
            let start = Instant::now();
            let out = cmd
                .stdout(std::process::Stdio::null())
                .status()
                .expect("run restic");
            record_time(repo, start);
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
            record_time(repo_path, start);
        }
        "restore" => {
            let start = Instant::now();
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
            record_time(repo_path, start);
        }
        "ls" => {
            let id = &extra[1];
            let first = Instant::now();
            let n = engine.ls(&repo, id, &extra[0]).await.expect("ls").len();
            record_time(repo_path, first);
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

/// (time, peak RSS in MiB) of one step for restic, cairn's restic engine and the embedded engine.
type Runs = [(Duration, f64); 3];

const WHO: [&str; 3] = ["restic", "cairn", "embedded"];

/// The median of `values` (the upper one of the middle two for an even count).
fn median<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    values[values.len() / 2]
}

/// Every round's measurements of each row, in the order the rows were first measured.
#[derive(Default)]
struct Table {
    rows: Vec<(String, Vec<Runs>)>,
}

impl Table {
    fn add(&mut self, name: &str, runs: Runs) {
        let line = |r: (Duration, f64)| format!("{:.2?} {:.0} MiB", r.0, r.1);
        eprintln!(
            "    {name}: restic {}, restic engine {}, embedded {}",
            line(runs[0]),
            line(runs[1]),
            line(runs[2])
        );
        match self.rows.iter_mut().find(|(n, _)| n == name) {
            Some((_, all)) => all.push(runs),
            None => self.rows.push((name.to_string(), vec![runs])),
        }
    }

    fn print(&self) {
        println!(
            "| step | restic | cairn, restic engine (speed vs restic) | cairn, embedded engine (speed vs restic) | restic MiB | restic engine MiB | embedded MiB |"
        );
        println!("|---|---|---|---|---|---|---|");
        for (name, all) in &self.rows {
            let med: Runs = std::array::from_fn(|i| {
                (
                    median(all.iter().map(|r| r[i].0).collect()),
                    median(all.iter().map(|r| r[i].1).collect()),
                )
            });
            let vs = |r: (Duration, f64)| med[0].0.as_secs_f64() / r.0.as_secs_f64();
            println!(
                "| {name:<30} | {:>9.2?} | {:>9.2?} ({:.2}x) | {:>9.2?} ({:.2}x) | {:>5.0} | {:>5.0} | {:>5.0} |",
                med[0].0,
                med[1].0,
                vs(med[1]),
                med[2].0,
                vs(med[2]),
                med[0].1,
                med[1].1,
                med[2].1
            );
        }
    }
}

/// Where one round works: its repositories and restore targets, one per engine.
struct Round<'a> {
    number: usize,
    dir: &'a Path,
    data: String,
}

impl Round<'_> {
    fn path(&self, what: &str, who: usize) -> PathBuf {
        self.dir
            .join(format!("{what}-{}-{}", WHO[who], self.number))
    }

    /// Measures `step` for all three, `reps` times in a row, each time starting with a different one
    /// so that none always runs first (on a cold cache, or right after another's writes).
    fn each(
        &self,
        table: &mut Table,
        row: &str,
        (who, step, repo): (&str, &str, &str),
        reps: usize,
        extra: &dyn Fn(usize) -> Vec<String>,
    ) {
        for rep in 0..reps {
            let mut runs: Runs = [(Duration::ZERO, 0.0); 3];
            for k in 0..3 {
                let i = (k + self.number + rep) % 3;
                let args = extra(i);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let runner = if who.is_empty() { WHO[i] } else { who };
                runs[i] = measure(runner, step, &self.path(repo, i), &args);
            }
            table.add(row, runs);
        }
    }

    fn run(&self, table: &mut Table, files: &[PathBuf], many: &Path) {
        (0..3).for_each(|i| init(&self.path("repo", i)));
        let backup = |_: usize| vec![self.data.clone()];
        let own = |step| ("", step, "repo");
        // The initial backup REPS times: into scratch repositories, then into the one later steps use.
        for rep in 1..REPS {
            let scratch = format!("first{rep}");
            (0..3).for_each(|i| init(&self.path(&scratch, i)));
            self.each(
                table,
                "initial backup",
                ("", "backup", &scratch),
                1,
                &backup,
            );
            for i in 0..3 {
                let repo = self.path(&scratch, i);
                std::fs::remove_dir_all(repo.with_extension("cache")).ok();
                std::fs::remove_dir_all(repo).ok();
            }
        }
        self.each(table, "initial backup", own("backup"), 1, &backup);
        // Quick, repeatable steps run REPS times a round; the rest once.
        self.each(table, "unchanged re-backup", own("backup"), REPS, &backup);
        let warm = own("backup-warm");
        self.each(table, "unchanged, in a running server", warm, REPS, &backup);
        touch_five_percent(files, self.number as u64 + 1);
        self.each(table, "5% changed, incremental", own("backup"), 1, &backup);
        let ids: Vec<String> = (0..3).map(|i| latest_id(&self.path("repo", i))).collect();
        let restore = |i: usize| {
            let target = self.path("restore", i);
            std::fs::remove_dir_all(&target).ok();
            vec![target.to_string_lossy().into_owned(), ids[i].clone()]
        };
        self.each(table, "full restore", own("restore"), 1, &restore);
        (0..3).for_each(|i| {
            std::fs::remove_dir_all(self.path("restore", i)).ok();
        });
        // restic itself checks what each engine wrote.
        let check = ("restic", "check", "repo");
        self.each(table, "restic check --read-data", check, REPS, &|_| {
            Vec::new()
        });
        // Browsing: one directory of a 100,000-file snapshot.
        let many_arg = many.to_string_lossy().into_owned();
        for (i, who) in WHO.iter().enumerate() {
            let repo = self.path("many", i);
            init(&repo);
            measure(who, "backup", &repo, &[&many_arg]);
        }
        let one = format!("{many_arg}/d050");
        let many_ids: Vec<String> = (0..3).map(|i| latest_id(&self.path("many", i))).collect();
        let ls = |i: usize| vec![one.clone(), many_ids[i].clone()];
        let row = "ls one dir of 100k files";
        self.each(table, row, ("", "ls", "many"), REPS, &ls);
        for what in ["repo", "many"] {
            (0..3).for_each(|i| {
                std::fs::remove_dir_all(self.path(what, i)).ok();
            });
        }
    }
}

/// How often a quick step is repeated in one round.
const REPS: usize = 3;

fn parent() {
    let total: u64 = std::env::var("CAIRN_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000_000);
    let rounds: usize = std::env::var("CAIRN_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3);
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
    let many = dir.path().join("many");
    tree(&many, 100_000);
    let mut table = Table::default();
    for number in 0..rounds {
        eprintln!("round {} of {rounds}", number + 1);
        let round = Round {
            number,
            dir: dir.path(),
            data: data.to_string_lossy().into_owned(),
        };
        round.run(&mut table, &files, &many);
    }
    eprintln!("medians of {rounds} rounds:");
    table.print();
}
