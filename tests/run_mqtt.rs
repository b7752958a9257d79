//! `tick run` publishing to a real mosquitto (started on a free loopback port): the canonical
//! example of Kapacitor's MQTT docs and every MQTT golden case in `tickscripts/`.

use std::time::Duration;

use tick_testkit::{Mosquitto, Subscriber};

use crate::support::{Case, repo_root};

/// A kapacitor.conf with one default broker at `url`.
fn conf(url: &str) -> String {
    format!(
        "[[mqtt]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  url = \"{url}\"\n"
    )
}

#[derive(Debug, PartialEq, Eq)]
struct Message {
    topic: String,
    qos: u8,
    retained: bool,
    payload: String,
}

fn expected(name: &str) -> Vec<Message> {
    let text = std::fs::read_to_string(
        repo_root()
            .join("tickscripts")
            .join(format!("{name}.expected.mqtt.jsonl")),
    )
    .expect("expected file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            Message {
                topic: v["topic"].as_str().expect("topic").to_string(),
                qos: v["qos"].as_u64().expect("qos") as u8,
                retained: v["retained"].as_bool().expect("retained"),
                payload: v["payload"].as_str().expect("payload").to_string(),
            }
        })
        .collect()
}

/// Runs `tickscripts/NAME.tick` over `NAME.lp` against a fresh broker and returns what a
/// subscriber to `#` received, with tick's output.
fn run_golden(name: &str) -> (Vec<Message>, crate::support::Output) {
    let broker = Mosquitto::start_plain().expect("mosquitto");
    let url = broker.url();
    run_golden_with(name, &broker, &conf(&url))
}

/// [`run_golden`] against `broker` with the given kapacitor.conf.
fn run_golden_with(
    name: &str,
    broker: &Mosquitto,
    kapacitor_conf: &str,
) -> (Vec<Message>, crate::support::Output) {
    let sub = Subscriber::start(broker, "#", 2).expect("subscriber");
    let case = Case::new();
    let config = case.file("kapacitor.conf", kapacitor_conf);
    let root = repo_root().join("tickscripts");
    let input = std::fs::read(root.join(format!("{name}.lp"))).expect("points");
    let out = case
        .args([
            "run",
            root.join(format!("{name}.tick")).to_str().expect("path"),
            "--config",
            &config,
        ])
        .stdin(input)
        .run();
    let want = expected(name).len();
    let got = sub
        .wait_exact(want, Duration::from_secs(10))
        .into_iter()
        .map(|r| Message {
            topic: r.topic.clone(),
            qos: r.qos,
            retained: r.retained,
            payload: r.text(),
        })
        .collect();
    (got, out)
}

#[test]
fn canonical_example_publishes_each_critical_alert_and_the_recovery_with_qos_2() {
    let (got, out) = run_golden("cpu");
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(got, expected("cpu"), "stderr: {}", out.stderr);
    assert!(
        out.stderr.contains("tick: 6 points read, 0 lines rejected"),
        "stderr: {}",
        out.stderr
    );
}

#[test]
fn canonical_example_publishes_over_secure_websockets() {
    let broker = Mosquitto::builder()
        .websockets_tls()
        .start()
        .expect("mosquitto");
    let url = format!(
        "wss://localhost:{}/mqtt",
        broker.wss_port().expect("wss port")
    );
    let config = format!(
        "{}  ssl-ca = \"{}\"\n",
        conf(&url),
        broker.certs().expect("certs").ca.display()
    );
    let (got, out) = run_golden_with("cpu", &broker, &config);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(got, expected("cpu"), "stderr: {}", out.stderr);
}

#[test]
fn docs_topic_handler_example_publishes_retained_qos_2_over_tls_with_client_cert_and_password() {
    let broker = Mosquitto::builder()
        .client_auth()
        .user("kapacitor", "s3cret-pw")
        .start()
        .expect("mosquitto");
    let certs = broker.certs().expect("certs");
    let live = Subscriber::start(&broker, "alerts", 2).expect("subscriber");
    let case = Case::new();
    let config = case.file(
        "kapacitor.conf",
        &format!(
            "[[mqtt]]\n  enabled = true\n  name = \"alerts-broker\"\n  default = true\n  \
             url = \"ssl://localhost:{port}\"\n  ssl-ca = \"{ca}\"\n  ssl-cert = \"{cert}\"\n  \
             ssl-key = \"{key}\"\n  client-id = \"tick-alerts\"\n  username = \"kapacitor\"\n  \
             password = \"s3cret-pw\"\n",
            port = broker.client_auth_port().expect("mtls port"),
            ca = certs.ca.display(),
            cert = certs.client_cert.display(),
            key = certs.client_key.display(),
        ),
    );
    let root = repo_root().join("tickscripts");
    let input = std::fs::read(root.join("cpu_topic.lp")).expect("points");
    let out = case
        .args([
            "run",
            root.join("cpu_topic.tick").to_str().expect("path"),
            "--config",
            &config,
            "--handler",
            root.join("cpu_topic.handler.yaml").to_str().expect("path"),
        ])
        .stdin(input)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert!(
        !out.stderr.contains("s3cret-pw"),
        "password leaked: {}",
        out.stderr
    );

    let want = expected("cpu_topic");
    let got: Vec<Message> = live
        .wait_exact(want.len(), Duration::from_secs(10))
        .into_iter()
        .map(|r| Message {
            topic: r.topic.clone(),
            qos: r.qos,
            retained: r.retained,
            payload: r.text(),
        })
        .collect();
    assert_eq!(got, want);

    // tick has exited: a subscriber that connects now still gets the last alert, retained.
    let late = Subscriber::start(&broker, "alerts", 2).expect("late subscriber");
    let retained: Vec<Message> = late
        .wait_exact(1, Duration::from_secs(10))
        .into_iter()
        .map(|r| Message {
            topic: r.topic.clone(),
            qos: r.qos,
            retained: r.retained,
            payload: r.text(),
        })
        .collect();
    assert_eq!(
        retained,
        [Message {
            topic: "alerts".into(),
            qos: 2,
            retained: true,
            payload: "Hey, check your CPU".into()
        }]
    );

    // The broker saw our client id and user name, a clean session and keep-alive 30 s.
    let log = broker.log();
    assert!(log.contains("as tick-alerts ("), "broker log: {log}");
    assert!(log.contains("c1, k30, u'kapacitor'"), "broker log: {log}");
}
