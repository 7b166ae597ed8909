//! The task queue: entries become ready when their time comes; among ready entries the highest
//! priority runs first (then the earliest, then the first queued). One repository's entries run one at
//! a time; entries of different repositories run in parallel up to a global limit.
use crate::task::{ScheduleKey, Task};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// One queued run of a task.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Queue-assigned, increasing: ties among equal priority and time go to the older entry.
    pub seq: u64,
    pub run_at: DateTime<Utc>,
    pub priority: i32,
    pub task: Task,
    /// The repository whose serial lane the task runs in (None: no repository, e.g. garbage collection).
    pub repo_id: Option<String>,
    /// The operation recording this run (PENDING while queued), if the task has one.
    pub op_id: Option<i64>,
    /// Set for a recurring task's next run.
    pub schedule: Option<ScheduleKey>,
    /// The flow the run joins (0: its own).
    pub flow_id: i64,
    /// Earlier attempts of this run (hook retries).
    pub attempt: u32,
}

/// The queue and which repositories are busy.
#[derive(Debug, Default)]
pub struct Queue {
    entries: Vec<Entry>,
    busy: HashSet<String>,
    running: usize,
    next_seq: u64,
}

impl Queue {
    /// Adds an entry (its `seq` is assigned here) and returns the seq.
    pub fn push(&mut self, mut entry: Entry) -> u64 {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        self.entries.push(entry);
        self.next_seq
    }

    /// Takes the entry to run now, if any is due, its repository is idle and fewer than `limit` run.
    /// The caller must call [`Queue::finished`] with the entry's repository when it ends.
    pub fn take_ready(&mut self, now: DateTime<Utc>, limit: usize) -> Option<Entry> {
        if self.running >= limit {
            return None;
        }
        let best = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.run_at <= now)
            .filter(|(_, e)| e.repo_id.as_ref().is_none_or(|r| !self.busy.contains(r)))
            .max_by(|(_, a), (_, b)| {
                a.priority
                    .cmp(&b.priority)
                    .then(b.run_at.cmp(&a.run_at))
                    .then(b.seq.cmp(&a.seq))
            })
            .map(|(i, _)| i)?;
        let entry = self.entries.swap_remove(best);
        if let Some(r) = &entry.repo_id {
            self.busy.insert(r.clone());
        }
        self.running += 1;
        Some(entry)
    }

    /// Marks a taken entry's run as over, freeing its repository.
    pub fn finished(&mut self, repo_id: Option<&str>) {
        if let Some(r) = repo_id {
            self.busy.remove(r);
        }
        self.running = self.running.saturating_sub(1);
    }

    /// When the earliest entry that is not yet due becomes due.
    pub fn next_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.entries
            .iter()
            .map(|e| e.run_at)
            .filter(|t| *t > now)
            .min()
    }

    /// Removes the queued entry recording operation `op_id`.
    pub fn remove_op(&mut self, op_id: i64) -> Option<Entry> {
        let i = self.entries.iter().position(|e| e.op_id == Some(op_id))?;
        Some(self.entries.swap_remove(i))
    }

    /// Removes every recurring entry (for rescheduling after a config change).
    pub fn remove_scheduled(&mut self) -> Vec<Entry> {
        let (scheduled, rest) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|e| e.schedule.is_some());
        self.entries = rest;
        scheduled
    }

    /// Removes every queued entry of a repository (it was removed from the config).
    pub fn remove_repo(&mut self, repo_id: &str) -> Vec<Entry> {
        let (gone, rest) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|e| e.repo_id.as_deref() == Some(repo_id));
        self.entries = rest;
        gone
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Tasks running now.
    pub fn running(&self) -> usize {
        self.running
    }

    /// True when a recurring task's next run is queued.
    pub fn has_schedule(&self, key: &ScheduleKey) -> bool {
        self.entries
            .iter()
            .any(|e| e.schedule.as_ref() == Some(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::priority;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    fn entry(repo: &str, run_at: i64, prio: i32) -> Entry {
        Entry {
            seq: 0,
            run_at: t(run_at),
            priority: prio,
            task: Task::Stats {
                repo_id: repo.into(),
            },
            repo_id: (!repo.is_empty()).then(|| repo.to_string()),
            op_id: None,
            schedule: None,
            flow_id: 0,
            attempt: 0,
        }
    }

    #[test]
    fn due_entries_run_by_priority_then_time_then_order() {
        let mut q = Queue::default();
        q.push(entry("a", 0, priority::DEFAULT));
        q.push(entry("b", 5, priority::PRUNE));
        q.push(entry("c", 0, priority::DEFAULT + priority::INTERACTIVE));
        q.push(entry("d", 100, priority::INTERACTIVE + priority::PRUNE));
        let order: Vec<String> = std::iter::from_fn(|| {
            let e = q.take_ready(t(10), 10)?;
            e.repo_id
        })
        .collect();
        assert_eq!(order, vec!["c", "b", "a"], "d is not due");
        assert_eq!(q.next_due(t(10)), Some(t(100)));
    }

    #[test]
    fn one_repository_runs_one_task_at_a_time_and_the_global_limit_holds() {
        let mut q = Queue::default();
        q.push(entry("a", 0, priority::DEFAULT));
        q.push(entry("a", 0, priority::INTERACTIVE));
        q.push(entry("b", 0, priority::DEFAULT));
        q.push(entry("c", 0, priority::DEFAULT));
        let first = q.take_ready(t(0), 2).unwrap();
        assert_eq!(first.priority, priority::INTERACTIVE);
        let second = q.take_ready(t(0), 2).unwrap();
        assert_eq!(second.repo_id.as_deref(), Some("b"), "a is busy");
        assert!(q.take_ready(t(0), 2).is_none(), "the limit of 2 is reached");
        q.finished(Some("b"));
        let third = q.take_ready(t(0), 2).unwrap();
        assert_eq!(third.repo_id.as_deref(), Some("c"), "a is still busy");
        q.finished(Some("a"));
        assert_eq!(q.take_ready(t(0), 2).unwrap().repo_id.as_deref(), Some("a"));
        assert_eq!(q.running(), 2);
    }

    #[test]
    fn scheduled_and_repository_entries_can_be_removed() {
        let mut q = Queue::default();
        let mut e = entry("a", 0, 0);
        e.schedule = Some(ScheduleKey::Prune("a".into()));
        e.op_id = Some(7);
        q.push(e);
        q.push(entry("a", 0, 0));
        q.push(entry("b", 0, 0));
        assert!(q.has_schedule(&ScheduleKey::Prune("a".into())));
        assert_eq!(q.remove_op(7).unwrap().op_id, Some(7));
        assert!(q.remove_op(7).is_none());
        assert_eq!(q.remove_scheduled().len(), 0);
        assert_eq!(q.remove_repo("a").len(), 1);
        assert_eq!(q.entries().len(), 1);
    }
}
