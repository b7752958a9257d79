//! The TLS files a `[[mqtt]]` section names (`ssl-ca`, `ssl-cert`, `ssl-key`), read as
//! Kapacitor's `tlsconfig.Create` reads them (`tlsconfig/config.go` at v1.5.7): PEM
//! certificates and keys, X.509 v1 detection, and the check that key and certificate belong
//! together, with the messages for each. Shared by configuration checks (`Config::load`) and
//! the MQTT connection (`mqtt/tls.rs`); builds no TLS client and knows no section.

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The one crypto provider tick uses, `ring`: rustls panics when it cannot tell which of
/// several enabled providers to use.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
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

/// Checks that `key` is the private key of the first certificate in `certs` (rustls'
/// `CertifiedKey::keys_match`), so a mismatched `ssl-key` is reported when the configuration
/// is loaded, not at the first connection. `cert` and `key_path` are the files, for the message.
pub(crate) fn check_key_pair(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    cert: Option<&Path>,
    key_path: Option<&Path>,
) -> Result<(), String> {
    rustls::sign::CertifiedKey::from_der(certs, key, &provider())
        .map(|_| ())
        .map_err(|e| client_cert_error(&e, cert, key_path))
}

/// Why rustls refused `ssl-cert` with `ssl-key`.
pub(crate) fn client_cert_error(
    e: &rustls::Error,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> String {
    match e {
        rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
            client_key_mismatch(cert, key)
        }
        other => {
            let cert = cert.map_or_else(String::new, |p| p.display().to_string());
            format!("ssl-cert {cert} cannot be used with ssl-key: {other}")
        }
    }
}

/// `ssl-key` is not the private key of `ssl-cert`.
pub(crate) fn client_key_mismatch(cert: Option<&Path>, key: Option<&Path>) -> String {
    let path = |p: Option<&Path>| p.map_or_else(String::new, |p| p.display().to_string());
    format!(
        "ssl-key {} is not the private key of ssl-cert {}: give the key file the certificate \
         was issued for",
        path(key),
        path(cert)
    )
}
