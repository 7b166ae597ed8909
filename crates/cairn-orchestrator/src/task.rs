//! The tasks the orchestrator runs: what each one is, its name (as hooks see it), its type (as metrics
//! label it), the repository it belongs to (its serial queue) and its priority.
use crate::restore_spec::RestoreSpec;
use cairn_proto::quoted;

/// Backrest's priorities: among tasks that are due, the highest runs first.
pub mod priority {
    /// Repository statistics: the lowest, run after everything else that is due.
    pub const STATS: i32 = 0;
    /// Backups, restores, typed commands and garbage collection.
    pub const DEFAULT: i32 = 2;
    /// Forgetting snapshots (a plan's retention, a repository's forget policy, one snapshot).
    pub const FORGET: i32 = 4;
    /// Indexing a repository's snapshots into the operation log.
    pub const INDEX_SNAPSHOTS: i32 = 8;
    /// Checking a repository.
    pub const CHECK: i32 = 16;
    /// Pruning a repository: the highest of the tasks' own priorities.
    pub const PRUNE: i32 = 32;
    /// Added to a task's own priority when a person asked for it.
    pub const INTERACTIVE: i32 = 64;
}

/// One unit of work (serialisable: a server that does not run tasks hands them to the one that does
/// through the shared database).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Task {
    /// A backup of a plan's paths to the plan's repository.
    Backup {
        /// The plan to back up.
        plan_id: String,
        /// Only report what would be backed up: no snapshot is saved and no follow-up tasks run.
        dry_run: bool,
    },
    /// Indexes the repository's snapshots into the log (no operation of its own).
    IndexSnapshots {
        /// The repository whose snapshots are indexed.
        repo_id: String,
    },
    /// A plan's retention policy, applied to the plan's snapshots.
    ForgetPlan {
        /// The plan whose retention policy is applied.
        plan_id: String,
    },
    /// The repository's own forget policy, applied to all its snapshots grouped by tags.
    ScheduledForget {
        /// The repository whose forget policy is applied.
        repo_id: String,
    },
    /// Forgetting one snapshot by id, as a person asked.
    ForgetSnapshot {
        /// The repository holding the snapshot.
        repo_id: String,
        /// The plan the operation is recorded under.
        plan_id: String,
        /// The id of the snapshot to forget.
        snapshot_id: String,
    },
    /// Removing data no snapshot uses any more from a repository, by its prune policy.
    Prune {
        /// The repository to prune.
        repo_id: String,
    },
    /// Checking a repository's structure (and, by its check policy, some of its data).
    Check {
        /// The repository to check.
        repo_id: String,
    },
    /// Restoring a sample of a repository's files into a scratch directory and comparing them with the
    /// content hashes their snapshots recorded (cairn's own; see `tasks::verify`).
    Verify {
        /// The repository to verify.
        repo_id: String,
    },
    /// Copying a plan's new snapshot to one of its mirrors (cairn's own; see `tasks::mirror`).
    Mirror {
        /// The plan whose snapshot is copied.
        plan_id: String,
        /// The mirror repository.
        repo_id: String,
        /// The snapshot, in the plan's repository.
        snapshot_id: String,
    },
    /// A mirror's own retention, applied to the plan's snapshots in the mirror.
    ForgetMirror {
        /// The plan whose snapshots are forgotten.
        plan_id: String,
        /// The mirror repository.
        repo_id: String,
    },
    /// Gathering a repository's statistics, recorded on the operation.
    Stats {
        /// The repository to gather statistics of.
        repo_id: String,
    },
    /// Restoring a path of a snapshot into a directory on this machine.
    Restore {
        /// The repository holding the snapshot.
        repo_id: String,
        /// The plan the operation is recorded under.
        plan_id: String,
        /// The id of the snapshot to restore from.
        snapshot_id: String,
        /// The paths to restore, where they land and how existing entries are treated.
        spec: RestoreSpec,
    },
    /// An engine command typed by a person (runs at once, outside the queue).
    RunCommand {
        /// The repository the command runs against.
        repo_id: String,
        /// The command as typed: engine arguments, split shell-style before running.
        command: String,
    },
    /// Trimming old operation history (see [`crate::gc`]) and expiring old task logs.
    CollectGarbage,
}

impl Task {
    /// The name hooks see as `.Task` (Backrest's wording).
    pub fn name(&self, plan_repo: Option<&str>) -> String {
        let repo = plan_repo.unwrap_or_default();
        match self {
            Task::Backup { plan_id, .. } => {
                format!("backup for plan {plan_id}", plan_id = quoted(&plan_id))
            }
            Task::IndexSnapshots { repo_id } => format!(
                "index snapshots for repo {repo_id}",
                repo_id = quoted(&repo_id)
            ),
            Task::ForgetPlan { plan_id } => format!(
                "forget for plan {plan_id} in repo {repo}",
                plan_id = quoted(&plan_id),
                repo = quoted(&repo)
            ),
            Task::ScheduledForget { repo_id } => format!(
                "scheduled forget for repo {repo_id}",
                repo_id = quoted(&repo_id)
            ),
            Task::ForgetSnapshot {
                repo_id,
                plan_id,
                snapshot_id,
            } => {
                format!(
                    "forget snapshot {snapshot_id} for plan {plan_id} in repo {repo_id}",
                    snapshot_id = quoted(&snapshot_id),
                    plan_id = quoted(&plan_id),
                    repo_id = quoted(&repo_id)
                )
            }
            Task::Prune { repo_id } => format!("prune repo {repo_id}", repo_id = quoted(&repo_id)),
            Task::Check { repo_id } => {
                format!("check for repo {repo_id}", repo_id = quoted(&repo_id))
            }
            Task::Stats { repo_id } => {
                format!("stats for repo {repo_id}", repo_id = quoted(&repo_id))
            }
            Task::Verify { repo_id } => {
                format!("verify for repo {repo_id}", repo_id = quoted(&repo_id))
            }
            Task::Mirror {
                plan_id, repo_id, ..
            } => format!(
                "mirror for plan {plan_id} to repo {repo_id}",
                plan_id = quoted(&plan_id),
                repo_id = quoted(&repo_id)
            ),
            Task::ForgetMirror { plan_id, repo_id } => format!(
                "forget for plan {plan_id} in mirror repo {repo_id}",
                plan_id = quoted(&plan_id),
                repo_id = quoted(&repo_id)
            ),
            Task::Restore {
                repo_id,
                snapshot_id,
                ..
            } => format!(
                "restore snapshot {snapshot_id} in repo {repo_id}",
                snapshot_id = quoted(&snapshot_id),
                repo_id = quoted(&repo_id)
            ),
            Task::RunCommand { repo_id, .. } => {
                format!("run command in repo {repo_id}", repo_id = quoted(&repo_id))
            }
            Task::CollectGarbage => "collect garbage".into(),
        }
    }

