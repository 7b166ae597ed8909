//! A repository in an Azure Blob Storage container (`azure:container:/prefix`, as restic writes it),
//! laid out as restic lays it out, through the Blob service's REST API: List Blobs page by page, ranged
//! Get Blob, Put Blob as one block blob (atomic: a reader never sees part of it) and Delete Blob. The
//! account is `AZURE_ACCOUNT_NAME`, the service `https://<account>.blob.<suffix>` with the suffix from
//! `-o azure.endpoint-suffix` or `AZURE_ENDPOINT_SUFFIX` (else core.windows.net), as newer restic has it;
//! `-o azure.endpoint=URL` (cairn's own, for Azurite or Azure Stack) names the service URL whole.
//! Credentials are in auth.rs.
use cairn_proto::quoted;
mod auth;
mod listing;
use super::{
    PlaceError, Storage, clean_prefix, gone_is_removed, http, object_path, other, under_prefix,
};
use crate::tls::TlsOptions;
use auth::{AzureAuth, Signed};
use bytes::Bytes;
use reqwest::blocking::Response;
use reqwest::{Method, Url};
use std::io;

/// The Blob service version cairn speaks (it decides the signature's form and the largest single put).
const VERSION: &str = "2021-08-06";
const SERVER: &str = "Azure Blob Storage";
const SERVICE: http::Service = http::Service {
    name: SERVER,
    credentials: "AZURE_ACCOUNT_NAME with AZURE_ACCOUNT_KEY or AZURE_ACCOUNT_SAS (its permissions and expiry), and this machine's clock (Azure refuses signatures more than 15 minutes off)",
};

/// Where an `azure:` URI points.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AzurePlace {
    pub container: String,
    pub prefix: String,
}

impl AzurePlace {
    /// Parses what follows `azure:` the way restic does: `container:/path` (the leading slash is dropped).
    pub fn parse(rest: &str) -> Result<Self, PlaceError> {
        let (container, path) = rest
            .split_once(':')
            .filter(|(c, _)| !c.is_empty())
            .ok_or_else(|| {
                PlaceError::new(
                    "azure",
                    rest,
                    "needs a container and a path, like azure:container:/path",
                )
            })?;
        let prefix = clean_prefix(path);
        Ok(AzurePlace {
            container: container.to_string(),
            prefix,
        })
    }
}

/// Where the Blob service is, from the options and the environment.
pub struct AzureEndpoint<'a> {
    /// `-o azure.endpoint`.
    pub url: Option<&'a str>,
    /// `-o azure.endpoint-suffix`.
    pub suffix: Option<&'a str>,
}

pub struct AzureStorage {
    place: AzurePlace,
    /// The Blob service's URL, without a trailing slash.
    service: Url,
    auth: AzureAuth,
    client: reqwest::blocking::Client,
}

impl AzureStorage {
    pub fn new(place: &AzurePlace, endpoint: &AzureEndpoint, tls: &TlsOptions) -> io::Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let account = var("AZURE_ACCOUNT_NAME").ok_or_else(|| {
            other("azure: repositories need AZURE_ACCOUNT_NAME (the storage account) in the repository's env")
        })?;
        let service = service_url(&account, endpoint, var("AZURE_ENDPOINT_SUFFIX"))?;
        Ok(AzureStorage {
            place: place.clone(),
            service,
            auth: AzureAuth::find(&account, var)?,
            client: http::client(tls)?,
        })
    }

    fn blob_name(&self, dir: &str, name: &str) -> String {
        under_prefix(&self.place.prefix, &object_path(dir, name))
    }

    /// The container's URL, or a blob's when `blob` is given, with `query` appended.
    fn url(&self, blob: Option<&str>, query: &[(&str, &str)]) -> io::Result<Url> {
        let mut url = self.service.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|_| other(format!("{} cannot take a path", self.service)))?;
            path.pop_if_empty().push(&self.place.container);
            if let Some(blob) = blob {
                path.extend(blob.split('/'));
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Signs and sends one request (again on retries), with `x-ms-` headers `extra` and `body`.
    fn send(
        &self,
        method: Method,
        url: Url,
        extra: &[(&str, String)],
        body: Option<Bytes>,
    ) -> io::Result<Response> {
        let content_type = if body.is_some() {
            "application/octet-stream"
        } else {
            ""
        };
        let sent_url = self.auth.url(url.clone());
        // Signed anew for each attempt: Azure refuses an x-ms-date older than 15 minutes.
        http::send(&self.client, &SERVICE, |c| {
            let date = chrono::Utc::now()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string();
            let mut headers = vec![("x-ms-date", date), ("x-ms-version", VERSION.to_string())];
            headers.extend(extra.iter().cloned());
            let signed = Signed {
                method: method.as_str(),
                content_length: body.as_ref().map_or(0, Bytes::len),
                content_type,
                ms_headers: &headers,
            };
            let mut request = c.request(method.clone(), sent_url.clone());
            if let Some(a) = self.auth.authorization(&url, &signed) {
                request = request.header("Authorization", a);
            }
            for (name, value) in &headers {
                request = request.header(*name, value);
            }
            Ok(match &body {
                Some(b) => request.header("Content-Type", content_type).body(b.clone()),
                None if method == Method::PUT => request.body(Vec::new()),
                None => request,
            })
        })
    }

    fn list_page(&self, prefix: &str, marker: Option<&str>) -> io::Result<listing::ListingPage> {
        let mut query = vec![
            ("restype", "container"),
            ("comp", "list"),
            ("prefix", prefix),
        ];
        if let Some(m) = marker {
            query.push(("marker", m));
        }
        let text = self
            .send(Method::GET, self.url(None, &query)?, &[], None)?
            .text()
            .map_err(http::error)?;
        listing::parse(&text)
            .map_err(|e| other(format!("{SERVER} sent a listing that cannot be read: {e}")))
    }
}

