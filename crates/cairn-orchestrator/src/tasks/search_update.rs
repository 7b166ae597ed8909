//! Keeping a repository's search index up to date, as part of the index task: snapshots the
//! repository no longer has are dropped, then each new one is added, oldest first, as its changes from
//! its parent (or from the newest indexed snapshot of the same host and paths), so only what changed
//! is read. Each snapshot is added whole or not at all; an interrupted run resumes where it stopped,
//! and a snapshot that cannot be read is skipped (and tried again by the next run) rather than
//! keeping the newer ones out.
use crate::run::{Failure, TaskCtx};
use cairn_proto::cairn::v1::IndexChange;
use cairn_proto::v1::{Repo, ResticSnapshot};
use cairn_search::{Feed, NewSnapshot, SearchIndex};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one index task spends adding snapshots to the search index. The repository's other tasks
/// (its backups) wait while it runs, so a first run over a long history is spread over several index
/// tasks; searches meanwhile report the snapshots not indexed yet.
const BUDGET: Duration = Duration::from_secs(120);

/// What an update did.
#[derive(Debug, Default)]
pub struct SearchUpdate {
    pub added: usize,
    pub dropped: usize,
    pub changes: u64,
    /// New snapshots left for the next index task.
    pub left: usize,
    /// Snapshots that could not be read, each with the reason; the next index task tries them again.
    pub failed: Vec<String>,
}

/// Brings the index of `repo` in line with `snapshots` (sorted oldest first).
pub async fn update(
    ctx: &TaskCtx,
    repo: &Repo,
    snapshots: &[ResticSnapshot],
) -> Result<SearchUpdate, Failure> {
    let index = ctx.inner.search.get(&repo.guid)?;
    let present: HashSet<&str> = snapshots.iter().map(|s| s.id.as_str()).collect();
    let indexed = blocking({
        let index = index.clone();
        move || index.snapshots()
    })
    .await?;
    let dropped: Vec<String> = indexed
        .iter()
        .filter(|s| !present.contains(s.id.as_str()))
        .map(|s| s.id.clone())
        .collect();
    blocking({
        let (index, dropped) = (index.clone(), dropped.clone());
        move || index.forget(&dropped)
    })
    .await?;
    let mut known: HashSet<String> = indexed.into_iter().map(|s| s.id).collect();
    let mut done = SearchUpdate {
        dropped: dropped.len(),
        ..SearchUpdate::default()
    };
    let new: Vec<&ResticSnapshot> = snapshots
        .iter()
        .filter(|s| !known.contains(&s.id))
        .collect();
    let started = Instant::now();
    let count = new.len();
    for (at, snap) in new.into_iter().enumerate() {
        if ctx.cancel.is_cancelled() {
            return Err(Failure::Cancelled);
        }
        if started.elapsed() > BUDGET {
            done.left = count - at;
            break;
        }
        let base = base_of(snap, snapshots, &known);
        match add(ctx, repo, &index, snap, base).await {
            Ok(changes) => {
                done.changes += changes;
                done.added += 1;
                known.insert(snap.id.clone());
            }
            Err(Failure::Cancelled) => return Err(Failure::Cancelled),
            // One unreadable snapshot must not keep the newer ones out; it is tried again next time.
            Err(e) => done.failed.push(format!("{}: {e}", snap.id)),
        }
    }
    Ok(done)
}

/// The indexed snapshot to compare `snap` with: its parent, else the newest earlier one of the same
/// host and paths; None to send every entry.
fn base_of<'a>(
    snap: &ResticSnapshot,
    snapshots: &'a [ResticSnapshot],
    known: &HashSet<String>,
) -> Option<&'a str> {
    let indexed = |s: &&ResticSnapshot| known.contains(&s.id) && s.id != snap.id;
    if let Some(parent) = snapshots
        .iter()
        .filter(indexed)
        .find(|s| !snap.parent.is_empty() && s.id == snap.parent)
    {
        return Some(&parent.id);
    }
    snapshots
        .iter()
        .filter(indexed)
        .filter(|s| s.hostname == snap.hostname && s.paths == snap.paths)
        .filter(|s| s.unix_time_ms <= snap.unix_time_ms)
        .max_by_key(|s| s.unix_time_ms)
        .map(|s| s.id.as_str())
}

/// Changes waiting for the index writer at most: the worker's reading waits beyond that, so memory
/// stays bounded however large the snapshot.
const FEED_DEPTH: usize = 4096;

/// Reads one snapshot's changes from the repository while a writer thread records them; the snapshot
/// is committed only when the reading ends complete, with the number of changes it sent.
async fn add(
    ctx: &TaskCtx,
    repo: &Repo,
    index: &Arc<SearchIndex>,
    snap: &ResticSnapshot,
    base: Option<&str>,
) -> Result<u64, Failure> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Feed>(FEED_DEPTH);
    let new = NewSnapshot {
        id: snap.id.clone(),
        time_ms: snap.unix_time_ms,
        base: base.map(str::to_string),
    };
    // Started now, so it writes while the worker reads.
    let writer = blocking({
        let index = index.clone();
        move || index.add(&new, rx)
    });
    let end = tx.clone();
    let sink = move |c: IndexChange| {
        // The writer only stops early on an error, which it reports itself.
        let _ = tx.send(Feed::Change(c));
    };
    let reader = ctx.inner.engines.reader()?;
    let read = tokio::select! {
        read = reader.index_changes(repo, base, &snap.id, &sink) => read,
        () = ctx.cancel.cancelled() => Err(cairn_engine::EngineError::Cancelled),
    };
    drop(sink);
    let last = match &read {
        Ok(sent) => Feed::End(*sent),
        Err(e) => Feed::Failed(e.to_string()),
    };
    let _ = end.send(last);
    drop(end);
    let written = writer.await;
    read?;
    written
}

/// Runs `f` on a blocking thread, started at once (not when the answer is first awaited).
fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> cairn_search::Result<T> + Send + 'static,
) -> impl Future<Output = Result<T, Failure>> {
    let running = tokio::task::spawn_blocking(f);
    async move {
        running
            .await
            .map_err(|e| Failure::Error(format!("search index: {e}")))?
            .map_err(Failure::from)
    }
}
