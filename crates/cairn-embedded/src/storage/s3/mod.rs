//! A repository in an S3 bucket (`s3:` URIs, as restic writes them: `s3:host/bucket/prefix`, https unless
//! the URI says `s3:http://`), laid out as restic lays it out. Requests are presigned with SigV4 by
//! rusty-s3 and sent by the shared HTTP client; credentials come from `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, the shared credentials file or the machine's role
//! (credentials.rs),
//! the region from `-o s3.region`, `AWS_DEFAULT_REGION`
//! or `AWS_REGION` (else us-east-1), and `-o s3.bucket-lookup` (auto, dns, path) picks virtual-host or
//! path-style URLs as restic's does. S3 writes are atomic, so a reader never sees part of a file.
mod credentials;
mod role;
use super::{PlaceError, Storage, gone_is_removed, http, object_path, other, under_prefix};
use crate::tls::TlsOptions;
use bytes::Bytes;
use credentials::AwsKeys;
use reqwest::Url;
use reqwest::blocking::Client;
use rusty_s3::actions::ListObjectsV2;
use rusty_s3::{Bucket, S3Action, UrlStyle};
use std::io;
use std::time::Duration;

/// How long a presigned request stays valid (the largest upload must start within it). Each attempt of
/// a request is signed anew, with the credentials current then (role credentials expire).
const SIGNED_FOR: Duration = Duration::from_secs(3600);
const SERVER: &str = "the S3 server";
const SERVICE: http::Service = http::Service {
    name: SERVER,
    credentials: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the AWS profile, or the role) and the bucket's policy",
};

/// Where an `s3:` URI points.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct S3Place {
    pub endpoint: String,
    pub bucket: String,
    pub prefix: String,
}

impl S3Place {
    /// Parses what follows `s3:` the way restic does.
    pub fn parse(rest: &str) -> Result<Self, PlaceError> {
        let with_scheme = if rest.starts_with("http://") || rest.starts_with("https://") {
            rest.to_string()
        } else {
            format!("https://{rest}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|e| PlaceError::new("s3", rest, format!("is not a URL: {e}")))?;
        let mut parts = url.path().split('/').filter(|p| !p.is_empty());
        let bucket = parts.next().ok_or_else(|| {
            PlaceError::new("s3", rest, "names no bucket; write s3:host/bucket[/prefix]")
        })?;
        let prefix = parts.collect::<Vec<_>>().join("/");
        let host = url
            .host_str()
            .ok_or_else(|| PlaceError::new("s3", rest, "names no host"))?;
        let endpoint = match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        Ok(S3Place {
            endpoint,
            bucket: bucket.to_string(),
            prefix,
        })
    }
}

/// One page of a listing (names and sizes) and the token for the next page, if any.
type Page = (Vec<(String, u64)>, Option<String>);

pub struct S3Storage {
    place: S3Place,
    bucket: Bucket,
    keys: AwsKeys,
    client: Client,
}

/// restic's `s3.bucket-lookup`: `auto` uses virtual-host URLs for Amazon's endpoints only.
fn url_style(lookup: Option<&str>, endpoint: &str) -> UrlStyle {
    match lookup {
        Some("dns") => UrlStyle::VirtualHost,
        Some("path") => UrlStyle::Path,
        _ if endpoint.ends_with("amazonaws.com") => UrlStyle::VirtualHost,
        _ => UrlStyle::Path,
    }
}

fn region(configured: Option<&str>) -> String {
    configured
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .or_else(|| std::env::var("AWS_REGION").ok())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "us-east-1".into())
}

impl S3Storage {
    pub fn new(
        place: &S3Place,
        region_option: Option<&str>,
        lookup: Option<&str>,
        tls: &TlsOptions,
    ) -> io::Result<Self> {
        let keys = AwsKeys::find(|k| std::env::var(k).ok())?;
        let endpoint = Url::parse(&place.endpoint)
            .map_err(|e| other(format!("bad S3 endpoint {}: {e}", place.endpoint)))?;
        let bucket = Bucket::new(
            endpoint,
            url_style(lookup, &place.endpoint),
            place.bucket.clone(),
            region(region_option),
        )
        .map_err(|e| other(format!("bad S3 bucket {}: {e}", place.bucket)))?;
        Ok(S3Storage {
            place: place.clone(),
            bucket,
            keys,
            client: http::client(tls)?,
        })
    }

    fn key(&self, dir: &str, name: &str) -> String {
        under_prefix(&self.place.prefix, &object_path(dir, name))
    }

