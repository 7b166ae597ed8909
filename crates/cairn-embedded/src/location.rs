//! restic repository URIs as the embedded engine reaches them: local paths (`/path`, `local:/path`),
//! `rest:http(s)://...`, `rclone:<remote>:<path>`, `s3:[http(s)://]host/bucket[/prefix]`,
//! `sftp:[user@]host:path` / `sftp://[user@]host[:port]//path`, `gs:bucket:/path` and
//! `azure:container:/path`. The other schemes restic knows are named
//! in a clear error; they need the restic engine for now.
use super::flags::RunSettings;
use super::storage::{
    AzureEndpoint, AzurePlace, AzureStorage, GcsPlace, GcsStorage, LocalStorage, RcloneStorage,
    RestStorage, S3Place, S3Storage, SftpPlace, SftpStorage, Storage,
};
use cairn_engine::{EngineError, Result};
use cairn_proto::quoted;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Location {
    Local(PathBuf),
    Rest(String),
    Rclone(String),
    S3(S3Place),
    Sftp(SftpPlace),
    Gcs(GcsPlace),
    Azure(AzurePlace),
}

/// restic schemes the embedded engine cannot reach yet.
const NOT_YET: &[&str] = &["b2:", "swift:"];

impl Location {
    pub fn parse(uri: &str) -> Result<Location> {
        let uri = uri.trim();
        if uri.is_empty() {
            return Err(EngineError::Invalid("the repository URI is empty".into()));
        }
        if let Some(scheme) = NOT_YET.iter().find(|s| uri.starts_with(**s)) {
            return Err(EngineError::Invalid(format!(
                "the embedded engine cannot reach {scheme} repositories yet (it reaches local paths, rest:, rclone:, s3:, sftp:, gs: and azure:); install restic and set the repository's engine to restic or auto"
            )));
        }
        if let Some(url) = uri.strip_prefix("rest:") {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(EngineError::Invalid(format!(
                    "rest: repositories need an http:// or https:// URL after rest:, not {url}",
                    url = quoted(&url)
                )));
            }
            return Ok(Location::Rest(url.to_string()));
        }
        if let Some(rest) = uri.strip_prefix("s3:") {
            return Ok(Location::S3(
                S3Place::parse(rest).map_err(|e| EngineError::Invalid(e.to_string()))?,
            ));
        }
        if let Some(rest) = uri.strip_prefix("sftp:") {
            return Ok(Location::Sftp(
                SftpPlace::parse(rest).map_err(|e| EngineError::Invalid(e.to_string()))?,
            ));
        }
        if let Some(rest) = uri.strip_prefix("gs:") {
            return Ok(Location::Gcs(
                GcsPlace::parse(rest).map_err(|e| EngineError::Invalid(e.to_string()))?,
            ));
        }
        if let Some(rest) = uri.strip_prefix("azure:") {
            return Ok(Location::Azure(
                AzurePlace::parse(rest).map_err(|e| EngineError::Invalid(e.to_string()))?,
            ));
        }
        if let Some(remote) = uri.strip_prefix("rclone:") {
            if !remote.contains(':') {
                return Err(EngineError::Invalid(format!(
                    "rclone:{remote} needs a remote and a path, like rclone:remote:path/to/repo"
                )));
            }
            return Ok(Location::Rclone(remote.to_string()));
        }
        let path = uri.strip_prefix("local:").unwrap_or(uri);
        if let Some((scheme, _)) = path.split_once(':')
            && !scheme.contains('/')
        {
            return Err(EngineError::Invalid(format!(
                "{scheme}: is not a repository scheme the embedded engine knows; use a local path, rest:, rclone:, s3:, sftp:, gs: or azure:"
            )));
        }
        let path = std::path::absolute(path).map_err(|e| EngineError::io(path, e))?;
        Ok(Location::Local(path))
    }

    /// Connects (for rclone, starts the rclone server).
    pub fn open(&self, run: &RunSettings) -> std::io::Result<Arc<dyn Storage>> {
        Ok(match self {
            Location::Local(p) => Arc::new(LocalStorage::new(p)),
            Location::Rest(url) => Arc::new(RestStorage::new(url, &run.tls)?),
            Location::Rclone(remote) => Arc::new(RcloneStorage::start(
                run.rclone_program.as_deref().unwrap_or("rclone"),
                remote,
                &run.rclone_args,
            )?),
            Location::S3(place) => Arc::new(S3Storage::new(
                place,
                run.s3_region.as_deref(),
                run.s3_bucket_lookup.as_deref(),
                &run.tls,
            )?),
            Location::Sftp(place) => Arc::new(SftpStorage::connect(
                place,
                run.sftp_command.as_deref(),
                &run.sftp_args,
            )?),
            Location::Gcs(place) => Arc::new(GcsStorage::new(place, &run.tls)?),
            Location::Azure(place) => Arc::new(AzureStorage::new(
                place,
                &AzureEndpoint {
                    url: run.azure_endpoint.as_deref(),
                    suffix: run.azure_endpoint_suffix.as_deref(),
                },
                &run.tls,
            )?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restic_uris_parse_or_say_why_not() {
        assert_eq!(
            Location::parse("/srv/repo").unwrap(),
            Location::Local("/srv/repo".into())
        );
        assert_eq!(
            Location::parse("local:/srv/repo").unwrap(),
            Location::Local("/srv/repo".into())
        );
        assert_eq!(
            Location::parse("rest:http://u:p@h:8000/r").unwrap(),
            Location::Rest("http://u:p@h:8000/r".into())
        );
        assert_eq!(
            Location::parse("rclone:remote:a/b").unwrap(),
            Location::Rclone("remote:a/b".into())
        );
        let err = |u: &str| Location::parse(u).unwrap_err().to_string();
        assert!(err("b2:c:/r").contains("install restic"));
        assert_eq!(
            Location::parse("azure:ctr:/r").unwrap(),
            Location::Azure(AzurePlace {
                container: "ctr".into(),
                prefix: "r".into()
            })
        );
        assert_eq!(
            Location::parse("sftp:u@h:/r").unwrap(),
            Location::Sftp(SftpPlace {
                user: Some("u".into()),
                host: "h".into(),
                port: None,
                path: "/r".into()
            })
        );
        assert_eq!(
            Location::parse("s3:http://127.0.0.1:9000/b/p").unwrap(),
            Location::S3(S3Place {
                endpoint: "http://127.0.0.1:9000".into(),
                bucket: "b".into(),
                prefix: "p".into()
            })
        );
        assert_eq!(
            Location::parse("gs:bkt:/r/p").unwrap(),
            Location::Gcs(GcsPlace {
                bucket: "bkt".into(),
                prefix: "r/p".into()
            })
        );
        assert!(err("gs:nocolon").contains("gs:bucket:/path"));
        assert!(err("b2:bucket:path").contains("b2:"));
        assert!(err("rest:ftp://x").contains("http://"));
        assert!(err("rclone:nocolon").contains("remote and a path"));
        assert!(err("ftp:x").contains("ftp:"));
        assert!(err("").contains("empty"));
    }
}
