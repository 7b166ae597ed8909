//! A throwaway PostgreSQL server for tests (feature `pg-test-server`): Debian's binaries (`initdb`,
//! `postgres`, found under `/usr/lib/postgresql/<version>/bin`, or in `CAIRN_PG_BIN`) run a cluster in
//! a temp dir on a free loopback port, with trust authentication, fsync off, and as `nobody` when the
//! tests run as root (PostgreSQL refuses root). Each test takes a database of its own. Stopped when
//! dropped; the shared one is stopped when the test process exits.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The uid and gid the server runs as when the tests run as root.
const NOBODY: u32 = 65534;

pub struct TestPostgres {
    _dir: tempfile::TempDir,
    child: Option<Child>,
    pub port: u16,
    next_db: AtomicU32,
    /// More `-c name=value` settings for the server.
    settings: Vec<String>,
}

impl TestPostgres {
    /// Starts a new cluster and waits until it accepts connections.
    pub fn start() -> TestPostgres {
        let mut server = TestPostgres::initialised();
        server.run();
        server
    }

    /// A new cluster, made by initdb, not yet running.
    fn initialised() -> TestPostgres {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let as_root = unsafe { libc::geteuid() } == 0;
        if as_root {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
            std::os::unix::fs::chown(&data, Some(NOBODY), Some(NOBODY)).unwrap();
        }
        let ok = as_server_user(as_root, &bin.join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "cairn",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .stdout(Stdio::null())
            .status()
            .expect("initdb runs (apt-get install postgresql)");
        assert!(ok.success(), "initdb failed");
        TestPostgres {
            _dir: dir,
            child: None,
            port: free_port(),
            next_db: AtomicU32::new(0),
            settings: Vec::new(),
        }
    }

    /// A new cluster that accepts only TLS connections, with this certificate and key (PEM).
    pub fn start_tls(cert: &Path, key: &Path) -> TestPostgres {
        let mut server = TestPostgres::initialised();
        let dir = server._dir.path().to_path_buf();
        let data = dir.join("data");
        for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
            let to = data.join(name);
            std::fs::copy(from, &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
            if unsafe { libc::geteuid() } == 0 {
                std::os::unix::fs::chown(&to, Some(NOBODY), Some(NOBODY)).unwrap();
            }
        }
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        server.settings = vec!["ssl=on".into()];
        server.run();
        server
    }

    /// Starts the server on its cluster and port and waits until it accepts connections.
    fn run(&mut self) {
        let as_root = unsafe { libc::geteuid() } == 0;
        let dir = self._dir.path();
        let child = as_server_user(as_root, &bin_dir().join("postgres"))
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-p", &self.port.to_string(), "-k"])
            .arg(dir)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=300",
            ])
            .args(self.settings.iter().flat_map(|s| ["-c", s.as_str()]))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        self.child = Some(child);
        self.wait_ready();
    }

    /// Stops the server (every connection is cut, as when a database restarts) and starts it again.
    pub fn restart(&mut self) {
        self.halt();
        self.run();
    }

    /// Stops the server, if it runs.
    fn halt(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop(child.id() as i32);
            let _ = child.wait();
        }
    }

    /// The one server of this test process, started on first use.
    pub fn shared() -> &'static TestPostgres {
        static SHARED: OnceLock<TestPostgres> = OnceLock::new();
        SHARED.get_or_init(|| {
            let server = TestPostgres::start();
            if let Some(child) = &server.child {
                SHARED_PID.store(child.id() as i32, Ordering::SeqCst);
                let _ = SHARED_DIR.set(server._dir.path().to_path_buf());
                unsafe { libc::atexit(stop_shared) };
            }
            server
        })
    }

    /// The URL of database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://cairn@127.0.0.1:{}/{db}", self.port)
    }

    /// A new, empty database; its URL.
    pub fn fresh_database(&self) -> String {
        let n = self.next_db.fetch_add(1, Ordering::SeqCst);
        let name = format!("t{}_{n}", std::process::id());
        execute(
            &self.socket_url("postgres"),
            &format!("CREATE DATABASE {name}"),
        )
        .unwrap();
        self.url(&name)
    }

    /// The URL of database `db` over the server's Unix socket.
    pub fn socket_url(&self, db: &str) -> String {
        format!(
            "postgres://cairn@{}:{}/{db}",
            self._dir.path().display().to_string().replace('/', "%2F"),
            self.port
        )
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        // Over the server's Unix socket: it is up when that answers, TLS or not.
        let url = self.socket_url("postgres");
        loop {
            match execute(&url, "SELECT 1") {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("postgres did not start: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        self.halt();
    }
}

static SHARED_PID: AtomicI32 = AtomicI32::new(0);
/// The shared server's folder: a static is never dropped, so it is removed at exit with the server.
static SHARED_DIR: OnceLock<std::path::PathBuf> = OnceLock::new();

extern "C" fn stop_shared() {
    let pid = SHARED_PID.load(Ordering::SeqCst);
    if pid > 0 {
        stop(pid);
    }
    if let Some(dir) = SHARED_DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Fast shutdown: clients are disconnected, and the server exits within a second or so.
fn stop(pid: i32) {
    unsafe { libc::kill(pid, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && unsafe { libc::kill(pid, 0) } == 0 {
        let mut status = 0;
        unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs statements on the database at `url` (as the tests' superuser), from a thread of its own.
pub fn execute(url: &str, sql: &str) -> Result<(), String> {
    query(url, sql).map(|_| ())
}

/// Runs statements on the database at `url` from a thread of its own (callers may be inside a
/// runtime); the first column of the rows they return, as text.
pub fn query(url: &str, sql: &str) -> Result<Vec<String>, String> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            let rows = client.simple_query(&sql).await.map_err(|e| e.to_string())?;
            Ok(rows
                .into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                    _ => None,
                })
                .collect())
        })
    })
    .join()
    .map_err(|_| "the query thread panicked".to_string())?
}

fn as_server_user(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Where PostgreSQL's server binaries are: `CAIRN_PG_BIN`, else Debian's newest version.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CAIRN_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, p)| p.join("postgres").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, p)| p)
        .expect("PostgreSQL's server is installed (apt-get install postgresql) or CAIRN_PG_BIN names its bin dir")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
