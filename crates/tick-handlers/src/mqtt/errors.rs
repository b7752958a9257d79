//! Turns rumqttc and rustls errors into the plain sentences users act on:
//! `server certificate not signed by ssl-ca …`, `broker refused: not authorized`,
//! `connection refused by tcp://host:1883`. Every TLS failure names the broker's URL and the
//! `[[mqtt]]` keys that fix it (`ssl-ca`, `ssl-cert`, `ssl-key`, `insecure-skip-verify`);
//! rustls' own names (`CaUsedAsEndEntity`, `UnknownIssuer`) never reach the user alone. URLs
//! are shown with the password redacted. Owns wording only; no connection is made here.

use std::error::Error as StdError;
use std::io;

use rumqttc::{ConnectReturnCode, ConnectionError};
use rustls::{AlertDescription, CertificateError};

use crate::config::tls_files::client_key_mismatch;
use crate::config::{BrokerUrl, MqttConfig};

/// One sentence describing why the connection to `cfg`'s broker failed; `was_connected`: the
/// broker had accepted the connection (CONNACK), so the TLS handshake was long done.
pub(crate) fn describe(
    err: &ConnectionError,
    cfg: &MqttConfig,
    url: &BrokerUrl,
    was_connected: bool,
) -> String {
    if let ConnectionError::ConnectionRefused(code) = err {
        return match code {
            ConnectReturnCode::NotAuthorized => "broker refused: not authorized".to_owned(),
            ConnectReturnCode::BadUserNamePassword => {
                "broker refused: bad user name or password".to_owned()
            }
            ConnectReturnCode::BadClientId => {
                format!(
                    "broker refused: client id {:?} rejected",
                    cfg.effective_client_id()
                )
            }
            ConnectReturnCode::RefusedProtocolVersion => {
                "broker refused: unacceptable protocol version (MQTT 3.1.1)".to_owned()
            }
            ConnectReturnCode::ServiceUnavailable => {
                "broker refused: server unavailable".to_owned()
            }
            ConnectReturnCode::Success => "broker refused the connection".to_owned(),
        };
    }
    if let Some(tls) = find_rustls(err) {
        return describe_tls(tls, cfg, url);
    }
    if let Some(io_err) = find_io(err) {
        return match io_err.kind() {
            io::ErrorKind::ConnectionRefused => format!("connection refused by {url}"),
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::BrokenPipe
                if url.scheme.is_tls() && !was_connected =>
            {
                if cfg.ssl_cert.is_some() {
                    format!(
                        "{url} closed the connection during the TLS handshake: check that the URL \
                         names the broker's TLS listener and that it accepts ssl-cert"
                    )
                } else {
                    format!(
                        "{url} closed the connection during the TLS handshake: check that the URL \
                         names the broker's TLS listener; if it requires a client certificate, set \
                         ssl-cert and ssl-key"
                    )
                }
            }
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => {
                format!("connection to {url} lost")
            }
            _ => format!("cannot connect to {url}: {io_err}"),
        };
    }
    match err {
        ConnectionError::NetworkTimeout => format!("timed out connecting to {url}"),
        ConnectionError::MqttState(rumqttc::StateError::ConnectionAborted) => {
            format!("{url} closed the connection")
        }
        ConnectionError::MqttState(rumqttc::StateError::AwaitPingResp) => {
            format!("{url} stopped answering keep-alive pings")
        }
        other => format!("{url}: {other}"),
    }
}

/// What to do about a server certificate tick does not trust: the keys to set.
const SERVER_CERT_HINT: &str = "set ssl-ca to the CA file that signed the broker's certificate, or insecure-skip-verify = true \
     to skip the check";

/// One sentence for a TLS failure with `url`, naming what to configure. The rustls errors are
/// documented at <https://docs.rs/rustls/0.23/rustls/enum.Error.html>; the alerts a broker
/// sends are those of RFC 8446 §6.2 (`certificate_required`, `unknown_ca`, …).
fn describe_tls(err: &rustls::Error, cfg: &MqttConfig, url: &BrokerUrl) -> String {
    match err {
        rustls::Error::InvalidCertificate(e) => describe_server_cert(e, cfg, url),
        rustls::Error::AlertReceived(alert) => describe_alert(*alert, cfg, url),
        rustls::Error::NoCertificatesPresented => {
            format!("{url} presented no server certificate: {SERVER_CERT_HINT}")
        }
        rustls::Error::InvalidMessage(_) => format!(
            "{url} does not speak TLS ({err}): check that the URL names the broker's TLS \
             listener, or use tcp:// or ws:// for a plain one"
        ),
        rustls::Error::PeerIncompatible(_) => format!(
            "{url} and tick share no TLS version or cipher suite ({err}): tick speaks TLS 1.2 \
             and 1.3"
        ),
        rustls::Error::InconsistentKeys(_) => {
            client_key_mismatch(cfg.ssl_cert.as_deref(), cfg.ssl_key.as_deref())
        }
        other => format!("TLS error with {url}: {other}"),
    }
}

