//! Where templates run: parsing and rendering happen on a thread of their own with a known stack,
//! bounded in nesting, steps, time, value sizes and output, so no template (recursive, exponential,
//! with a huge printf width, or one that trips a bug in the engine) can overflow the server's stack,
//! hang a task, eat its memory or panic anywhere but on that thread. Every way a template can go wrong
//! comes back as a [`TemplateError`].
use super::TemplateError;
use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest template source accepted.
pub const MAX_SOURCE: usize = 256 * 1024;
/// The most a render may print.
pub const MAX_OUTPUT: usize = 1 << 20;
/// Nesting of actions, pipelines and template calls together.
pub const MAX_DEPTH: usize = 1000;
/// Evaluation steps (actions, commands, function calls, loop iterations).
pub const MAX_STEPS: u64 = 1_000_000;
/// How long parsing and rendering may take together.
pub const MAX_TIME: Duration = Duration::from_secs(2);
/// The template thread's stack: what MAX_DEPTH levels need in a debug build, several times over.
const STACK: usize = 16 << 20;

/// The bounds one render runs under.
pub fn limits(deadline: Instant) -> gtmpl::Limits {
    gtmpl::Limits {
        max_depth: MAX_DEPTH,
        max_steps: MAX_STEPS,
        max_value_len: MAX_OUTPUT,
        deadline: Some(deadline),
    }
}

/// Runs `f` (given its deadline) on the template thread and waits for it, at most a little past the
/// deadline: the engine checks the deadline itself, so the thread does not outlive it by much.
pub fn run<T, F>(f: F) -> Result<T, TemplateError>
where
    T: Send + 'static,
    F: FnOnce(Instant) -> Result<T, TemplateError> + Send + 'static,
{
    let deadline = Instant::now() + MAX_TIME;
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("template".into())
        .stack_size(STACK)
        .spawn(move || {
            let _ = tx.send(f(deadline));
        })
        .map_err(|e| TemplateError::Limit(format!("cannot start the template thread: {e}")))?;
    match rx.recv_timeout(MAX_TIME + Duration::from_secs(1)) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(TemplateError::Limit(format!(
            "took longer than {} s",
            MAX_TIME.as_secs()
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let why = thread.join().err().map(|p| panic_text(p.as_ref()));
            Err(TemplateError::Limit(format!(
                "the template engine failed on this template ({})",
                why.unwrap_or_else(|| "no reason given".into())
            )))
        }
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Output that refuses to grow past [`MAX_OUTPUT`].
#[derive(Default)]
pub struct Capped {
    pub buf: Vec<u8>,
    pub over: bool,
}

impl Write for Capped {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + b.len() > MAX_OUTPUT {
            self.over = true;
            return Err(std::io::Error::other(format!(
                "the output grew past {MAX_OUTPUT} bytes"
            )));
        }
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
