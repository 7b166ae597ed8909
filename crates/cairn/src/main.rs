//! The `cairn` command line: `cairn serve` runs the server; the other commands are clients of a
//! running server (see `client`).
mod backrest_flags;
mod client;
mod data_dir;
mod db_command;
mod go_duration;
mod import_backrest;
mod log_bodies;
mod oplog_location;
mod secrets_key;
mod serve;
mod settings;
mod shared_config;
mod tls;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "cairn",
    version,
    about = "A fast backup orchestrator for restic repositories (Backrest-compatible)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    conn: client::Connection,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: load the config, open the operation log, listen for clients.
    Serve {
        /// Config file [env: CAIRN_CONFIG, BACKREST_CONFIG] [default: $XDG_CONFIG_HOME/cairn/config.json]
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory for the operation log and task logs [env: CAIRN_DATA, BACKREST_DATA]
        /// [default: $XDG_DATA_HOME/cairn]
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Listen address host:port; a bare port means loopback [env: CAIRN_BIND, BACKREST_PORT]
        /// [default: 127.0.0.1:9898]
        #[arg(long)]
        bind: Option<String>,
        /// The restic binary to use [env: CAIRN_RESTIC_COMMAND, BACKREST_RESTIC_COMMAND]
        #[arg(long)]
        restic_command: Option<PathBuf>,
        /// Heartbeat between multihost peers, a Go duration such as 10m
        /// [env: CAIRN_MULTIHOST_HEARTBEAT_INTERVAL, BACKREST_MULTIHOST_HEARTBEAT_INTERVAL]
        #[arg(long)]
        multihost_heartbeat_interval: Option<String>,
        /// Serve HTTPS (HTTP/2 by ALPN, for the API, the web UI and sync) with this PEM certificate
        /// chain; needs --tls-key [env: CAIRN_TLS_CERT]
        #[arg(long)]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert [env: CAIRN_TLS_KEY]
        #[arg(long)]
        tls_key: Option<PathBuf>,
        /// Keep the operation log in this PostgreSQL database (postgres://user:password@host/db)
        /// instead of SQLite in the data dir [env: CAIRN_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// Keep finished task logs' text in this S3 bucket, shared by the servers of the database:
        /// s3://bucket[/prefix] or s3:http://host:port/bucket[/prefix] [env: CAIRN_LOG_STORE_URL]
        #[arg(long)]
        log_store_url: Option<String>,
        /// Say which engine cairn would use (restic, else the embedded engine) and exit
        #[arg(long)]
        install_deps_only: bool,
        /// Backrest's -version: print the version and exit
        #[arg(long, hide = true)]
        backrest_version: bool,
        /// Backrest's -tray: cairn has no tray icon and serves as usual
        #[arg(long, hide = true)]
        tray: bool,
    },
    /// Show the server's version, running tasks and queue
    Status,
    /// Back up a plan now
    Backup {
        plan: String,
        /// Only show what would be backed up
        #[arg(long)]
        dry_run: bool,
        /// Follow the backup with a progress bar until it ends; the exit code tells how it ended
        #[arg(long)]
        wait: bool,
        /// On a hub: run it on this client (its instance id or key id) instead (fleet control)
        #[arg(long)]
        instance: Option<String>,
    },
    /// List recent operations, optionally following new ones
    Ops {
        #[arg(long)]
        plan: Option<String>,
        /// How many of the newest operations to list
        #[arg(long, default_value_t = 20)]
        last: i64,
        /// Keep printing operations as they change
        #[arg(long)]
        follow: bool,
    },
    /// List a repository's snapshots
    Snapshots {
        repo: String,
        /// Only this plan's snapshots
        #[arg(long, default_value = "")]
        plan: String,
    },
    /// What differs from one snapshot of a repository to another (below PATH), one entry per line
    Diff {
        repo: String,
        /// The first snapshot (a full id or a unique prefix, as restic prints them)
        snapshot_a: String,
        /// The second snapshot
        snapshot_b: String,
        /// Only below this path of the snapshots
        #[arg(default_value = "/")]
        path: String,
    },
    /// Every version of a path across a repository's snapshots, oldest first
    History {
        repo: String,
        /// The absolute path in the snapshots
        path: String,
    },
    /// Files and directories whose name matches, across every snapshot of a repository, with their
    /// versions and the snapshots holding each
    Find(client::find::Args),
    /// Restore paths of a snapshot into a directory on the server, or in place, optionally over
    /// existing files
    Restore(client::restore::Args),
    /// Print a task's log (following it while the task runs)
    Logs { logref: String },
    /// Run a repository task now: index, prune, check, stats, forget (the repository's policy), unlock
    Task {
        repo: String,
        task: String,
        /// Follow it until it ends
        #[arg(long)]
        wait: bool,
        /// On a hub: run it on this client (its instance id or key id) instead (fleet control)
        #[arg(long)]
        instance: Option<String>,
    },
    /// Verify a repository now: restore a sample of files (by its verify policy, else 20 files) into
    /// a scratch directory and compare every byte with the snapshot's content hashes
    Verify {
        repo: String,
        /// Follow it until it ends, then print each mismatch
        #[arg(long)]
        wait: bool,
    },
    /// Apply a plan's retention now, or forget one snapshot
    Forget {
        plan: String,
        #[arg(long, default_value = "")]
        snapshot: String,
        #[arg(long)]
        wait: bool,
    },
    /// Cancel a queued or running operation
    Cancel {
        operation: i64,
        /// On a hub: run it on this client (its instance id or key id) instead (fleet control)
        #[arg(long)]
        instance: Option<String>,
    },
    /// Run an engine command against a repository on the server, e.g. `cairn run my-repo -- snapshots`
    Run {
        repo: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        args: Vec<String>,
    },
    /// List the server's multihost peers (hosts it syncs to, clients it accepts) with their state
    Peers,
    /// Pair instances for multihost sync: issue a token on the hub, add the hub on the client
    Pair {
        #[command(subcommand)]
        action: PairAction,
    },
    /// Read or replace the server's config
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Create the first user on a new server; prints a session token
    Setup { user: String },
    /// Log in; prints a session token for --token / CAIRN_TOKEN
    Login {
        user: String,
        /// The one-time code (or a recovery code) of a user with two-factor authentication
        #[arg(long, env = "CAIRN_TOTP_CODE")]
        code: Option<String>,
    },
    /// Manage API tokens for scripts
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// The key that seals secrets in config.json
    Secrets {
        #[command(subcommand)]
        action: SecretsAction,
    },
    /// Import Backrest's operation history and task logs (stop cairn first; Backrest's files are only
    /// read, and Backrest must be stopped too). Safe to run again: what is there already is skipped.
    ImportBackrest {
        /// Backrest's data directory [default: $BACKREST_DATA, else $XDG_DATA_HOME/backrest, else
        /// ~/.local/share/backrest]
        source: Option<PathBuf>,
        /// cairn's data directory, as given to `cairn serve` [env: CAIRN_DATA, BACKREST_DATA]
        /// [default: $XDG_DATA_HOME/cairn]
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Move the operation log into PostgreSQL, or check it
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Run one embedded-engine job read from stdin (started by `cairn serve` itself; not for people)
    #[command(hide = true)]
    EngineWorker,
}

