//! `tick service-test mqtt` against a real mosquitto (Kapacitor's `Service.Test`,
//! services/mqtt/service.go at v1.5.7): one message published and the result printed in Kapacitor's
//! `Service Success Message` table; exit 0 ok, 1 failed, 2 bad configuration or usage.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use tick_testkit::{Mosquitto, Received, ServerCert, Subscriber};

use crate::support::Case;

fn conf(url: &str) -> String {
    format!("[[mqtt]]\n  enabled = true\n  name = \"localhost\"\n  url = \"{url}\"\n")
}

fn table(success: bool, message: &str) -> String {
    format!("Service             Success   Message\nmqtt                {success:<10}{message}\n")
}

#[test]
fn service_test_publishes_the_message_and_reports_success() {
    let broker = Mosquitto::start_plain().unwrap();
    let sub = Subscriber::start(&broker, "test/#", 2).unwrap();
    let case = Case::new();
    let config = case.file("kapacitor.conf", &conf(&broker.url()));
    let out = case
        .args([
            "service-test",
            "mqtt",
            "--config",
            &config,
            "--topic",
            "test/tick",
            "--message",
            "hello",
        ])
        .args(["--qos", "exactly-one", "--retained"])
        .run();
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, table(true, "").as_str(), "")
    );
    let got = sub.wait_exact(1, Duration::from_secs(10));
    assert_eq!(
        got,
        vec![Received {
            topic: "test/tick".into(),
            payload: b"hello".to_vec(),
            qos: 2,
            retained: false
        }]
    );
    // Retained: a later subscriber gets it with the retain flag.
    let late = Subscriber::start(&broker, "test/#", 1).unwrap();
    assert_eq!(
        late.wait_exact(1, Duration::from_secs(10)),
        vec![Received {
            topic: "test/tick".into(),
            payload: b"hello".to_vec(),
            qos: 1,
            retained: true
        }]
    );
}

#[test]
fn service_test_without_topic_fails_like_kapacitor() {
    let broker = Mosquitto::start_plain().unwrap();
    let case = Case::new();
    let config = case.file("kapacitor.conf", &conf(&broker.url()));
    let out = case
        .args(["service-test", "mqtt", "--config", &config])
        .run();
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, table(false, "missing MQTT topic").as_str())
    );
}

#[test]
fn service_test_reports_an_unknown_broker() {
    let case = Case::new();
    let config = case.file("kapacitor.conf", &conf("tcp://127.0.0.1:1"));
    let out = case
        .args([
            "service-test",
            "mqtt",
            "--config",
            &config,
            "--broker",
            "nope",
            "--topic",
            "t",
        ])
        .run();
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, table(false, "unknown MQTT broker \"nope\"").as_str())
    );
}

#[test]
fn service_test_reports_a_refused_connection_with_the_url() {
    let refused = tick_testkit::RefusedPort::new().unwrap();
    let port = refused.port();
    let case = Case::new();
    let config = case.file(
        "kapacitor.conf",
        &conf(&format!("tcp://u:secret@127.0.0.1:{port}")),
    );
    let out = case
        .args([
            "service-test",
            "mqtt",
            "--config",
            &config,
            "--topic",
            "t",
            "--qos",
            "1",
        ])
        .run();
    let want = format!(
        "failed to connect to MQTT broker \"localhost\": connection refused by tcp://u:***@127.0.0.1:{port}"
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, table(false, &want).as_str())
    );
    assert!(!out.stdout.contains("secret") && !out.stderr.contains("secret"));
}

#[test]
fn service_test_with_an_invalid_config_exits_2() {
    let case = Case::new();
    let config = case.file("kapacitor.conf", "[[mqtt]]\nenabled = true\nname = \"a\"\n");
    let out = case
        .args(["service-test", "mqtt", "--config", &config, "--topic", "t"])
        .run();
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!("error: {config}: [[mqtt]] #1 \"a\": must specify a url for mqtt service\n")
    );
}

#[test]
fn service_test_refuses_exactly_once_as_kapacitor_does() {
    let case = Case::new();
    let config = case.file("kapacitor.conf", &conf("tcp://127.0.0.1:1"));
    let out = case
        .args([
            "service-test",
            "mqtt",
            "--config",
            &config,
            "--topic",
            "t",
            "--qos",
            "exactly-once",
        ])
        .run();
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: --qos: invalid QoS \"exactly-once\": Kapacitor spells QoS 2 \"exactly-one\" (or use 2)\n"
    );
}

#[test]
fn service_test_explains_a_self_signed_broker_certificate() {
    let broker = Mosquitto::builder()
        .tls()
        .server_cert(ServerCert::SelfSigned)
        .start()
        .unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.tls_port().unwrap());
    let case = Case::new();
    let config = case.file(
        "kapacitor.conf",
        &format!(
            "{}  ssl-ca = \"{}\"\n",
            conf(&url),
            broker.certs().unwrap().self_signed_cert.display()
        ),
    );
    let out = case
        .args(["service-test", "mqtt", "--config", &config, "--topic", "t"])
        .run();
    let want = format!(
        "failed to connect to MQTT broker \"localhost\": server certificate of {url} is a CA \
         certificate (basicConstraints CA:TRUE, as `openssl req -x509` makes self-signed \
         certificates), which tick does not accept as a server certificate: issue the broker a \
         certificate signed by a CA and set ssl-ca to that CA, or set insecure-skip-verify = true \
         to skip the check"
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, table(false, &want).as_str()),
        "stderr: {}",
        out.stderr
    );
}

#[test]
fn service_test_asks_for_a_client_certificate_when_the_broker_requires_one() {
    let broker = Mosquitto::builder().client_auth().start().unwrap();
    let url = format!("ssl://127.0.0.1:{}", broker.client_auth_port().unwrap());
    let case = Case::new();
    let config = case.file(
        "kapacitor.conf",
        &format!(
            "{}  ssl-ca = \"{}\"\n",
            conf(&url),
            broker.certs().unwrap().ca.display()
        ),
    );
    let out = case
        .args(["service-test", "mqtt", "--config", &config, "--topic", "t"])
        .run();
    let want = format!(
        "failed to connect to MQTT broker \"localhost\": broker {url} requires a client \
         certificate (TLS alert certificate_required): set ssl-cert and ssl-key"
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, table(false, &want).as_str()),
        "stderr: {}",
        out.stderr
    );
}

#[test]
fn service_test_with_an_ssl_key_of_another_certificate_exits_2() {
    let broker = Mosquitto::builder().client_auth().start().unwrap();
    let c = broker.certs().unwrap();
    let case = Case::new();
    let config = case.file(
        "kapacitor.conf",
        &format!(
            "{}  ssl-ca = \"{}\"\n  ssl-cert = \"{}\"\n  ssl-key = \"{}\"\n",
            conf(&format!(
                "ssl://127.0.0.1:{}",
                broker.client_auth_port().unwrap()
            )),
            c.ca.display(),
            c.client_cert.display(),
            c.other_client_key.display()
        ),
    );
    let out = case
        .args(["service-test", "mqtt", "--config", &config, "--topic", "t"])
        .run();
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr),
        (
            2,
            "",
            format!(
                "error: {config}: [[mqtt]] #1 \"localhost\": ssl-key {} is not the private key of \
                 ssl-cert {}: give the key file the certificate was issued for\n",
                c.other_client_key.display(),
                c.client_cert.display()
            )
        )
    );
}
