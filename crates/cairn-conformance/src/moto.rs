//! moto's S3 server on loopback, for the tests of what cairn keeps in S3 (repositories, shared task
//! logs). It takes any keys; the tests give `cairn` / `cairn-secret`.
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts moto on a free port and waits until it listens: the process and its port.
pub fn start() -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto's S3 server is installed (pip install 'moto[server]')");
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("moto exited early: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "moto did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}
