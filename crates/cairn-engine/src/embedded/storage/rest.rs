//! A repository behind restic's REST protocol (`rest:` URIs, rest-server, and `rclone serve restic`):
//! version-2 listings, ranged reads, transient failures retried with backoff.
use super::{Storage, other};
use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use std::io;
use std::time::Duration;

pub struct RestStorage {
    base: reqwest::Url,
    client: Client,
}

#[derive(serde::Deserialize)]
struct Listed {
    name: String,
    size: u64,
}

const ATTEMPTS: u32 = 4;

fn http_error(e: reqwest::Error) -> io::Error {
    other(e.without_url().to_string())
}

impl RestStorage {
    /// `url` is the repository's base URL (credentials in it are sent as basic auth).
    pub fn new(url: &str) -> io::Result<Self> {
        let mut base =
            reqwest::Url::parse(url).map_err(|e| other(format!("{url:?} is not a URL: {e}")))?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(600))
            .build()
            .map_err(http_error)?;
        Ok(RestStorage { base, client })
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

    /// Sends a request, retrying connection failures and 5xx answers; 404 is `NotFound`.
    fn send(&self, make: impl Fn(&Client) -> RequestBuilder) -> io::Result<Response> {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            let result = self.request(make(&self.client)).send();
            let retry = match &result {
                Ok(r) => r.status().is_server_error(),
                Err(e) => e.is_connect() || e.is_timeout(),
            };
            if !retry || attempt == ATTEMPTS {
                let response = result.map_err(http_error)?;
                return match response.status() {
                    s if s.is_success() => Ok(response),
                    StatusCode::NOT_FOUND => Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{} not found", response.url().path()),
                    )),
                    s => Err(other(format!(
                        "the REST server answered {s} for {}",
                        response.url().path()
                    ))),
                };
            }
            std::thread::sleep(delay);
            delay *= 2;
            attempt += 1;
        }
    }
}

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
        let listed: Vec<Listed> = response.json().map_err(http_error)?;
        Ok(listed.into_iter().map(|l| (l.name, l.size)).collect())
    }

    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes> {
        let url = self.url(dir, name)?;
        let response = self.send(|c| {
            let get = c.get(url.clone());
            match range {
                Some((offset, length)) => get.header(
                    "Range",
                    format!("bytes={offset}-{}", offset + u64::from(length).max(1) - 1),
                ),
                None => get,
            }
        })?;
        let body = response.bytes().map_err(http_error)?;
        if let Some((_, length)) = range
            && body.len() != length as usize
        {
            return Err(other(format!(
                "the REST server sent {} bytes of {dir}/{name} where {length} were asked for",
                body.len()
            )));
        }
        Ok(body)
    }

    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        let url = self.url(dir, name)?;
        let body = Bytes::copy_from_slice(data);
        self.send(|c| c.post(url.clone()).body(body.clone()))
            .map(drop)
    }

    fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        let url = self.url(dir, name)?;
        match self.send(|c| c.delete(url.clone())) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other.map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_locations_hide_credentials() {
        let s = RestStorage::new("http://user:secret@127.0.0.1:8000/repo").unwrap();
        assert_eq!(
            s.url("data", "ab").unwrap().as_str(),
            "http://user:secret@127.0.0.1:8000/repo/data/ab"
        );
        assert_eq!(s.url("", "config").unwrap().path(), "/repo/config");
        assert_eq!(s.url("keys", "").unwrap().path(), "/repo/keys/");
        assert!(!s.location().contains("secret"));
        assert!(RestStorage::new("not a url").is_err());
    }
}
