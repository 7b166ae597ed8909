//! TLS for `https://` peers (and the CLI's `https://` servers): a rustls client that trusts the
//! system's roots, or the ones `SSL_CERT_FILE` / `SSL_CERT_DIR` name (as Go, and so Backrest, does), and
//! speaks HTTP/2 only where a sync stream needs it.
use std::sync::Arc;

/// Why no TLS client could be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Neither the system nor SSL_CERT_FILE / SSL_CERT_DIR gave a usable root certificate.
    #[error(
        "no trusted certificate authority could be loaded ({0}); install the system's CA certificates (ca-certificates) or point SSL_CERT_FILE at a PEM file holding the hub's CA"
    )]
    NoRoots(String),
    /// rustls refused the configuration.
    #[error("TLS setup failed: {0}")]
    Setup(#[from] rustls::Error),
}

/// A TLS client configuration trusting the system's roots (or SSL_CERT_FILE / SSL_CERT_DIR).
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        return Err(TlsError::NoRoots(if why.is_empty() {
            "none found".into()
        } else {
            why
        }));
    }
    for e in &found.errors {
        tracing::debug!(error = %e, "a certificate authority could not be loaded; the others are used");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
