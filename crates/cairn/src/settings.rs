//! Where cairn keeps things and where it listens: each setting comes from its flag, else its `CAIRN_*`
//! variable, else the `BACKREST_*` variable Backrest users already have, else the default. The default
//! paths are cairn's (`~/.config/cairn`, `~/.local/share/cairn`), or Backrest's (`…/backrest`) when cairn
//! was started with Backrest's command line (see `backrest_flags`).
use cairn_proto::quoted;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Default listen address: loopback only.
pub const DEFAULT_BIND: &str = "127.0.0.1:9898";

/// The resolved settings of one `cairn serve`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub config: PathBuf,
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    pub restic_command: Option<PathBuf>,
    /// Backrest's multihost heartbeat interval, when given.
    pub heartbeat: Option<Duration>,
    /// The shortest time between two attempts to reach a multihost host (`CAIRN_MULTIHOST_RETRY_INTERVAL`,
    /// a Go duration; cairn's own, Backrest's is fixed at a minute).
    pub retry: Option<Duration>,
    /// Serve HTTPS with this certificate chain and key (`--tls-cert` / `--tls-key`), else plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Keep the operation log in this PostgreSQL database (`--database-url` / `CAIRN_DATABASE_URL`),
    /// else in SQLite in the data dir.
    pub database_url: Option<DatabaseUrl>,
    /// Keep the text of finished task logs in this S3 bucket (`--log-store-url` /
    /// `CAIRN_LOG_STORE_URL`), shared by the servers of the database, else in the database.
    pub log_store_url: Option<String>,
}

/// A `postgres://` URL; it may hold a password, so it never shows in debug output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(..)")
    }
}

impl DatabaseUrl {
    /// The URL `--database-url` or `CAIRN_DATABASE_URL` gave, checked to be a PostgreSQL one.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        if cairn_oplog::is_database_url(text) {
            Ok(Self(text.to_string()))
        } else {
            anyhow::bail!(
                "--database-url (CAIRN_DATABASE_URL) must be a postgres:// or postgresql:// URL such as \
                 postgres://cairn:PASSWORD@db.example:5432/cairn; leave it unset to keep the operation log \
                 in SQLite in the data dir"
            )
        }
    }
}

/// The PEM files `cairn serve` terminates TLS with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Values given on the command line (None when the flag was not given).
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub restic_command: Option<PathBuf>,
    pub heartbeat: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_store_url: Option<String>,
    /// Started with Backrest's command line: default paths are Backrest's.
    pub backrest_defaults: bool,
}

/// Resolves settings with `env` as the environment (injected for tests).
pub fn resolve(flags: Flags, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
    let pick = |flag: Option<String>, name: &str| {
        flag.or_else(|| env(&format!("CAIRN_{name}")).filter(|v| !v.is_empty()))
            .or_else(|| env(&format!("BACKREST_{name}")).filter(|v| !v.is_empty()))
    };
    let home = env("HOME").unwrap_or_else(|| ".".to_string());
    let xdg = |var: &str, fallback: &str| {
        env(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(&home).join(fallback))
    };
    let app = if flags.backrest_defaults {
        "backrest"
    } else {
        "cairn"
    };
    let config = pick(flags.config.map(path_string), "CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            xdg("XDG_CONFIG_HOME", ".config")
                .join(app)
                .join("config.json")
        });
    let data_dir = pick(flags.data_dir.map(path_string), "DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| xdg("XDG_DATA_HOME", ".local/share").join(app));
    let bind_text = flags
        .bind
        .or_else(|| env("CAIRN_BIND").filter(|v| !v.is_empty()))
        .or_else(|| env("BACKREST_PORT").filter(|v| !v.is_empty()))
        .unwrap_or_else(|| DEFAULT_BIND.to_string());
    let restic_command =
        pick(flags.restic_command.map(path_string), "RESTIC_COMMAND").map(PathBuf::from);
    let heartbeat = pick(flags.heartbeat, "MULTIHOST_HEARTBEAT_INTERVAL")
        .map(|text| crate::go_duration::parse(&text))
        .transpose()?;
    let retry = env("CAIRN_MULTIHOST_RETRY_INTERVAL")
        .filter(|v| !v.is_empty())
        .map(|text| crate::go_duration::parse(&text))
        .transpose()?;
    let own = |flag: Option<PathBuf>, name: &str| {
        flag.or_else(|| env(name).filter(|v| !v.is_empty()).map(PathBuf::from))
    };
    let tls = match (
        own(flags.tls_cert, "CAIRN_TLS_CERT"),
        own(flags.tls_key, "CAIRN_TLS_KEY"),
    ) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        _ => anyhow::bail!(
            "--tls-cert and --tls-key (CAIRN_TLS_CERT, CAIRN_TLS_KEY) go together: give both to serve HTTPS, or neither for plain HTTP"
        ),
    };
    let database_url = flags
        .database_url
        .or_else(|| env("CAIRN_DATABASE_URL").filter(|v| !v.is_empty()))
        .map(|text| DatabaseUrl::parse(&text))
        .transpose()?;
    let log_store_url = flags
        .log_store_url
        .or_else(|| env("CAIRN_LOG_STORE_URL").filter(|v| !v.is_empty()))
        .map(|text| log_store(&text, database_url.is_some(), &env))
        .transpose()?;
    Ok(Settings {
        config,
        data_dir,
        bind: parse_bind(&bind_text)?,
        restic_command,
        heartbeat,
        retry,
        tls,
        database_url,
        log_store_url,
    })
}

