//! A throwaway `sshd` on loopback for sftp repositories in tests: its own host key, a client key it
//! accepts for the current user, and the restic option (`-o sftp.command=...`) that reaches it without
//! prompts or known-hosts files. Killed when dropped; `stop` ends it early (a server that went away).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Sshd {
    child: Option<Child>,
    pub port: u16,
    /// The user restic logs in as (the current one).
    pub user: String,
    /// `sftp.command=ssh ...`: the value of restic's `-o` for this server.
    pub sftp_command: String,
}

impl Sshd {
    /// Starts a server whose files live in `dir` (created).
    pub fn start(dir: &Path) -> Sshd {
        std::fs::create_dir_all(dir).unwrap();
        let port = free_port();
        let user = current_user();
        for key in ["host_key", "client_key"] {
            let ok = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(dir.join(key))
                .status()
                .expect("ssh-keygen is installed (apt-get install openssh-client)");
            assert!(ok.success());
        }
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {h}\nAuthorizedKeysFile {a}\nPermitRootLogin yes\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\nPidFile {p}\n\
             Subsystem sftp internal-sftp\n",
            h = dir.join("host_key").display(),
            a = dir.join("authorized_keys").display(),
            p = dir.join("sshd.pid").display(),
        );
        std::fs::write(dir.join("sshd_config"), config).unwrap();
        let _ = std::fs::create_dir_all("/run/sshd");
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(dir.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd is installed (apt-get install openssh-server)");
        let key: PathBuf = dir.join("client_key");
        let sftp_command = format!(
            "sftp.command=ssh -p {port} -i {key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes {user}@127.0.0.1 -s sftp",
            key = key.display()
        );
        let mut sshd = Sshd {
            child: Some(child),
            port,
            user,
            sftp_command,
        };
        sshd.wait_listening();
        sshd
    }

    /// The `sftp:` URI of `path` on this server.
    pub fn uri(&self, path: &Path) -> String {
        format!("sftp:{}@127.0.0.1:{}", self.user, path.display())
    }

    /// The repository flag that reaches this server, as a repo's `flags` entry holds it.
    pub fn repo_flag(&self) -> String {
        format!("-o '{}'", self.sftp_command)
    }

    /// Ends the server now.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("sshd exited at start: {status}");
            }
            assert!(
                deadline.elapsed() < Duration::from_secs(10),
                "sshd did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap().stdout;
    String::from_utf8(out).unwrap().trim().to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
