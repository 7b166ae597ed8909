//! Running one job in a worker process: spawn it (memory-limited, killed with cairn), send the job, read
//! its frames, and turn its end into a result. Cancelling kills the worker; a lock it held is then
//! removed by a short clean-up job, so a cancelled operation never leaves the repository locked. The
//! master key a worker reports is kept (key_cache.rs) and handed to the next job on that repository.
use super::key_cache::KeyCache;
use super::protocol::{Event, FailKind, Job, KnownKey, TAG_DATA, Task, parse_head};
use cairn_engine::{EngineError, Result};
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// How to start a worker: a program and the arguments that put it in worker mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerCommand {
    /// The executable to run as the worker.
    pub program: PathBuf,
    /// Arguments that put it in worker mode (empty when set from `$CAIRN_ENGINE_WORKER`).
    pub args: Vec<String>,
}

impl WorkerCommand {
    /// The running cairn binary in worker mode (`cairn engine-worker`), or `$CAIRN_ENGINE_WORKER`.
    pub fn current() -> Result<Self> {
        if let Some(p) = std::env::var_os("CAIRN_ENGINE_WORKER") {
            return Ok(WorkerCommand {
                program: p.into(),
                args: Vec::new(),
            });
        }
        let exe =
            std::env::current_exe().map_err(|e| EngineError::io("the cairn executable", e))?;
        Ok(WorkerCommand {
            program: exe,
            args: vec!["engine-worker".into()],
        })
    }
}

/// What a job's caller wants to hear about as it runs.
pub struct Handlers<'a> {
    pub event: &'a mut (dyn FnMut(Event) + Send),
    /// Where archive bytes go (dump jobs only).
    pub data: Option<&'a mut (dyn AsyncWrite + Unpin + Send)>,
}

pub struct Client {
    pub worker: WorkerCommand,
    /// Address-space data limit of each worker, bytes (0: none).
    pub memory_limit: u64,
    pub keys: KeyCache,
}

/// What a worker reported along the way that cairn acts on itself.
#[derive(Default)]
struct Reported {
    /// The lock file it holds.
    lock: Option<String>,
    /// The master key its password opened.
    key: Option<KnownKey>,
}

