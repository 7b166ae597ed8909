//! A repository behind restic's REST protocol (`rest:` URIs, rest-server, and `rclone serve restic`):
//! version-2 listings, ranged reads, transient failures retried with backoff.
use cairn_proto::quoted;
mod rclone;

use super::{Storage, gone_is_removed, http, other};
use crate::tls::TlsOptions;
use bytes::Bytes;
pub use rclone::RcloneStorage;
use reqwest::blocking::{Client, RequestBuilder, Response};
use std::io;

pub struct RestStorage {
    base: reqwest::Url,
    client: Client,
}

#[derive(serde::Deserialize)]
struct Listed {
    name: String,
    size: u64,
}

impl RestStorage {
    /// `url` is the repository's base URL (credentials in it are sent as basic auth).
    pub fn new(url: &str, tls: &TlsOptions) -> io::Result<Self> {
        let mut base = reqwest::Url::parse(url)
            .map_err(|e| other(format!("{url} is not a URL: {e}", url = quoted(&url))))?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(RestStorage {
            base,
            client: http::client(tls)?,
        })
    }

    fn url(&self, dir: &str, name: &str) -> io::Result<reqwest::Url> {
        let rel = match (dir, name) {
            ("", n) => n.to_string(),
            (d, "") => format!("{d}/"),
            (d, n) => format!("{d}/{n}"),
        };
        self.base
            .join(&rel)
            .map_err(|e| other(format!("bad repository path {rel}: {e}")))
    }

    fn request(&self, build: RequestBuilder) -> RequestBuilder {
        let user = self.base.username();
        if user.is_empty() {
            build
        } else {
            build.basic_auth(user, self.base.password())
        }
    }

    /// Sends a request with the repository's credentials (see `http::send`).
    fn send(&self, make: impl Fn(&Client) -> RequestBuilder) -> io::Result<Response> {
        http::send(&self.client, &SERVICE, |c| Ok(self.request(make(c))))
    }
}

const SERVICE: http::Service = http::Service {
    name: "the REST server",
    credentials: "the user and password in the rest: URL",
};

impl Storage for RestStorage {
    fn location(&self) -> String {
        let mut shown = self.base.clone();
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        format!("rest:{shown}")
    }

    fn create(&self) -> io::Result<()> {
        let mut url = self.base.clone();
        url.set_query(Some("create=true"));
        self.send(|c| c.post(url.clone())).map(drop)
    }

    fn list(&self, dir: &str) -> io::Result<Vec<(String, u64)>> {
        let url = self.url(dir, "")?;
        let response = match self.send(|c| {
            c.get(url.clone())
                .header("Accept", "application/vnd.x.restic.rest.v2")
        }) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            other => other?,
        };
        let listed: Vec<Listed> = response.json().map_err(http::error)?;
        Ok(listed.into_iter().map(|l| (l.name, l.size)).collect())
    }

    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes> {
        let url = self.url(dir, name)?;
        let response = self.send(|c| http::get(c.get(url.clone()), range))?;
        http::body(response, range, &format!("{dir}/{name}"))
    }

    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        let url = self.url(dir, name)?;
        let body = Bytes::copy_from_slice(data);
        self.send(|c| c.post(url.clone()).body(body.clone()))
            .map(drop)
    }

    fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        let url = self.url(dir, name)?;
        gone_is_removed(self.send(|c| c.delete(url.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_locations_hide_credentials() {
        let s = RestStorage::new(
            "http://user:secret@127.0.0.1:8000/repo",
            &TlsOptions::default(),
        )
        .unwrap();
        assert_eq!(
            s.url("data", "ab").unwrap().as_str(),
            "http://user:secret@127.0.0.1:8000/repo/data/ab"
        );
        assert_eq!(s.url("", "config").unwrap().path(), "/repo/config");
        assert_eq!(s.url("keys", "").unwrap().path(), "/repo/keys/");
        assert!(!s.location().contains("secret"));
        assert!(RestStorage::new("not a url", &TlsOptions::default()).is_err());
    }
}
