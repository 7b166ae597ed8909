//! Running restic for one repository: the command line (nice/ionice prefix, restic, arguments, the
//! repository's flags), the environment (password and repository never on the command line), streaming
//! both output pipes line by line, and cancellation (SIGINT, a grace period, then SIGKILL).
use crate::error::{EngineError, Result};
use crate::expand::expand_env;
use crate::shared::repo_flags::repo_flags;
use cairn_proto::v1::Repo;
use cairn_proto::v1::command_prefix::{CPUNiceLevel, IONiceLevel};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

/// How long restic gets to stop cleanly after SIGINT before it is killed.
pub const CANCEL_GRACE: Duration = Duration::from_secs(10);
/// How much of a failed command's output an error message carries.
const ERROR_OUTPUT_LIMIT: usize = 2000;

/// What a finished command printed and how it exited.
pub struct Finished {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The command-line prefix for a repository's `commandPrefix` (nice, ionice).
pub fn prefix(repo: &Repo) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = repo.command_prefix.as_option() {
        match p.cpu_nice.as_known() {
            Some(CPUNiceLevel::CPU_HIGH) => out.extend(["nice", "-n", "-10"]),
            Some(CPUNiceLevel::CPU_LOW) => out.extend(["nice", "-n", "10"]),
            _ => {}
        }
        match p.io_nice.as_known() {
            Some(IONiceLevel::IO_IDLE) => out.extend(["ionice", "-c", "3"]),
            Some(IONiceLevel::IO_BEST_EFFORT_LOW) => out.extend(["ionice", "-c", "2", "-n", "7"]),
            Some(IONiceLevel::IO_BEST_EFFORT_HIGH) => out.extend(["ionice", "-c", "2", "-n", "0"]),
            _ => {}
        }
    }
    out.into_iter().map(str::to_string).collect()
}

/// Builds the full command for `args` against `repo`.
pub fn command(
    bin: &Path,
    repo: &Repo,
    args: &[String],
    sftp_args_known: bool,
) -> Result<(Command, String)> {
    let env = |k: &str| std::env::var(k).ok();
    let mut line = prefix(repo);
    line.push(bin.to_string_lossy().into_owned());
    line.extend(args.iter().cloned());
    line.extend(repo_flags(repo, &env, sftp_args_known)?);
    let display: String = line
        .iter()
        .skip_while(|w| *w != &bin.to_string_lossy())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new(&line[0]);
    cmd.args(&line[1..]);
    if !repo.password.is_empty() {
        cmd.env("RESTIC_PASSWORD", &repo.password);
        cmd.env_remove("RESTIC_PASSWORD_FILE");
        cmd.env_remove("RESTIC_PASSWORD_COMMAND");
    }
    for (k, v) in crate::shared::repo_env::env_pairs(repo)? {
        cmd.env(k, expand_env(&v, env));
    }
    cmd.env("RESTIC_REPOSITORY", expand_env(&repo.uri, env));
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    die_with_parent(&mut cmd);
    Ok((cmd, truncate(&display, 100)))
}

/// Has restic die with cairn (see [`crate::die_with_parent`]): an orphaned restic would keep its lock
/// live, so the restarted cairn could neither unlock nor start anew.
fn die_with_parent(cmd: &mut Command) {
    // SAFETY: the hook makes only async-signal-safe calls.
    unsafe {
        cmd.pre_exec(crate::die_with_parent::in_child);
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Runs `cmd`, calling `on_line(is_stderr, line)` for every output line, until it exits or `cancel`
/// fires (then SIGINT, [`CANCEL_GRACE`], SIGKILL, and [`EngineError::Cancelled`]).
pub async fn drive(
    mut cmd: Command,
    display: &str,
    on_line: &mut (dyn FnMut(bool, &str) + Send),
    cancel: Option<&CancellationToken>,
) -> Result<i32> {
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            EngineError::ResticNotFound(format!("cannot run {display}"))
        }
        _ => EngineError::io(PathBuf::from(display), e),
    })?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let mut out = stdout.map(|s| BufReader::new(s).lines());
    let mut err = stderr.map(|s| BufReader::new(s).lines());
    let never = CancellationToken::new();
    let cancel = cancel.unwrap_or(&never);
    loop {
        tokio::select! {
            line = async { match out.as_mut() { Some(o) => o.next_line().await, None => std::future::pending().await } } => {
                match line {
                    Ok(Some(l)) => on_line(false, &l),
                    _ => out = None,
                }
            }
            line = async { match err.as_mut() { Some(e) => e.next_line().await, None => std::future::pending().await } } => {
                match line {
                    Ok(Some(l)) => on_line(true, &l),
                    _ => err = None,
                }
            }
            _ = cancel.cancelled() => {
                interrupt(&mut child).await;
                return Err(EngineError::Cancelled);
            }
        }
        if out.is_none() && err.is_none() {
            break;
        }
    }
    let status = tokio::select! {
        s = child.wait() => s.map_err(|e| EngineError::io(PathBuf::from(display), e))?,
        _ = cancel.cancelled() => {
            interrupt(&mut child).await;
            return Err(EngineError::Cancelled);
        }
    };
    Ok(status.code().unwrap_or(-1))
}