    /// The type string used as a metrics label.
    pub fn type_name(&self) -> &'static str {
        match self {
            Task::Backup { .. } => "backup",
            Task::IndexSnapshots { .. } => "index_snapshots",
            Task::ForgetPlan { .. } => "forget",
            Task::ScheduledForget { .. } => "scheduled_forget",
            Task::ForgetSnapshot { .. } => "forget_snapshot",
            Task::Prune { .. } => "prune",
            Task::Check { .. } => "check",
            Task::Stats { .. } => "stats",
            Task::Verify { .. } => "verify",
            Task::Mirror { .. } => "mirror",
            Task::ForgetMirror { .. } => "forget_mirror",
            Task::Restore { .. } => "restore",
            Task::RunCommand { .. } => "run_command",
            Task::CollectGarbage => "collect_garbage",
        }
    }

    /// The task's own priority (before any interactive boost).
    pub fn priority(&self) -> i32 {
        match self {
            Task::Stats { .. } => priority::STATS,
            Task::ForgetPlan { .. }
            | Task::ScheduledForget { .. }
            | Task::ForgetSnapshot { .. }
            | Task::ForgetMirror { .. } => priority::FORGET,
            Task::IndexSnapshots { .. } => priority::INDEX_SNAPSHOTS,
            Task::Check { .. } | Task::Verify { .. } => priority::CHECK,
            Task::Prune { .. } => priority::PRUNE,
            Task::Backup { .. }
            | Task::Mirror { .. }
            | Task::Restore { .. }
            | Task::RunCommand { .. }
            | Task::CollectGarbage => priority::DEFAULT,
        }
    }

    /// The plan a task belongs to, when it is a plan's.
    pub fn plan_id(&self) -> Option<&str> {
        match self {
            Task::Backup { plan_id, .. } | Task::ForgetPlan { plan_id } => Some(plan_id),
            Task::ForgetSnapshot { plan_id, .. } | Task::Restore { plan_id, .. } => Some(plan_id),
            Task::Mirror { plan_id, .. } | Task::ForgetMirror { plan_id, .. } => Some(plan_id),
            _ => None,
        }
    }

    /// The repository named by the task itself (plan tasks resolve theirs through the config).
    pub fn own_repo_id(&self) -> Option<&str> {
        match self {
            Task::IndexSnapshots { repo_id }
            | Task::ScheduledForget { repo_id }
            | Task::ForgetSnapshot { repo_id, .. }
            | Task::Prune { repo_id }
            | Task::Check { repo_id }
            | Task::Stats { repo_id }
            | Task::Verify { repo_id }
            | Task::Mirror { repo_id, .. }
            | Task::ForgetMirror { repo_id, .. }
            | Task::Restore { repo_id, .. }
            | Task::RunCommand { repo_id, .. } => Some(repo_id),
            Task::Backup { .. } | Task::ForgetPlan { .. } | Task::CollectGarbage => None,
        }
    }
}

/// A recurring task's identity: at most one pending run of each exists.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ScheduleKey {
    /// A plan's scheduled backup (holds the plan id).
    Backup(String),
    /// A repository's scheduled prune (holds the repository id).
    Prune(String),
    /// A repository's scheduled check (holds the repository id).
    Check(String),
    /// A repository's scheduled forget by its own forget policy (holds the repository id).
    Forget(String),
    /// A repository's scheduled restore verification (holds the repository id).
    Verify(String),
    /// The daily garbage collection of operation history.
    CollectGarbage,
}

impl ScheduleKey {
    /// The task one run of this recurring task performs (a scheduled backup is never a dry run).
    pub fn task(&self) -> Task {
        match self {
            ScheduleKey::Backup(plan_id) => Task::Backup {
                plan_id: plan_id.clone(),
                dry_run: false,
            },
            ScheduleKey::Prune(repo_id) => Task::Prune {
                repo_id: repo_id.clone(),
            },
            ScheduleKey::Check(repo_id) => Task::Check {
                repo_id: repo_id.clone(),
            },
            ScheduleKey::Forget(repo_id) => Task::ScheduledForget {
                repo_id: repo_id.clone(),
            },
            ScheduleKey::Verify(repo_id) => Task::Verify {
                repo_id: repo_id.clone(),
            },
            ScheduleKey::CollectGarbage => Task::CollectGarbage,
        }
    }
}
