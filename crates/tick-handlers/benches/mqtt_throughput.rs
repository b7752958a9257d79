//! End-to-end MQTT throughput: 100,000 alerts published through `MqttHandler` to a local
//! mosquitto at QoS 0, 1 and 2, timed until a `mosquitto_sub` subscriber (QoS 2) has received
//! all of them. Needs `mosquitto` and `mosquitto-clients` installed.
//!
//! `cargo bench -p tick-handlers --bench mqtt_throughput` (figures in docs/PERFORMANCE.md).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tick_engine::{Event, EventData, EventState, Level};
use tick_handlers::config::Config;
use tick_handlers::mqtt::{MqttHandler, MqttService, MqttSettings, Options, Qos};
use tick_testkit::{Mosquitto, Subscriber};

const N: usize = 100_000;

fn event() -> Event {
    Event {
        topic: Arc::from("main:cpu:alert2"),
        state: EventState {
            id: "cpu:host=serverA".into(),
            message: "2026-11-27 13:00:00 +0000 UTC: CPU usage over 90% on serverA".into(),
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
    let sub = Subscriber::start(&broker, "bench/#", 2).unwrap();
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
        let opts = Options {
            broker_name: String::new(),
            topic: format!("bench/{name}"),
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
                    sub.clear();
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