#[derive(Subcommand)]
enum DbAction {
    /// Copy the operation log from SQLite in the data dir into a PostgreSQL database (stop cairn
    /// serve first). Safe to run again after an interruption: what was copied is skipped
    Migrate {
        /// The database to copy into, postgres://user:password@host/db [env: CAIRN_DATABASE_URL]
        #[arg(long)]
        to: Option<String>,
        /// Put the finished task logs' text in this S3 bucket, as `cairn serve --log-store-url`
        /// will [env: CAIRN_LOG_STORE_URL]; else in the database
        #[arg(long)]
        log_store_url: Option<String>,
        /// cairn's data directory [env: CAIRN_DATA, BACKREST_DATA] [default: $XDG_DATA_HOME/cairn]
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Check the operation log: every record decodes and agrees with its indexed columns, and ids
    /// and modnos are unique and below their counters. Exits 1 when it finds a problem
    Check {
        /// Check this PostgreSQL database [env: CAIRN_DATABASE_URL]; else the data dir's SQLite log
        #[arg(long)]
        database_url: Option<String>,
        /// cairn's data directory [env: CAIRN_DATA, BACKREST_DATA] [default: $XDG_DATA_HOME/cairn]
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print the config as JSON (secrets shown as ********)
    Get,
    /// Replace the config with a JSON file (`-` for stdin); ******** keeps a stored secret
    Set { file: String },
}

#[derive(Subcommand)]
enum PairAction {
    /// On a hub: issue a pairing token for one client (printed once)
    Token {
        /// What the token is for, shown in the hub's settings
        #[arg(long, default_value = "")]
        label: String,
        /// How long the token can be used, a Go duration such as 15m, 1h or 168h (0: forever)
        #[arg(long, default_value = "1h")]
        ttl: String,
        /// How many clients may pair with it
        #[arg(long, default_value_t = 1)]
        uses: i32,
        /// What the hub grants clients pairing with it (e.g. receive-shared-repos); repeatable
        #[arg(long = "permission")]
        permissions: Vec<String>,
    },
    /// On a client: add the hub that issued TOKEN, reachable at URL, as a known host
    Add {
        token: String,
        /// The hub's URL as this client reaches it, e.g. http://hub.lan:9898
        url: String,
        /// What the hub may do here; repeatable [default: read-operations]
        #[arg(long = "permission")]
        permissions: Vec<String>,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a token (printed once)
    Create {
        label: String,
        /// Days until it expires (0: never)
        #[arg(long, default_value_t = 0)]
        ttl_days: i64,
    },
    /// Revoke a token by id
    Revoke { id: String },
}

#[derive(Subcommand)]
enum SecretsAction {
    /// Seal every secret in the config with a new key (stop the server first); the previous key is
    /// kept beside the key file as <file>.old for config backups
    Rotate {
        /// Config file [env: CAIRN_CONFIG, BACKREST_CONFIG]
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory (holds secrets.key) [env: CAIRN_DATA, BACKREST_DATA]
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

/// Success, or the error with its causes on stderr and a failing exit code.
fn exit_code(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn main() -> std::process::ExitCode {
    let (args, backrest_defaults) = match backrest_flags::translate(std::env::args_os().collect()) {
        Ok(backrest_flags::Invocation::Cairn(args)) => (args, false),
        Ok(backrest_flags::Invocation::Backrest(args)) => (args, true),
        Err(e) => {
            // Go's flag package exits with 2 on a bad command line; so does Backrest.
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
    // The engine worker's stdout carries its protocol, and it reports failures there: no logging.
    if !matches!(cli.command, Command::EngineWorker) {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            )
            .with_writer(std::io::stderr)
            .init();
    }
    let conn = cli.conn;
    let c = &conn;
    match cli.command {
        Command::Serve {
            config,
            data_dir,
            bind,
            restic_command,
            multihost_heartbeat_interval,
            tls_cert,
            tls_key,
            database_url,
            log_store_url,
            install_deps_only,
            backrest_version,
            tray,
        } => {
            if backrest_version {
                println!("cairn version: {}", env!("CARGO_PKG_VERSION"));
                return std::process::ExitCode::SUCCESS;
            }
            let flags = settings::Flags {
                config,
                data_dir,
                bind,
                restic_command,
                heartbeat: multihost_heartbeat_interval,
                tls_cert,
                tls_key,
                database_url,
                log_store_url,
                backrest_defaults,
            };
            let only = ServeOnly {
                install_deps_only,
                tray,
            };
            exit_code(run_server(flags, only))
        }
        Command::Status => client::run(client::status::run(c)),
        Command::Backup {
            plan,
            dry_run,
            wait,
            instance: None,
        } => client::run(client::backup::run(c, &plan, dry_run, wait)),
        Command::Backup { dry_run: true, .. } => {
            eprintln!("error: --dry-run cannot be combined with --instance");
            std::process::ExitCode::from(client::Exit::Refused as u8)
        }
        Command::Backup {
            plan,
            wait,
            instance: Some(instance),
            ..
        } => remote(c, &instance, "backup", &plan, "", 0, wait),
        Command::Ops { plan, last, follow } => client::run(client::ops::run(c, plan, last, follow)),
        Command::Snapshots { repo, plan } => client::run(client::snapshots::run(c, &repo, &plan)),
        Command::Diff {
            repo,
            snapshot_a,
            snapshot_b,
            path,
        } => client::run(client::diff::run(
            c,
            &repo,
            [&snapshot_a, &snapshot_b],
            &path,
        )),
        Command::History { repo, path } => client::run(client::history::run(c, &repo, &path)),
        Command::Restore(args) => client::run(client::restore::run(c, args)),
        Command::Find(args) => client::run(client::find::run(c, args)),
        Command::Logs { logref } => client::run(client::logs::run(c, &logref)),
        Command::Task {
            repo,
            task,
            wait,
            instance: None,
        } => client::run(client::tasks::task(c, &repo, &task, wait)),
        Command::Task {
            repo,
            task,
            wait,
            instance: Some(instance),
        } => remote(c, &instance, &task, "", &repo, 0, wait),
        Command::Verify { repo, wait } => {
            client::run(client::tasks::task(c, &repo, "verify", wait))
        }
        Command::Forget {
            plan,
            snapshot,
            wait,
        } => client::run(client::tasks::forget(c, &plan, &snapshot, wait)),
        Command::Cancel {
            operation,
            instance: None,
        } => client::run(client::tasks::cancel(c, operation)),
        Command::Cancel {
            operation,
            instance: Some(instance),
        } => remote(c, &instance, "cancel", "", "", operation, false),
        Command::Run { repo, args } => client::run(client::tasks::run(c, &repo, &args)),
        Command::Config {
            action: ConfigAction::Get,
        } => client::run(client::config::get(c)),
        Command::Config {
            action: ConfigAction::Set { file },
        } => client::run(client::config::set(c, &file)),
        Command::Peers => client::run(client::peers::run(c)),
        Command::Pair { action } => client::run(pair(c, action)),
        Command::Setup { user } => client::run(client::account::setup(c, &user)),
        Command::Login { user, code } => {
            client::run(client::account::login(c, &user, code.as_deref()))
        }
        Command::Token {
            action: TokenAction::Create { label, ttl_days },
        } => client::run(client::account::create_token(c, &label, ttl_days)),
        Command::Token {
            action: TokenAction::Revoke { id },
        } => client::run(client::account::revoke_token(c, &id)),
        Command::Secrets {
            action: SecretsAction::Rotate { config, data_dir },
        } => {
            let flags = settings::Flags {
                config,
                data_dir,
                backrest_defaults,
                ..settings::Flags::default()
            };
            exit_code(
                settings::resolve(flags, |k| std::env::var(k).ok())
                    .and_then(|s| secrets_key::rotate(&s.config, &data_dir::own(&s.data_dir))),
            )
        }
        Command::ImportBackrest { source, data_dir } => exit_code(import_history(source, data_dir)),
        Command::Db { action } => db(action),
        Command::EngineWorker => {
            let code = cairn_embedded::worker_main();
            std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

/// Backrest's switches that change what `serve` does.
struct ServeOnly {
    /// Report the engine and exit.
    install_deps_only: bool,
    /// Tray mode was asked for.
    tray: bool,
}

fn run_server(flags: settings::Flags, only: ServeOnly) -> anyhow::Result<()> {
    let mut settings = settings::resolve(flags, |k| std::env::var(k).ok())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if only.install_deps_only {
        return runtime.block_on(report_engine(&settings));
    }
    let own = data_dir::own(&settings.data_dir);
    if own != settings.data_dir {
        tracing::info!(
            data_dir = %settings.data_dir.display(),
            own = %own.display(),
            "the data directory holds Backrest's history; cairn keeps its own files in its cairn folder and never writes Backrest's"
        );
        settings.data_dir = own;
    }
    if only.tray {
        tracing::info!("cairn has no tray icon; serving as usual (Backrest's -tray)");
    }
    runtime.block_on(serve::serve(settings))
}

/// `cairn db migrate|check`, with the data dir and database resolved as `serve` resolves them.
fn db(action: DbAction) -> std::process::ExitCode {
    let (data_dir, database_url, log_store_url, migrating) = match action {
        DbAction::Migrate {
            to,
            log_store_url,
            data_dir,
        } => (data_dir, to, log_store_url, true),
        DbAction::Check {
            database_url,
            data_dir,
        } => (data_dir, database_url, None, false),
    };
    let flags = settings::Flags {
        data_dir,
        database_url,
        log_store_url,
        ..settings::Flags::default()
    };
    let settings = match settings::resolve(flags, |k| std::env::var(k).ok()) {
        Ok(s) => s,
        Err(e) => return exit_code(Err(e)),
    };
    let dir = data_dir::own(&settings.data_dir);
    if !migrating {
        return match db_command::check(&dir, settings.database_url.as_ref()) {
            Ok(true) => std::process::ExitCode::SUCCESS,
            Ok(false) => std::process::ExitCode::FAILURE,
            Err(e) => exit_code(Err(e)),
        };
    }
    exit_code(match &settings.database_url {
        Some(_) => db_command::migrate(&dir, &settings),
        None => Err(anyhow::anyhow!(
            "say where to copy the operation log: --to postgres://user:password@host/db (or CAIRN_DATABASE_URL)"
        )),
    })
}

/// `cairn import-backrest`: Backrest's history into cairn's data directory.
fn import_history(source: Option<PathBuf>, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    let source = source.unwrap_or_else(|| import_backrest::backrest_data_dir(env));
    let flags = settings::Flags {
        data_dir,
        ..settings::Flags::default()
    };
    let settings = settings::resolve(flags, env)?;
    import_backrest::run(&source, &data_dir::own(&settings.data_dir))
}

/// Backrest's -install-deps-only: cairn installs nothing; it says which engine it would use.
async fn report_engine(settings: &settings::Settings) -> anyhow::Result<()> {
    use cairn_orchestrator::engine_choice::{EngineChoice, select};
    let engine = select(EngineChoice::Auto, settings.restic_command.as_deref()).await?;
    let info = engine.info();
    println!(
        "cairn installs nothing; repositories set to engine auto will use {} {}",
        info.name, info.version
    );
    Ok(())
}

/// `cairn pair token|add`: permissions and durations are read before the server is asked.
async fn pair(c: &client::Connection, action: PairAction) -> anyhow::Result<client::Exit> {
    let read = |list: Vec<String>| -> anyhow::Result<Vec<_>> {
        list.iter()
            .map(|p| client::pair::parse_permission(p))
            .collect()
    };
    match action {
        PairAction::Token {
            label,
            ttl,
            uses,
            permissions,
        } => {
            let ttl = if ttl == "0" {
                std::time::Duration::ZERO
            } else {
                go_duration::parse(&ttl)?
            };
            client::pair::token(c, &label, ttl, uses, read(permissions)?).await
        }
        PairAction::Add {
            token,
            url,
            mut permissions,
        } => {
            if permissions.is_empty() {
                permissions.push("read-operations".into());
            }
            client::pair::add(c, &token, &url, read(permissions)?).await
        }
    }
}

/// Fleet control from the command line: `--instance` on backup, task and cancel.
fn remote(
    c: &client::Connection,
    instance: &str,
    task: &str,
    plan: &str,
    repo: &str,
    operation: i64,
    wait: bool,
) -> std::process::ExitCode {
    let r = client::remote::Remote {
        instance,
        task,
        plan,
        repo,
        operation,
    };
    client::run(client::remote::run(c, r, wait))
}
