//! Backrest's command line, understood by cairn: a unit file or container command written for
//! Backrest (`backrest -bind-address 0.0.0.0:9898 -data-dir /data`) runs `cairn serve` with the same
//! meanings when only the binary is swapped. Backrest parses its flags with Go's `flag` package, so
//! each may be written `-name` or `--name`, with its value as the next argument or after `=`, and a
//! switch as `-name`, `-name=true` or `-name=false`; parsing stops at `--` or at the first argument that
//! is not a flag. This module rewrites such an argument list into cairn's before clap parses it.
use std::ffi::OsString;

/// One of Backrest's flags: its Go name, the `cairn serve` flag it becomes, and whether it takes a
/// value (a switch does not).
struct BackrestFlag {
    go: &'static str,
    cairn: &'static str,
    takes_value: bool,
}

const fn flag(go: &'static str, cairn: &'static str, takes_value: bool) -> BackrestFlag {
    BackrestFlag {
        go,
        cairn,
        takes_value,
    }
}

/// Every flag Backrest's `main` defines (Linux, macOS and Windows builds).
const FLAGS: &[BackrestFlag] = &[
    flag("config-file", "--config", true),
    flag("data-dir", "--data-dir", true),
    flag("bind-address", "--bind", true),
    flag("restic-cmd", "--restic-command", true),
    flag(
        "multihost-heartbeat-interval",
        "--multihost-heartbeat-interval",
        true,
    ),
    flag("install-deps-only", "--install-deps-only", false),
    flag("version", "--backrest-version", false),
    flag("tray", "--tray", false),
    flag("windows-tray", "--tray", false),
];

/// Why a Backrest-style command line cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FlagError {
    /// A flag that takes a value came last.
    #[error("flag needs an argument: -{0}")]
    MissingValue(String),
    /// A switch given a value other than true or false.
    #[error(
        "invalid boolean value {} for -{name}: use -{name}, -{name}=true or -{name}=false",
        cairn_proto::quoted(.value)
    )]
    NotABool {
        /// The switch.
        name: String,
        /// What it was given.
        value: String,
    },
}

/// How an argument list was written.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    /// cairn's own command line: left as it is.
    Cairn(Vec<OsString>),
    /// Backrest's: rewritten as `cairn serve ...`, whose defaults are Backrest's paths.
    Backrest(Vec<OsString>),
}

/// Reads `args` (the program name first): Backrest's command line when the program is called
/// `backrest…` or its first argument is one of Backrest's flags, cairn's otherwise. Backrest's flags
/// after `cairn serve` are rewritten too.
pub fn translate(args: Vec<OsString>) -> Result<Invocation, FlagError> {
    let Some((program, rest)) = args.split_first() else {
        return Ok(Invocation::Cairn(args));
    };
    let named_backrest = std::path::Path::new(program)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("backrest"));
    let first = rest.first().and_then(|a| a.to_str());
    // `--version` is cairn's own (clap prints it); Backrest's single-dash `-version` is not.
    let starts_with_flag = first.is_some_and(|a| a != "--version" && find(a).is_some());
    let mut out = vec![program.clone()];
    if named_backrest && (rest.is_empty() || first.is_some_and(|a| a.starts_with('-')))
        || starts_with_flag
    {
        out.push("serve".into());
        out.extend(rewrite(rest)?);
        return Ok(Invocation::Backrest(out));
    }
    if first == Some("serve") {
        out.push("serve".into());
        out.extend(rewrite(&rest[1..])?);
        return Ok(Invocation::Cairn(out));
    }
    Ok(Invocation::Cairn(args))
}

/// The flag an argument names, and the value written after `=` if any.
fn find(arg: &str) -> Option<(&'static BackrestFlag, Option<&str>)> {
    let body = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'))?;
    let (name, value) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    FLAGS.iter().find(|f| f.go == name).map(|f| (f, value))
}

/// Rewrites Backrest's flags among `args` into cairn's; everything else is kept as it is.
fn rewrite(args: &[OsString]) -> Result<Vec<OsString>, FlagError> {
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some((def, inline)) = arg.to_str().and_then(find) else {
            out.push(arg.clone());
            continue;
        };
        if def.takes_value {
            let value = match inline {
                Some(v) => OsString::from(v),
                None => {
                    let v = args
                        .get(i)
                        .ok_or_else(|| FlagError::MissingValue(def.go.to_string()))?;
                    i += 1;
                    v.clone()
                }
            };
            out.push(def.cairn.into());
            out.push(value);
        } else if switch_on(def, inline)? {
            out.push(def.cairn.into());
        }
    }
    Ok(out)
}

/// Whether a switch is on: given bare or `=true`, off for `=false` (Go's `strconv.ParseBool` words).
fn switch_on(def: &BackrestFlag, value: Option<&str>) -> Result<bool, FlagError> {
    match value {
        None | Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(true),
        Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(false),
        Some(other) => Err(FlagError::NotABool {
            name: def.go.to_string(),
            value: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn backrest(words: &[&str]) -> Vec<OsString> {
        match translate(args(words)).unwrap() {
            Invocation::Backrest(a) => a,
            other => panic!("not read as Backrest's: {other:?}"),
        }
    }

    #[test]
    fn every_backrest_flag_maps_in_each_of_gos_spellings() {
        assert_eq!(
            backrest(&[
                "/usr/local/bin/backrest",
                "-config-file",
                "/c.json",
                "--data-dir=/d",
                "-bind-address=0.0.0.0:9898",
                "--restic-cmd",
                "/r",
                "-multihost-heartbeat-interval",
                "5m",
                "-install-deps-only",
                "-tray=false",
                "-windows-tray",
            ]),
            args(&[
                "/usr/local/bin/backrest",
                "serve",
                "--config",
                "/c.json",
                "--data-dir",
                "/d",
                "--bind",
                "0.0.0.0:9898",
                "--restic-command",
                "/r",
                "--multihost-heartbeat-interval",
                "5m",
                "--install-deps-only",
                "--tray",
            ])
        );
        assert_eq!(
            backrest(&["backrest", "-version"]),
            args(&["backrest", "serve", "--backrest-version"])
        );
    }

    #[test]
    fn a_bare_backrest_serves_and_cairn_commands_are_left_alone() {
        assert_eq!(backrest(&["backrest"]), args(&["backrest", "serve"]));
        assert_eq!(
            backrest(&["cairn", "-data-dir", "/d"]),
            args(&["cairn", "serve", "--data-dir", "/d"])
        );
        for own in [
            &["cairn"][..],
            &["cairn", "status"],
            &["cairn", "--help"],
            &["cairn", "--version"],
            &["backrest", "status"],
        ] {
            assert_eq!(translate(args(own)).unwrap(), Invocation::Cairn(args(own)));
        }
        assert_eq!(
            translate(args(&["cairn", "serve", "-bind-address", ":9"])).unwrap(),
            Invocation::Cairn(args(&["cairn", "serve", "--bind", ":9"]))
        );
        assert_eq!(
            translate(args(&["cairn", "serve", "--bind", "x", "--config", "c"])).unwrap(),
            Invocation::Cairn(args(&["cairn", "serve", "--bind", "x", "--config", "c"]))
        );
    }

    #[test]
    fn bad_backrest_flags_are_named() {
        assert_eq!(
            translate(args(&["backrest", "-data-dir"])),
            Err(FlagError::MissingValue("data-dir".into()))
        );
        let e = translate(args(&["backrest", "-tray=maybe"])).unwrap_err();
        assert!(e.to_string().contains("-tray=false"), "{e}");
    }
}
