//! restic's command-line flags as the embedded engine understands them. A repository's `flags` and a
//! plan's `backup_flags` are parsed here, before any worker starts: each flag restic has that the engine
//! can honour is translated, and anything else is an error naming the flag, never silently ignored.
//! Every flag is declared once, in `FLAGS` (name, one-letter form, value or switch, backup-only, how
//! it applies and merges); `-o` options are one match in `option`.
use super::files_from::{self, ListKind};
use super::tag_files::TagRule;
use super::tls::{self, TlsOptions};
use cairn_engine::{EngineError, Result};
use cairn_proto::quoted;
use serde::{Deserialize, Serialize};

/// Settings that apply to a whole run (any operation).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    /// restic's `--compression`: auto, off, max, or a zstd level.
    pub compression: Option<String>,
    /// restic's `--pack-size`, in MiB (within `PACK_SIZE_MIB`).
    pub pack_size_mib: Option<u32>,
    /// KiB/s.
    pub limit_upload: Option<u64>,
    pub limit_download: Option<u64>,
    /// `-o <backend>.connections=N`: concurrent pack reads.
    pub connections: Option<usize>,
    /// `-o rclone.program=...`.
    pub rclone_program: Option<String>,
    /// `-o rclone.args=...`, shell-split: extra arguments to `rclone serve restic`.
    pub rclone_args: Vec<String>,
    /// `-o azure.endpoint=URL` (cairn's own: the Blob service's URL whole, for Azurite or Azure Stack).
    pub azure_endpoint: Option<String>,
    /// `-o azure.endpoint-suffix=...` (as newer restic: the service is `<account>.blob.<suffix>`).
    pub azure_endpoint_suffix: Option<String>,
    /// `-o s3.region=...`.
    pub s3_region: Option<String>,
    /// `-o s3.bucket-lookup=auto|dns|path`.
    pub s3_bucket_lookup: Option<String>,
    /// `-o sftp.command=...`, shell-split: the whole command that starts the SFTP server.
    pub sftp_command: Option<Vec<String>>,
    /// `-o sftp.args=...`, shell-split: extra arguments to `ssh`.
    pub sftp_args: Vec<String>,
    /// `--cacert`, `--tls-client-cert`, `--insecure-tls`.
    #[serde(default)]
    pub tls: TlsOptions,
}

/// The pack sizes restic accepts, in MiB.
pub const PACK_SIZE_MIB: std::ops::RangeInclusive<u32> = 4..=128;
/// The pack size restic uses when none is given, in MiB.
pub const DEFAULT_PACK_SIZE_MIB: u32 = 16;

/// What a backup leaves out (restic's exclude flags).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceFilter {
    pub excludes: Vec<String>,
    pub iexcludes: Vec<String>,
    pub exclude_caches: bool,
    pub exclude_if_present: Vec<String>,
    pub exclude_larger_than: Option<u64>,
    pub one_file_system: bool,
}

/// How a backup reads its source and uses its parent snapshot (restic's `--parent`, `--force`,
/// `--ignore-ctime`, `--ignore-inode`, which implies `--ignore-ctime` as in restic, `--no-scan` and
/// `--with-atime`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// The snapshot `--parent` names (it must exist, as in restic).
    pub parent: Option<String>,
    pub force: bool,
    pub ignore_ctime: bool,
    pub ignore_inode: bool,
    pub no_scan: bool,
    /// Keep each file's access time (restic otherwise stores its modification time there).
    pub with_atime: bool,
}

/// Everything a list of flags said.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flags {
    pub run: RunSettings,
    pub filter: SourceFilter,
    pub reading: Reading,
    /// The paths `--files-from`, `--files-from-verbatim` and `--files-from-raw` listed (that exist).
    pub listed_paths: Vec<String>,
    pub host: Option<String>,
    pub tags: Vec<String>,
    /// restic's `--time` ("2006-01-02 15:04:05", local time) for the snapshot.
    pub time: Option<String>,
}

