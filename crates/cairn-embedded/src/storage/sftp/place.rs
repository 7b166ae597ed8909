//! Where an `sftp:` URI points and how ssh is started for it, as restic does: `sftp:[user@]host:path`
//! (scp style, host may be `[v6 address]`) or `sftp://[user@]host[:port]//absolute/path` (URL style, a
//! single slash making the path relative to the login directory); `ssh [sftp.args] host [-p port]
//! [-l user] -s sftp`, or the `-o sftp.command` given instead.

use crate::storage::PlaceError;
use cairn_proto::quoted;

/// Where an `sftp:` URI points.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SftpPlace {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// As given: absolute, or relative to the login directory.
    pub path: String,
}

impl SftpPlace {
    /// Parses what follows `sftp:` the way restic does.
    pub fn parse(rest: &str) -> Result<Self, PlaceError> {
        let place = match rest.strip_prefix("//") {
            Some(url) => Self::parse_url(url, rest)?,
            None => Self::parse_scp(rest)?,
        };
        if place.host.is_empty() {
            return Err(PlaceError::new(
                "sftp",
                rest,
                "names no host; write sftp:user@host:/path",
            ));
        }
        if place.path.is_empty() {
            return Err(PlaceError::new(
                "sftp",
                rest,
                "names no path; write sftp:user@host:/path",
            ));
        }
        Ok(place)
    }

    /// `user@host:port/relative` or `user@host:port//absolute`.
    fn parse_url(url: &str, rest: &str) -> Result<Self, PlaceError> {
        let (authority, path) = url.split_once('/').unwrap_or((url, ""));
        let (user, host_port) = split_user(authority);
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => {
                let port = port.parse().map_err(|_| {
                    PlaceError::new(
                        "sftp",
                        rest,
                        format!(
                            "has {} as its port, which is not a port number",
                            quoted(port)
                        ),
                    )
                })?;
                (host, Some(port))
            }
            _ => (host_port, None),
        };
        Ok(SftpPlace {
            user,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            path: path.to_string(),
        })
    }

    /// `user@host:path`, host possibly `[v6 address]`.
    fn parse_scp(rest: &str) -> Result<Self, PlaceError> {
        let (user, rest_after_user) = split_user(rest);
        let (host, path) = match rest_after_user.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or_else(|| {
                    PlaceError::new("sftp", rest, "has an unclosed [ in the host")
                })?;
                (host, after.strip_prefix(':').unwrap_or(after))
            }
            None => rest_after_user.split_once(':').ok_or_else(|| {
                PlaceError::new(
                    "sftp",
                    rest,
                    "needs host:path, like sftp:user@host:/srv/repo",
                )
            })?,
        };
        Ok(SftpPlace {
            user,
            host: host.to_string(),
            port: None,
            path: path.to_string(),
        })
    }

    /// The ssh command line restic would run: `ssh [args] host [-p port] [-l user] -s sftp`, or
    /// `-o sftp.command` (already shell-split) when given.
    pub fn command(&self, command: Option<&[String]>, args: &[String]) -> Vec<String> {
        if let Some(command) = command {
            return command.to_vec();
        }
        let mut words = vec!["ssh".to_string()];
        words.extend(args.iter().cloned());
        words.push(self.host.clone());
        if let Some(port) = self.port {
            words.extend(["-p".to_string(), port.to_string()]);
        }
        if let Some(user) = &self.user {
            words.extend(["-l".to_string(), user.clone()]);
        }
        words.extend(["-s".to_string(), "sftp".to_string()]);
        words
    }
}

fn split_user(text: &str) -> (Option<String>, &str) {
    match text.split_once('@') {
        Some((user, host)) => (Some(user.to_string()), host),
        None => (None, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(user: Option<&str>, host: &str, port: Option<u16>, path: &str) -> SftpPlace {
        SftpPlace {
            user: user.map(str::to_string),
            host: host.into(),
            port,
            path: path.into(),
        }
    }

    #[test]
    fn restic_sftp_uris_parse() {
        let parse = |s: &str| SftpPlace::parse(s).unwrap();
        assert_eq!(
            parse("user@host:/srv/repo"),
            place(Some("user"), "host", None, "/srv/repo")
        );
        assert_eq!(parse("host:repo"), place(None, "host", None, "repo"));
        assert_eq!(parse("u@[::1]:/r"), place(Some("u"), "::1", None, "/r"));
        assert_eq!(
            parse("//u@host:2222//srv/repo"),
            place(Some("u"), "host", Some(2222), "/srv/repo")
        );
        assert_eq!(
            parse("//host/rel/repo"),
            place(None, "host", None, "rel/repo")
        );
        assert_eq!(parse("//[::1]:22//r"), place(None, "::1", Some(22), "/r"));
        let err = |s: &str| SftpPlace::parse(s).unwrap_err().to_string();
        assert!(err("hostonly").contains("host:path"));
        assert!(err("host:").contains("no path"));
        assert!(err("//h:x//r").contains("port"));
    }

    #[test]
    fn the_ssh_command_is_restics_or_the_one_given() {
        let p = place(Some("u"), "h", Some(2222), "/r");
        assert_eq!(
            p.command(None, &["-i".into(), "key".into()]).join(" "),
            "ssh -i key h -p 2222 -l u -s sftp"
        );
        let given = ["my-ssh".to_string(), "-s".into(), "sftp".into()];
        assert_eq!(p.command(Some(&given), &[]), given);
    }
}
