//! A counting gate: at most N holders at once. The embedded engine gives each pack read a pass that lives
//! as long as the bytes read, so a restore holds only a few pack ranges in memory however many threads
//! rustic_core starts. The limit is soft: a caller that has waited `PATIENCE` goes in anyway, so code
//! that holds several reads while asking for another can never deadlock on it.
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(20);

pub struct Gate {
    free: Mutex<usize>,
    changed: Condvar,
}

/// Proof of being inside the gate; leaving happens on drop.
pub struct Pass(Arc<Gate>, bool);

impl Gate {
    pub fn new(capacity: usize) -> Self {
        Gate {
            free: Mutex::new(capacity.max(1)),
            changed: Condvar::new(),
        }
    }

    /// Waits for a free place (up to `PATIENCE`, then goes in over the limit).
    pub fn enter(self: &Arc<Self>) -> Pass {
        self.enter_within(PATIENCE)
    }

    fn enter_within(self: &Arc<Self>, patience: Duration) -> Pass {
        let deadline = Instant::now() + patience;
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Pass(self.clone(), false);
            }
            free = self
                .changed
                .wait_timeout(free, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *free -= 1;
        Pass(self.clone(), true)
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        if !self.1 {
            return;
        }
        let mut free = self.0.free.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        self.0.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_than_capacity_inside() {
        let gate = Arc::new(Gate::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gate, inside, peak) = (gate.clone(), inside.clone(), peak.clone());
                std::thread::spawn(move || {
                    let _pass = gate.enter();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_caller_out_of_patience_goes_in_without_taking_a_place() {
        let gate = Arc::new(Gate::new(1));
        let held = gate.enter();
        let late = gate.enter_within(Duration::from_millis(30));
        drop(late);
        drop(held);
        let _again = gate.enter_within(Duration::ZERO);
        assert!(
            !gate.enter_within(Duration::from_millis(10)).1,
            "still one place only"
        );
    }
}