/// Where a flag may appear.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A repository's `flags` (every operation).
    Repository,
    /// A plan's `backup_flags`.
    Backup,
}

/// One restic flag the embedded engine understands: its long name, its one-letter form, whether it
/// takes a value, where it may appear, and how it is applied to the flags parsed so far (which is also
/// how repeated flags merge: lists grow, single settings take the last value).
struct FlagDef {
    name: &'static str,
    short: Option<&'static str>,
    takes_value: bool,
    backup_only: bool,
    apply: fn(&mut Flags, String) -> Result<()>,
}

/// Shorthands for the table.
const fn value(name: &'static str, apply: fn(&mut Flags, String) -> Result<()>) -> FlagDef {
    FlagDef {
        name,
        short: None,
        takes_value: true,
        backup_only: false,
        apply,
    }
}

const fn switch(name: &'static str, apply: fn(&mut Flags, String) -> Result<()>) -> FlagDef {
    FlagDef {
        takes_value: false,
        ..value(name, apply)
    }
}

const fn backup(def: FlagDef) -> FlagDef {
    FlagDef {
        backup_only: true,
        ..def
    }
}

const fn short(letter: &'static str, def: FlagDef) -> FlagDef {
    FlagDef {
        short: Some(letter),
        ..def
    }
}

/// Every flag the embedded engine takes, each declared once. Anything else is refused by name.
const FLAGS: &[FlagDef] = &[
    short("-o", value("--option", |f, v| option(&mut f.run, &v))),
    value("--compression", |f, v| {
        f.run.compression = Some(compression(v)?);
        Ok(())
    }),
    value("--pack-size", |f, v| {
        f.run.pack_size_mib = Some(pack_size(&v)?);
        Ok(())
    }),
    value("--cacert", |f, v| {
        tls::root_certificates(&v).map_err(|e| invalid(e.to_string()))?;
        f.run.tls.cacerts.push(v);
        Ok(())
    }),
    value("--tls-client-cert", |f, v| {
        tls::client_identity(&v).map_err(|e| invalid(e.to_string()))?;
        f.run.tls.client_cert = Some(v);
        Ok(())
    }),
    switch("--insecure-tls", |f, _| {
        f.run.tls.insecure = true;
        Ok(())
    }),
    value("--limit-upload", |f, v| {
        f.run.limit_upload = Some(number("--limit-upload", &v)?);
        Ok(())
    }),
    value("--limit-download", |f, v| {
        f.run.limit_download = Some(number("--limit-download", &v)?);
        Ok(())
    }),
    backup(short(
        "-e",
        value("--exclude", |f, v| {
            f.filter.excludes.push(v);
            Ok(())
        }),
    )),
    backup(value("--iexclude", |f, v| {
        f.filter.iexcludes.push(v);
        Ok(())
    })),
    backup(value("--exclude-file", |f, v| {
        f.filter.excludes.extend(pattern_file(&v)?);
        Ok(())
    })),
    backup(value("--iexclude-file", |f, v| {
        f.filter.iexcludes.extend(pattern_file(&v)?);
        Ok(())
    })),
    backup(switch("--exclude-caches", |f, _| {
        f.filter.exclude_caches = true;
        Ok(())
    })),
    backup(value("--exclude-if-present", |f, v| {
        if TagRule::parse(&v).is_none() {
            return Err(invalid(format!(
                "--exclude-if-present {v} names no file; write name or name:header",
                v = quoted(&v)
            )));
        }
        f.filter.exclude_if_present.push(v);
        Ok(())
    })),
    backup(value("--exclude-larger-than", |f, v| {
        f.filter.exclude_larger_than = Some(size(&v)?);
        Ok(())
    })),
    backup(short(
        "-x",
        switch("--one-file-system", |f, _| {
            f.filter.one_file_system = true;
            Ok(())
        }),
    )),
    backup(short(
        "-f",
        switch("--force", |f, _| {
            f.reading.force = true;
            Ok(())
        }),
    )),
    backup(switch("--ignore-ctime", |f, _| {
        f.reading.ignore_ctime = true;
        Ok(())
    })),
    // restic's --ignore-inode implies --ignore-ctime.
    backup(switch("--ignore-inode", |f, _| {
        f.reading.ignore_inode = true;
        f.reading.ignore_ctime = true;
        Ok(())
    })),
    backup(switch("--no-scan", |f, _| {
        f.reading.no_scan = true;
        Ok(())
    })),
    backup(switch("--with-atime", |f, _| {
        f.reading.with_atime = true;
        Ok(())
    })),
    backup(value("--parent", |f, v| {
        f.reading.parent = Some(v);
        Ok(())
    })),
    backup(value("--files-from", |f, v| {
        listed(f, ListKind::Patterns, &v)
    })),
    backup(value("--files-from-verbatim", |f, v| {
        listed(f, ListKind::Verbatim, &v)
    })),
    backup(value("--files-from-raw", |f, v| {
        listed(f, ListKind::Raw, &v)
    })),
    backup(value("--host", |f, v| {
        f.host = Some(v);
        Ok(())
    })),
    backup(value("--time", |f, v| {
        parse_time(&v)?;
        f.time = Some(v);
        Ok(())
    })),
    backup(value("--tag", |f, v| {
        f.tags
            .extend(v.split(',').filter(|t| !t.is_empty()).map(str::to_string));
        Ok(())
    })),
];

