//! Syslog over TLS (RFC 5425): the certificate and key from PEM files ([`tls_config`]),
//! and the listener, which reads each connection as TCP syslog once the handshake is done.

use super::tcp::spawn_acceptor;
use super::Listener;
use crate::state::AppState;
use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use vigil_pipeline::intake::Source;

/// Longest a client may take to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A TLS server configuration from a PEM certificate chain (leaf first) and a PEM private
/// key (PKCS#8, PKCS#1 or SEC1), with TLS 1.2 and 1.3 and no client certificates.
pub fn tls_config(cert_path: &Path, key_path: &Path) -> anyhow::Result<ServerConfig> {
    let certs = CertificateDer::pem_file_iter(cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read certificates from {}", cert_path.display()))?;
    if certs.is_empty() {
        anyhow::bail!(
            "{}: no certificate in it (expected a PEM `BEGIN CERTIFICATE` block)",
            cert_path.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(key_path)
        .with_context(|| format!("cannot read a private key from {}", key_path.display()))?;
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .with_context(|| {
            format!(
                "the key in {} does not go with the certificate in {}",
                key_path.display(),
                cert_path.display()
            )
        })
}

/// Listens for syslog over TLS on `addr`.
pub async fn serve_tls(
    addr: SocketAddr,
    config: impl Into<Arc<ServerConfig>>,
    state: AppState,
) -> io::Result<Listener> {
    let listener = TcpListener::bind(addr).await?;
    let acceptor = TlsAcceptor::from(config.into());
    spawn_acceptor(listener, state, Source::SyslogTls, move |stream| {
        let handshake = acceptor.accept(stream);
        async move {
            tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake)
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out"))?
        }
    })
}
