//! The command action: the rendered script runs with `sh` reading it on stdin (a first line `#!prog
//! args` picks another interpreter), output (stdout and stderr) goes to the hook's log, it is killed
//! when the task is cancelled or the timeout passes, and a non-zero exit is a failure. For a shell
//! script the template's values arrive in environment variables the script names (see
//! `cairn_config::template::shell`), so no value is ever parsed as shell syntax.
use super::actions::note;
use super::error::HookError;
use cairn_config::template::Rendered;
use cairn_oplog::LogWriter;
use cairn_proto::quoted;
use parking_lot::Mutex;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

/// The interpreters whose scripts get their values through the environment: the POSIX shell family.
const SHELLS: [&str; 8] = ["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"];

/// Whether a command template is a shell script: no `#!` line, or one naming a shell (directly or
/// through `env`).
pub fn is_shell(template: &str) -> bool {
    let Ok(argv) = interpreter(template) else {
        return true;
    };
    let base = |a: &String| a.rsplit('/').next().unwrap_or_default().to_string();
    let prog = match argv.first().map(base) {
        Some(p) if p == "env" => argv.iter().skip(1).find(|a| !a.starts_with('-')).map(base),
        other => other,
    };
    prog.is_some_and(|p| SHELLS.contains(&p.as_str()))
}

pub async fn run(
    script: &Rendered,
    log: &Mutex<LogWriter>,
    cancel: &CancellationToken,
    timeout: Duration,
) -> Result<(), HookError> {
    let argv = interpreter(&script.text)?;
    note(log, "[script]");
    for line in script.text.lines() {
        note(log, line);
    }
    if !script.env.is_empty() {
        note(log, "[values]");
        for (name, value) in &script.env {
            note(log, &format!("{name}={}", quoted(value)));
        }
    }
    note(log, "[output]");
    let script_env = script.env.iter().map(|(k, v)| (k, v));
    let script = &script.text;
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .envs(script_env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0)
        .spawn()
        .map_err(|source| HookError::Start {
            what: "cannot start",
            program: argv[0].clone(),
            source,
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .await
            .map_err(|source| HookError::Start {
                what: "cannot pass the script to",
                program: argv[0].clone(),
                source,
            })?;
    }
    let pid = child.id();
    let out = child.stdout.take();
    let err = child.stderr.take();
    let copy = async {
        tokio::join!(copy_lines(out, log), copy_lines(err, log));
        child.wait().await
    };
    let status = tokio::select! {
        s = copy => s.map_err(HookError::Wait)?,
        _ = cancel.cancelled() => {
            kill_group(pid);
            return Err(HookError::Cancelled);
        }
        _ = tokio::time::sleep(timeout) => {
            kill_group(pid);
            return Err(HookError::TimedOut(timeout.as_secs()));
        }
    };
    if status.success() {
        Ok(())
    } else {
        Err(HookError::Exit(status))
    }
}

/// `sh`, or the interpreter a `#!` first line names.
fn interpreter(script: &str) -> Result<Vec<String>, HookError> {
    match script.lines().next().and_then(|l| l.strip_prefix("#!")) {
        Some(line) => shlex::split(line.trim())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| HookError::Interpreter(line.to_string())),
        None => Ok(vec!["sh".into()]),
    }
}

async fn copy_lines(from: Option<impl AsyncRead + Unpin>, log: &Mutex<LogWriter>) {
    let Some(from) = from else { return };
    let mut reader = BufReader::new(from);
    let mut buf = Vec::new();
    while let Ok(n) = reader.read_until(b'\n', &mut buf).await {
        if n == 0 {
            break;
        }
        note(log, String::from_utf8_lossy(&buf).trim_end_matches('\n'));
        buf.clear();
    }
}

/// Kills the command and everything it started.
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid {
        // SAFETY: kill(2) with a negative pid signals the process group we created; no memory involved.
        unsafe {
            libc::kill(-(pid as i32), libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreter_lines() {
        assert_eq!(interpreter("echo hi").unwrap(), vec!["sh"]);
        assert_eq!(
            interpreter("#!/bin/bash -e\necho").unwrap(),
            vec!["/bin/bash", "-e"]
        );
        assert!(interpreter("#!\"unbalanced\n").is_err());
    }

    #[test]
    fn shell_scripts_are_told_apart() {
        for shell in [
            "echo",
            "#!/bin/bash -e\necho",
            "#!/usr/bin/env bash\n",
            "#!/bin/sh\n",
        ] {
            assert!(is_shell(shell), "{shell}");
        }
        for other in ["#!/usr/bin/python3\nprint()", "#!/usr/bin/env -S perl -w\n"] {
            assert!(!is_shell(other), "{other}");
        }
    }
}
