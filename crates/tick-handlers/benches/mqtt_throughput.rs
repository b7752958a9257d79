//! End-to-end MQTT throughput: 100,000 alerts published through `MqttHandler` to a local
//! mosquitto at QoS 0, 1 and 2, timed until a subscriber has received all of them. Needs
//! `mosquitto` and `mosquitto-clients` installed.
//!
//! The subscriber subscribes at QoS 2, so the broker delivers each alert at the QoS it was
//! published with (MQTT delivers at the lower of the two): QoS 1 alerts reach it as QoS 1, with
//! one PUBACK each. By default it is an MQTT client in this process that checks topic and
//! payload of every message and counts them; `TICK_BENCH_SUBSCRIBER=mosquitto_sub` uses the
//! testkit's `mosquitto_sub` instead, which prints every message as hex with a flush per
//! message for a thread of this process to parse: on a 2-core machine that costs about a third
//! of all CPU time and understates the publisher.
//!
//! `cargo bench -p tick-handlers --bench mqtt_throughput` (figures in docs/PERFORMANCE.md).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tick_engine::{Event, EventData, EventState, Level};
use tick_handlers::config::Config;
use tick_handlers::mqtt::{MqttHandler, MqttService, MqttSettings, Options, Qos};
use tick_testkit::{Mosquitto, Subscriber};

const N: usize = 100_000;
const MESSAGE: &str = "2026-11-27 13:00:00 +0000 UTC: CPU usage over 90% on serverA";

/// What receives the alerts: see the module docs.
enum Sink {
    Client(ClientSubscriber),
    MosquittoSub(Subscriber),
}

impl Sink {
    fn start(broker: &Mosquitto) -> Sink {
        match std::env::var("TICK_BENCH_SUBSCRIBER").as_deref() {
            Ok("mosquitto_sub") => {
                Sink::MosquittoSub(Subscriber::start(broker, "bench/#", 2).unwrap())
            }
            _ => Sink::Client(ClientSubscriber::start(broker.port())),
        }
    }

    /// Forgets what arrived so far; later messages must have this topic.
    fn clear(&self, topic: &str) {
        match self {
            Sink::Client(c) => c.clear(topic),
            Sink::MosquittoSub(s) => s.clear(),
        }
    }

    fn wait_count(&self, n: usize, timeout: Duration) -> usize {
        match self {
            Sink::Client(c) => c.wait_count(n, timeout),
            Sink::MosquittoSub(s) => s.wait_count(n, timeout),
        }
    }
}

/// A QoS 2 subscription to `bench/#` on its own thread and runtime (rumqttc). Counts the
/// messages whose topic and payload are the expected ones, and the others apart.
struct ClientSubscriber {
    good: Arc<AtomicUsize>,
    bad: Arc<AtomicUsize>,
    topic: Arc<std::sync::Mutex<String>>,
}

impl ClientSubscriber {
    fn start(port: u16) -> ClientSubscriber {
        use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};
        let good = Arc::new(AtomicUsize::new(0));
        let bad = Arc::new(AtomicUsize::new(0));
        let topic = Arc::new(std::sync::Mutex::new(String::new()));
        let subscribed = Arc::new(AtomicUsize::new(0));
        let (g, b, t, s) = (
            Arc::clone(&good),
            Arc::clone(&bad),
            Arc::clone(&topic),
            Arc::clone(&subscribed),
        );
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut o = MqttOptions::new("bench-subscriber", "127.0.0.1", port);
                o.set_max_packet_size(1 << 20, 1 << 20);
                let (client, mut eventloop) = AsyncClient::new(o, 10);
                client.subscribe("bench/#", QoS::ExactlyOnce).await.unwrap();
                let mut expected = String::new();
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Incoming::SubAck(_))) => s.store(1, Ordering::SeqCst),
                        Ok(Event::Incoming(Incoming::Publish(p))) => {
                            if p.topic != expected {
                                expected = t.lock().unwrap().clone();
                            }
                            if p.topic == expected && p.payload == MESSAGE.as_bytes() {
                                g.fetch_add(1, Ordering::Relaxed);
                            } else {
                                b.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Ok(_) => {}
                        Err(e) => panic!("bench subscriber: {e}"),
                    }
                }
            });
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while subscribed.load(Ordering::SeqCst) == 0 {
            assert!(
                Instant::now() < deadline,
                "bench subscriber did not subscribe"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        ClientSubscriber { good, bad, topic }
    }

    fn clear(&self, topic: &str) {
        *self.topic.lock().unwrap() = topic.to_owned();
        self.good.store(0, Ordering::SeqCst);
        self.bad.store(0, Ordering::SeqCst);
    }

    fn wait_count(&self, n: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.good.load(Ordering::Relaxed);
            if got >= n || Instant::now() > deadline {
                assert_eq!(self.bad.load(Ordering::SeqCst), 0, "unexpected messages");
                return got;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn event() -> Event {
    Event {
        topic: Arc::from("main:cpu:alert2"),
        state: EventState {
            id: "cpu:host=serverA".into(),
            message: MESSAGE.into(),
            details: String::new(),
            time: 0,
            duration: 0,
            level: Level::Critical,
        },
        data: EventData {
            name: "cpu".into(),
            task_name: "cpu_alert".into(),
            category: String::new(),
            group: "host=serverA".into(),
            tags: vec![("host".into(), "serverA".into())],
            fields: vec![],
            recoverable: true,
            result: None,
        },
        previous_level: Level::Ok,
        json: Default::default(),
    }
}

/// `TICK_BENCH_INFLIGHT=5000` tries another in-flight window.
fn settings() -> MqttSettings {
    let mut s = MqttSettings::default();
    if let Some(n) = std::env::var("TICK_BENCH_INFLIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        s.inflight = n;
    }
    s
}

fn throughput(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let broker = Mosquitto::start_plain().unwrap();
    let sub = Sink::start(&broker);
    let url = broker.url();
    let (cfg, _) = Config::from_toml_str(
        &format!("[[mqtt]]\nenabled = true\nurl = \"{url}\"\n"),
        "bench.conf",
    )
    .unwrap();
    let svc = runtime
        .block_on(async { MqttService::start(&cfg, settings()) })
        .unwrap();
    runtime
        .block_on(svc.wait_connected(Duration::from_secs(5)))
        .unwrap();
    let ev = event();

    let mut group = c.benchmark_group("mqtt_end_to_end");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(N as u64));
    for (name, qos) in [
        ("qos0", Qos::AtMostOnce),
        ("qos1", Qos::AtLeastOnce),
        ("qos2", Qos::ExactlyOnce),
    ] {
        let topic = format!("bench/{name}");
        let opts = Options {
            broker_name: String::new(),
            topic: topic.clone(),
            qos,
            retained: false,
        };
        let mut handler = {
            let _guard = runtime.enter();
            MqttHandler::new(opts, &svc).unwrap()
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    sub.clear(&topic);
                    let start = Instant::now();
                    for _ in 0..N {
                        handler.publish(&ev).unwrap();
                    }
                    let got = sub.wait_count(N, Duration::from_secs(120));
                    total += start.elapsed();
                    assert_eq!(got, N, "subscriber received {got} of {N} at {name}");
                    let report = runtime.block_on(svc.drain(Duration::from_secs(30)));
                    assert_eq!(report.lost(), 0, "{report}");
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
