//! Where the orchestrator gets the time: the system clock in production, a settable clock in tests (so
//! schedules, sleeps and clock jumps can be driven deterministically).
use chrono::{DateTime, Utc};
use parking_lot::Mutex;

/// A source of the current time, so the orchestrator can run on a real or a fake clock.
pub trait Clock: Send + Sync {
    /// The current time, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The real time.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (forwards, or backwards to simulate a clock jump).
#[derive(Debug)]
pub struct FakeClock(Mutex<DateTime<Utc>>);

impl FakeClock {
    /// A clock stopped at `t` until it is set or advanced.
    pub fn at(t: DateTime<Utc>) -> Self {
        FakeClock(Mutex::new(t))
    }

    /// Moves the clock to `t`; a time before the current one simulates a backward clock jump.
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock() = t;
    }

    /// Moves the clock on by `d` (a negative `d` moves it back).
    pub fn advance(&self, d: chrono::Duration) {
        let mut t = self.0.lock();
        *t += d;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock()
    }
}
