//! The repository console (RunCommand) on the embedded engine: the restic commands it can answer
//! (`snapshots`, `stats`, `check`, `unlock`, `version`), printed as text. Anything else ends with exit
//! code 1 and a line saying which commands exist, never a silent no-op.
use super::EmbeddedEngine;
use cairn_engine::{CheckMode, Engine, OutputSink, SnapshotFilter};
use cairn_engine::{EngineError, Result};
use cairn_proto::quoted;
use cairn_proto::v1::Repo;
use tokio_util::sync::CancellationToken;

const COMMANDS: &str = "snapshots, stats, check [--read-data], unlock and version";

pub async fn run(
    engine: &EmbeddedEngine,
    repo: &Repo,
    args: &[String],
    output: OutputSink<'_>,
    cancel: &CancellationToken,
) -> Result<i32> {
    let Some(command) = args.first() else {
        return Err(EngineError::Invalid("no command given".into()));
    };
    let result = match command.as_str() {
        "version" => {
            output(&engine.info().version);
            Ok(())
        }
        "snapshots" => snapshots(engine, repo, output).await,
        "stats" => stats(engine, repo, output).await,
        "check" => {
            let mode = if args.iter().any(|a| a == "--read-data") {
                CheckMode::ReadDataPercent(100.0)
            } else {
                CheckMode::StructureOnly
            };
            engine.check(repo, mode, output, cancel).await
        }
        "unlock" => engine
            .simple(repo, super::protocol::Task::Unlock, Some(output), cancel)
            .await
            .map(drop),
        other => {
            output(&format!(
                "the embedded engine has no {other} command; it runs {COMMANDS} (install restic for the others)",
                other = quoted(&other)
            ));
            return Ok(1);
        }
    };
    match result {
        Ok(()) => Ok(0),
        Err(EngineError::Cancelled) => Err(EngineError::Cancelled),
        Err(e) => {
            output(&e.to_string());
            Ok(1)
        }
    }
}

async fn snapshots(engine: &EmbeddedEngine, repo: &Repo, output: OutputSink<'_>) -> Result<()> {
    let snaps = engine.snapshots(repo, &SnapshotFilter::default()).await?;
    output(&format!(
        "{:<10} {:<20} {:<16} {:<30} {}",
        "ID", "Time", "Host", "Tags", "Paths"
    ));
    for s in &snaps {
        let time = chrono::DateTime::from_timestamp_millis(s.unix_time_ms)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
        output(&format!(
            "{:<10} {:<20} {:<16} {:<30} {}",
            cairn_proto::short_id(&s.id),
            time,
            s.hostname,
            s.tags.join(","),
            s.paths.join(",")
        ));
    }
    output(&format!("{} snapshots", snaps.len()));
    Ok(())
}

async fn stats(engine: &EmbeddedEngine, repo: &Repo, output: OutputSink<'_>) -> Result<()> {
    let s = engine.stats(repo).await?;
    output(&format!("Snapshots processed:   {}", s.snapshot_count));
    output(&format!("Total blob count:      {}", s.total_blob_count));
    output(&format!("Total size (stored):   {} bytes", s.total_size));
    output(&format!(
        "Total uncompressed:    {} bytes",
        s.total_uncompressed_size
    ));
    output(&format!(
        "Compression ratio:     {:.2}x",
        s.compression_ratio
    ));
    Ok(())
}
