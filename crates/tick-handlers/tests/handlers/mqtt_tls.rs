//! TLS failures against a real mosquitto on free loopback ports: each one gives a sentence that
//! names the broker and the `[[mqtt]]` keys to set, never a bare rustls error such as
//! `Other(OtherError(CaUsedAsEndEntity))`. Also `wss://` end to end, and the `ssl-cert` /
//! `ssl-key` checks made when the configuration is loaded.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::mqtt_event;
use tick_handlers::config::Config;
use tick_handlers::mqtt::{MqttHandler, MqttService, MqttSettings, Options, Qos};
use tick_testkit::{Certs, Mosquitto, Received, ServerCert, Subscriber};

fn settings() -> MqttSettings {
    MqttSettings {
        reconnect_min: Duration::from_millis(50),
        reconnect_max: Duration::from_millis(500),
        keep_alive: Duration::from_secs(5),
        ..MqttSettings::default()
    }
}

/// `[[mqtt]]` named "secure" at `url`, with `extra` keys.
fn conf(url: &str, extra: &str) -> String {
    format!("[[mqtt]]\nenabled = true\nname = \"secure\"\nurl = \"{url}\"\n{extra}")
}

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml, "test.conf").unwrap().0
}

/// The error of the first connection attempt, as `tick service-test` shows it.
async fn connect_error(toml: &str) -> String {
    let svc = MqttService::start(&config(toml), settings()).unwrap();
    svc.wait_connected(Duration::from_secs(10))
        .await
        .unwrap_err()
        .to_string()
}

/// The message of a configuration that is refused when loaded.
fn load_error(toml: &str) -> String {
    Config::from_toml_str(toml, "test.conf")
        .unwrap_err()
        .to_string()
}

fn ssl_ca(path: &std::path::Path) -> String {
    format!("ssl-ca = \"{}\"\n", path.display())
}