/// The broker's certificate failed our verification.
fn describe_server_cert(err: &CertificateError, cfg: &MqttConfig, url: &BrokerUrl) -> String {
    match err {
        CertificateError::UnknownIssuer => match &cfg.ssl_ca {
            Some(ca) => format!(
                "server certificate not signed by ssl-ca {} ({url}): {SERVER_CERT_HINT}",
                ca.display()
            ),
            None => format!(
                "server certificate of {url} is not signed by a system CA: {SERVER_CERT_HINT}"
            ),
        },
        CertificateError::Other(other) if is_ca_used_as_end_entity(other) => format!(
            "server certificate of {url} is a CA certificate (basicConstraints CA:TRUE, as \
             `openssl req -x509` makes self-signed certificates), which tick does not accept as \
             a server certificate: issue the broker a certificate signed by a CA and set ssl-ca \
             to that CA, or set insecure-skip-verify = true to skip the check"
        ),
        CertificateError::NotValidForName => format!(
            "server certificate of {url} is not valid for host {:?}: use a host name the \
             certificate lists in url, or insecure-skip-verify = true to skip the check",
            url.host
        ),
        CertificateError::NotValidForNameContext { presented, .. } => format!(
            "server certificate of {url} is not valid for host {:?} (it is for {}): use a host \
             name the certificate lists in url, or insecure-skip-verify = true to skip the check",
            url.host,
            presented
                .iter()
                .map(|n| presented_name(n))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => format!(
            "server certificate of {url} has expired: renew the broker's certificate, or set \
             insecure-skip-verify = true to skip the check"
        ),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => format!(
            "server certificate of {url} is not valid yet: check this machine's clock, or set \
             insecure-skip-verify = true to skip the check"
        ),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            format!(
                "server certificate of {url} is not meant for a TLS server (its extended key \
                 usage lacks serverAuth): issue the broker a server certificate, or set \
                 insecure-skip-verify = true to skip the check"
            )
        }
        CertificateError::Revoked => format!(
            "server certificate of {url} has been revoked: issue the broker a new certificate"
        ),
        CertificateError::BadSignature | CertificateError::BadEncoding => {
            format!("server certificate of {url} is damaged ({err:?}): {SERVER_CERT_HINT}")
        }
        other => format!("server certificate of {url} rejected ({other:?}): {SERVER_CERT_HINT}"),
    }
}

/// `DnsName("broker.example")` (how rustls lists a certificate's names) → `broker.example`.
fn presented_name(n: &str) -> &str {
    match (n.find('('), n.strip_suffix(')')) {
        (Some(open), Some(inner)) => inner.get(open + 1..).unwrap_or(n).trim_matches('"'),
        _ => n,
    }
}