    /// One page of a listing and the token for the next, if any.
    fn list_page(&self, prefix: &str, token: Option<&str>) -> io::Result<Page> {
        let text = http::send(&self.client, &SERVICE, |c| {
            let credentials = self.keys.current()?;
            let mut action = ListObjectsV2::new(&self.bucket, Some(&credentials));
            action.with_prefix(prefix);
            if let Some(t) = token {
                action.with_continuation_token(t);
            }
            Ok(c.get(action.sign(SIGNED_FOR)))
        })?
        .text()
        .map_err(http::error)?;
        let page = ListObjectsV2::parse_response(&text)
            .map_err(|e| other(format!("{SERVER} sent a listing that cannot be read: {e}")))?;
        let files = page
            .contents
            .into_iter()
            .filter_map(|c| {
                let name = c.key.rsplit('/').next()?.to_string();
                Some((name, c.size.unwrap_or(0)))
            })
            .filter(|(name, _)| !name.is_empty())
            .collect();
        Ok((files, page.next_continuation_token))
    }
}

impl Storage for S3Storage {
    fn location(&self) -> String {
        let p = &self.place;
        format!("s3:{}/{}/{}", p.endpoint, p.bucket, p.prefix)
            .trim_end_matches('/')
            .to_string()
    }

    /// Creates the bucket when it is missing, as `restic init` does.
    fn create(&self) -> io::Result<()> {
        let head = http::send(&self.client, &SERVICE, |c| {
            let credentials = self.keys.current()?;
            Ok(c.head(self.bucket.head_bucket(Some(&credentials)).sign(SIGNED_FOR)))
        });
        match head {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => return other.map(drop),
        }
        http::send(&self.client, &SERVICE, |c| {
            let credentials = self.keys.current()?;
            let create = self.bucket.create_bucket(&credentials);
            let body = if self.bucket.region() == "us-east-1" {
                String::new()
            } else {
                create.body()
            };
            Ok(c.put(create.sign(SIGNED_FOR)).body(body))
        })
        .map(drop)
    }

    fn list(&self, dir: &str) -> io::Result<Vec<(String, u64)>> {
        let prefix = format!("{}/", under_prefix(&self.place.prefix, dir));
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let (files, next) = self.list_page(&prefix, token.as_deref())?;
            all.extend(files);
            match next {
                Some(t) => token = Some(t),
                None => return Ok(all),
            }
        }
    }

    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes> {
        let key = self.key(dir, name);
        let response = http::send(&self.client, &SERVICE, |c| {
            let credentials = self.keys.current()?;
            let url = self.bucket.get_object(Some(&credentials), &key);
            Ok(http::get(c.get(url.sign(SIGNED_FOR)), range))
        })?;
        http::body(response, range, &key)
    }

    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        let key = self.key(dir, name);
        let body = Bytes::copy_from_slice(data);
        http::send(&self.client, &SERVICE, |c| {
            let credentials = self.keys.current()?;
            let url = self.bucket.put_object(Some(&credentials), &key);
            Ok(c.put(url.sign(SIGNED_FOR)).body(body.clone()))
        })
        .map(drop)
    }

    fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        let key = self.key(dir, name);
        gone_is_removed(http::send(&self.client, &SERVICE, |c| {
            let credentials = self.keys.current()?;
            let url = self.bucket.delete_object(Some(&credentials), &key);
            Ok(c.delete(url.sign(SIGNED_FOR)))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restic_s3_uris_parse() {
        let p = S3Place::parse("s3.amazonaws.com/bucket/some/prefix").unwrap();
        assert_eq!(p.endpoint, "https://s3.amazonaws.com");
        assert_eq!(
            (p.bucket.as_str(), p.prefix.as_str()),
            ("bucket", "some/prefix")
        );
        let p = S3Place::parse("http://127.0.0.1:9000/b").unwrap();
        assert_eq!(p.endpoint, "http://127.0.0.1:9000");
        assert_eq!((p.bucket.as_str(), p.prefix.as_str()), ("b", ""));
        assert!(
            S3Place::parse("http://127.0.0.1:9000/")
                .unwrap_err()
                .to_string()
                .contains("no bucket")
        );
        assert!(matches!(
            url_style(None, "https://s3.amazonaws.com"),
            UrlStyle::VirtualHost
        ));
        assert!(matches!(
            url_style(None, "http://127.0.0.1:9000"),
            UrlStyle::Path
        ));
        assert!(matches!(
            url_style(Some("dns"), "http://minio"),
            UrlStyle::VirtualHost
        ));
        assert_eq!(region(Some("eu-west-1")), "eu-west-1");
    }
}
