//! restic's TLS flags for the storages reached over HTTPS (REST, S3, GCS, Azure): `--cacert FILE` (PEM
//! certificates to trust instead of the system's roots, as in restic; may be given more than once),
//! `--tls-client-cert FILE` (a PEM file with a client certificate and its private key) and
//! `--insecure-tls` (no verification of the server's certificate). The files are read when the flags
//! are parsed, so a missing or malformed one is named before anything runs, and again by the worker.
use reqwest::blocking::ClientBuilder;
use reqwest::{Certificate, Identity};
use serde::{Deserialize, Serialize};
use std::io;

/// The TLS flags a repository (or a plan's backup flags) gave.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsOptions {
    pub cacerts: Vec<String>,
    pub client_cert: Option<String>,
    pub insecure: bool,
}

impl TlsOptions {
    /// Both sets together: every CA file, the later client certificate, insecure if either says so.
    pub fn merge(self, over: TlsOptions) -> TlsOptions {
        TlsOptions {
            // restic trusts every --cacert given.
            cacerts: [self.cacerts, over.cacerts].concat(),
            client_cert: over.client_cert.or(self.client_cert),
            insecure: self.insecure || over.insecure,
        }
    }

    /// The client builder with these settings applied.
    pub fn apply(&self, mut builder: ClientBuilder) -> io::Result<ClientBuilder> {
        if !self.cacerts.is_empty() {
            builder = builder.tls_built_in_root_certs(false);
            for file in &self.cacerts {
                for cert in root_certificates(file)? {
                    builder = builder.add_root_certificate(cert);
                }
            }
        }
        if let Some(file) = &self.client_cert {
            builder = builder.identity(client_identity(file)?);
        }
        Ok(builder.danger_accept_invalid_certs(self.insecure))
    }
}

fn read(flag: &str, file: &str) -> io::Result<Vec<u8>> {
    std::fs::read(file).map_err(|e| io::Error::new(e.kind(), format!("{flag} {file}: {e}")))
}

fn malformed(flag: &str, file: &str, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{flag} {file}: {what}"),
    )
}

/// The certificates in a `--cacert` file.
pub fn root_certificates(file: &str) -> io::Result<Vec<Certificate>> {
    let certs = Certificate::from_pem_bundle(&read("--cacert", file)?)
        .map_err(|e| malformed("--cacert", file, &format!("not PEM certificates ({e})")))?;
    if certs.is_empty() {
        return Err(malformed(
            "--cacert",
            file,
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(certs)
}

/// The certificate and key in a `--tls-client-cert` file.
pub fn client_identity(file: &str) -> io::Result<Identity> {
    Identity::from_pem(&read("--tls-client-cert", file)?).map_err(|e| {
        malformed(
            "--tls-client-cert",
            file,
            &format!("needs a PEM certificate and its private key in one file ({e})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_malformed_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let junk = junk.to_string_lossy().into_owned();
        let err = root_certificates(&junk).unwrap_err().to_string();
        assert!(
            err.contains("--cacert") && err.contains("junk.pem"),
            "{err}"
        );
        let err = client_identity(&junk).unwrap_err().to_string();
        assert!(err.contains("private key"), "{err}");
        let err = root_certificates("/nonexistent/ca.pem")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn merged_settings_keep_every_ca() {
        let base = TlsOptions {
            cacerts: vec!["a.pem".into()],
            client_cert: Some("c.pem".into()),
            insecure: false,
        };
        let over = TlsOptions {
            insecure: true,
            ..TlsOptions::default()
        };
        let more = TlsOptions {
            cacerts: vec!["b.pem".into()],
            ..over
        };
        let merged = base.clone().merge(more);
        assert_eq!(merged.cacerts, ["a.pem", "b.pem"]);
        assert_eq!(merged.client_cert, base.client_cert);
        assert!(merged.insecure);
    }
}