/// True for webpki's `CaUsedAsEndEntity`, which rustls passes on as
/// `CertificateError::Other`: the server presented a CA certificate as its own.
fn is_ca_used_as_end_entity(other: &rustls::OtherError) -> bool {
    matches!(
        other.0.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}

/// The broker ended the handshake with a TLS alert: it refused our client certificate, or
/// wanted one.
fn describe_alert(alert: AlertDescription, cfg: &MqttConfig, url: &BrokerUrl) -> String {
    let name = alert_name(alert);
    let Some(cert) = &cfg.ssl_cert else {
        return match alert {
            AlertDescription::CertificateRequired
            | AlertDescription::HandshakeFailure
            | AlertDescription::BadCertificate
            | AlertDescription::NoCertificate => format!(
                "broker {url} requires a client certificate (TLS alert {name}): set ssl-cert \
                 and ssl-key"
            ),
            _ => format!("broker {url} ended the TLS handshake (TLS alert {name})"),
        };
    };
    let cert = cert.display();
    match alert {
        AlertDescription::UnknownCA => format!(
            "broker {url} does not trust our client certificate ssl-cert {cert} (TLS alert \
             {name}): it is not signed by a CA in the broker's cafile; use a certificate signed \
             by that CA"
        ),
        AlertDescription::CertificateExpired => format!(
            "broker {url} refused our client certificate ssl-cert {cert} as expired (TLS alert \
             {name}): renew it"
        ),
        AlertDescription::CertificateRevoked => format!(
            "broker {url} refused our client certificate ssl-cert {cert} as revoked (TLS alert \
             {name}): issue a new one"
        ),
        AlertDescription::BadCertificate
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::CertificateUnknown
        | AlertDescription::CertificateRequired
        | AlertDescription::HandshakeFailure
        | AlertDescription::AccessDenied
        | AlertDescription::DecryptError => format!(
            "broker {url} rejected our client certificate ssl-cert {cert} (TLS alert {name})"
        ),
        AlertDescription::ProtocolVersion => format!(
            "broker {url} and tick share no TLS version (TLS alert {name}): tick speaks TLS 1.2 \
             and 1.3"
        ),
        _ => format!("broker {url} ended the TLS handshake (TLS alert {name})"),
    }
}

/// The alert's name as RFC 8446 §6.2 spells it (`certificate_required`), which is what broker
/// logs and search engines know; rustls' own name for the rare others.
fn alert_name(alert: AlertDescription) -> String {
    let name = match alert {
        AlertDescription::HandshakeFailure => "handshake_failure",
        AlertDescription::NoCertificate => "no_certificate",
        AlertDescription::BadCertificate => "bad_certificate",
        AlertDescription::UnsupportedCertificate => "unsupported_certificate",
        AlertDescription::CertificateRevoked => "certificate_revoked",
        AlertDescription::CertificateExpired => "certificate_expired",
        AlertDescription::CertificateUnknown => "certificate_unknown",
        AlertDescription::UnknownCA => "unknown_ca",
        AlertDescription::AccessDenied => "access_denied",
        AlertDescription::DecryptError => "decrypt_error",
        AlertDescription::ProtocolVersion => "protocol_version",
        AlertDescription::CertificateRequired => "certificate_required",
        other => return format!("{other:?}"),
    };
    name.to_owned()
}

fn find_rustls<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(|io| io.get_ref())
            && let Some(r) = find_rustls(inner)
        {
            return Some(r);
        }
        cur = e.source();
    }
    None
}

