//! The worker's allocator setting. glibc's malloc serves a freed large block's size from its heaps from
//! then on (its mmap threshold rises to the largest block freed, up to 32 MiB), so a backup's chunk and
//! pack buffers, allocated on one thread and freed on another, fragment the per-thread heaps: a 1 GB
//! initial backup peaked at 174-227 MiB. A fixed 8 MiB threshold gives the largest buffers mappings of
//! their own, returned to the system when freed: 121-151 MiB, within 5% of the time (2 and 4 MiB cost
//! 10-20%: the average 1 MiB chunk is best kept in the heap). Measured with `/usr/bin/time -v` around the
//! engine benchmark's backup step (docs/engines.md).

/// Sets the threshold; called first thing in the worker, so that every buffer is placed by it.
pub fn keep_large_buffers_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes malloc's parameters, under malloc's own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 8 << 20);
    }
}
