//! Turns rumqttc and rustls errors into the plain sentences users act on (dependencies.md gap
//! 6): `server certificate not signed by ssl-ca …`, `broker refused: not authorized`,
//! `connection refused by tcp://host:1883`. URLs are shown with the password redacted.

use std::error::Error as StdError;
use std::io;

use rumqttc::{ConnectReturnCode, ConnectionError};
use rustls::{AlertDescription, CertificateError};

use crate::config::{BrokerUrl, MqttConfig};

/// One sentence describing why the connection to `cfg`'s broker failed.
pub(crate) fn describe(err: &ConnectionError, cfg: &MqttConfig, url: &BrokerUrl) -> String {
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
                if url.scheme.is_tls() =>
            {
                format!(
                    "{url} closed the connection during the TLS handshake (it may require a client \
                     certificate: ssl-cert and ssl-key)"
                )
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

fn describe_tls(err: &rustls::Error, cfg: &MqttConfig, url: &BrokerUrl) -> String {
    match err {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => match &cfg.ssl_ca {
            Some(ca) => format!(
                "server certificate not signed by ssl-ca {} ({url})",
                ca.display()
            ),
            None => format!(
                "server certificate of {url} is not signed by a system CA: set ssl-ca to the broker's CA file"
            ),
        },
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!(
            "server certificate is not valid for host {:?} ({url})",
            url.host
        ),
        rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => format!("server certificate of {url} has expired"),
        rustls::Error::InvalidCertificate(other) => {
            format!("server certificate of {url} rejected: {other:?}")
        }
        rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired
            | AlertDescription::HandshakeFailure
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA,
        ) => {
            let alert = match err {
                rustls::Error::AlertReceived(a) => format!("{a:?}"),
                _ => String::new(),
            };
            if cfg.ssl_cert.is_some() {
                format!("broker {url} rejected our client certificate (TLS alert {alert})")
            } else {
                format!(
                    "broker {url} requires a client certificate (TLS alert {alert}): set ssl-cert and ssl-key"
                )
            }
        }
        other => format!("TLS error with {url}: {other}"),
    }
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
