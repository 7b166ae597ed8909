//! How requests to Azure Blob Storage are authorised, from the repository's env as restic reads it:
//! `AZURE_ACCOUNT_KEY` signs each request with Shared Key (HMAC-SHA256 over the string Azure defines:
//! the verb, the standard headers, the `x-ms-` headers and the canonical resource); else
//! `AZURE_ACCOUNT_SAS` is a shared access signature appended to every URL.
use crate::storage::other;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::Url;
use sha2::Sha256;
use std::io;

/// The credentials of one account.
pub enum AzureAuth {
    SharedKey { account: String, key: Vec<u8> },
    Sas(String),
}

/// What goes into a request's signature besides its URL.
pub struct Signed<'a> {
    pub method: &'a str,
    pub content_length: usize,
    pub content_type: &'a str,
    /// The `x-ms-` headers (names in lower case), `x-ms-date` and `x-ms-version` among them.
    pub ms_headers: &'a [(&'a str, String)],
}

impl AzureAuth {
    /// The credentials from the environment (`var` reads it) for `account`.
    pub fn find(account: &str, var: impl Fn(&str) -> Option<String>) -> io::Result<Self> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(key) = set("AZURE_ACCOUNT_KEY") {
            let key = STANDARD.decode(key.trim()).map_err(|e| {
                other(format!(
                    "AZURE_ACCOUNT_KEY is not base64 ({e}); copy the key as the Azure portal shows it"
                ))
            })?;
            return Ok(AzureAuth::SharedKey {
                account: account.to_string(),
                key,
            });
        }
        if let Some(sas) = set("AZURE_ACCOUNT_SAS") {
            return Ok(AzureAuth::Sas(
                sas.trim().trim_start_matches('?').to_string(),
            ));
        }
        Err(other(
            "azure: repositories need AZURE_ACCOUNT_KEY or AZURE_ACCOUNT_SAS in the repository's env \
             (with AZURE_ACCOUNT_NAME)",
        ))
    }

    /// The URL to send (with the SAS, if that is the credential).
    pub fn url(&self, mut url: Url) -> Url {
        if let AzureAuth::Sas(sas) = self {
            let query = match url.query() {
                Some(q) if !q.is_empty() => format!("{q}&{sas}"),
                _ => sas.clone(),
            };
            url.set_query(Some(&query));
        }
        url
    }

    /// The `Authorization` header for a request to `url`, when requests are signed.
    pub fn authorization(&self, url: &Url, request: &Signed) -> Option<String> {
        let AzureAuth::SharedKey { account, key } = self else {
            return None;
        };
        let text = string_to_sign(account, url, request);
        let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
        mac.update(text.as_bytes());
        let signature = STANDARD.encode(mac.finalize().into_bytes());
        Some(format!("SharedKey {account}:{signature}"))
    }
}

/// Shared Key's string to sign (service version 2009-09-19 and later): the verb, eleven standard
/// headers (only Content-Length and Content-Type are ever sent; a length of 0 is left empty), the
/// `x-ms-` headers sorted, then `/account/path` and the query parameters sorted, one per line.
fn string_to_sign(account: &str, url: &Url, request: &Signed) -> String {
    let length = match request.content_length {
        0 => String::new(),
        n => n.to_string(),
    };
    let mut text = format!(
        "{}\n\n\n{length}\n\n{}\n\n\n\n\n\n\n",
        request.method, request.content_type
    );
    let mut headers: Vec<_> = request.ms_headers.iter().collect();
    headers.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in headers {
        text.push_str(&format!("{name}:{}\n", value.trim()));
    }
    text.push_str(&format!("/{account}{}", url.path()));
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.to_lowercase(), v.into_owned()))
        .collect();
    params.sort();
    for (name, value) in params {
        text.push_str(&format!("\n{name}:{value}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_string_to_sign_is_azures() {
        let url = Url::parse(
            "http://127.0.0.1:10000/acct/ctr?restype=container&comp=list&prefix=r%2Fdata%2F",
        )
        .unwrap();
        let headers = [
            ("x-ms-version", "2021-08-06".to_string()),
            ("x-ms-date", "Tue, 01 Dec 2026 06:00:00 GMT".to_string()),
        ];
        let request = Signed {
            method: "GET",
            content_length: 0,
            content_type: "",
            ms_headers: &headers,
        };
        assert_eq!(
            string_to_sign("acct", &url, &request),
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Tue, 01 Dec 2026 06:00:00 GMT\nx-ms-version:2021-08-06\n\
             /acct/acct/ctr\ncomp:list\nprefix:r/data/\nrestype:container"
        );
        let put = Signed {
            method: "PUT",
            content_length: 12,
            content_type: "application/octet-stream",
            ms_headers: &headers,
        };
        assert!(
            string_to_sign("acct", &url, &put)
                .starts_with("PUT\n\n\n12\n\napplication/octet-stream\n")
        );
    }

    #[test]
    fn a_key_signs_and_a_sas_rides_in_the_url() {
        let key = AzureAuth::find("acct", env(&[("AZURE_ACCOUNT_KEY", "a2V5")])).unwrap();
        let url = Url::parse("https://acct.blob.core.windows.net/c/b").unwrap();
        let request = Signed {
            method: "GET",
            content_length: 0,
            content_type: "",
            ms_headers: &[],
        };
        // HMAC-SHA256 with key "key" of the string above, computed independently with openssl.
        assert_eq!(
            key.authorization(&url, &request).unwrap(),
            format!("SharedKey acct:{}", reference_signature())
        );
        assert_eq!(key.url(url.clone()), url);
        let sas = AzureAuth::find("acct", env(&[("AZURE_ACCOUNT_SAS", "?sv=1&sig=x")])).unwrap();
        assert_eq!(sas.authorization(&url, &request), None);
        assert_eq!(
            sas.url(url.clone()).as_str(),
            "https://acct.blob.core.windows.net/c/b?sv=1&sig=x"
        );
        let err = |pairs| AzureAuth::find("a", env(pairs)).err().unwrap().to_string();
        assert!(err(&[]).contains("AZURE_ACCOUNT_KEY or AZURE_ACCOUNT_SAS"));
        assert!(err(&[("AZURE_ACCOUNT_KEY", "not base64!")]).contains("not base64"));
    }

    /// `printf 'GET\n\n\n\n\n\n\n\n\n\n\n\n/acct/c/b' | openssl dgst -sha256 -hmac key -binary | base64`.
    fn reference_signature() -> &'static str {
        "Z2vBfDVCHIb5mbYHxF0FzA+5gxuwaVi1MWkkww+RcfI="
    }
}
