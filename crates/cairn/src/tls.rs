//! `cairn serve --tls-cert --tls-key`: the rustls server configuration the API, the web UI and sync
//! sessions are served with over HTTPS, offering HTTP/2 (which sync needs) and HTTP/1.1 by ALPN.
use crate::settings::TlsFiles;
use anyhow::Context;
use cairn_proto::quoted;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// Reads the certificate chain and key and checks that they belong together.
pub fn server_config(files: &TlsFiles) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let (cert_text, key_text) = (
        files.cert.display().to_string(),
        files.key.display().to_string(),
    );
    let (cert_path, key_path) = (quoted(&cert_text), quoted(&key_text));
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read the certificate chain {cert_path} (--tls-cert)"))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "{cert_path} (--tls-cert) holds no PEM certificate"
    );
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("cannot read a PEM private key from {key_path} (--tls-key)"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| format!("the key {key_path} does not fit the certificate {cert_path}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_or_empty_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, "not a certificate\n").unwrap();
        let files = TlsFiles {
            cert: cert.clone(),
            key: dir.path().join("missing.pem"),
        };
        let e = format!("{:#}", server_config(&files).unwrap_err());
        assert!(e.contains("holds no PEM certificate"), "{e}");
        let files = TlsFiles {
            cert: dir.path().join("nope.pem"),
            key: cert,
        };
        let e = format!("{:#}", server_config(&files).unwrap_err());
        assert!(e.contains("nope.pem") && e.contains("--tls-cert"), "{e}");
    }
}