fn client_pair(cert: &std::path::Path, key: &std::path::Path) -> String {
    format!(
        "ssl-cert = \"{}\"\nssl-key = \"{}\"\n",
        cert.display(),
        key.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_ca_certificate_on_the_broker_is_explained_with_what_to_set() {
    let broker = Mosquitto::builder()
        .tls()
        .server_cert(ServerCert::SelfSigned)
        .start()
        .unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.tls_port().unwrap());
    // The very certificate as ssl-ca, as a user of a self-signed broker would write it.
    let ca = ssl_ca(&broker.certs().unwrap().self_signed_cert);
    assert_eq!(
        connect_error(&conf(&url, &ca)).await,
        format!(
            "failed to connect to MQTT broker \"secure\": server certificate of {url} is a CA \
             certificate (basicConstraints CA:TRUE, as `openssl req -x509` makes self-signed \
             certificates), which tick does not accept as a server certificate: issue the broker \
             a certificate signed by a CA and set ssl-ca to that CA, or set insecure-skip-verify \
             = true to skip the check"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_broker_is_accepted_with_insecure_skip_verify() {
    let broker = Mosquitto::builder()
        .tls()
        .server_cert(ServerCert::SelfSigned)
        .start()
        .unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.tls_port().unwrap());
    let svc = MqttService::start(
        &config(&conf(&url, "insecure-skip-verify = true\n")),
        settings(),
    )
    .unwrap();
    svc.wait_connected(Duration::from_secs(10)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_broker_certificate_says_so() {
    let broker = Mosquitto::builder()
        .tls()
        .server_cert(ServerCert::Expired)
        .start()
        .unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.tls_port().unwrap());
    let ca = ssl_ca(&broker.certs().unwrap().ca);
    assert_eq!(
        connect_error(&conf(&url, &ca)).await,
        format!(
            "failed to connect to MQTT broker \"secure\": server certificate of {url} has \
             expired: renew the broker's certificate, or set insecure-skip-verify = true to skip \
             the check"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_certificate_for_another_host_names_both_hosts() {
    let broker = Mosquitto::builder()
        .tls()
        .server_cert(ServerCert::WrongName)
        .start()
        .unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.tls_port().unwrap());
    let ca = ssl_ca(&broker.certs().unwrap().ca);
    assert_eq!(
        connect_error(&conf(&url, &ca)).await,
        format!(
            "failed to connect to MQTT broker \"secure\": server certificate of {url} is not \
             valid for host \"127.0.0.1\" (it is for broker.example): use a host name the \
             certificate lists in url, or insecure-skip-verify = true to skip the check"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_that_did_not_sign_the_broker_certificate_is_named() {
    let broker = Mosquitto::builder().tls().start().unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.tls_port().unwrap());
    let other = broker.certs().unwrap().other_ca.display().to_string();
    assert_eq!(
        connect_error(&conf(&url, &format!("ssl-ca = \"{other}\"\n"))).await,
        format!(
            "failed to connect to MQTT broker \"secure\": server certificate not signed by ssl-ca \
             {other} ({url}): set ssl-ca to the CA file that signed the broker's certificate, or \
             insecure-skip-verify = true to skip the check"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_without_a_client_certificate_asks_for_ssl_cert_and_ssl_key() {
    let broker = Mosquitto::builder().client_auth().start().unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.client_auth_port().unwrap());
    let ca = ssl_ca(&broker.certs().unwrap().ca);
    assert_eq!(
        connect_error(&conf(&url, &ca)).await,
        format!(
            "failed to connect to MQTT broker \"secure\": broker {url} requires a client \
             certificate (TLS alert certificate_required): set ssl-cert and ssl-key"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_with_a_client_certificate_from_another_ca_is_refused_by_the_broker() {
    let broker = Mosquitto::builder().client_auth().start().unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.client_auth_port().unwrap());
    let c = broker.certs().unwrap();
    let keys = format!(
        "{}{}",
        ssl_ca(&c.ca),
        client_pair(&c.other_client_cert, &c.other_client_key)
    );
    assert_eq!(
        connect_error(&conf(&url, &keys)).await,
        format!(
            "failed to connect to MQTT broker \"secure\": broker {url} does not trust our client \
             certificate ssl-cert {} (TLS alert unknown_ca): it is not signed by a CA in the \
             broker's cafile; use a certificate signed by that CA",
            c.other_client_cert.display()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_url_on_a_plain_listener_points_at_the_url() {
    let broker = Mosquitto::start_plain().unwrap();
    let certs = Certs::generate().unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.port());
    assert_eq!(
        connect_error(&conf(&url, &ssl_ca(&certs.ca))).await,
        format!(
            "failed to connect to MQTT broker \"secure\": {url} closed the connection during the \
             TLS handshake: check that the URL names the broker's TLS listener; if it requires a \
             client certificate, set ssl-cert and ssl-key"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_is_delivered_over_secure_websockets() {
    let broker = Mosquitto::builder().websockets_tls().start().unwrap();
    let sub = Subscriber::start(&broker, "wss/#", 2).unwrap();
    let url = format!("wss://127.0.0.1:{}/mqtt", broker.wss_port().unwrap());
    let cfg = config(&conf(&url, &ssl_ca(&broker.certs().unwrap().ca)));
    let svc = MqttService::start(&cfg, settings()).unwrap();
    let o = Options {
        broker_name: String::new(),
        topic: "wss/a".into(),
        qos: Qos::ExactlyOnce,
        retained: false,
    };
    let mut h = MqttHandler::new(o, &svc).unwrap();
    h.handle(&mqtt_event("over wss", &[])).await.unwrap();
    let report = svc.close(Duration::from_secs(10)).await;
    assert_eq!(
        (report.brokers[0].delivered, report.lost()),
        (1, 0),
        "{report}"
    );
    assert_eq!(
        sub.wait_exact(1, Duration::from_secs(10)),
        vec![Received {
            topic: "wss/a".into(),
            payload: b"over wss".to_vec(),
            qos: 2,
            retained: false
        }]
    );
    // The listener speaks only TLS websockets, so the delivery went over wss.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_with_a_ca_that_did_not_sign_the_broker_certificate_is_named() {
    let broker = Mosquitto::builder().websockets_tls().start().unwrap();
    let url = format!("wss://127.0.0.1:{}/mqtt", broker.wss_port().unwrap());
    let other = broker.certs().unwrap().other_ca.display().to_string();
    assert_eq!(
        connect_error(&conf(&url, &format!("ssl-ca = \"{other}\"\n"))).await,
        format!(
            "failed to connect to MQTT broker \"secure\": server certificate not signed by ssl-ca \
             {other} ({url}): set ssl-ca to the CA file that signed the broker's certificate, or \
             insecure-skip-verify = true to skip the check"
        )
    );
}

#[test]
fn an_ssl_key_that_is_not_the_key_of_ssl_cert_is_refused_when_loaded() {
    let c = Certs::generate().unwrap();
    let toml = conf(
        "ssl://127.0.0.1:8883",
        &client_pair(&c.client_cert, &c.server_key),
    );
    assert_eq!(
        load_error(&toml),
        format!(
            "test.conf: [[mqtt]] #1 \"secure\": ssl-key {} is not the private key of ssl-cert {}: \
             give the key file the certificate was issued for",
            c.server_key.display(),
            c.client_cert.display()
        )
    );
}

#[test]
fn a_missing_ssl_key_file_is_refused_when_loaded() {
    let c = Certs::generate().unwrap();
    let missing = c.client_key.with_file_name("no-such.key");
    let toml = conf(
        "ssl://127.0.0.1:8883",
        &client_pair(&c.client_cert, &missing),
    );
    assert_eq!(
        load_error(&toml),
        format!(
            "test.conf: [[mqtt]] #1 \"secure\": ssl-key: cannot read {}: No such file or \
             directory (os error 2)",
            missing.display()
        )
    );
}

#[test]
fn an_unreadable_ssl_key_is_refused_when_loaded() {
    // A directory cannot be read as a file, even by root (a mode-000 file can).
    let c = Certs::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let toml = conf(
        "ssl://127.0.0.1:8883",
        &client_pair(&c.client_cert, dir.path()),
    );
    assert_eq!(
        load_error(&toml),
        format!(
            "test.conf: [[mqtt]] #1 \"secure\": ssl-key: cannot read {}: Is a directory (os \
             error 21)",
            dir.path().display()
        )
    );
}

#[test]
fn an_ssl_key_file_without_a_private_key_is_refused_when_loaded() {
    let c = Certs::generate().unwrap();
    let toml = conf(
        "ssl://127.0.0.1:8883",
        &client_pair(&c.client_cert, &c.client_cert),
    );
    assert_eq!(
        load_error(&toml),
        format!(
            "test.conf: [[mqtt]] #1 \"secure\": ssl-key: {} contains no PEM private key",
            c.client_cert.display()
        )
    );
}
