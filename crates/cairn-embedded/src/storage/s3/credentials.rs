//! S3 credentials found where restic's S3 client looks: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
//! (and `AWS_SESSION_TOKEN`) in the environment first, then the shared credentials file
//! (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`) for the profile `AWS_PROFILE` (else
//! `default`), then the machine's role (a container's credentials endpoint or the EC2 instance
//! metadata service, role.rs).
use super::role::RoleCredentials;
use crate::storage::other;
use rusty_s3::Credentials;
use std::io;
use std::path::PathBuf;

/// Where a storage's S3 credentials come from.
pub enum AwsKeys {
    /// Keys from the environment or the credentials file.
    Fixed(Credentials),
    /// The role's temporary credentials, renewed before they expire.
    Role(RoleCredentials),
}

impl AwsKeys {
    /// Finds them (`var` reads the environment); asks the role at once, so that a machine without
    /// one is told now what to set.
    pub fn find(var: impl Fn(&str) -> Option<String>) -> io::Result<Self> {
        if let Some(credentials) = find(&var) {
            return Ok(AwsKeys::Fixed(credentials));
        }
        let missing = |why: String| {
            other(format!(
                "s3: repositories need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the repository's env, a profile \
                 in ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE), or a role (ECS container \
                 credentials, an EC2 instance profile); {why}"
            ))
        };
        let role = RoleCredentials::find(&var)?.ok_or_else(|| {
            missing("no keys are set and AWS_EC2_METADATA_DISABLED turns the instance metadata service off".into())
        })?;
        role.current()
            .map_err(|e| missing(format!("no keys are set and {e}")))?;
        Ok(AwsKeys::Role(role))
    }

    /// The credentials to sign the next request with.
    pub fn current(&self) -> io::Result<Credentials> {
        match self {
            AwsKeys::Fixed(credentials) => Ok(credentials.clone()),
            AwsKeys::Role(role) => role.current(),
        }
    }
}

/// The credentials from the environment or the credentials file, with `var` reading the environment.
pub fn find(var: impl Fn(&str) -> Option<String>) -> Option<Credentials> {
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if let (Some(key), Some(secret)) = (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY")) {
        return Some(with_token(key, secret, set("AWS_SESSION_TOKEN")));
    }
    let file = var("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".aws").join("credentials")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".into());
    from_ini(&text, &profile)
}

/// The profile's keys from an AWS credentials file (INI: `[profile]`, `key = value`, `#`/`;`
/// comments).
fn from_ini(text: &str, profile: &str) -> Option<Credentials> {
    let (mut key, mut secret, mut token) = (None, None, None);
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = section.trim() == profile;
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if !inside {
            continue;
        }
        let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        match name.trim() {
            "aws_access_key_id" => key = value,
            "aws_secret_access_key" => secret = value,
            "aws_session_token" => token = value,
            _ => {}
        }
    }
    Some(with_token(key?, secret?, token))
}

/// Keys, with the session token when there is one.
pub(super) fn with_token(key: String, secret: String, token: Option<String>) -> Credentials {
    match token {
        Some(token) => Credentials::new_with_token(key, secret, token),
        None => Credentials::new(key, secret),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::env;

    const FILE: &str = "# comment\n[default]\naws_access_key_id = AK\naws_secret_access_key=SK\n\n\
                        [work]\n; other\naws_access_key_id = WK\naws_secret_access_key = WS\naws_session_token = WT\n";

    #[test]
    fn profiles_are_read_from_the_shared_file() {
        let d = from_ini(FILE, "default").unwrap();
        assert_eq!((d.key(), d.secret(), d.token()), ("AK", "SK", None));
        let w = from_ini(FILE, "work").unwrap();
        assert_eq!((w.key(), w.secret(), w.token()), ("WK", "WS", Some("WT")));
        assert!(from_ini(FILE, "missing").is_none());
        assert!(from_ini("[default]\naws_access_key_id = only\n", "default").is_none());
    }

    #[test]
    fn the_environment_wins_then_the_file_for_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials");
        std::fs::write(&file, FILE).unwrap();
        let path = file.to_str().unwrap();
        let from_file = find(env(&[
            ("AWS_SHARED_CREDENTIALS_FILE", path),
            ("AWS_PROFILE", "work"),
        ]));
        assert_eq!(from_file.unwrap().key(), "WK");
        let from_env = find(env(&[
            ("AWS_SHARED_CREDENTIALS_FILE", path),
            ("AWS_ACCESS_KEY_ID", "EK"),
            ("AWS_SECRET_ACCESS_KEY", "ES"),
        ]));
        assert_eq!(from_env.unwrap().key(), "EK");
        let home = dir.path().to_str().unwrap();
        assert!(find(env(&[("HOME", home)])).is_none());
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), FILE).unwrap();
        assert_eq!(find(env(&[("HOME", home)])).unwrap().key(), "AK");
    }
}
