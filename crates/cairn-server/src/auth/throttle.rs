//! Login throttling: password guesses are slowed per source address and per user name, with a delay
//! that doubles with each failure after the first few, so guessing at speed is impossible, while a
//! person who mistyped is not held up. A source that has logged in as a user before is not held back
//! by failures others caused against that user, so an attack on a name does not lock its owner out;
//! a source's own failures always count. Counts are in memory (a restart forgets them) and fade after
//! [`FORGET_AFTER`] without failures.
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failures allowed before any delay.
pub const FREE_FAILURES: u32 = 4;
/// The longest delay between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(300);
/// A record without a new failure for this long is dropped.
pub const FORGET_AFTER: Duration = Duration::from_secs(3600);
/// Records kept at most (sources and names); the stalest go first.
const MAX_RECORDS: usize = 100_000;

/// Who is trying: the address the connection came from (unknown when the server does not know it).
pub type Source = Option<IpAddr>;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Key {
    Source(IpAddr),
    User(String),
}

#[derive(Clone, Copy, Debug)]
struct Record {
    failures: u32,
    last: Instant,
}

#[derive(Default)]
struct State {
    records: HashMap<Key, Record>,
    /// (user, source) pairs that have logged in.
    trusted: HashSet<(String, IpAddr)>,
}

/// The throttle's verdict on an attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Allowed,
    /// Too soon after failures; try again after this long.
    Wait(Duration),
}

#[derive(Default)]
pub struct Throttle {
    state: Mutex<State>,
}

/// How long to wait after `failures` failures.
pub fn delay(failures: u32) -> Duration {
    if failures <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES - 1).min(16);
    (Duration::from_secs(1) * (1u32 << doublings)).min(MAX_DELAY)
}

impl Throttle {
    fn state(&self) -> parking_lot::MutexGuard<'_, State> {
        self.state.lock()
    }

    /// Whether `user` may try a password from `source` at `now`.
    pub fn check(&self, user: &str, source: Source, now: Instant) -> Verdict {
        let state = self.state();
        let wait_for = |key: &Key| {
            state.records.get(key).map_or(Duration::ZERO, |r| {
                (r.last + delay(r.failures)).saturating_duration_since(now)
            })
        };
        let mut wait = source.map_or(Duration::ZERO, |ip| wait_for(&Key::Source(ip)));
        let trusted = source.is_some_and(|ip| state.trusted.contains(&(user.to_string(), ip)));
        if !trusted {
            wait = wait.max(wait_for(&Key::User(user.to_string())));
        }
        if wait.is_zero() {
            Verdict::Allowed
        } else {
            Verdict::Wait(wait)
        }
    }

    /// Counts a failed attempt against the source and the name.
    pub fn failed(&self, user: &str, source: Source, now: Instant) {
        let mut state = self.state();
        forget_stale(&mut state, now);
        let mut bump = |key: Key| {
            let r = state.records.entry(key).or_insert(Record {
                failures: 0,
                last: now,
            });
            r.failures = r.failures.saturating_add(1);
            r.last = now;
        };
        if let Some(ip) = source {
            bump(Key::Source(ip));
        }
        bump(Key::User(user.to_string()));
    }

    /// A successful login: the source's failures are forgiven and it is trusted for this user.
    pub fn succeeded(&self, user: &str, source: Source) {
        if let Some(ip) = source {
            self.state().records.remove(&Key::Source(ip));
        }
        self.trust(user, source);
    }

    /// The source has shown it acts for `user` (it created the user, or uses one of its sessions):
    /// failures others cause against the name do not hold it back.
    pub fn trust(&self, user: &str, source: Source) {
        let Some(ip) = source else { return };
        let mut state = self.state();
        if state.trusted.len() < MAX_RECORDS {
            state.trusted.insert((user.to_string(), ip));
        }
    }
}

fn forget_stale(state: &mut State, now: Instant) {
    let stale = |r: &Record| now.saturating_duration_since(r.last) > FORGET_AFTER;
    if state.records.len() >= MAX_RECORDS || state.records.values().take(64).any(stale) {
        state.records.retain(|_, r| !stale(r));
    }
    if state.records.len() >= MAX_RECORDS {
        let mut by_age: Vec<(Key, Instant)> = state
            .records
            .iter()
            .map(|(k, r)| (k.clone(), r.last))
            .collect();
        by_age.sort_by_key(|(_, last)| *last);
        for (k, _) in by_age.into_iter().take(MAX_RECORDS / 10) {
            state.records.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Source {
        Some(s.parse().unwrap())
    }

    /// Guesses as fast as the throttle lets them through; returns how long `n` attempts take.
    fn guess(t: &Throttle, user: &str, source: Source, n: u32, start: Instant) -> Duration {
        let mut now = start;
        for _ in 0..n {
            if let Verdict::Wait(d) = t.check(user, source, now) {
                now += d;
            }
            assert_eq!(t.check(user, source, now), Verdict::Allowed);
            t.failed(user, source, now);
        }
        now - start
    }

    #[test]
    fn a_hundred_wrong_passwords_take_far_more_than_a_minute() {
        let t = Throttle::default();
        let took = guess(&t, "admin", ip("192.0.2.1"), 100, Instant::now());
        assert!(took >= Duration::from_secs(60), "{took:?}");
        assert!(took >= MAX_DELAY * 80, "{took:?}");
    }

    #[test]
    fn a_few_typos_cost_nothing() {
        let t = Throttle::default();
        let took = guess(&t, "admin", ip("192.0.2.1"), FREE_FAILURES, Instant::now());
        assert_eq!(took, Duration::ZERO);
        assert_eq!(delay(FREE_FAILURES + 1), Duration::from_secs(1));
        assert_eq!(delay(FREE_FAILURES + 3), Duration::from_secs(4));
        assert_eq!(delay(1000), MAX_DELAY);
    }

    #[test]
    fn an_attack_on_a_name_does_not_lock_out_its_owner_on_a_known_source() {
        let t = Throttle::default();
        let now = Instant::now();
        t.succeeded("admin", ip("198.51.100.7"));
        for i in 0..20 {
            t.failed("admin", ip(&format!("203.0.113.{i}")), now);
        }
        assert_eq!(t.check("admin", ip("198.51.100.7"), now), Verdict::Allowed);
        assert!(matches!(
            t.check("admin", ip("203.0.113.99"), now),
            Verdict::Wait(_)
        ));
        assert_eq!(t.check("other", ip("203.0.113.99"), now), Verdict::Allowed);
        // A source's own failures count even for a user it is trusted for.
        for _ in 0..10 {
            t.failed("admin", ip("198.51.100.7"), now);
        }
        assert!(matches!(
            t.check("admin", ip("198.51.100.7"), now),
            Verdict::Wait(_)
        ));
    }

    #[test]
    fn failures_fade() {
        let t = Throttle::default();
        let start = Instant::now();
        for _ in 0..10 {
            t.failed("u", ip("192.0.2.1"), start);
        }
        let later = start + MAX_DELAY + Duration::from_secs(1);
        assert_eq!(t.check("u", ip("192.0.2.1"), later), Verdict::Allowed);
    }
}
