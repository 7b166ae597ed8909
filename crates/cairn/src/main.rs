//! The `cairn` command line: `cairn serve` runs the orchestrator server.
mod serve;
mod settings;

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
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve {
            config,
            data_dir,
            bind,
            restic_command,
        } => {
            let flags = settings::Flags {
                config,
                data_dir,
                bind,
                restic_command,
            };
            let settings = settings::resolve(flags, |k| std::env::var(k).ok())?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(serve::serve(settings))
        }
    }
}
