//! How the store reaches PostgreSQL: in the clear when the URL says `sslmode=disable`, else with TLS
//! (rustls, as the rest of cairn) when the server offers it (`prefer`, the default) or always
//! (`require`). Unlike libpq's `prefer` and `require`, the server's certificate is always verified,
//! against the system's roots or those `SSL_CERT_FILE` / `SSL_CERT_DIR` name: an encrypted
//! connection to a server nobody vouched for protects nothing.
use crate::error::{OplogError, Result};
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config, Connection, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How connections are made.
#[derive(Clone)]
pub(crate) enum Connector {
    /// `sslmode=disable`.
    Plain,
    /// TLS when the server offers it, or always, as the URL's `sslmode` says.
    Tls(MakeRustlsConnect),
}

impl Connector {
    /// The connector the URL's `sslmode` asks for.
    pub(crate) fn for_config(config: &Config) -> Result<Self> {
        if config.get_ssl_mode() == SslMode::Disable {
            return Ok(Connector::Plain);
        }
        let found = rustls_native_certs::load_native_certs();
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(found.certs);
        if roots.is_empty() {
            return Err(OplogError::Database(
                "no trusted certificate authority to check the database server's certificate with; \
                 install ca-certificates, point SSL_CERT_FILE at the server's CA, or add \
                 sslmode=disable to the URL for an unencrypted connection"
                    .into(),
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| OplogError::Database(format!("TLS setup failed: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Connector::Tls(MakeRustlsConnect::new(tls)))
    }

    /// A new connection, its driver spawned on the current runtime.
    pub(crate) async fn open(
        &self,
        config: &Config,
    ) -> std::result::Result<Client, tokio_postgres::Error> {
        match self {
            Connector::Plain => spawned(config.connect(NoTls).await?),
            Connector::Tls(tls) => spawned(config.connect(tls.clone()).await?),
        }
    }
}

/// The client of a new connection whose driver runs as a task of its own.
fn spawned<S, T>(
    (client, connection): (Client, Connection<S, T>),
) -> std::result::Result<Client, tokio_postgres::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "a database connection ended");
        }
    });
    Ok(client)
}
