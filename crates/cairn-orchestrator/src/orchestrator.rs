//! The orchestrator: owns the task queue, runs due tasks (one at a time per repository, up to the
//! global limit overall), keeps every recurring task's next run queued as a PENDING operation, and
//! offers the requests the API makes: run a backup now, run a repository task, forget, restore, cancel.
use crate::clock::Clock;
use crate::engines::Engines;
use crate::error::{OrchestratorError, Result};
use crate::queue::{Entry, Queue};
use crate::restore_spec::RestoreSpec;
use crate::run::run_entry;
use crate::scheduler;
use crate::search_indexes::SearchIndexes;
use crate::task::{ScheduleKey, Task, priority};
use cairn_config::ConfigStore;
use cairn_engine::Engine;
use cairn_oplog::{LogStore, OpLog};
use cairn_proto::quoted;
use cairn_proto::v1::{Config, Operation, OperationStatus, Plan, Repo};
use chrono::{DateTime, Utc};
use parking_lot::{Mutex, MutexGuard};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The plan id of repository-level operations (prune, check, stats, scheduled forget), as Backrest.
pub const SYSTEM_PLAN: &str = "_system_";
/// The plan or instance of a snapshot whose tags do not say (as Backrest).
pub const UNASSOCIATED: &str = "_unassociated_";

/// Tasks of different repositories running at once when the config does not say.
pub const DEFAULT_MAX_PARALLEL: usize = 2;

/// The longest the run loop sleeps, so a clock jump is noticed within this time.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// A difference between wall-clock and monotonic time over one sleep beyond this is a clock jump.
const CLOCK_JUMP: chrono::Duration = chrono::Duration::seconds(30);

/// What the orchestrator needs.
pub struct Deps {
    /// The config store: plans, repositories and settings, read live; repository guids are
    /// saved back to it.
    pub config: Arc<ConfigStore>,
    /// The operation log every task's operations are recorded in.
    pub oplog: OpLog,
    /// The store of task logs (e.g. command, prune and check output); garbage collection expires
    /// old ones.
    pub logs: LogStore,
    /// Where the current time comes from: `SystemClock` in production, `FakeClock` in tests.
    pub clock: Arc<dyn Clock>,
    /// restic's location when not on PATH (`CAIRN_RESTIC_COMMAND`).
    pub restic_command: Option<PathBuf>,
    /// The folder of the repositories' search indexes (one file each, created when first needed).
    pub search_dir: PathBuf,
    /// Where restore verifications restore their samples, a folder per operation, removed when it
    /// ends; what a killed cairn left there is removed at start.
    pub scratch_dir: PathBuf,
}

/// A running task that can be cancelled.
pub(crate) struct Running {
    pub cancel: CancellationToken,
    /// The status a cancel request asked for.
    pub requested: Option<OperationStatus>,
}

/// The mutable state, under one lock.
#[derive(Default)]
pub(crate) struct State {
    pub queue: Queue,
    /// Running operations by id.
    pub running: HashMap<i64, Running>,
    /// Recurring tasks running now (their next run is queued when they finish).
    pub running_keys: HashSet<ScheduleKey>,
    /// When garbage was last collected by this process.
    pub last_gc: Option<DateTime<Utc>>,
    /// Hook operations running now.
    pub live_hooks: HashSet<i64>,
    /// Operations whose latest state the log refused, with its error, to be written again.
    pub unwritten: HashMap<i64, (Operation, String)>,
}

pub(crate) struct Inner {
    pub config: Arc<ConfigStore>,
    pub oplog: OpLog,
    pub logs: LogStore,
    pub clock: Arc<dyn Clock>,
    pub engines: Engines,
    pub search: SearchIndexes,
    /// See [`Deps::scratch_dir`].
    pub scratch_dir: PathBuf,
    pub state: Mutex<State>,
    pub wake: Notify,
    /// Notified when an operation's state could not be written.
    pub unwritten_changed: Notify,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    /// Counts config changes, so others (the fleet's sessions) can follow them.
    pub config_changes: watch::Sender<u64>,
    /// Set by [`Orchestrator::follow`]: this server shares its database with others.
    pub shares_database: AtomicBool,
    /// True once [`Orchestrator::start`] made this orchestrator run tasks.
    pub runs_tasks: watch::Sender<bool>,
    /// The log's modno when this orchestrator started running tasks: a PENDING operation nobody
    /// queued is an orphan (left by a process that stopped) only if it is older; a newer one is on
    /// its way from another server of a shared database (see `handoff`).
    pub orphans_upto: AtomicI64,
}

