//! A counting gate: at most N callers inside at once. The embedded engine puts one in front of pack reads
//! so a restore holds only a few packs in memory however many threads rustic_core starts.
use parking_lot::{Condvar, Mutex};

pub struct Gate {
    free: Mutex<usize>,
    changed: Condvar,
}

/// Proof of being inside the gate; leaving happens on drop.
pub struct Pass<'a>(&'a Gate);

impl Gate {
    pub fn new(capacity: usize) -> Self {
        Gate {
            free: Mutex::new(capacity.max(1)),
            changed: Condvar::new(),
        }
    }

    pub fn enter(&self) -> Pass<'_> {
        let mut free = self.free.lock();
        while *free == 0 {
            self.changed.wait(&mut free);
        }
        *free -= 1;
        Pass(self)
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock();
        *free += 1;
        self.0.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
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
}