/// Where `--log-store-url` keeps task logs, as an `s3:` location the embedded engine's S3 client
/// reaches: `s3://bucket[/prefix]` is Amazon's S3 (or the endpoint `AWS_ENDPOINT_URL` names, as
/// the AWS tools read it); restic's own `s3:host/bucket[/prefix]` and `s3:http://host:port/…`
/// are taken as they are.
fn log_store(
    text: &str,
    shared: bool,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<String> {
    if !shared {
        anyhow::bail!(
            "--log-store-url (CAIRN_LOG_STORE_URL) shares task logs between the servers of one database; it needs --database-url"
        );
    }
    if let Some(rest) = text.strip_prefix("s3://") {
        let endpoint = env("AWS_ENDPOINT_URL")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "s3.amazonaws.com".into());
        return Ok(format!("s3:{}/{rest}", endpoint.trim_end_matches('/')));
    }
    if text.starts_with("s3:") {
        return Ok(text.to_string());
    }
    anyhow::bail!(
        "--log-store-url (CAIRN_LOG_STORE_URL) must be an S3 location: s3://bucket[/prefix], or s3:http://host:port/bucket[/prefix] for another S3-compatible server"
    )
}

fn path_string(p: PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

/// `host:port`, or a bare port meaning loopback (unlike Backrest, a bare port never opens all interfaces).
pub fn parse_bind(text: &str) -> anyhow::Result<SocketAddr> {
    let text = text.trim();
    let full = match text.strip_prefix(':') {
        Some(port) => format!("127.0.0.1:{port}"),
        None if !text.contains(':') => format!("127.0.0.1:{text}"),
        None => text.replace("localhost:", "127.0.0.1:"),
    };
    full.parse().map_err(|_| {
        anyhow::anyhow!("bind address {text} is not host:port; use e.g. 127.0.0.1:9898, 0.0.0.0:9898 or [::1]:9898", text = quoted(&text))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn a_log_store_is_an_s3_location_beside_a_database() {
        let db = ("CAIRN_DATABASE_URL", "postgres://cairn@db/cairn");
        let url = |store: &str, extra: &[(&str, &str)]| {
            let mut pairs = vec![db, ("CAIRN_LOG_STORE_URL", store)];
            pairs.extend_from_slice(extra);
            resolve(Flags::default(), env(&pairs)).map(|s| s.log_store_url)
        };
        assert_eq!(
            url("s3://logs/hub", &[]).unwrap().as_deref(),
            Some("s3:s3.amazonaws.com/logs/hub")
        );
        assert_eq!(
            url(
                "s3://logs",
                &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/")]
            )
            .unwrap()
            .as_deref(),
            Some("s3:http://127.0.0.1:9000/logs")
        );
        assert_eq!(
            url("s3:http://minio:9000/logs", &[]).unwrap().as_deref(),
            Some("s3:http://minio:9000/logs")
        );
        let wrong = url("/var/logs", &[]).unwrap_err().to_string();
        assert!(wrong.contains("must be an S3 location"), "{wrong}");
        let alone = resolve(
            Flags::default(),
            env(&[("CAIRN_LOG_STORE_URL", "s3://logs")]),
        )
        .unwrap_err()
        .to_string();
        assert!(alone.contains("it needs --database-url"), "{alone}");
    }

    #[test]
    fn defaults_follow_xdg() {
        let s = resolve(Flags::default(), env(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(s.config, PathBuf::from("/home/u/.config/cairn/config.json"));
        assert_eq!(s.data_dir, PathBuf::from("/home/u/.local/share/cairn"));
        assert_eq!(s.bind, "127.0.0.1:9898".parse().unwrap());
        let s = resolve(
            Flags::default(),
            env(&[("XDG_CONFIG_HOME", "/x"), ("XDG_DATA_HOME", "/d")]),
        )
        .unwrap();
        assert_eq!(s.config, PathBuf::from("/x/cairn/config.json"));
        assert_eq!(s.data_dir, PathBuf::from("/d/cairn"));
    }

    #[test]
    fn flag_beats_cairn_env_beats_backrest_env() {
        let e = env(&[
            ("CAIRN_CONFIG", "/c"),
            ("BACKREST_CONFIG", "/b"),
            ("BACKREST_DATA", "/bd"),
            ("BACKREST_PORT", "9999"),
            ("BACKREST_RESTIC_COMMAND", "/r"),
        ]);
        let s = resolve(Flags::default(), &e).unwrap();
        assert_eq!(s.config, PathBuf::from("/c"));
        assert_eq!(s.data_dir, PathBuf::from("/bd"));
        assert_eq!(s.bind, "127.0.0.1:9999".parse().unwrap());
        assert_eq!(s.restic_command, Some(PathBuf::from("/r")));
        let flags = Flags {
            config: Some("/f".into()),
            bind: Some("0.0.0.0:1".into()),
            ..Flags::default()
        };
        let s = resolve(flags, &e).unwrap();
        assert_eq!(s.config, PathBuf::from("/f"));
        assert_eq!(s.bind, "0.0.0.0:1".parse().unwrap());
    }

    #[test]
    fn tls_needs_both_files_from_flags_or_environment() {
        let e = env(&[("CAIRN_TLS_KEY", "/k.pem")]);
        let flags = Flags {
            tls_cert: Some("/c.pem".into()),
            ..Flags::default()
        };
        let s = resolve(flags, &e).unwrap();
        assert_eq!(
            s.tls,
            Some(TlsFiles {
                cert: "/c.pem".into(),
                key: "/k.pem".into()
            })
        );
        let err = resolve(Flags::default(), &e).unwrap_err().to_string();
        assert!(err.contains("go together"), "{err}");
    }

    #[test]
    fn backrests_command_line_defaults_to_backrests_paths() {
        let flags = Flags {
            backrest_defaults: true,
            heartbeat: Some("10m".into()),
            ..Flags::default()
        };
        let s = resolve(flags, env(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(
            s.config,
            PathBuf::from("/home/u/.config/backrest/config.json")
        );
        assert_eq!(s.data_dir, PathBuf::from("/home/u/.local/share/backrest"));
        assert_eq!(s.heartbeat, Some(Duration::from_secs(600)));
        assert_eq!(s.tls, None);
        let e = env(&[("BACKREST_MULTIHOST_HEARTBEAT_INTERVAL", "1h")]);
        let s = resolve(Flags::default(), &e).unwrap();
        assert_eq!(s.heartbeat, Some(Duration::from_secs(3600)));
        let e = env(&[("BACKREST_MULTIHOST_HEARTBEAT_INTERVAL", "soon")]);
        assert!(resolve(Flags::default(), &e).is_err());
        let e = env(&[("CAIRN_MULTIHOST_RETRY_INTERVAL", "2s")]);
        let s = resolve(Flags::default(), &e).unwrap();
        assert_eq!(s.retry, Some(Duration::from_secs(2)));
    }

    #[test]
    fn bind_forms_and_errors() {
        assert_eq!(
            parse_bind(":8080").unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            parse_bind("localhost:1").unwrap(),
            "127.0.0.1:1".parse().unwrap()
        );
        assert_eq!(parse_bind("[::1]:2").unwrap(), "[::1]:2".parse().unwrap());
        assert!(
            parse_bind("nonsense:xx")
                .unwrap_err()
                .to_string()
                .contains("is not host:port")
        );
    }
}
