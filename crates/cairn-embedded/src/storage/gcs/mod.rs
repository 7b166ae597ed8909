//! A repository in a Google Cloud Storage bucket (`gs:bucket:/prefix`, as restic writes it), laid out as
//! restic lays it out, through the JSON API: listings by prefix page by page, ranged reads
//! (`alt=media`), single-request uploads (atomic: a reader never sees part of an object) and deletes.
//! The server is `https://storage.googleapis.com`, or `STORAGE_EMULATOR_HOST` when set (the variable
//! Google's clients and newer restic honour). Tokens come from auth.rs.
use cairn_proto::quoted;
mod auth;
use super::{
    PlaceError, Storage, clean_prefix, gone_is_removed, http, object_path, other, under_prefix,
};
use crate::tls::TlsOptions;
use auth::GcsAuth;
use bytes::Bytes;
use reqwest::Url;
use reqwest::blocking::{Client, RequestBuilder};
use serde::Deserialize;
use std::io;

const GOOGLE: &str = "https://storage.googleapis.com";
const SERVER: &str = "Google Cloud Storage";
const SERVICE: http::Service = http::Service {
    name: SERVER,
    credentials: "GOOGLE_ACCESS_TOKEN (it expires within an hour) or GOOGLE_APPLICATION_CREDENTIALS, and that the account may use the bucket",
};

/// Where a `gs:` URI points.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GcsPlace {
    pub bucket: String,
    pub prefix: String,
}