/// SIGINT (restic then removes its lock and stops), then SIGKILL after the grace period.
async fn interrupt(child: &mut Child) {
    if let Some(pid) = child.id() {
        // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGINT);
        }
    }
    if tokio::time::timeout(CANCEL_GRACE, child.wait())
        .await
        .is_err()
    {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
}

/// Runs a command to completion, collecting its output.
pub async fn capture(
    cmd: Command,
    display: &str,
    cancel: Option<&CancellationToken>,
) -> Result<Finished> {
    let mut stdout = String::new();
    let mut stderr = String::new();
    let code = drive(
        cmd,
        display,
        &mut |is_err, line| {
            let buf = if is_err { &mut stderr } else { &mut stdout };
            buf.push_str(line);
            buf.push('\n');
        },
        cancel,
    )
    .await?;
    Ok(Finished {
        code,
        stdout,
        stderr,
    })
}

/// Maps a non-zero exit to the most specific error restic's message allows.
pub fn failure(display: &str, code: i32, output: &str) -> EngineError {
    let lower = output.to_lowercase();
    if lower.contains("unable to open config file")
        || lower.contains("is there a repository at the following location")
    {
        return EngineError::RepoNotFound(display.to_string());
    }
    if lower.contains("wrong password") || lower.contains("no key found") {
        return EngineError::WrongPassword;
    }
    if lower.contains("repository is already locked") || lower.contains("unable to create lock") {
        let line = output
            .lines()
            .find(|l| l.to_lowercase().contains("lock"))
            .unwrap_or(output);
        return EngineError::Locked(line.trim().to_string());
    }
    if let Some(e) = crate::shared::classify::classify(output) {
        return e;
    }
    let mut text = output.trim().to_string();
    if text.len() > ERROR_OUTPUT_LIMIT {
        let cut = text.len() - ERROR_OUTPUT_LIMIT;
        text = format!(
            "{} [{cut} bytes truncated]",
            truncate(&text, ERROR_OUTPUT_LIMIT)
        );
    }
    EngineError::Command {
        command: display.to_string(),
        code,
        output: text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::v1::CommandPrefix;

    #[test]
    fn prefix_and_flags() {
        let repo = Repo {
            id: "r".into(),
            uri: "sftp:u@h:/x".into(),
            flags: vec![
                "--limit-upload=${RATE}".into(),
                "-o 'b2.connections=4'".into(),
            ],
            command_prefix: CommandPrefix {
                io_nice: IONiceLevel::IO_IDLE.into(),
                cpu_nice: CPUNiceLevel::CPU_LOW.into(),
                ..Default::default()
            }
            .into(),
            ..Repo::default()
        };
        assert_eq!(prefix(&repo), vec!["nice", "-n", "10", "ionice", "-c", "3"]);
        let env = |k: &str| (k == "RATE").then(|| "100".to_string());
        assert_eq!(
            repo_flags(&repo, &env, true).unwrap(),
            vec![
                "--limit-upload=100",
                "-o",
                "b2.connections=4",
                "-o",
                "sftp.args=-oBatchMode=yes"
            ]
        );
        assert_eq!(
            repo_flags(&repo, &env, false).unwrap().len(),
            3,
            "restic 0.14 has no sftp.args"
        );
        let bad = Repo {
            flags: vec!["-o 'x".into()],
            ..Repo::default()
        };
        assert!(repo_flags(&bad, &env, true).is_err());
    }

    #[test]
    fn failures_are_classified() {
        assert!(matches!(
            failure("c", 1, "Fatal: unable to open config file: stat x"),
            EngineError::RepoNotFound(_)
        ));
        assert!(matches!(
            failure("c", 1, "Fatal: wrong password or no key found"),
            EngineError::WrongPassword
        ));
        assert!(matches!(
            failure(
                "c",
                1,
                "unable to create lock in backend: repository is already locked exclusively by PID 1"
            ),
            EngineError::Locked(_)
        ));
        let long = "x".repeat(5000);
        assert!(
            failure("c", 2, &long)
                .to_string()
                .contains("bytes truncated")
        );
    }
}
