//! The client commands of `cairn`: each talks to a running cairn (or Backrest-compatible) server over
//! its Connect API. The server and credentials come from flags or `CAIRN_SERVER`, `CAIRN_TOKEN`,
//! `CAIRN_USER` + `CAIRN_PASSWORD`. Exit codes (see [`Exit`]) tell scripts what happened.
use cairn_proto::quoted;
pub mod account;
pub mod backup;
pub mod config;
pub mod diff;
pub mod find;
pub mod format;
pub mod history;
pub mod logs;
pub mod ops;
pub mod pair;
pub mod peers;
pub mod remote;
pub mod restore;
pub mod snapshots;
pub mod status;
pub mod tasks;
pub mod wait;

use base64::Engine as _;
use cairn_proto::cairn::v1::CairnClient;
use cairn_proto::v1::{AuthenticationClient, BackrestClient};
use cairn_proto::v1sync::BackrestSyncStateServiceClient;
use connectrpc::client::{ClientConfig, HttpClient};
use connectrpc::{ConnectError, ErrorCode};

/// Where the server is and who we are.
#[derive(clap::Args, Clone, Debug)]
pub struct Connection {
    /// Server URL
    #[arg(
        long,
        env = "CAIRN_SERVER",
        default_value = "http://127.0.0.1:9898",
        global = true
    )]
    pub server: String,
    /// Session or API token (sent as Bearer)
    #[arg(long, env = "CAIRN_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// User for HTTP Basic authentication (the password comes from CAIRN_PASSWORD)
    #[arg(long, env = "CAIRN_USER", global = true)]
    pub user: Option<String>,
}

/// What a client command ends with; its number is the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// The operation ran and failed (ERROR).
    Failed = 1,
    /// The operation finished with warnings (a partial backup).
    Warning = 3,
    /// The operation was cancelled.
    Cancelled = 4,
    /// The server could not be reached, or refused the credentials.
    Unreachable = 5,
    /// The server refused the request (unknown plan, invalid argument, stale config, ...).
    Refused = 6,
    /// Any other error.
    Error = 7,
}

impl Connection {
    fn config(&self) -> anyhow::Result<ClientConfig> {
        let uri =
            self.server.trim_end_matches('/').parse().map_err(|e| {
                anyhow::anyhow!("--server {} is not a URL: {e}", quoted(&self.server))
            })?;
        let mut c = ClientConfig::new(uri);
        if let Some(t) = &self.token {
            c = c.with_default_header("authorization", format!("Bearer {t}"));
        } else if let Some(u) = &self.user {
            let pass = std::env::var("CAIRN_PASSWORD").unwrap_or_default();
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{pass}"));
            c = c.with_default_header("authorization", format!("Basic {basic}"));
        }
        Ok(c)
    }

    /// Plain HTTP for an `http://` server; TLS for `https://`, trusting the system's roots or
    /// SSL_CERT_FILE / SSL_CERT_DIR.
    fn http(&self) -> anyhow::Result<HttpClient> {
        if self.server.starts_with("https://") {
            Ok(HttpClient::with_tls(cairn_fleet::tls::client_config()?))
        } else {
            Ok(HttpClient::plaintext())
        }
    }

    pub fn backrest(&self) -> anyhow::Result<BackrestClient<HttpClient>> {
        Ok(BackrestClient::new(self.http()?, self.config()?))
    }

    pub fn cairn(&self) -> anyhow::Result<CairnClient<HttpClient>> {
        Ok(CairnClient::new(self.http()?, self.config()?))
    }

    pub fn sync_state(&self) -> anyhow::Result<BackrestSyncStateServiceClient<HttpClient>> {
        Ok(BackrestSyncStateServiceClient::new(
            self.http()?,
            self.config()?,
        ))
    }

    pub fn auth(&self) -> anyhow::Result<AuthenticationClient<HttpClient>> {
        Ok(AuthenticationClient::new(self.http()?, self.config()?))
    }
}

/// Prints a server error the way a person can act on it and picks the exit code.
pub fn report(e: &ConnectError) -> Exit {
    let msg = e.message.clone().unwrap_or_else(|| e.to_string());
    match e.code {
        ErrorCode::Unauthenticated => {
            eprintln!(
                "error: not authenticated: {msg}\n  pass --token (or CAIRN_TOKEN), or --user with CAIRN_PASSWORD; `cairn login USER` prints a token"
            );
            Exit::Unreachable
        }
        ErrorCode::Unavailable | ErrorCode::DeadlineExceeded => {
            eprintln!(
                "error: cannot reach the server: {msg}\n  is `cairn serve` running there? (--server or CAIRN_SERVER)"
            );
            Exit::Unreachable
        }
        ErrorCode::NotFound
        | ErrorCode::InvalidArgument
        | ErrorCode::FailedPrecondition
        | ErrorCode::AlreadyExists
        | ErrorCode::PermissionDenied
        | ErrorCode::Unimplemented => {
            eprintln!("error: {msg}");
            Exit::Refused
        }
        ErrorCode::Canceled => {
            eprintln!("cancelled: {msg}");
            Exit::Cancelled
        }
        _ => {
            eprintln!("error: {msg}");
            Exit::Error
        }
    }
}

/// Runs a client command on a fresh runtime and turns its outcome into an exit code.
pub fn run<F>(f: F) -> std::process::ExitCode
where
    F: std::future::Future<Output = anyhow::Result<Exit>>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return std::process::ExitCode::from(Exit::Error as u8);
        }
    };
    let exit = match runtime.block_on(f) {
        Ok(x) => x,
        Err(e) => match e.downcast_ref::<ConnectError>() {
            Some(c) => report(c),
            None => {
                eprintln!("error: {e:#}");
                Exit::Error
            }
        },
    };
    std::process::ExitCode::from(exit as u8)
}
