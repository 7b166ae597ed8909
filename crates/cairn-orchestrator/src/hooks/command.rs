//! The command action: the rendered script runs with `sh` reading it on stdin (a first line `#!prog
//! args` picks another interpreter), output (stdout and stderr) goes to the hook's log, it is killed
//! when the task is cancelled or the timeout passes, and a non-zero exit is a failure.
use super::actions::note;
use cairn_oplog::LogWriter;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

pub async fn run(
    script: &str,
    log: &Mutex<LogWriter>,
    cancel: &CancellationToken,
    timeout: Duration,
) -> Result<(), String> {
    let argv = interpreter(script)?;
    note(log, "[script]");
    for line in script.lines() {
        note(log, line);
    }
    note(log, "[output]");
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", argv[0]))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .await
            .map_err(|e| format!("cannot pass the script to {}: {e}", argv[0]))?;
    }
    let pid = child.id();
    let out = child.stdout.take();
    let err = child.stderr.take();
    let copy = async {
        tokio::join!(copy_lines(out, log), copy_lines(err, log));
        child.wait().await
    };
    let status = tokio::select! {
        s = copy => s.map_err(|e| format!("waiting for the command: {e}"))?,
        _ = cancel.cancelled() => {
            kill_group(pid);
            return Err("cancelled".into());
        }
        _ = tokio::time::sleep(timeout) => {
            kill_group(pid);
            return Err(format!("timed out after {}s and was killed", timeout.as_secs()));
        }
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!("the command exited with {status}"))
    }
}

/// `sh`, or the interpreter a `#!` first line names.
fn interpreter(script: &str) -> Result<Vec<String>, String> {
    match script.lines().next().and_then(|l| l.strip_prefix("#!")) {
        Some(line) => shlex::split(line.trim())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| format!("cannot read the interpreter line #!{line}")),
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
}
