//! Child processes that die with cairn. On Linux the kernel is asked (prctl PR_SET_PDEATHSIG) to
//! SIGKILL a restic or worker process when cairn itself dies, even by SIGKILL or the OOM killer: an
//! orphan would keep its repository lock live and go on writing. Other systems have no such call;
//! there a child ends with cairn only when cairn exits normally (`kill_on_drop`), and a killed cairn
//! may leave one running until it finishes.

/// Runs in the child between fork and exec (so only async-signal-safe calls). The setting survives
/// exec, so it holds through nice/ionice prefixes.
pub fn in_child() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and changes only the calling (child) process.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