/// `-o azure.endpoint` as given, else `https://<account>.blob.<suffix>`.
fn service_url(
    account: &str,
    endpoint: &AzureEndpoint,
    env_suffix: Option<String>,
) -> io::Result<Url> {
    let text = match (
        endpoint.url,
        endpoint.suffix.map(str::to_string).or(env_suffix),
    ) {
        (Some(url), _) => url.trim_end_matches('/').to_string(),
        (None, suffix) => format!(
            "https://{account}.blob.{}",
            suffix
                .as_deref()
                .unwrap_or("core.windows.net")
                .trim_matches('.')
        ),
    };
    Url::parse(&text).map_err(|e| {
        other(format!(
            "the Azure endpoint {text} is not a URL: {e}",
            text = quoted(&text)
        ))
    })
}

impl Storage for AzureStorage {
    fn location(&self) -> String {
        format!("azure:{}:/{}", self.place.container, self.place.prefix)
    }

    /// Creates the container when it is missing, as `restic init` does.
    fn create(&self) -> io::Result<()> {
        let url = self.url(None, &[("restype", "container")])?;
        match self.send(Method::GET, url.clone(), &[], None) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // A SAS for the container's blobs only may not read its properties: it exists, as restic
            // assumes too; the writes that follow report any real refusal.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Ok(()),
            other => return other.map(drop),
        }
        self.send(Method::PUT, url, &[], None).map(drop)
    }

    fn list(&self, dir: &str) -> io::Result<Vec<(String, u64)>> {
        let prefix = format!("{}/", under_prefix(&self.place.prefix, dir));
        let mut all = Vec::new();
        let mut marker = None;
        loop {
            let page = self.list_page(&prefix, marker.as_deref())?;
            all.extend(page.blobs.into_iter().filter_map(|(name, size)| {
                let name = name.rsplit('/').next()?.to_string();
                (!name.is_empty()).then_some((name, size))
            }));
            match page.next_marker {
                Some(m) if marker.as_ref() == Some(&m) => {
                    return Err(other(format!(
                        "{SERVER} sent the same marker twice listing {prefix}"
                    )));
                }
                Some(m) => marker = Some(m),
                None => return Ok(all),
            }
        }
    }

    fn read(&self, dir: &str, name: &str, range: Option<(u64, u32)>) -> io::Result<Bytes> {
        let blob = self.blob_name(dir, name);
        let extra: Vec<(&str, String)> = range
            .map(|(offset, length)| {
                let last = offset + u64::from(length).max(1) - 1;
                ("x-ms-range", format!("bytes={offset}-{last}"))
            })
            .into_iter()
            .collect();
        let response = self.send(Method::GET, self.url(Some(&blob), &[])?, &extra, None)?;
        http::body(response, range, &blob)
    }

    fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        let url = self.url(Some(&self.blob_name(dir, name)), &[])?;
        let extra = [("x-ms-blob-type", "BlockBlob".to_string())];
        self.send(Method::PUT, url, &extra, Some(Bytes::copy_from_slice(data)))
            .map(drop)
    }

    fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        let url = self.url(Some(&self.blob_name(dir, name)), &[])?;
        gone_is_removed(self.send(Method::DELETE, url, &[], None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restic_azure_uris_parse() {
        assert_eq!(
            AzurePlace::parse("ctr:/some/prefix/").unwrap(),
            AzurePlace {
                container: "ctr".into(),
                prefix: "some/prefix".into()
            }
        );
        assert_eq!(AzurePlace::parse("ctr:/").unwrap().prefix, "");
        assert_eq!(AzurePlace::parse("ctr:/a/../b").unwrap().prefix, "b");
        assert!(
            AzurePlace::parse("ctr")
                .unwrap_err()
                .to_string()
                .contains("azure:container:/path")
        );
    }

    #[test]
    fn the_service_url_comes_from_the_options_or_the_account() {
        let none = AzureEndpoint {
            url: None,
            suffix: None,
        };
        let url = |e: &AzureEndpoint, env: Option<&str>| {
            service_url("acct", e, env.map(str::to_string))
                .unwrap()
                .to_string()
        };
        assert_eq!(url(&none, None), "https://acct.blob.core.windows.net/");
        assert_eq!(
            url(&none, Some("core.chinacloudapi.cn")),
            "https://acct.blob.core.chinacloudapi.cn/"
        );
        let suffix = AzureEndpoint {
            url: None,
            suffix: Some("core.usgovcloudapi.net"),
        };
        assert_eq!(
            url(&suffix, Some("ignored")),
            "https://acct.blob.core.usgovcloudapi.net/"
        );
        let whole = AzureEndpoint {
            url: Some("http://127.0.0.1:10000/devstoreaccount1/"),
            suffix: None,
        };
        assert_eq!(url(&whole, None), "http://127.0.0.1:10000/devstoreaccount1");
        assert!(
            service_url(
                "a",
                &AzureEndpoint {
                    url: Some("::"),
                    suffix: None
                },
                None
            )
            .unwrap_err()
            .to_string()
            .contains("not a URL")
        );
    }
}