impl GcsPlace {
    /// Parses what follows `gs:` the way restic does: `bucket:/path` (the leading slash is dropped).
    pub fn parse(rest: &str) -> Result<Self, PlaceError> {
        let (bucket, path) = rest
            .split_once(':')
            .filter(|(b, _)| !b.is_empty())
            .ok_or_else(|| {
                PlaceError::new(
                    "gs",
                    rest,
                    "needs a bucket and a path, like gs:bucket:/path",
                )
            })?;
        let prefix = clean_prefix(path);
        Ok(GcsPlace {
            bucket: bucket.to_string(),
            prefix,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listing {
    #[serde(default)]
    items: Vec<Item>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    name: String,
    /// The JSON API sends sizes as strings.
    size: String,
}

pub struct GcsStorage {
    place: GcsPlace,
    base: Url,
    auth: GcsAuth,
    client: Client,
}

impl GcsStorage {
    pub fn new(place: &GcsPlace, tls: &TlsOptions) -> io::Result<Self> {
        let emulator = std::env::var("STORAGE_EMULATOR_HOST")
            .ok()
            .filter(|h| !h.trim().is_empty());
        let base = match &emulator {
            Some(h) if h.contains("://") => h.trim().to_string(),
            Some(h) => format!("http://{}", h.trim()),
            None => GOOGLE.to_string(),
        };
        let base = Url::parse(&base).map_err(|e| {
            other(format!(
                "STORAGE_EMULATOR_HOST={base} is not a URL: {e}",
                base = quoted(&base)
            ))
        })?;
        Ok(GcsStorage {
            place: place.clone(),
            base,
            auth: GcsAuth::find(|k| std::env::var(k).ok(), emulator.is_some())?,
            client: http::client(tls)?,
        })
    }

    fn key(&self, dir: &str, name: &str) -> String {
        under_prefix(&self.place.prefix, &object_path(dir, name))
    }

    /// `base` + the given path segments (each percent-encoded whole, so an object's `/` becomes `%2F`).
    fn url(&self, segments: &[&str]) -> io::Result<Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| other(format!("{} cannot take a path", self.base)))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    fn object_url(&self, key: &str) -> io::Result<Url> {
        self.url(&["storage", "v1", "b", &self.place.bucket, "o", key])
    }

    /// Sends what `make` builds with a current token (asked for again on each attempt).
    fn send(
        &self,
        make: impl Fn(&Client) -> RequestBuilder,
    ) -> io::Result<reqwest::blocking::Response> {
        http::send(&self.client, &SERVICE, |c| {
            Ok(match self.auth.header(c)? {
                Some(h) => make(c).header("Authorization", h),
                None => make(c),
            })
        })
    }

    fn list_page(&self, prefix: &str, token: Option<&str>) -> io::Result<Listing> {
        let mut url = self.url(&["storage", "v1", "b", &self.place.bucket, "o"])?;
        url.query_pairs_mut()
            .append_pair("prefix", prefix)
            .append_pair("fields", "items(name,size),nextPageToken");
        if let Some(t) = token {
            url.query_pairs_mut().append_pair("pageToken", t);
        }
        self.send(|c| c.get(url.clone()))?
            .json()
            .map_err(|e| other(format!("{SERVER} sent a listing that cannot be read: {e}")))
    }
}

impl Storage for GcsStorage {
    fn location(&self) -> String {
        format!("gs:{}:/{}", self.place.bucket, self.place.prefix)
    }

    /// Creates the bucket when it is missing, as `restic init` does (in project `GOOGLE_PROJECT_ID`).
    fn create(&self) -> io::Result<()> {
        let bucket = self.url(&["storage", "v1", "b", &self.place.bucket])?;
        match self.send(|c| c.get(bucket.clone())) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // An account allowed objects but not the bucket's metadata: the bucket exists, as restic
            // assumes too; the writes that follow report any real refusal.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Ok(()),
            other => return other.map(drop),
        }
        let project = std::env::var("GOOGLE_PROJECT_ID")
            .ok()
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| {
                other(format!(
                    "the bucket {} does not exist; set GOOGLE_PROJECT_ID in the repository's env to create it",
                    self.place.bucket
                ))
            })?;
        let mut url = self.url(&["storage", "v1", "b"])?;
        url.query_pairs_mut().append_pair("project", &project);
        let body = serde_json::json!({ "name": self.place.bucket }).to_string();
        self.send(|c| {
            c.post(url.clone())
                .header("Content-Type", "application/json")
                .body(body.clone())
        })
        .map(drop)
    }

    fn list(&self, dir: &str) -> io::Result<Vec<(String, u64)>> {
        let prefix = format!("{}/", under_prefix(&self.place.prefix, dir));
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let page = self.list_page(&prefix, token.as_deref())?;
            for item in page.items {
                let name = item.name.rsplit('/').next().unwrap_or_default();
                if !name.is_empty() {
                    let size = item.size.parse().map_err(|_| {
                        other(format!(
                            "{SERVER} gave {} a size of {}",
                            item.name,
                            quoted(&item.size)
                        ))
                    })?;
                    all.push((name.to_string(), size));
                }
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) if token.as_ref() == Some(&t) => {
                    return Err(other(format!(
                        "{SERVER} sent the same page token twice listing {prefix}"
                    )));
                }
                Some(t) => token = Some(t),
                None => return Ok(all),
            }
        }
    }

    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes> {
        let key = self.key(dir, name);
        let mut url = self.object_url(&key)?;
        url.query_pairs_mut().append_pair("alt", "media");
        let response = self.send(|c| http::get(c.get(url.clone()), range))?;
        http::body(response, range, &key)
    }

    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        let key = self.key(dir, name);
        let mut url = self.url(&["upload", "storage", "v1", "b", &self.place.bucket, "o"])?;
        url.query_pairs_mut()
            .append_pair("uploadType", "media")
            .append_pair("name", &key);
        let body = Bytes::copy_from_slice(data);
        self.send(|c| {
            c.post(url.clone())
                .header("Content-Type", "application/octet-stream")
                .body(body.clone())
        })
        .map(drop)
    }

    fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        let url = self.object_url(&self.key(dir, name))?;
        gone_is_removed(self.send(|c| c.delete(url.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restic_gs_uris_parse() {
        assert_eq!(
            GcsPlace::parse("bucket:/some/prefix/").unwrap(),
            GcsPlace {
                bucket: "bucket".into(),
                prefix: "some/prefix".into()
            }
        );
        assert_eq!(GcsPlace::parse("b:/").unwrap().prefix, "");
        assert_eq!(GcsPlace::parse("b:rel/./p").unwrap().prefix, "rel/p");
        assert_eq!(GcsPlace::parse("b:/a/../../b/c/..").unwrap().prefix, "b");
        assert!(
            GcsPlace::parse("bucket")
                .unwrap_err()
                .to_string()
                .contains("gs:bucket:/path")
        );
        assert!(
            GcsPlace::parse(":/p")
                .unwrap_err()
                .to_string()
                .contains("needs a bucket")
        );
    }

    #[test]
    fn object_names_are_one_encoded_segment() {
        let storage = GcsStorage {
            place: GcsPlace::parse("b:/r").unwrap(),
            base: Url::parse("http://127.0.0.1:9023").unwrap(),
            auth: GcsAuth::find(|_| None, true).unwrap(),
            client: Client::new(),
        };
        let url = storage.object_url(&storage.key("data", "ab12")).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9023/storage/v1/b/b/o/r%2Fdata%2Fab%2Fab12"
        );
        assert_eq!(storage.location(), "gs:b:/r");
    }
}
