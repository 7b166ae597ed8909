//! The engine worker: the process cairn starts for each embedded-engine operation (`cairn engine-worker`).
//! It reads one job from stdin, runs it with rustic_core and reports on stdout (see `protocol`). A panic
//! anywhere ends only this process, reported as a failure with its message; cairn cancels by killing it.
mod archive;
mod backup;
mod browse;
mod contents;
mod copy;
mod diff;
mod fail;
mod history;
mod index_changes;
mod leftovers;
mod maintain;
mod malloc;
mod progress;
mod repo;
mod restore;
mod sample;
mod source;
mod tagged;
mod tree_pairs;
mod verify;

pub use fail::Fail;

use super::protocol::{Event, FailKind, Job, Task, write_event, write_frame};
use parking_lot::Mutex;
use std::io::{Read, Write};
use std::sync::Arc;

/// Where the worker's frames go; shared by the threads that report.
#[derive(Clone)]
pub struct Out(Arc<Mutex<std::io::Stdout>>);

impl Out {
    pub fn event(&self, event: &Event) {
        let mut out = self.0.lock();
        // A closed pipe means cairn is gone; the job ends when it next checks.
        let _ = write_event(&mut *out, event);
    }

    pub fn data(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = self.0.lock();
        write_frame(&mut *out, super::protocol::TAG_DATA, bytes)
    }

    pub fn line(&self, text: impl Into<String>) {
        self.event(&Event::Output(text.into()));
    }

    pub fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
        serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
    }
}

/// The worker's entry point; returns the process exit code.
pub fn main() -> i32 {
    malloc::keep_large_buffers_apart();
    let out = Out(Arc::new(Mutex::new(std::io::stdout())));
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        out.event(&failed(
            FailKind::Other,
            format!("cannot read the job: {e}"),
        ));
        return 2;
    }
    let job: Job = match serde_json::from_slice(&input) {
        Ok(j) => j,
        Err(e) => {
            out.event(&failed(
                FailKind::Invalid,
                format!("the job is not valid: {e}"),
            ));
            return 2;
        }
    };
    let panic_message = Arc::new(Mutex::new(String::new()));
    let slot = panic_message.clone();
    std::panic::set_hook(Box::new(move |info| {
        let mut m = slot.lock();
        if m.is_empty() {
            *m = info.to_string();
        }
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&job, &out)));
    let code = match result {
        Ok(Ok(value)) => {
            out.event(&Event::Done(value));
            0
        }
        Ok(Err(fail)) => {
            out.event(&failed(fail.kind, fail.message));
            1
        }
        Err(_) => {
            let m = panic_message.lock().clone();
            out.event(&failed(
                FailKind::Panic,
                format!("the embedded engine failed unexpectedly: {m}"),
            ));
            101
        }
    };
    let _ = std::io::stdout().flush();
    code
}

fn failed(kind: FailKind, message: String) -> Event {
    Event::Failed { kind, message }
}

fn run(job: &Job, out: &Out) -> Result<serde_json::Value, Fail> {
    match &job.task {
        Task::RepoId => repo::repo_id(job, out),
        Task::Init => repo::init(job, out),
        Task::Backup(task) => backup::run(job, task, out),
        Task::Snapshots { tags, host, paths } => browse::snapshots(job, out, tags, host, paths),
        Task::Ls { snapshot, dir } => browse::ls(job, out, snapshot, dir),
        Task::Diff {
            a,
            b,
            path,
            recursive,
        } => diff::run(job, out, a, b, path, *recursive),
        Task::History { path } => history::run(job, out, path),
        Task::IndexChanges { base, snapshot } => {
            index_changes::run(job, out, base.as_deref(), snapshot)
        }
        Task::Dump {
            snapshot,
            path,
            form,
        } => browse::dump(job, out, snapshot, path, *form),
        Task::Restore {
            snapshot,
            path,
            target,
        } => restore::run(job, out, snapshot, path, target),
        Task::Copy { source, snapshots } => copy::run(job, out, source, snapshots),
        Task::SampleFiles {
            snapshot,
            draw,
            seed,
        } => sample::run(job, out, snapshot, *draw, *seed),
        Task::VerifyFiles {
            snapshot,
            files,
            live,
        } => verify::run(job, out, snapshot, files, *live),
        Task::Forget {
            keep,
            tags,
            group_by,
        } => maintain::forget(job, out, keep, tags, group_by),
        Task::ForgetSnapshot { snapshot } => maintain::forget_snapshot(job, out, snapshot),
        Task::Prune {
            max_unused_bytes,
            max_unused_percent,
        } => maintain::prune(job, out, *max_unused_bytes, *max_unused_percent),
        Task::Check { read_data } => maintain::check(job, out, *read_data),
        Task::Stats => maintain::stats(job, out),
        Task::Unlock => maintain::unlock(job, out),
        Task::RemoveLock { name } => repo::remove_lock(job, name),
    }
}
