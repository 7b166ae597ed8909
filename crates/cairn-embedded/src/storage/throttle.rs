//! Bandwidth limits (restic's `--limit-upload` / `--limit-download`, in KiB/s): callers report the bytes
//! they moved and sleep long enough that the average rate since the start stays under the limit.
use parking_lot::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    bytes_per_sec: Option<u64>,
    state: Mutex<(Instant, u64)>,
}

impl Throttle {
    /// `kib_per_sec` of None or 0 means unlimited.
    pub fn new(kib_per_sec: Option<u64>) -> Self {
        Throttle {
            bytes_per_sec: kib_per_sec.filter(|k| *k > 0).map(|k| k * 1024),
            state: Mutex::new((Instant::now(), 0)),
        }
    }

    /// Accounts for `bytes` and waits as long as the limit needs.
    pub fn pass(&self, bytes: usize) {
        let Some(rate) = self.bytes_per_sec else {
            return;
        };
        let wait = {
            let mut state = self.state.lock();
            state.1 += bytes as u64;
            let due = Duration::from_secs_f64(state.1 as f64 / rate as f64);
            due.saturating_sub(state.0.elapsed())
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_never_waits_and_a_limit_does() {
        let free = Throttle::new(None);
        let t = Instant::now();
        free.pass(1 << 30);
        assert!(t.elapsed() < Duration::from_millis(50));
        let limited = Throttle::new(Some(100));
        let t = Instant::now();
        limited.pass(20 * 1024);
        assert!(t.elapsed() >= Duration::from_millis(180));
    }
}