impl Inner {
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The global limit on tasks running at once.
    pub fn max_parallel(config: &Config) -> usize {
        match config.cairn.as_option().map(|s| s.max_parallel_tasks) {
            Some(n) if n > 0 => n as usize,
            _ => DEFAULT_MAX_PARALLEL,
        }
    }
}

/// A handle on the orchestrator (cheap to clone).
#[derive(Clone)]
pub struct Orchestrator {
    pub(crate) inner: Arc<Inner>,
}

impl Orchestrator {
    /// Builds an orchestrator from its dependencies; nothing is scheduled or run until
    /// [`start`](Self::start).
    pub fn new(deps: Deps) -> Self {
        Self {
            inner: Arc::new(Inner {
                config: deps.config,
                oplog: deps.oplog,
                logs: deps.logs,
                clock: deps.clock,
                engines: Engines::new(deps.restic_command),
                search: SearchIndexes::new(deps.search_dir),
                scratch_dir: deps.scratch_dir,
                state: Mutex::new(State::default()),
                wake: Notify::new(),
                unwritten_changed: Notify::new(),
                shutdown: CancellationToken::new(),
                tasks: TaskTracker::new(),
                config_changes: watch::Sender::new(0),
                shares_database: AtomicBool::new(false),
                runs_tasks: watch::Sender::new(false),
                orphans_upto: AtomicI64::new(i64::MAX),
            }),
        }
    }

    /// The operation log the orchestrator records operations in.
    pub fn oplog(&self) -> &OpLog {
        &self.inner.oplog
    }

    /// The store of task output logs.
    pub fn logs(&self) -> &LogStore {
        &self.inner.logs
    }

    /// The config store the orchestrator reads plans and repositories from.
    pub fn config(&self) -> &Arc<ConfigStore> {
        &self.inner.config
    }

    /// Learns the id of every repository that has none yet (initialising those with
    /// `auto_initialize`), schedules every plan and repository, and starts running tasks in the
    /// background.
    pub async fn start(&self) -> Result<()> {
        // No task runs yet, so whatever is here was left by a cairn that stopped mid-verification.
        crate::tasks::verify::remove_scratch(&self.inner.scratch_dir).await;
        self.open_new_repos().await;
        self.inner
            .orphans_upto
            .store(self.inner.oplog.current_modno(), Ordering::Release);
        if self.inner.shares_database.load(Ordering::Acquire) {
            // Tasks handed over while no server ran them are queued before orphans are judged.
            crate::handoff::take_requests(self);
        }
        scheduler::reschedule_all(&self.inner)?;
        // Snapshots made elsewhere while cairn was not running appear in the log.
        let now = self.inner.now();
        for repo in self
            .inner
            .config
            .get()
            .repos
            .iter()
            .filter(|r| !r.guid.is_empty())
        {
            let task = Task::IndexSnapshots {
                repo_id: repo.id.clone(),
            };
            scheduler::enqueue(&self.inner, task, now, priority::INDEX_SNAPSHOTS, 0)?;
        }
        let inner = self.inner.clone();
        self.inner.tasks.spawn(run_loop(inner));
        self.inner
            .tasks
            .spawn(crate::reconcile::run(self.inner.clone()));
        self.inner.runs_tasks.send_replace(true);
        if self.inner.shares_database.load(Ordering::Acquire) {
            // And those handed over meanwhile.
            crate::handoff::take_requests(self);
        }
        Ok(())
    }