/// The definition of a flag given by its long name or its one-letter form.
fn find(name: &str) -> Option<&'static FlagDef> {
    FLAGS
        .iter()
        .find(|d| d.name == name || d.short == Some(name))
}

fn invalid(message: String) -> EngineError {
    EngineError::InvalidFlag(message)
}

/// Parses shell-split words.
pub fn parse(words: &[String], scope: Scope) -> Result<Flags> {
    let mut flags = Flags::default();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        if !word.starts_with('-') {
            return Err(invalid(format!(
                "{word} is not a flag; the embedded engine takes flags only (like --limit-upload 1024)",
                word = quoted(&word)
            )));
        }
        let (given, inline) = match word.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (word.as_str(), None),
        };
        let def = find(given).ok_or_else(|| {
            invalid(format!(
                "the embedded engine does not support the flag {given}; remove it, or set the repository's engine to restic"
            ))
        })?;
        let name = def.name;
        if scope == Scope::Repository && def.backup_only {
            return Err(invalid(format!(
                "{name} belongs in a plan's backup flags, not the repository's flags"
            )));
        }
        let value = if !def.takes_value {
            String::new()
        } else if let Some(v) = inline {
            v
        } else {
            i += 1;
            words
                .get(i)
                .cloned()
                .ok_or_else(|| invalid(format!("{name} needs a value")))?
        };
        (def.apply)(&mut flags, value)?;
        i += 1;
    }
    Ok(flags)
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T> {
    value.trim().parse().map_err(|_| {
        invalid(format!(
            "{name} needs a whole number, not {value}",
            value = quoted(&value)
        ))
    })
}

/// `--pack-size`'s value in MiB, within restic's bounds; 0 stands for restic's default, as in restic.
pub fn pack_size(value: &str) -> Result<u32> {
    let mib = number("--pack-size", value)?;
    if mib == 0 {
        return Ok(DEFAULT_PACK_SIZE_MIB);
    }
    if !PACK_SIZE_MIB.contains(&mib) {
        return Err(invalid(format!(
            "--pack-size is in MiB, from {} to {} as restic allows, not {mib}",
            PACK_SIZE_MIB.start(),
            PACK_SIZE_MIB.end()
        )));
    }
    Ok(mib)
}

/// `--compression`'s value: auto, off, max or a zstd level.
pub fn compression(value: String) -> Result<String> {
    if !matches!(value.as_str(), "auto" | "off" | "max") && value.parse::<i32>().is_err() {
        return Err(invalid(format!(
            "--compression must be auto, off or max, not {value}",
            value = quoted(&value)
        )));
    }
    Ok(value)
}