fn find_io<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a io::Error> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<io::Error>() {
            return Some(r);
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    //! The mappings a test broker cannot produce (the others are tested against mosquitto in
    //! `tests/handlers/mqtt_tls.rs`).

    use std::path::PathBuf;

    use rustls::pki_types::UnixTime;

    use super::*;

    fn broker(cert: Option<&str>) -> (MqttConfig, BrokerUrl) {
        let cfg = MqttConfig {
            name: "edge".into(),
            url: "ssl://broker.lan:8883".into(),
            ssl_ca: Some(PathBuf::from("/etc/ca.pem")),
            ssl_cert: cert.map(PathBuf::from),
            ssl_key: cert.map(|_| PathBuf::from("/etc/client.key")),
            ..MqttConfig::default()
        };
        let url = BrokerUrl::parse(&cfg.url).unwrap();
        (cfg, url)
    }

    fn tls(err: rustls::Error, cert: Option<&str>) -> String {
        let (cfg, url) = broker(cert);
        describe_tls(&err, &cfg, &url)
    }

    #[test]
    fn a_certificate_not_valid_yet_points_at_the_clock() {
        let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1));
        let err = CertificateError::NotValidYetContext {
            time: t,
            not_before: t,
        };
        assert_eq!(
            tls(rustls::Error::InvalidCertificate(err), None),
            "server certificate of ssl://broker.lan:8883 is not valid yet: check this machine's \
             clock, or set insecure-skip-verify = true to skip the check"
        );
    }

    #[test]
    fn a_client_only_certificate_on_the_broker_is_named() {
        assert_eq!(
            tls(
                rustls::Error::InvalidCertificate(CertificateError::InvalidPurpose),
                None
            ),
            "server certificate of ssl://broker.lan:8883 is not meant for a TLS server (its \
             extended key usage lacks serverAuth): issue the broker a server certificate, or set \
             insecure-skip-verify = true to skip the check"
        );
    }

    #[test]
    fn a_name_mismatch_without_the_presented_names_still_names_the_host() {
        assert_eq!(
            tls(
                rustls::Error::InvalidCertificate(CertificateError::NotValidForName),
                None
            ),
            "server certificate of ssl://broker.lan:8883 is not valid for host \"broker.lan\": \
             use a host name the certificate lists in url, or insecure-skip-verify = true to skip \
             the check"
        );
    }

    #[test]
    fn a_revoked_broker_certificate_says_so() {
        assert_eq!(
            tls(
                rustls::Error::InvalidCertificate(CertificateError::Revoked),
                None
            ),
            "server certificate of ssl://broker.lan:8883 has been revoked: issue the broker a new \
             certificate"
        );
    }

    #[test]
    fn an_expired_client_certificate_refused_by_the_broker_is_named() {
        assert_eq!(
            tls(
                rustls::Error::AlertReceived(AlertDescription::CertificateExpired),
                Some("/etc/client.pem")
            ),
            "broker ssl://broker.lan:8883 refused our client certificate ssl-cert /etc/client.pem \
             as expired (TLS alert certificate_expired): renew it"
        );
    }

    #[test]
    fn a_bad_certificate_alert_names_our_certificate() {
        assert_eq!(
            tls(
                rustls::Error::AlertReceived(AlertDescription::BadCertificate),
                Some("/etc/client.pem")
            ),
            "broker ssl://broker.lan:8883 rejected our client certificate ssl-cert \
             /etc/client.pem (TLS alert bad_certificate)"
        );
    }

    #[test]
    fn a_handshake_failure_without_a_client_certificate_asks_for_one() {
        // TLS 1.2 brokers answer a missing client certificate with handshake_failure.
        assert_eq!(
            tls(
                rustls::Error::AlertReceived(AlertDescription::HandshakeFailure),
                None
            ),
            "broker ssl://broker.lan:8883 requires a client certificate (TLS alert \
             handshake_failure): set ssl-cert and ssl-key"
        );
    }

    #[test]
    fn no_shared_tls_version_says_which_ones_tick_speaks() {
        assert_eq!(
            tls(
                rustls::Error::AlertReceived(AlertDescription::ProtocolVersion),
                Some("/etc/client.pem")
            ),
            "broker ssl://broker.lan:8883 and tick share no TLS version (TLS alert \
             protocol_version): tick speaks TLS 1.2 and 1.3"
        );
    }

    #[test]
    fn a_peer_that_does_not_speak_tls_is_pointed_at_the_url() {
        let err = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert_eq!(
            tls(err, None),
            "ssl://broker.lan:8883 does not speak TLS (received corrupt message of type \
             InvalidContentType): check that the URL names the broker's TLS listener, or use \
             tcp:// or ws:// for a plain one"
        );
    }

    #[test]
    fn a_ca_used_as_end_entity_is_recognised_inside_rustls_other_error() {
        let other = rustls::OtherError(std::sync::Arc::new(webpki::Error::CaUsedAsEndEntity));
        let text = tls(
            rustls::Error::InvalidCertificate(CertificateError::Other(other)),
            None,
        );
        assert!(
            text.starts_with("server certificate of ssl://broker.lan:8883 is a CA certificate"),
            "{text}"
        );
    }

    #[test]
    fn a_tls_connection_closed_after_connack_is_a_lost_connection_not_a_handshake_failure() {
        let (cfg, url) = broker(None);
        let eof = || ConnectionError::Io(io::Error::from(io::ErrorKind::UnexpectedEof));
        assert_eq!(
            describe(&eof(), &cfg, &url, true),
            "connection to ssl://broker.lan:8883 lost"
        );
        assert_eq!(
            describe(&eof(), &cfg, &url, false),
            "ssl://broker.lan:8883 closed the connection during the TLS handshake: check that the \
             URL names the broker's TLS listener; if it requires a client certificate, set \
             ssl-cert and ssl-key"
        );
    }

    #[test]
    fn presented_names_lose_their_rust_spelling() {
        assert_eq!(
            presented_name("DnsName(\"broker.example\")"),
            "broker.example"
        );
        assert_eq!(presented_name("IpAddress(10.0.0.1)"), "10.0.0.1");
        assert_eq!(presented_name("plain"), "plain");
    }
}
