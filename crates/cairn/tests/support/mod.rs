//! Shared helpers for the binary's end-to-end tests: free ports, running `cairn` with a clean
//! environment, plain HTTP over loopback, and restic against a test repository.
#![allow(dead_code)]
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn cairn(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
    c.env_clear()
        .env("HOME", dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    http(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
}

/// Sends one raw HTTP/1.1 request; returns the status code and the body.
fn http(port: u16, request: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(300))).ok()?;
    s.write_all(request.as_bytes()).ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Some((
        code,
        if chunked {
            dechunk(body)
        } else {
            body.to_string()
        },
    ))
}

/// The body of a chunked HTTP/1.1 response.
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        body.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    body
}

pub fn wait_healthy(child: &mut Child, port: u16) -> String {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Some((200, body)) = http_get(port, "/healthz") {
            return body;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("cairn exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("cairn did not become healthy");
}

/// The `cairn serve` command for `config` and `data` (home `dir`) on `port`, not yet started.
pub fn serve_command(dir: &Path, config: &Path, data: &Path, port: u16) -> Command {
    let mut c = cairn(dir);
    c.arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(["--bind", &format!("127.0.0.1:{port}")]);
    c
}

/// `cairn serve` with `config` and `data` (home `dir`) on a free port, once healthy: (process, port).
pub fn serve_with(dir: &Path, config: &Path, data: &Path) -> (Child, u16) {
    let port = free_port();
    let mut child = serve_command(dir, config, data, port).spawn().unwrap();
    wait_healthy(&mut child, port);
    (child, port)
}

/// `cairn serve` on defaults in `dir` (its home) on a free port, once healthy: (process, port).
pub fn serve_default(dir: &Path) -> (Child, u16) {
    let port = free_port();
    let mut child = cairn(dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .spawn()
        .unwrap();
    wait_healthy(&mut child, port);
    (child, port)
}

pub fn terminate(child: Child) -> Output {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    child.wait_with_output().unwrap()
}

/// Runs restic against `repo` with password "pw" and a cache beside it.
pub fn restic(repo: &Path) -> Command {
    let mut c = Command::new("restic");
    c.env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD", "pw")
        .env("XDG_CACHE_HOME", repo.with_extension("cache"));
    c
}

pub fn lock_count(repo: &Path) -> usize {
    let out = restic(repo)
        .args(["list", "locks", "--no-lock"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// A JSON POST (Connect unary, as curl sends it) with HTTP Basic credentials: (status, body).
pub fn http_post_json(port: u16, path: &str, body: &str, basic: &str) -> Option<(u16, String)> {
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(basic);
    http(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nAuthorization: Basic {auth}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Runs a client command of `cairn` against the server on `port`: (exit code, stdout, stderr).
/// The id of the last snapshot in `cairn snapshots` output (its first column).
pub fn last_snapshot(listing: &str) -> String {
    listing
        .lines()
        .last()
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no snapshot listed: {listing}"))
        .to_string()
}

/// Writes `dir/config.json`: repository `repo1` at `dir/repo` (password "pw", with `repo_extra`'s
/// keys) and plan `plan1` backing up `src`, unscheduled; `auth_disabled` as given.
pub fn write_config(
    dir: &Path,
    src: &Path,
    repo_extra: serde_json::Value,
    auth_disabled: bool,
) -> std::path::PathBuf {
    let mut repo = serde_json::json!({"id": "repo1", "uri": dir.join("repo").display().to_string(),
                                      "password": "pw", "autoInitialize": true});
    if let (Some(r), Some(extra)) = (repo.as_object_mut(), repo_extra.as_object()) {
        r.extend(extra.clone());
    }
    let config = serde_json::json!({
        "version": 6, "modno": 1, "instance": "e2e-host",
        "repos": [repo],
        "plans": [{"id": "plan1", "repo": "repo1", "paths": [src.display().to_string()],
                   "schedule": {"disabled": true}}],
        "auth": {"disabled": auth_disabled},
    });
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    path
}

pub fn client(dir: &Path, port: u16, token: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut c = cairn(dir);
    c.env("CAIRN_SERVER", format!("http://127.0.0.1:{port}"));
    if let Some(t) = token {
        c.env("CAIRN_TOKEN", t);
    }
    let out = c.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Pseudo-random bytes from `seed` (a fixed xorshift): data that neither compresses nor deduplicates,
/// so that a file spans several chunks and a copy of it shows in a repository's size.
pub fn noise(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}