fn listed(flags: &mut Flags, kind: ListKind, file: &str) -> Result<()> {
    flags.listed_paths.extend(files_from::read(kind, file)?);
    Ok(())
}

/// `-o key=value`.
fn option(run: &mut RunSettings, kv: &str) -> Result<()> {
    let (key, value) = kv
        .split_once('=')
        .ok_or_else(|| invalid(format!("-o {kv} must be key=value", kv = quoted(&kv))))?;
    match key {
        "rest.connections" | "rclone.connections" | "local.connections" | "s3.connections"
        | "sftp.connections" | "gs.connections" | "azure.connections" => {
            run.connections = Some(number(key, value)?)
        }
        "rclone.program" => run.rclone_program = Some(value.to_string()),
        "s3.region" => run.s3_region = Some(value.to_string()),
        "azure.endpoint" => run.azure_endpoint = Some(azure_endpoint(value)?),
        "azure.endpoint-suffix" => run.azure_endpoint_suffix = Some(azure_suffix(value)?),
        "s3.bucket-lookup" => {
            if !["auto", "dns", "path"].contains(&value) {
                return Err(invalid(format!(
                    "-o s3.bucket-lookup={value}: use auto, dns or path",
                    value = quoted(&value)
                )));
            }
            run.s3_bucket_lookup = Some(value.to_string())
        }
        "rclone.args" => run.rclone_args = shell_words(key, value)?,
        "sftp.command" | "sftp.args" => sftp(run, key, value)?,
        other => {
            return Err(invalid(format!(
                "the embedded engine does not support the option -o {other}; remove it, or set the repository's engine to restic"
            )));
        }
    }
    Ok(())
}

/// `-o azure.endpoint`: the Blob service's address whole, checked here so a typo is refused when the
/// repository is saved rather than when its first operation runs.
fn azure_endpoint(value: &str) -> Result<String> {
    let refuse = |why: String| {
        invalid(format!(
            "-o azure.endpoint={value} {why}; write the Blob service's address, such as https://account.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1",
            value = quoted(&value)
        ))
    };
    let url = reqwest::Url::parse(value).map_err(|e| refuse(format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(refuse("is not an http or https address".into()));
    }
    Ok(value.to_string())
}

/// `-o azure.endpoint-suffix`: a domain name, which the service's host is built on.
fn azure_suffix(value: &str) -> Result<String> {
    let domain = value.trim_matches('.');
    let valid = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !valid {
        return Err(invalid(format!(
            "-o azure.endpoint-suffix={value} is not a domain name; write one such as core.windows.net or core.chinacloudapi.cn (no scheme, no path)",
            value = quoted(&value)
        )));
    }
    Ok(value.to_string())
}

/// A shell-quoted option value split into words.
fn shell_words(key: &str, value: &str) -> Result<Vec<String>> {
    shlex::split(value).ok_or_else(|| {
        invalid(format!(
            "-o {key}={value} has unbalanced quotes",
            value = quoted(&value)
        ))
    })
}

/// `-o sftp.command` or `-o sftp.args`, which restic does not allow together.
fn sftp(run: &mut RunSettings, key: &str, value: &str) -> Result<()> {
    let words = shell_words(key, value)?;
    let both = if key == "sftp.command" {
        run.sftp_command = Some(words).filter(|w| !w.is_empty());
        !run.sftp_args.is_empty()
    } else {
        run.sftp_args = words;
        run.sftp_command.is_some()
    };
    if both {
        return Err(invalid(
            "-o sftp.command and -o sftp.args cannot be used together (as in restic); put the arguments in sftp.command".into(),
        ));
    }
    Ok(())
}

/// restic's sizes: a number with an optional k, m, g or t suffix (powers of 1024); bytes without one.
pub fn size(text: &str) -> Result<u64> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    let factor: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => 0,
    };
    let n: u64 = digits.parse().unwrap_or(0);
    if factor == 0 || digits.is_empty() {
        return Err(invalid(format!(
            "{text} is not a size; write a number with an optional k, m, g or t suffix",
            text = quoted(&text)
        )));
    }
    Ok(n.saturating_mul(factor))
}

