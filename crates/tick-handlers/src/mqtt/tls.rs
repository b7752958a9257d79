//! TLS for MQTT brokers (`ssl-ca`, `ssl-cert`, `ssl-key`, `insecure-skip-verify`, read as
//! Kapacitor's `tlsconfig.Create` reads them, tlsconfig/config.go at v1.5.7):
//! builds the rustls `ClientConfig` ourselves with the `ring` provider, so rumqttc's default
//! helpers (which load platform roots with `expect`) are never used. Also detects X.509 v1
//! client certificates, which rustls refuses but Go accepts. Owns no connection.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::MqttConfig;

/// The one crypto provider tick uses (dependencies.md gap 4).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Installs `ring` as the process-wide rustls provider, so that no other dependency can make
/// `ClientConfig::builder()` panic by enabling a second provider. Idempotent.
pub fn install_crypto_provider() {
    // An error only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Reads every PEM certificate in `path`; an empty or unreadable file is an error.
pub(crate) fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut reader = bytes.as_slice();
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut reader).collect();
    let certs =
        certs.map_err(|e| format!("{} is not a PEM certificate file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{} contains no PEM certificate", path.display()));
    }
    Ok(certs)
}

/// Reads the first PEM private key (PKCS#8, PKCS#1 or SEC1) in `path`.
pub(crate) fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut reader = bytes.as_slice();
    match rustls_pemfile::private_key(&mut reader) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => Err(format!("{} contains no PEM private key", path.display())),
        Err(e) => Err(format!(
            "{} is not a PEM private key file: {e}",
            path.display()
        )),
    }
}

/// True when the DER certificate has no explicit version field, i.e. is X.509 v1.
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] EXPLICIT Version OPTIONAL, ... } }`.
pub(crate) fn is_v1_certificate(cert: &CertificateDer<'_>) -> bool {
    fn enter_sequence(der: &[u8]) -> Option<&[u8]> {
        if der.first() != Some(&0x30) {
            return None;
        }
        let len0 = *der.get(1)?;
        let header = if len0 < 0x80 {
            2
        } else {
            2 + usize::from(len0 & 0x7f)
        };
        der.get(header..)
    }
    let Some(cert_body) = enter_sequence(cert.as_ref()) else {
        return false;
    };
    let Some(tbs_body) = enter_sequence(cert_body) else {
        return false;
    };
    // v2/v3 certificates start the TBS with the context tag [0] (0xA0).
    tbs_body.first() != Some(&0xA0)
}

/// Builds the rustls client configuration for one broker.
pub(crate) fn client_config(cfg: &MqttConfig) -> Result<ClientConfig, String> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let builder = if cfg.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(SkipVerify(provider())))
    } else {
        let mut roots = RootCertStore::empty();
        match &cfg.ssl_ca {
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
                if added == 0 {
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
    let config = match (&cfg.ssl_cert, &cfg.ssl_key) {
        (Some(cert), Some(key)) => {
            let certs = read_certs(cert)?;
            let key = read_key(key)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| client_cert_error(&e, cfg))?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(config)
}

/// Checks that `key` is the private key of the first certificate in `certs` (rustls'
/// `CertifiedKey::keys_match`), so a mismatched `ssl-key` is reported when the configuration
/// is loaded, not at the first connection.
pub(crate) fn check_key_pair(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    cfg: &MqttConfig,
) -> Result<(), String> {
    rustls::sign::CertifiedKey::from_der(certs, key, &provider())
        .map(|_| ())
        .map_err(|e| client_cert_error(&e, cfg))
}

fn client_cert_error(e: &rustls::Error, cfg: &MqttConfig) -> String {
    match e {
        rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
            crate::mqtt::errors::client_key_mismatch(cfg)
        }
        other => {
            let cert = cfg
                .ssl_cert
                .as_deref()
                .map_or_else(String::new, |p| p.display().to_string());
            format!("ssl-cert {cert} cannot be used with ssl-key: {other}")
        }
    }
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