fn limit_memory(cmd: &mut tokio::process::Command, bytes: u64) {
    // SAFETY: only async-signal-safe calls (prctl, setrlimit) in the child before exec.
    unsafe {
        cmd.pre_exec(move || {
            cairn_engine::die_with_parent::in_child()?;
            if bytes > 0 {
                let limit = libc::rlimit {
                    rlim_cur: bytes as libc::rlim_t,
                    rlim_max: bytes as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// How a worker run ended.
enum End {
    Done(serde_json::Value),
    Failed(FailKind, String),
    Cancelled,
    Vanished(EngineError),
}

fn protocol_error(e: std::io::Error) -> EngineError {
    EngineError::Command {
        command: "cairn engine-worker".into(),
        code: -1,
        output: format!("lost contact with the engine worker: {e}"),
    }
}

impl Client {
    /// Runs `job` to its end; `env` are the repository's environment entries.
    pub async fn run(
        &self,
        job: &Job,
        env: &[(String, String)],
        handlers: Handlers<'_>,
        cancel: &CancellationToken,
    ) -> Result<serde_json::Value> {
        let mut job = job.clone();
        job.known_key = self.keys.get(&job);
        let job = &job;
        let mut reported = Reported::default();
        let end = self
            .drive(job, env, handlers, cancel, &mut reported)
            .await?;
        if let Some(key) = reported.key {
            self.keys.put(job, key);
        }
        let lock = reported.lock;
        match end {
            End::Done(v) => Ok(v),
            End::Failed(kind, message) => {
                if kind == FailKind::WrongPassword {
                    self.keys.forget(job);
                }
                Err(error_for(kind, message, &job.location))
            }
            End::Cancelled => {
                self.remove_lock(job, env, lock).await;
                Err(EngineError::Cancelled)
            }
            End::Vanished(e) => {
                self.remove_lock(job, env, lock).await;
                Err(e)
            }
        }
    }

    async fn drive(
        &self,
        job: &Job,
        env: &[(String, String)],
        handlers: Handlers<'_>,
        cancel: &CancellationToken,
        reported: &mut Reported,
    ) -> Result<End> {
        let mut cmd = tokio::process::Command::new(&self.worker.program);
        cmd.args(&self.worker.args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        limit_memory(&mut cmd, self.memory_limit);
        let mut child = cmd
            .spawn()
            .map_err(|e| EngineError::io(&self.worker.program, e))?;
        let payload = serde_json::to_vec(job).map_err(|e| EngineError::Invalid(e.to_string()))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(&payload).await.map_err(protocol_error)?;
            drop(stdin);
        }
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| EngineError::Invalid("no worker stdout".into()))?;
        let mut stderr = child
            .stderr
            .take()
            .ok_or_else(|| EngineError::Invalid("no worker stderr".into()))?;
        let err_task = tokio::spawn(async move {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s).await;
            s
        });
        let frames = read_frames(&mut stdout, handlers, reported);
        let end = tokio::select! {
            end = frames => end,
            _ = cancel.cancelled() => {
                let _ = child.kill().await;
                return Ok(End::Cancelled);
            }
        };
        let status = child.wait().await.map_err(protocol_error)?;
        let stderr_text = err_task.await.unwrap_or_default();
        Ok(match end {
            Some(end) => end,
            None => End::Vanished(vanished(status, &stderr_text, self.memory_limit)),
        })
    }

    /// After a killed worker: remove the lock it held, if any.
    async fn remove_lock(&self, job: &Job, env: &[(String, String)], lock: Option<String>) {
        let Some(name) = lock else { return };
        let cleanup = Job {
            location: job.location.clone(),
            password: String::new(),
            run: job.run.clone(),
            cache_dir: None,
            lock_wait_ms: 0,
            known_key: None,
            task: Task::RemoveLock { name },
        };
        let mut ignore = |_: Event| {};
        let handlers = Handlers {
            event: &mut ignore,
            data: None,
        };
        if let Err(e) = self
            .drive(
                &cleanup,
                env,
                handlers,
                &CancellationToken::new(),
                &mut Reported::default(),
            )
            .await
        {
            tracing::warn!(error = %e, "could not remove the lock of a cancelled operation");
        }
    }
}

/// Reads frames until the worker's final event; None if the stream ends without one.
async fn read_frames(
    input: &mut (impl AsyncRead + Unpin),
    handlers: Handlers<'_>,
    reported: &mut Reported,
) -> Option<End> {
    let Handlers { event, mut data } = handlers;
    loop {
        let mut head = [0u8; 5];
        input.read_exact(&mut head).await.ok()?;
        let (tag, len) = parse_head(head).ok()?;
        let mut payload = vec![0u8; len];
        input.read_exact(&mut payload).await.ok()?;
        if tag == TAG_DATA {
            let out = data.as_mut()?;
            if let Err(e) = out.write_all(&payload).await {
                return Some(End::Failed(
                    FailKind::Other,
                    format!("writing the archive: {e}"),
                ));
            }
            continue;
        }
        match serde_json::from_slice::<Event>(&payload).ok()? {
            Event::Done(v) => return Some(End::Done(v)),
            Event::Failed { kind, message } => return Some(End::Failed(kind, message)),
            Event::Lock(name) => {
                reported.lock = Some(name.clone());
                event(Event::Lock(name));
            }
            Event::Key(key) => reported.key = Some(key),
            other => event(other),
        }
    }
}

/// Why the worker stopped without an answer: out of its memory limit, or otherwise.
fn vanished(status: std::process::ExitStatus, stderr: &str, memory_limit: u64) -> EngineError {
    use std::os::unix::process::ExitStatusExt;
    let tail: String = stderr
        .lines()
        .rev()
        .take(5)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" / ");
    let memory = stderr.contains("memory allocation") || status.signal() == Some(libc::SIGABRT);
    if memory && memory_limit > 0 {
        return EngineError::ResourceLimit(format!(
            "the embedded engine ran out of memory (limit {} MiB; raise CAIRN_WORKER_MEMORY_MIB): {tail}",
            memory_limit >> 20
        ));
    }
    EngineError::Command {
        command: "cairn engine-worker".into(),
        code: -1,
        output: format!("the embedded engine's worker stopped unexpectedly ({status}): {tail}"),
    }
}

fn error_for(kind: FailKind, message: String, location: &super::location::Location) -> EngineError {
    match kind {
        FailKind::NoRepository => EngineError::RepoNotFound(match location {
            super::location::Location::Local(p) => p.display().to_string(),
            _ => message,
        }),
        FailKind::WrongPassword => EngineError::WrongPassword,
        FailKind::Locked => EngineError::Locked(message),
        FailKind::Invalid => EngineError::Invalid(message),
        FailKind::Other => {
            cairn_engine::shared::classify::classify(&message).unwrap_or(EngineError::Command {
                command: "embedded engine".into(),
                code: 1,
                output: message,
            })
        }
        FailKind::Panic => EngineError::Command {
            command: "embedded engine".into(),
            code: 1,
            output: message,
        },
    }
}