    /// Makes this orchestrator one of several servers on a shared database: it follows the config
    /// other servers save there, and until [`start`](Self::start) makes it the one that runs tasks,
    /// it hands the tasks asked of it to the one that does (see `handoff`).
    pub fn follow(&self) {
        if self.inner.shares_database.swap(true, Ordering::AcqRel) {
            return;
        }
        self.inner.tasks.spawn(crate::handoff::follow(self.clone()));
    }

    /// Whether this orchestrator runs tasks (it was started).
    pub fn runs_tasks(&self) -> bool {
        *self.inner.runs_tasks.borrow()
    }

    /// Returns once this orchestrator runs tasks, at once unless it [follows](Self::follow) another;
    /// work that must run on one server of a shared database waits on it.
    pub async fn until_runs_tasks(&self) {
        if !self.hands_off() {
            return;
        }
        let mut runs = self.inner.runs_tasks.subscribe();
        let _ = runs.wait_for(|r| *r).await;
    }

    /// True while tasks asked of this orchestrator go to another server.
    fn hands_off(&self) -> bool {
        self.inner.shares_database.load(Ordering::Acquire) && !self.runs_tasks()
    }

    /// Re-reads the config: recurring tasks are rescheduled (a plan's next run stays anchored at its
    /// last run), removed plans and repositories lose their queued runs, and garbage collection runs
    /// at once.
    pub async fn config_changed(&self) -> Result<()> {
        if self.hands_off() {
            // The server that runs tasks reschedules when the config's copy in the database changes.
            self.inner.config_changes.send_modify(|n| *n += 1);
            return Ok(());
        }
        self.open_new_repos().await;
        let config = self.inner.config.get();
        let gone: Vec<Entry> = {
            let mut state = self.inner.state();
            let mut gone = Vec::new();
            let repos: Vec<String> = state
                .queue
                .entries()
                .iter()
                .filter_map(|e| e.repo_id.clone())
                .filter(|r| !config.repos.iter().any(|c| &c.id == r))
                .collect();
            for r in repos {
                gone.extend(state.queue.remove_repo(&r));
            }
            gone
        };
        for e in gone {
            if let Some(id) = e.op_id {
                self.inner.oplog.delete(&[id])?;
            }
        }
        // As Backrest does, a config change collects garbage at once (history of forgotten
        // snapshots, of removed plans and of peers no longer authorised), not a day later.
        self.inner.state().last_gc = None;
        scheduler::reschedule_all(&self.inner)?;
        self.inner.wake.notify_one();
        self.inner.config_changes.send_modify(|n| *n += 1);
        Ok(())
    }

    /// Changes each time [`config_changed`](Self::config_changed) has applied a new config.
    pub fn config_changes(&self) -> watch::Receiver<u64> {
        self.inner.config_changes.subscribe()
    }

    /// Cancelled when the orchestrator shuts down.
    pub fn shutting_down(&self) -> CancellationToken {
        self.inner.shutdown.clone()
    }

    /// Fills in the `guid` of repositories that have none; a repository that cannot be opened is
    /// logged and left out of scheduling until it can.
    async fn open_new_repos(&self) {
        let config = self.inner.config.get();
        for repo in config.repos.iter().filter(|r| r.guid.is_empty()) {
            if let Err(e) = self.ensure_repo(&repo.id).await {
                tracing::error!(repo = %repo.id, error = %e, "cannot open the repository; its tasks will not run until it can be opened");
            }
        }
    }

    /// Queues a backup of a plan now, ahead of scheduled work; returns its operation id.
    pub fn backup_now(&self, plan_id: &str, dry_run: bool) -> Result<i64> {
        let task = Task::Backup {
            plan_id: plan_id.into(),
            dry_run,
        };
        self.enqueue_interactive(task)
    }

    /// Queues a repository task now (index, prune, check, stats, scheduled forget); returns its
    /// operation id (0 for indexing, which records one operation per new snapshot instead).
    pub fn repo_task(&self, task: Task) -> Result<i64> {
        if task.own_repo_id().is_none() {
            return Err(OrchestratorError::Invalid(format!(
                "{} is not a repository task",
                task.type_name()
            )));
        }
        self.enqueue_interactive(task)
    }

