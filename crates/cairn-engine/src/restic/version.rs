//! restic's version, read from `restic version`, and the features that depend on it.
use std::fmt;

/// A restic release as (major, minor, patch); compares in release order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// The oldest restic cairn drives.
    pub const MINIMUM: Version = Version(0, 14, 0);

    /// Parses `restic 0.14.0 compiled with ...`.
    pub fn parse(text: &str) -> Option<Version> {
        let rest = text
            .split_whitespace()
            .skip_while(|w| *w != "restic")
            .nth(1)?;
        let mut parts = rest.split('.').map(|p| {
            p.trim_end_matches(|c: char| !c.is_ascii_digit())
                .parse::<u32>()
        });
        Some(Version(
            parts.next()?.ok()?,
            parts.next()?.ok()?,
            parts.next().and_then(Result::ok).unwrap_or(0),
        ))
    }

    /// The `-o sftp.args=...` option exists from 0.15.
    pub fn sftp_args(self) -> bool {
        self >= Version(0, 15, 0)
    }

    /// `backup --skip-if-unchanged` exists from 0.17.
    pub fn skip_if_unchanged(self) -> bool {
        self >= Version(0, 17, 0)
    }

    /// `restore --json` progress exists from 0.16.
    pub fn restore_json(self) -> bool {
        self >= Version(0, 16, 0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_and_dev_versions() {
        assert_eq!(
            Version::parse("restic 0.14.0 compiled with go1.19.8 on linux/amd64"),
            Some(Version(0, 14, 0))
        );
        assert_eq!(
            Version::parse("restic 0.17.3-dev (compiled manually)"),
            Some(Version(0, 17, 3))
        );
        assert_eq!(Version::parse("something else"), None);
        assert!(Version(0, 13, 1) < Version::MINIMUM);
        assert!(Version(0, 16, 0).restore_json() && !Version(0, 14, 0).restore_json());
    }
}