/// restic's `--time` format, in the local time zone.
pub fn parse_time(text: &str) -> Result<jiff::Zoned> {
    jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text.trim())
        .and_then(|t| t.to_zoned(jiff::tz::TimeZone::system()))
        .map_err(|_| {
            invalid(format!(
                "--time {text} must look like 2024-01-31 12:00:00",
                text = quoted(&text)
            ))
        })
}

/// The patterns of an exclude file: one per line, blank lines and `#` comments skipped, `$VAR`s expanded
/// (as restic reads them).
fn pattern_file(path: &str) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::io(path, e))?;
    let env = |k: &str| std::env::var(k).ok();
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| cairn_engine::expand_env(l, env))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        shlex::split(s).unwrap()
    }

    #[test]
    fn each_flag_is_declared_once_and_found_by_either_name() {
        let mut names: Vec<&str> = FLAGS.iter().map(|d| d.name).collect();
        names.extend(FLAGS.iter().filter_map(|d| d.short));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a name or short form is declared twice");
        for d in FLAGS {
            assert!(d.name.starts_with("--"), "{}", d.name);
            assert_eq!(find(d.name).map(|f| f.name), Some(d.name));
            if let Some(s) = d.short {
                assert_eq!(find(s).map(|f| f.name), Some(d.name));
            }
        }
    }

    #[test]
    fn backup_flags_translate() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ex");
        std::fs::write(&file, "# comment\n\n*.tmp\n  cache/  \n").unwrap();
        let f = parse(
            &words(&format!(
                "-e '*.log' --iexclude=*.BAK --exclude-file {} --exclude-caches -x --exclude-if-present .nobackup \
                 --exclude-larger-than 2M --host h1 --tag a,b --compression max --pack-size 32 --limit-upload 100 \
                 -o rest.connections=3 --time '2024-01-02 03:04:05'",
                file.display()
            )),
            Scope::Backup,
        )
        .unwrap();
        assert_eq!(f.filter.excludes, ["*.log", "*.tmp", "cache/"]);
        assert_eq!(f.filter.iexcludes, ["*.BAK"]);
        assert!(f.filter.exclude_caches && f.filter.one_file_system);
        assert_eq!(f.filter.exclude_if_present, [".nobackup"]);
        assert_eq!(f.filter.exclude_larger_than, Some(2 << 20));
        assert_eq!(f.host.as_deref(), Some("h1"));
        assert_eq!(f.tags, ["a", "b"]);
        assert_eq!(f.run.compression.as_deref(), Some("max"));
        assert_eq!(f.run.pack_size_mib, Some(32));
        assert_eq!(f.run.limit_upload, Some(100));
        assert_eq!(f.run.connections, Some(3));
        assert_eq!(f.time.as_deref(), Some("2024-01-02 03:04:05"));
    }

    #[test]
    fn parent_and_reading_flags_are_kept() {
        let f = parse(
            &words("-f --ignore-inode --no-scan --with-atime --parent abc123"),
            Scope::Backup,
        )
        .unwrap();
        let expected = Reading {
            parent: Some("abc123".into()),
            force: true,
            ignore_ctime: true,
            ignore_inode: true,
            no_scan: true,
            with_atime: true,
        };
        assert_eq!(f.reading, expected);
        let err = parse(&words("--force"), Scope::Repository)
            .unwrap_err()
            .to_string();
        assert!(err.contains("plan's backup flags"), "{err}");
    }

    #[test]
    fn unknown_and_misplaced_flags_are_named() {
        let err = |s: &str, scope| parse(&words(s), scope).unwrap_err().to_string();
        assert!(err("--read-concurrency 2", Scope::Backup).contains("--read-concurrency"));
        assert!(err("-o s3.storage-class=x", Scope::Repository).contains("s3.storage-class"));
        assert!(err("-o s3.bucket-lookup=x", Scope::Repository).contains("auto, dns or path"));
        assert!(err("--exclude x", Scope::Repository).contains("backup flags"));
        assert!(err("--limit-upload", Scope::Repository).contains("needs a value"));
        assert!(err("--limit-upload fast", Scope::Repository).contains("whole number"));
        assert!(err("--compression best", Scope::Repository).contains("auto, off or max"));
        assert!(err("--pack-size 2", Scope::Repository).contains("from 4 to 128"));
        assert!(err("--pack-size 129", Scope::Repository).contains("not 129"));
        let default = parse(&words("--pack-size 0"), Scope::Repository).unwrap();
        assert_eq!(default.run.pack_size_mib, Some(DEFAULT_PACK_SIZE_MIB));
        assert!(err("--exclude-larger-than 2X", Scope::Backup).contains("not a size"));
        assert!(err("snapshots", Scope::Repository).contains("not a flag"));
        assert!(err("--exclude-if-present :Sig", Scope::Backup).contains("names no file"));
        assert!(err("--time yesterday", Scope::Backup).contains("2024-01-31"));
        assert!(
            err("-o sftp.args=-v -o 'sftp.command=ssh h'", Scope::Repository)
                .contains("cannot be used together")
        );
        assert!(err("-o 'sftp.command=ssh \"h'", Scope::Repository).contains("unbalanced"));
    }

    #[test]
    fn azure_endpoints_are_checked_when_parsed() {
        let run = |o: &str| parse(&words(&format!("-o {o}")), Scope::Repository).map(|f| f.run);
        let ok = run("azure.endpoint=http://127.0.0.1:10000/devstoreaccount1").unwrap();
        assert_eq!(
            ok.azure_endpoint.as_deref(),
            Some("http://127.0.0.1:10000/devstoreaccount1")
        );
        let ok = run("azure.endpoint-suffix=core.chinacloudapi.cn").unwrap();
        assert_eq!(
            ok.azure_endpoint_suffix.as_deref(),
            Some("core.chinacloudapi.cn")
        );
        for (bad, named) in [
            (
                "azure.endpoint=localhost:10000",
                "not an http or https address",
            ),
            (
                "azure.endpoint=ftp://host/x",
                "not an http or https address",
            ),
            ("azure.endpoint=http//host", "is not a URL"),
            (
                "azure.endpoint-suffix=https://core.windows.net",
                "not a domain name",
            ),
            (
                "azure.endpoint-suffix=core.windows.net/x",
                "not a domain name",
            ),
            ("azure.endpoint-suffix=", "not a domain name"),
        ] {
            let e = run(bad).unwrap_err().to_string();
            assert!(e.contains(named) && e.contains("-o azure."), "{bad}: {e}");
        }
    }

    #[test]
    fn sftp_options_are_shell_split() {
        let run = |s: &str| parse(&words(s), Scope::Repository).unwrap().run;
        let r = run("-o 'sftp.command=ssh -p 22 \"u@h\" -s sftp' -o sftp.connections=3");
        assert_eq!(
            r.sftp_command.unwrap(),
            vec!["ssh", "-p", "22", "u@h", "-s", "sftp"]
        );
        assert_eq!(r.connections, Some(3));
        assert_eq!(run("-o 'sftp.args=-i /k'").sftp_args, vec!["-i", "/k"]);
        // As the web UI's SFTP helper writes it.
        let ui = r#"--option=sftp.args='-oBatchMode=yes -i "/k" -oUserKnownHostsFile="/kh"'"#;
        assert_eq!(
            run(ui).sftp_args,
            vec!["-oBatchMode=yes", "-i", "/k", "-oUserKnownHostsFile=/kh"]
        );
    }

    #[test]
    fn sizes_use_powers_of_1024() {
        assert_eq!(size("100").unwrap(), 100);
        assert_eq!(size("1k").unwrap(), 1024);
        assert_eq!(size("3G").unwrap(), 3 << 30);
        assert!(size("").is_err());
    }
}
