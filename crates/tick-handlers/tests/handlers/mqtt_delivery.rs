//! MQTT delivery against a real mosquitto on free loopback ports (Kapacitor's mqtt client, services/mqtt/client.go at v1.5.7;
//! the rumqttc gaps in docs/ARCHITECTURE.md, "Dependencies, and why"): what a subscriber sees, TLS, websockets, passwords,
//! several brokers, and no loss across a broker restart.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::mqtt_event;
use tick_engine::Event;
use tick_handlers::config::Config;
use tick_handlers::mqtt::{MqttHandler, MqttService, MqttSettings, Options, Qos};
use tick_testkit::{AcrossRestart, Mosquitto, Received, Subscriber};

/// The MQTT tests' CRITICAL event, from host serverA.
fn event(message: &str) -> Event {
    mqtt_event(message, &[("host", "serverA")])
}

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml, "test.conf").unwrap().0
}

fn one_broker(url: &str) -> Config {
    config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"local\"\nurl = \"{url}\"\n"
    ))
}

fn opts(topic: &str, qos: Qos, retained: bool) -> Options {
    Options {
        broker_name: String::new(),
        topic: topic.into(),
        qos,
        retained,
    }
}

fn fast_settings() -> MqttSettings {
    MqttSettings {
        reconnect_min: Duration::from_millis(50),
        reconnect_max: Duration::from_millis(500),
        keep_alive: Duration::from_secs(5),
        ..MqttSettings::default()
    }
}

