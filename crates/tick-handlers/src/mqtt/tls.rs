//! TLS for MQTT brokers (`ssl-ca`, `ssl-cert`, `ssl-key`, `insecure-skip-verify`, read as
//! Kapacitor's `tlsconfig.Create` reads them, tlsconfig/config.go at v1.5.7):
//! builds the rustls `ClientConfig` ourselves with the `ring` provider, so rumqttc's default
//! helpers (which load platform roots with `expect`) are never used. Also detects X.509 v1
//! client certificates, which rustls refuses but Go accepts. Owns no connection.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::MqttConfig;
use crate::config::tls_files::{client_cert_error, provider, read_certs, read_key};

/// Installs `ring` as the process-wide rustls provider, so that no other dependency can make
/// `ClientConfig::builder()` panic by enabling a second provider. Idempotent.
pub fn install_crypto_provider() {
    // An error only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Builds the rustls client configuration for one broker.
pub(crate) fn client_config(cfg: &MqttConfig) -> Result<ClientConfig, String> {
    tls_client_config(
        &TlsFiles {
            ssl_ca: cfg.ssl_ca.as_deref(),
            ssl_cert: cfg.ssl_cert.as_deref(),
            ssl_key: cfg.ssl_key.as_deref(),
            insecure_skip_verify: cfg.insecure_skip_verify,
        },
        true,
    )
}

/// The TLS settings of a service section (`ssl-ca`, `ssl-cert`, `ssl-key`,
/// `insecure-skip-verify`), as Kapacitor's `tlsconfig.Create` takes them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TlsFiles<'a> {
    pub(crate) ssl_ca: Option<&'a std::path::Path>,
    pub(crate) ssl_cert: Option<&'a std::path::Path>,
    pub(crate) ssl_key: Option<&'a std::path::Path>,
    pub(crate) insecure_skip_verify: bool,
}

/// Builds a rustls client configuration with the `ring` provider. Without `ssl-ca` the system
/// roots are trusted, as Go does; `require_roots` makes finding none an error (for a service
/// that is only ever reached over TLS).
pub(crate) fn tls_client_config(
    tls: &TlsFiles<'_>,
    require_roots: bool,
) -> Result<ClientConfig, String> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let builder = if tls.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(SkipVerify(provider())))
    } else {
        let mut roots = RootCertStore::empty();
        match tls.ssl_ca {
            Some(ca) => {
                for cert in read_certs(ca)? {
                    roots.add(cert).map_err(|e| {
                        format!("ssl-ca {}: unusable CA certificate: {e}", ca.display())
                    })?;
                }
            }
            None => {
                // No ssl-ca: the system roots, as Go does. Never panics when there are none.
                let found = rustls_native_certs::load_native_certs();
                let (added, _) = roots.add_parsable_certificates(found.certs);
                if added == 0 && require_roots {
                    return Err(
                        "no ssl-ca given and no system CA certificates found: set ssl-ca to the \
                         broker's CA file (or insecure-skip-verify = true for testing)"
                            .to_owned(),
                    );
                }
            }
        }
        builder.with_root_certificates(roots)
    };
    let config = match (tls.ssl_cert, tls.ssl_key) {
        (Some(cert), Some(key)) => {
            let certs = read_certs(cert)?;
            let key = read_key(key)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| client_cert_error(&e, tls.ssl_cert, tls.ssl_key))?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(config)
}

/// `insecure-skip-verify = true`: accepts any chain and host name, but still checks that the
/// server owns the key of the certificate it presented (handshake signatures).
#[derive(Debug)]
struct SkipVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for SkipVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