    /// Queues a plan's retention policy now.
    pub fn forget_now(&self, plan_id: &str) -> Result<i64> {
        self.enqueue_interactive(Task::ForgetPlan {
            plan_id: plan_id.into(),
        })
    }

    /// Queues forgetting one snapshot.
    pub fn forget_snapshot(&self, repo_id: &str, plan_id: &str, snapshot_id: &str) -> Result<i64> {
        check_snapshot_id(snapshot_id)?;
        self.enqueue_interactive(Task::ForgetSnapshot {
            repo_id: repo_id.into(),
            plan_id: plan_id.into(),
            snapshot_id: snapshot_id.into(),
        })
    }

    /// Queues a restore of paths of a snapshot, checked by [`RestoreSpec::new`].
    pub fn restore(
        &self,
        repo_id: &str,
        plan_id: &str,
        snapshot_id: &str,
        spec: RestoreSpec,
    ) -> Result<i64> {
        check_snapshot_id(snapshot_id)?;
        self.enqueue_interactive(Task::Restore {
            repo_id: repo_id.into(),
            plan_id: plan_id.into(),
            snapshot_id: snapshot_id.into(),
            spec,
        })
    }

    fn enqueue_interactive(&self, task: Task) -> Result<i64> {
        if self.inner.shutdown.is_cancelled() {
            return Err(OrchestratorError::ShuttingDown);
        }
        let prio = task.priority() + priority::INTERACTIVE;
        let now = self.inner.now();
        if self.hands_off() {
            let op_id = scheduler::record_pending(&self.inner, &task, now, 0)?;
            let request = crate::handoff::Request::Queue {
                task,
                priority: prio,
                flow_id: 0,
                op_id,
            };
            crate::handoff::hand_off(&self.inner, &request)?;
            return Ok(op_id.unwrap_or(0));
        }
        let id = scheduler::enqueue(&self.inner, task, now, prio, 0)?;
        self.inner.wake.notify_one();
        Ok(id.unwrap_or(0))
    }