fn received(topic: &str, payload: &str, qos: u8, retained: bool) -> Received {
    Received {
        topic: topic.into(),
        payload: payload.as_bytes().to_vec(),
        qos,
        retained,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriber_sees_exact_payload_topic_and_qos() {
    let broker = Mosquitto::start_plain().unwrap();
    let sub = Subscriber::start(&broker, "alerts/#", 2).unwrap();
    let svc = MqttService::start(&one_broker(&broker.url()), fast_settings()).unwrap();
    let mut h0 = MqttHandler::new(opts("alerts/q0", Qos::AtMostOnce, false), &svc).unwrap();
    let mut h1 = MqttHandler::new(opts("alerts/q1", Qos::AtLeastOnce, false), &svc).unwrap();
    let mut h2 = MqttHandler::new(opts("alerts/q2", Qos::ExactlyOnce, false), &svc).unwrap();
    h0.handle(&event("<a&b> CRITICAL \"q\"")).await.unwrap();
    h1.handle(&event("cpu:nil is CRITICAL")).await.unwrap();
    h2.handle(&event("ünïcode ✓ no newline")).await.unwrap();
    let report = svc.drain(Duration::from_secs(10)).await;
    assert_eq!(report.lost(), 0, "{report}");
    assert_eq!(report.brokers[0].delivered, 2);
    assert_eq!(report.brokers[0].sent_qos0, 1);
    let mut got = sub.wait_exact(3, Duration::from_secs(10));
    got.sort_by(|a, b| a.topic.cmp(&b.topic));
    assert_eq!(
        got,
        vec![
            received("alerts/q0", "<a&b> CRITICAL \"q\"", 0, false),
            received("alerts/q1", "cpu:nil is CRITICAL", 1, false),
            received("alerts/q2", "ünïcode ✓ no newline", 2, false),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retained_message_reaches_a_subscriber_that_connects_after_the_publisher_left() {
    let broker = Mosquitto::start_plain().unwrap();
    {
        let svc = MqttService::start(&one_broker(&broker.url()), fast_settings()).unwrap();
        let mut h = MqttHandler::new(opts("status/cpu", Qos::AtLeastOnce, true), &svc).unwrap();
        h.handle(&event("cpu:nil is CRITICAL")).await.unwrap();
        let report = svc.close(Duration::from_secs(10)).await;
        assert_eq!(report.brokers[0].delivered, 1);
    }
    let sub = Subscriber::start(&broker, "status/#", 1).unwrap();
    let got = sub.wait_exact(1, Duration::from_secs(10));
    assert_eq!(
        got,
        vec![received("status/cpu", "cpu:nil is CRITICAL", 1, true)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_template_is_rendered_with_the_handler_data() {
    let broker = Mosquitto::start_plain().unwrap();
    let sub = Subscriber::start(&broker, "alerts/#", 1).unwrap();
    let svc = MqttService::start(&one_broker(&broker.url()), fast_settings()).unwrap();
    let mut h = MqttHandler::new(
        opts(
            "alerts/{{ index .Tags \"host\" }}/{{ .Name }}/{{ .Level }}",
            Qos::AtLeastOnce,
            false,
        ),
        &svc,
    )
    .unwrap();
    h.handle(&event("m")).await.unwrap();
    svc.drain(Duration::from_secs(5)).await;
    assert_eq!(
        sub.wait_exact(1, Duration::from_secs(10)),
        vec![received("alerts/serverA/cpu/CRITICAL", "m", 1, false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ungrouped_group_topic_renders_empty_and_fails_as_missing_topic() {
    // As Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7: an ungrouped '{{ .Group }}' renders empty, which fails as `missing MQTT topic`.
    let broker = Mosquitto::start_plain().unwrap();
    let svc = MqttService::start(&one_broker(&broker.url()), fast_settings()).unwrap();
    let mut h = MqttHandler::new(opts("{{ .Group }}", Qos::AtLeastOnce, false), &svc).unwrap();
    let err = h.handle(&event("m")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to post message to MQTT broker: missing MQTT topic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_broker_name_is_refused_when_the_handler_is_built() {
    let broker = Mosquitto::start_plain().unwrap();
    let svc = MqttService::start(&one_broker(&broker.url()), fast_settings()).unwrap();
    let o = Options {
        broker_name: "nosuch".into(),
        ..opts("t", Qos::AtMostOnce, false)
    };
    assert_eq!(
        MqttHandler::new(o, &svc).unwrap_err().to_string(),
        "unknown MQTT broker \"nosuch\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_over_websockets() {
    let broker = Mosquitto::builder().websockets().start().unwrap();
    let sub = Subscriber::start(&broker, "ws/#", 1).unwrap();
    let url = format!("ws://127.0.0.1:{}/mqtt", broker.ws_port().unwrap());
    let svc = MqttService::start(&one_broker(&url), fast_settings()).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h = MqttHandler::new(opts("ws/a", Qos::AtLeastOnce, false), &svc).unwrap();
    h.handle(&event("over ws")).await.unwrap();
    assert_eq!(svc.drain(Duration::from_secs(5)).await.lost(), 0);
    assert_eq!(
        sub.wait_exact(1, Duration::from_secs(10)),
        vec![received("ws/a", "over ws", 1, false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_over_tls_with_only_a_ca() {
    let broker = Mosquitto::builder().tls().start().unwrap();
    let sub = Subscriber::start(&broker, "tls/#", 2).unwrap();
    let ca = broker.certs().unwrap().ca.display().to_string();
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"secure\"\nurl = \"ssl://127.0.0.1:{}\"\nssl-ca = \"{ca}\"\n",
        broker.tls_port().unwrap()
    ));
    let svc = MqttService::start(&cfg, fast_settings()).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h = MqttHandler::new(opts("tls/a", Qos::ExactlyOnce, false), &svc).unwrap();
    h.handle(&event("secret alert")).await.unwrap();
    assert_eq!(svc.drain(Duration::from_secs(5)).await.lost(), 0);
    assert_eq!(
        sub.wait_exact(1, Duration::from_secs(10)),
        vec![received("tls/a", "secret alert", 2, false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_skip_verify_accepts_an_unknown_ca_and_host() {
    let broker = Mosquitto::builder().tls().start().unwrap();
    let sub = Subscriber::start(&broker, "tls/#", 1).unwrap();
    // "localhost.invalid" is not in the certificate either.
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nurl = \"mqtts://127.0.0.1:{}\"\ninsecure-skip-verify = true\nssl-ca = \"{}\"\n",
        broker.tls_port().unwrap(),
        broker.certs().unwrap().other_ca.display()
    ));
    let svc = MqttService::start(&cfg, fast_settings()).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h = MqttHandler::new(opts("tls/b", Qos::AtLeastOnce, false), &svc).unwrap();
    h.handle(&event("insecure")).await.unwrap();
    assert_eq!(svc.drain(Duration::from_secs(5)).await.lost(), 0);
    assert_eq!(
        sub.wait_exact(1, Duration::from_secs(10)),
        vec![received("tls/b", "insecure", 1, false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_with_client_id_user_and_password() {
    let broker = Mosquitto::builder()
        .client_auth()
        .user("tick", "s3cret pass")
        .start()
        .unwrap();
    let sub = Subscriber::start(&broker, "mtls/#", 1).unwrap();
    let c = broker.certs().unwrap();
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"edge\"\nurl = \"tls://127.0.0.1:{}\"\nssl-ca = \"{}\"\n\
         ssl-cert = \"{}\"\nssl-key = \"{}\"\nclient-id = \"edge-1\"\nusername = \"tick\"\npassword = \"s3cret pass\"\n",
        broker.client_auth_port().unwrap(),
        c.ca.display(),
        c.client_cert.display(),
        c.client_key.display()
    ));
    let svc = MqttService::start(&cfg, fast_settings()).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h = MqttHandler::new(opts("mtls/a", Qos::AtLeastOnce, false), &svc).unwrap();
    h.handle(&event("with client cert")).await.unwrap();
    assert_eq!(svc.drain(Duration::from_secs(5)).await.lost(), 0);
    assert_eq!(
        sub.wait_exact(1, Duration::from_secs(10)),
        vec![received("mtls/a", "with client cert", 1, false)]
    );
    // As Kapacitor's mqtt `Config`, services/mqtt/config.go at v1.5.7: client id as configured, clean session, keepalive 5 s here, user name sent.
    let log = broker.log();
    assert!(log.contains("as edge-1 (p2, c1, k5, u'tick')"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_id_defaults_to_the_broker_name() {
    let broker = Mosquitto::start_plain().unwrap();
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"plant-7\"\nurl = \"{}\"\n",
        broker.url()
    ));
    let svc = MqttService::start(&cfg, MqttSettings::default()).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    // As Kapacitor's mqtt `Config`, services/mqtt/config.go at v1.5.7: client id = name, clean session, keepalive 30, MQTT 3.1.1.
    let log = broker.log();
    assert!(log.contains("as plant-7 (p2, c1, k30)"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_ca_gives_a_clear_error() {
    let broker = Mosquitto::builder().tls().start().unwrap();
    let other = broker.certs().unwrap().other_ca.display().to_string();
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"secure\"\nurl = \"ssl://127.0.0.1:{}\"\nssl-ca = \"{other}\"\n",
        broker.tls_port().unwrap()
    ));
    let svc = MqttService::start(&cfg, fast_settings()).unwrap();
    let err = svc
        .wait_connected(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "failed to connect to MQTT broker \"secure\": server certificate not signed by ssl-ca {other} \
             (ssl://127.0.0.1:{}): set ssl-ca to the CA file that signed the broker's certificate, or \
             insecure-skip-verify = true to skip the check",
            broker.tls_port().unwrap()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_gives_a_clear_error_without_the_password() {
    let broker = Mosquitto::builder().user("tick", "right").start().unwrap();
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nurl = \"tcp://tick:wrong-pw@127.0.0.1:{}\"\n",
        broker.auth_port().unwrap()
    ));
    let svc = MqttService::start(&cfg, fast_settings()).unwrap();
    let err = svc
        .wait_connected(Duration::from_secs(5))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "failed to connect to MQTT broker \"default\": broker refused: not authorized"
    );
    assert!(!format!("{cfg:?}").contains("wrong-pw"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_names_the_url_with_the_password_redacted() {
    let refused = tick_testkit::RefusedPort::new().unwrap();
    let port = refused.port();
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nurl = \"tcp://tick:pw@127.0.0.1:{port}\"\n"
    ));
    let svc = MqttService::start(&cfg, fast_settings()).unwrap();
    let err = svc
        .wait_connected(Duration::from_secs(5))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "failed to connect to MQTT broker \"default\": connection refused by tcp://tick:***@127.0.0.1:{port}"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_brokers_route_by_name_and_default() {
    let a = Mosquitto::start_plain().unwrap();
    let b = Mosquitto::start_plain().unwrap();
    let sub_a = Subscriber::start(&a, "#", 1).unwrap();
    let sub_b = Subscriber::start(&b, "#", 1).unwrap();
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"a\"\nurl = \"{}\"\n\n[[mqtt]]\nenabled = true\nname = \"b\"\ndefault = true\nurl = \"{}\"\n",
        a.url(),
        b.url()
    ));
    let svc = MqttService::start(&cfg, fast_settings()).unwrap();
    let mut to_default =
        MqttHandler::new(opts("x/default", Qos::AtLeastOnce, false), &svc).unwrap();
    let mut to_a = MqttHandler::new(
        Options {
            broker_name: "a".into(),
            ..opts("x/a", Qos::AtLeastOnce, false)
        },
        &svc,
    )
    .unwrap();
    to_default.handle(&event("for b")).await.unwrap();
    to_a.handle(&event("for a")).await.unwrap();
    let report = svc.drain(Duration::from_secs(5)).await;
    assert_eq!(report.lost(), 0);
    assert_eq!(
        sub_a.wait_exact(1, Duration::from_secs(10)),
        vec![received("x/a", "for a", 1, false)]
    );
    assert_eq!(
        sub_b.wait_exact(1, Duration::from_secs(10)),
        vec![received("x/default", "for b", 1, false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_alert_is_refused_and_the_next_one_still_arrives() {
    let broker = Mosquitto::start_plain().unwrap();
    let sub = Subscriber::start(&broker, "big/#", 1).unwrap();
    let svc = MqttService::start(&one_broker(&broker.url()), fast_settings()).unwrap();
    let mut h = MqttHandler::new(opts("big/a", Qos::AtLeastOnce, false), &svc).unwrap();
    let big = "x".repeat(2 * 1024 * 1024);
    let err = h.handle(&event(&big)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to post message to MQTT broker: alert of 2097166 bytes is larger than the MQTT maximum \
         packet size of 1048576 bytes; not sent"
    );
    let fits = "y".repeat(512 * 1024);
    h.handle(&event(&fits)).await.unwrap();
    h.handle(&event("small")).await.unwrap();
    assert_eq!(svc.drain(Duration::from_secs(10)).await.lost(), 0);
    let got = sub.wait_exact(2, Duration::from_secs(10));
    assert_eq!(
        got,
        vec![
            received("big/a", &fits, 1, false),
            received("big/a", "small", 1, false)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_down_at_start_alerts_queue_and_arrive_once_it_is_up() {
    let mut broker = Mosquitto::builder().persistence().start().unwrap();
    let _sub = Subscriber::start_persistent(&broker, "late/#", 2, "late-sub").unwrap();
    broker.stop().unwrap();
    let svc = MqttService::start(&one_broker(&broker.url()), fast_settings()).unwrap();
    let mut h = MqttHandler::new(opts("late/a", Qos::AtLeastOnce, false), &svc).unwrap();
    for i in 0..10 {
        h.handle(&event(&format!("m{i}"))).await.unwrap();
    }
    // The first attempt failed, and the alerts wait.
    let report = declared_dead(&svc).await;
    assert_eq!(report.brokers[0].pending, 10);
    assert_eq!(
        report.brokers[0].last_error.as_deref(),
        Some(format!("connection refused by {}", broker.url()).as_str())
    );
    broker.start_again().unwrap();
    let sub = Subscriber::start_persistent(&broker, "late/#", 2, "late-sub").unwrap();
    let report = svc.drain(Duration::from_secs(10)).await;
    assert_eq!(report.lost(), 0, "{report}");
    assert_eq!(report.brokers[0].delivered, 10);
    let got: Vec<String> = sub
        .wait_exact(10, Duration::from_secs(10))
        .iter()
        .map(Received::text)
        .collect();
    assert_eq!(got, (0..10).map(|i| format!("m{i}")).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_outbox_refuses_alerts_loudly_and_counts_them() {
    let refused = tick_testkit::RefusedPort::new().unwrap();
    let port = refused.port();
    let settings = MqttSettings {
        outbox_limit: 3,
        ..fast_settings()
    };
    let svc =
        MqttService::start(&one_broker(&format!("tcp://127.0.0.1:{port}")), settings).unwrap();
    let mut h = MqttHandler::new(opts("t", Qos::AtLeastOnce, false), &svc).unwrap();
    for i in 0..3 {
        h.handle(&event(&format!("m{i}"))).await.unwrap();
    }
    let err = h.handle(&event("m3")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to post message to MQTT broker: MQTT outbox for broker \"local\" is full (3 alerts wait for \
         the broker); alert dropped"
    );
    let report = svc.drain(Duration::from_millis(100)).await;
    assert_eq!(
        (
            report.brokers[0].pending,
            report.brokers[0].dropped,
            report.lost()
        ),
        (3, 1, 4)
    );
}

const RESTART_N: usize = 15_000;
/// The in-flight window of the restart tests: at most this many QoS 1/2 alerts were sent and
/// not yet acknowledged when the broker stopped.
const RESTART_INFLIGHT: u16 = 1000;

/// Sends `RESTART_N` QoS 1 alerts to `stream/q1` and `RESTART_N` QoS 2 alerts to `stream/q2`
/// as fast as the outbox takes them (not paced: rumqttc gap 1 in docs/ARCHITECTURE.md), stops the broker with
/// SIGTERM (persistence on) while most are in flight or queued, starts it again, and returns
/// the final report and the payload numbers a persistent subscriber got on each topic.
///
/// The subscriber registers its persistent session first and is offline while tick publishes
/// and the broker restarts; the broker queues every message for it, and it collects them at
/// the end. A subscriber connected across the restart gets its own duplicates from the broker
/// (measured: a few hundred QoS 2 alerts it had already received, all of them PUBCOMP'd to tick
/// long before the stop), which would hide what tick did.
async fn send_across_a_broker_restart(
    persistent: bool,
    sub_id: &str,
) -> (tick_handlers::mqtt::DrainReport, Vec<usize>, Vec<usize>) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    let mut broker = Mosquitto::builder().persistence().start().unwrap();
    drop(Subscriber::start_persistent(&broker, "stream/#", 2, sub_id).unwrap());
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"local\"\nurl = \"{}\"\npersistent-session = {persistent}\n",
        broker.url()
    ));
    let settings = MqttSettings {
        inflight: RESTART_INFLIGHT,
        ..fast_settings()
    };
    let svc = MqttService::start(&cfg, settings).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h1 = MqttHandler::new(opts("stream/q1", Qos::AtLeastOnce, false), &svc).unwrap();
    let mut h2 = MqttHandler::new(opts("stream/q2", Qos::ExactlyOnce, false), &svc).unwrap();
    for i in 0..RESTART_N {
        h1.handle(&event(&i.to_string())).await.unwrap();
        h2.handle(&event(&i.to_string())).await.unwrap();
    }
    // Stop the broker while most alerts are still in flight or queued.
    let started = std::time::Instant::now();
    while svc.drain(Duration::ZERO).await.delivered() < 4000 {
        assert!(started.elapsed() < Duration::from_secs(20), "no progress");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    broker.stop().unwrap();
    let mid = svc.drain(Duration::ZERO).await;
    assert!(
        mid.brokers[0].pending > 0,
        "the restart came too late to test anything: {mid}"
    );
    broker.start_again().unwrap();
    let report = svc.drain(Duration::from_secs(60)).await;

    let sub = Subscriber::start_persistent(&broker, "stream/#", 2, sub_id).unwrap();
    // Every alert was acknowledged, so the broker holds all of them for this session; the
    // fence arrives after the last one, however long the broker takes.
    let got = sub.fence(Duration::from_secs(120)).unwrap();
    let numbers = |topic: &str| -> Vec<usize> {
        got.iter()
            .filter(|r| r.topic == topic)
            .map(|r| r.text().parse().unwrap())
            .collect()
    };
    (report, numbers("stream/q1"), numbers("stream/q2"))
}

/// Each number's first arrival, in arrival order, and how many arrivals were repeats.
fn first_arrivals(all: &[usize]) -> (Vec<usize>, usize) {
    let mut seen = vec![false; RESTART_N];
    let mut firsts = Vec::with_capacity(RESTART_N);
    let mut duplicates = 0;
    for &n in all {
        if seen[n] {
            duplicates += 1;
        } else {
            seen[n] = true;
            firsts.push(n);
        }
    }
    (firsts, duplicates)
}

/// Clean session (Kapacitor's setting): the broker stops mid-stream (SIGTERM, persistence on)
/// and comes back. Every QoS 1 and QoS 2 alert arrives, in order of first arrival. An alert
/// arrives twice only if the broker had accepted it before it stopped and tick had not received
/// its acknowledgement; such alerts were in flight, so there are at most `RESTART_INFLIGHT` of
/// them over both topics, and they are the last ones the broker accepted. tick's own count of
/// QoS 2 alerts that may arrive twice (`possible_duplicates`) covers the QoS 2 ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_mid_stream_loses_nothing_and_repeats_only_alerts_in_flight() {
    let (report, q1, q2) = send_across_a_broker_restart(false, "restart-sub").await;
    assert_eq!(report.lost(), 0, "{report}");
    assert_eq!(report.brokers[0].delivered, 2 * RESTART_N as u64);
    let all: Vec<usize> = (0..RESTART_N).collect();
    let (q2_firsts, q2_duplicates) = first_arrivals(&q2);
    assert_eq!(q2_firsts, all, "QoS 2: every alert, in order");
    let (q1_firsts, q1_duplicates) = first_arrivals(&q1);
    assert_eq!(
        q1_firsts, all,
        "QoS 1: every alert, in order of first arrival"
    );
    // The repeats are exactly the tail of what the broker accepted before it stopped.
    for (topic, arrivals, duplicates) in [
        ("stream/q1", &q1, q1_duplicates),
        ("stream/q2", &q2, q2_duplicates),
    ] {
        let split = AcrossRestart::split(arrivals, RESTART_N).unwrap();
        assert_eq!(split.repeated(), duplicates, "{topic}: {split:?}");
    }
    assert!(
        q1_duplicates + q2_duplicates <= usize::from(RESTART_INFLIGHT),
        "{q1_duplicates} + {q2_duplicates} alerts arrived twice, more than were in flight"
    );
    let possible = report.brokers[0].possible_duplicates as usize;
    assert!(
        q2_duplicates <= possible,
        "QoS 2: {q2_duplicates} duplicates but tick counted only {possible} possible ones"
    );
}

/// `persistent-session = true`: the broker keeps our session across its restart
/// (`session_present = 1`), in-flight alerts are resumed under their packet ids (PUBREL for
/// those already PUBREC'd), so every QoS 2 alert arrives exactly once and in order, and every
/// QoS 1 alert at least once, in order of first arrival.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_persistent_session_qos2_arrives_exactly_once_across_a_broker_restart() {
    let (report, q1, q2) = send_across_a_broker_restart(true, "restart-sub-p").await;
    assert_eq!(report.lost(), 0, "{report}");
    assert_eq!(report.brokers[0].delivered, 2 * RESTART_N as u64);
    assert_eq!(report.brokers[0].possible_duplicates, 0, "{report}");
    let all: Vec<usize> = (0..RESTART_N).collect();
    let (q2_firsts, q2_duplicates) = first_arrivals(&q2);
    let repeated: Vec<usize> = {
        let mut seen = vec![false; RESTART_N];
        q2.iter()
            .filter(|&&n| std::mem::replace(&mut seen[n], true))
            .copied()
            .take(20)
            .collect()
    };
    // Compared as a summary: a failing `assert_eq!` on 15,000 numbers is unreadable.
    assert_eq!(
        (q2.len(), q2_duplicates, q2_firsts == all, q2 == all),
        (RESTART_N, 0, true, true),
        "QoS 2: every alert exactly once, in order; first repeats: {repeated:?}; {report}"
    );
    let (q1_firsts, _) = first_arrivals(&q1);
    assert_eq!(
        q1_firsts, all,
        "QoS 1: every alert, in order of first arrival"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_period_longer_than_the_stall_timeout_does_not_trigger_a_reconnect() {
    let broker = Mosquitto::start_plain().unwrap();
    let sub = Subscriber::start(&broker, "idle/#", 1).unwrap();
    // The stall timeout is far above an acknowledgement's round trip on a loaded machine, so
    // only a watchdog that counts idle time as a stall can reconnect here.
    let settings = MqttSettings {
        stall_timeout: Some(Duration::from_secs(2)),
        keep_alive: Duration::from_secs(1),
        ..fast_settings()
    };
    let svc = MqttService::start(&one_broker(&broker.url()), settings).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h = MqttHandler::new(opts("idle/a", Qos::AtLeastOnce, false), &svc).unwrap();
    h.handle(&event("before")).await.unwrap();
    assert_eq!(svc.drain(Duration::from_secs(5)).await.lost(), 0);
    // Idle for more than twice the stall timeout (pings go on meanwhile).
    tokio::time::sleep(Duration::from_secs(5)).await;
    h.handle(&event("after")).await.unwrap();
    assert_eq!(svc.drain(Duration::from_secs(5)).await.lost(), 0);
    let got: Vec<String> = sub
        .wait_exact(2, Duration::from_secs(10))
        .iter()
        .map(Received::text)
        .collect();
    assert_eq!(got, ["before", "after"]);
    let connects = broker.log().matches("New client connected").count();
    // The subscriber, its probe publishers, and exactly one connection of ours.
    let ours = broker.log().matches("as local (").count();
    assert_eq!(ours, 1, "{connects} connections in:\n{}", broker.log());
}

/// Waits until a connection attempt to the only broker failed or the connection was given up
/// (refused, keep-alive, watchdog or connect timeout: `last_error` is set), and returns the
/// report of that moment.
async fn declared_dead(svc: &MqttService) -> tick_handlers::mqtt::DrainReport {
    let started = std::time::Instant::now();
    loop {
        let report = svc.drain(Duration::ZERO).await;
        if report.brokers[0].last_error.is_some() {
            return report;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the frozen broker was never detected: {report}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A broker that stops answering (SIGSTOP) while alerts are in flight: the connection is
/// declared dead (keep-alive / watchdog), rebuilt once the broker answers again, and every alert
/// arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_broker_is_detected_and_every_alert_arrives_after_it_thaws() {
    let broker = Mosquitto::builder().persistence().start().unwrap();
    let sub = Subscriber::start_persistent(&broker, "frozen/#", 1, "frozen-sub").unwrap();
    let settings = MqttSettings {
        stall_timeout: Some(Duration::from_secs(2)),
        keep_alive: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
        ..fast_settings()
    };
    let svc = MqttService::start(&one_broker(&broker.url()), settings).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h = MqttHandler::new(opts("frozen/a", Qos::AtLeastOnce, false), &svc).unwrap();
    broker.pause().unwrap();
    for i in 0..100 {
        h.handle(&event(&format!("m{i}"))).await.unwrap();
    }
    let mid = declared_dead(&svc).await;
    assert_eq!(mid.brokers[0].pending, 100, "{mid}");
    broker.resume().unwrap();
    let report = svc.drain(Duration::from_secs(20)).await;
    assert_eq!(report.lost(), 0, "{report}");
    let got = sub.fence(Duration::from_secs(20)).unwrap();
    let mut firsts: Vec<String> = Vec::new();
    for r in got {
        if !firsts.contains(&r.text()) {
            firsts.push(r.text());
        }
    }
    assert_eq!(
        firsts,
        (0..100).map(|i| format!("m{i}")).collect::<Vec<_>>()
    );
}

/// MQTT 3.1.1 packets for [`leave_unreleased_qos2_session`], written by hand.
fn mqtt_packet(header: u8, body: &[u8]) -> Vec<u8> {
    assert!(body.len() < 128, "one-byte remaining length");
    let mut p = vec![header, body.len() as u8];
    p.extend_from_slice(body);
    p
}

/// Connects as `client_id` with clean session off, publishes `payloads` to `topic` with QoS 2
/// and the retain flag, waits for the broker's PUBREC of each (the broker now holds them,
/// unreleased, in the session of `client_id`), and goes away without PUBREL: what a process
/// killed between PUBREC and PUBREL leaves behind.
fn leave_unreleased_qos2_session(port: u16, client_id: &str, topic: &str, payloads: &[String]) {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let str_field = |s: &str| {
        let mut v = (s.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    };
    // CONNECT: "MQTT", level 4, flags 0 (clean session off), keep-alive 60 s, client id.
    let mut connect = str_field("MQTT");
    connect.extend_from_slice(&[4, 0, 0, 60]);
    connect.extend(str_field(client_id));
    conn.write_all(&mqtt_packet(0x10, &connect)).unwrap();
    let mut connack = [0u8; 4];
    conn.read_exact(&mut connack).unwrap();
    assert_eq!(connack, [0x20, 2, 0, 0], "CONNACK");
    let mut publishes = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let mut body = str_field(topic);
        body.extend_from_slice(&(i as u16 + 1).to_be_bytes());
        body.extend_from_slice(payload.as_bytes());
        // PUBLISH, QoS 2, retain.
        publishes.extend(mqtt_packet(0x35, &body));
    }
    conn.write_all(&publishes).unwrap();
    for i in 0..payloads.len() {
        let mut pubrec = [0u8; 4];
        conn.read_exact(&mut pubrec).unwrap();
        let pkid = (i as u16 + 1).to_be_bytes();
        assert_eq!(pubrec, [0x50, 2, pkid[0], pkid[1]], "PUBREC {}", i + 1);
    }
}

/// `persistent-session = true`: an earlier process with the same client id left QoS 2 alerts at
/// the broker that were never released (it went away after the broker's PUBREC, before its own
/// PUBREL; played here by a hand-written client that waits for each PUBREC). A new process
/// must neither release those (they belong to a run that reported them as not delivered) nor
/// have its own alerts taken for them when it reuses their packet ids.
///
/// mosquitto itself spots a reused packet id when topic, QoS or payload differ, so the earlier
/// alerts here differ from the new ones only in the retain flag: had the broker kept the old
/// session, the new PUBRELs would release the old, retained messages and a later subscriber
/// would receive one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_left_by_an_earlier_process_is_discarded_at_start() {
    let broker = Mosquitto::start_plain().unwrap();
    let sub = Subscriber::start(&broker, "left/#", 2).unwrap();
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"local\"\nurl = \"{}\"\npersistent-session = true\n",
        broker.url()
    ));
    let earlier: Vec<String> = (0..20).map(|i| format!("a{i}")).collect();
    leave_unreleased_qos2_session(broker.port(), "local", "left/a", &earlier);
    broker
        .wait_for_log(
            "the earlier process's end",
            Duration::from_secs(20),
            |log| log.contains("Client local closed its connection."),
        )
        .unwrap();

    let svc = MqttService::start(&cfg, fast_settings()).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h = MqttHandler::new(opts("left/a", Qos::ExactlyOnce, false), &svc).unwrap();
    for i in 0..20 {
        h.handle(&event(&format!("a{i}"))).await.unwrap();
    }
    let report = svc.drain(Duration::from_secs(10)).await;
    assert_eq!(report.lost(), 0, "{report}");
    let got: Vec<String> = sub
        .fence(Duration::from_secs(10))
        .unwrap()
        .iter()
        .map(Received::text)
        .collect();
    assert_eq!(got, (0..20).map(|i| format!("a{i}")).collect::<Vec<_>>());
    // A retained message of the earlier process would reach a new subscriber before the fence.
    let later = Subscriber::start(&broker, "left/#", 2).unwrap();
    let retained = later.fence(Duration::from_secs(10)).unwrap();
    assert_eq!(retained, Vec::<Received>::new(), "{}", broker.log());
}

/// `persistent-session = true` with a broker that stops answering (SIGSTOP) while QoS 2 alerts
/// are in flight: the watchdog rebuilds the connection, the broker resumes the session once it
/// answers again, and every alert arrives exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_persistent_session_a_frozen_broker_gets_each_qos2_alert_exactly_once() {
    let broker = Mosquitto::start_plain().unwrap();
    let sub = Subscriber::start(&broker, "frozen/#", 2).unwrap();
    let settings = MqttSettings {
        stall_timeout: Some(Duration::from_secs(2)),
        keep_alive: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
        ..fast_settings()
    };
    let cfg = config(&format!(
        "[[mqtt]]\nenabled = true\nname = \"local\"\nurl = \"{}\"\npersistent-session = true\n",
        broker.url()
    ));
    let svc = MqttService::start(&cfg, settings).unwrap();
    svc.wait_connected(Duration::from_secs(5)).await.unwrap();
    let mut h = MqttHandler::new(opts("frozen/a", Qos::ExactlyOnce, false), &svc).unwrap();
    broker.pause().unwrap();
    for i in 0..100 {
        h.handle(&event(&format!("m{i}"))).await.unwrap();
    }
    let mid = declared_dead(&svc).await;
    assert_eq!(mid.brokers[0].pending, 100, "{mid}");
    broker.resume().unwrap();
    let report = svc.drain(Duration::from_secs(20)).await;
    assert_eq!(report.lost(), 0, "{report}");
    let got: Vec<String> = sub
        .fence(Duration::from_secs(20))
        .unwrap()
        .iter()
        .map(Received::text)
        .collect();
    assert_eq!(got, (0..100).map(|i| format!("m{i}")).collect::<Vec<_>>());
}