    /// Cancels a queued or running operation: queued ones end as USER_CANCELLED at once (a recurring
    /// task's next run is then scheduled), running ones are stopped and end as USER_CANCELLED.
    pub fn cancel(&self, op_id: i64) -> Result<()> {
        if self.hands_off() {
            return match self.inner.oplog.get(op_id)? {
                None => Err(OrchestratorError::OperationNotFound(op_id)),
                Some(op) if is_final(&op) => Err(OrchestratorError::AlreadyFinished(op_id)),
                Some(_) => crate::handoff::hand_off(
                    &self.inner,
                    &crate::handoff::Request::Cancel { op_id },
                ),
            };
        }
        let queued = {
            let mut state = self.inner.state();
            if let Some(r) = state.running.get_mut(&op_id) {
                r.requested = Some(OperationStatus::STATUS_USER_CANCELLED);
                r.cancel.cancel();
                return Ok(());
            }
            state.queue.remove_op(op_id)
        };
        let Some(entry) = queued else {
            return match self.inner.oplog.get(op_id)? {
                None => Err(OrchestratorError::OperationNotFound(op_id)),
                Some(_) => Err(OrchestratorError::AlreadyFinished(op_id)),
            };
        };
        if let Some(mut op) = self.inner.oplog.get(op_id)? {
            op.status = OperationStatus::STATUS_USER_CANCELLED.into();
            op.display_message = "cancelled by user request before it started".into();
            op.unix_time_end_ms = self.inner.now().timestamp_millis();
            self.inner.oplog.update(&mut op)?;
        }
        if let Some(key) = entry.schedule {
            scheduler::schedule_next(&self.inner, &key)?;
        }
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Runs an engine command typed by a person at once, outside the queue (like a terminal);
    /// returns its operation id. Its output goes to the log its operation names.
    pub fn run_command(&self, repo_id: &str, command: &str) -> Result<i64> {
        if command.trim().is_empty() {
            return Err(OrchestratorError::Invalid("the command is empty".into()));
        }
        let config = self.inner.config.get();
        let repo = find_repo(&config, repo_id)?;
        let task = Task::RunCommand {
            repo_id: repo.id.clone(),
            command: command.into(),
        };
        let now = self.inner.now();
        let flow = crate::tasks::run_command_flow(&self.inner, &repo.guid, now.timestamp_millis());
        let mut op = scheduler::pending_op(&config, &task, Some(&repo), now, flow)
            .ok_or_else(|| OrchestratorError::Invalid("a command records an operation".into()))?;
        self.inner.oplog.add(&mut op)?;
        if self.hands_off() {
            let request = crate::handoff::Request::Direct {
                task,
                flow_id: flow,
                op_id: op.id,
            };
            crate::handoff::hand_off(&self.inner, &request)?;
        } else {
            crate::handoff::spawn_direct(&self.inner, task, flow, op.id);
        }
        Ok(op.id)
    }

    /// Removes stale locks from a repository at once (outside the queue, as Backrest does).
    pub async fn unlock(&self, repo_id: &str) -> Result<()> {
        let (repo, engine) = self.repo_engine(repo_id).await?;
        Ok(engine.unlock(&repo).await?)
    }

    /// A configured repository and the engine that runs it.
    pub(crate) async fn repo_engine(&self, repo_id: &str) -> Result<(Repo, Arc<dyn Engine>)> {
        let repo = find_repo(&self.inner.config.get(), repo_id)?;
        let engine = self.inner.engines.for_repo(&repo).await?;
        Ok((repo, engine))
    }

    /// A repository as configured, with its `guid` filled in from the repository (initialising it
    /// when `auto_initialize` is set) and saved to the config.
    pub async fn ensure_repo(&self, repo_id: &str) -> Result<Repo> {
        let repo = find_repo(&self.inner.config.get(), repo_id)?;
        let engine = self.inner.engines.for_repo(&repo).await?;
        crate::tasks::ensure_guid(&self.inner.config, repo, engine.as_ref())
            .await
            .map_err(|f| match f {
                crate::run::Failure::Error(e) => OrchestratorError::Invalid(e),
                other => OrchestratorError::Invalid(other.to_string()),
            })
    }

    /// The engine of a configured repository (for browsing, downloads and commands).
    pub async fn engine(&self, repo: &Repo) -> Result<Arc<dyn Engine>> {
        Ok(self.inner.engines.for_repo(repo).await?)
    }

    /// Operations queued now: (operation id, task, when it is due).
    pub fn queued(&self) -> Vec<(Option<i64>, Task, DateTime<Utc>)> {
        self.inner
            .state()
            .queue
            .entries()
            .iter()
            .map(|e| (e.op_id, e.task.clone(), e.run_at))
            .collect()
    }

    /// Tasks running now.
    pub fn running(&self) -> usize {
        self.inner.state().queue.running()
    }

    /// Wakes the run loop (after a fake clock moved, in tests).
    pub fn poke(&self) {
        self.inner.wake.notify_one();
    }

    /// Waits until operation `op_id` has finished and returns it; fails at once when its end could
    /// not be written to the log.
    pub async fn wait(&self, op_id: i64) -> Result<Operation> {
        let selector = cairn_oplog::Selector::ids([op_id]);
        let mut sub = self.inner.oplog.subscribe(selector, None)?;
        loop {
            let unwritten = self.inner.unwritten_changed.notified();
            tokio::pin!(unwritten);
            unwritten.as_mut().enable();
            if let Some((_, why)) = self.inner.state().unwritten.get(&op_id) {
                return Err(OrchestratorError::NotRecorded(op_id, why.clone()));
            }
            let op = self
                .inner
                .oplog
                .get(op_id)?
                .ok_or(OrchestratorError::OperationNotFound(op_id))?;
            if is_final(&op) {
                return Ok(op);
            }
            tokio::select! {
                next = sub.next() => if next.is_none() {
                    return Err(OrchestratorError::ShuttingDown);
                },
                _ = &mut unwritten => {}
            }
        }
    }

    /// Stops taking tasks, cancels running ones (they end as SYSTEM_CANCELLED after the engine has
    /// stopped cleanly) and waits up to `grace` for them.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.shutdown.cancel();
        self.inner.tasks.close();
        if tokio::time::timeout(grace, self.inner.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "tasks still running after {} s; they will be marked interrupted at the next start",
                grace.as_secs()
            );
        }
    }

    /// The plan `plan_id` and the repository it backs up to, from the current config.
    pub fn plan(&self, plan_id: &str) -> Result<(Plan, Repo)> {
        plan_and_repo(&self.inner.config.get(), plan_id)
    }
}

/// Refuses an empty snapshot id, or one an engine would read as an option.
pub(crate) fn check_snapshot_id(snapshot_id: &str) -> Result<()> {
    if snapshot_id.is_empty() || snapshot_id.starts_with('-') {
        return Err(OrchestratorError::Invalid(format!(
            "{snapshot_id} is not a snapshot id",
            snapshot_id = quoted(&snapshot_id)
        )));
    }
    Ok(())
}

/// True once an operation can no longer change.
pub fn is_final(op: &Operation) -> bool {
    is_final_status(op.status.to_i32())
}

/// True for a status (as its number) no operation leaves again.
pub fn is_final_status(status: i32) -> bool {
    ![
        OperationStatus::STATUS_PENDING,
        OperationStatus::STATUS_INPROGRESS,
        OperationStatus::STATUS_UNKNOWN,
    ]
    .iter()
    .any(|s| *s as i32 == status)
}

/// A plan and its repository from the config.
pub(crate) fn plan_and_repo(config: &Config, plan_id: &str) -> Result<(Plan, Repo)> {
    let plan = config
        .plans
        .iter()
        .find(|p| p.id == plan_id)
        .ok_or_else(|| OrchestratorError::PlanNotFound(plan_id.into()))?;
    let repo = find_repo(config, &plan.repo)?;
    Ok((plan.clone(), repo))
}

pub(crate) fn find_repo(config: &Config, repo_id: &str) -> Result<Repo> {
    config
        .repos
        .iter()
        .find(|r| r.id == repo_id)
        .cloned()
        .ok_or_else(|| OrchestratorError::RepoNotFound(repo_id.into()))
}

/// Runs due tasks until shutdown; notices clock jumps and reschedules after them.
async fn run_loop(inner: Arc<Inner>) {
    loop {
        dispatch_ready(&inner);
        let now = inner.now();
        let wait = inner
            .state()
            .queue
            .next_due(now)
            .and_then(|t| (t - now).to_std().ok())
            .map_or(MAX_SLEEP, |d| d.min(MAX_SLEEP));
        let (wall_before, mono_before) = (now, tokio::time::Instant::now());
        tokio::select! {
            _ = inner.shutdown.cancelled() => break,
            _ = inner.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        let wall = inner.now() - wall_before;
        let mono =
            chrono::Duration::from_std(mono_before.elapsed()).unwrap_or(chrono::Duration::MAX);
        if (wall - mono).abs() > CLOCK_JUMP {
            tracing::info!(
                jump_seconds = (wall - mono).num_seconds(),
                "clock jump detected; rescheduling"
            );
            if let Err(e) = scheduler::reschedule_all(&inner) {
                tracing::error!(error = %e, "rescheduling after a clock jump failed");
            }
        }
    }
}

/// Starts every task that may run now.
fn dispatch_ready(inner: &Arc<Inner>) {
    let limit = Inner::max_parallel(&inner.config.get());
    loop {
        let now = inner.now();
        let Some(entry) = inner.state().queue.take_ready(now, limit) else {
            return;
        };
        let inner2 = inner.clone();
        inner.tasks.spawn(async move {
            run_entry(&inner2, entry).await;
            inner2.wake.notify_one();
        });
    }
}
