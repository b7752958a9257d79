//! `tick run` while the broker goes away (dependencies.md, rumqttc gap 1): QoS 1 and QoS 2 alerts
//! published while the broker is down or restarting are kept, re-sent in order after the
//! reconnect, and `tick run` exits only once they are acknowledged.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tick_testkit::{Mosquitto, Subscriber};

use crate::support::{Case, tick_bin};

const SCRIPT: &str = "stream\n    |from()\n        .measurement('seq')\n    |alert()\n        .crit(lambda: \"n\" >= 0)\n        .message('{{ index .Fields \"n\" }}')\n        .details('')\n        .mqtt('stream/q1')\n        .qos(1)\n        .mqtt('stream/q2')\n        .qos(2)\n";

fn points(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| format!("seq n={i}i {}\n", 1_000_000_000 + i as i64))
        .collect()
}

fn numbers(got: &[tick_testkit::Received], topic: &str) -> Vec<usize> {
    got.iter()
        .filter(|r| r.topic == topic)
        .map(|r| r.text().parse().expect("number payload"))
        .collect()
}

#[test]
fn broker_restart_mid_stream_loses_no_alert_and_qos_2_arrives_exactly_once() {
    const HALF: usize = 3000;
    let mut broker = Mosquitto::builder()
        .persistence()
        .start()
        .expect("mosquitto");
    let sub = Subscriber::start_persistent(&broker, "stream/#", 2, "tick-e2e-restart")
        .expect("subscriber");
    let case = Case::new();
    let script = case.file("seq.tick", SCRIPT);
    let config = case.file(
        "kapacitor.conf",
        &format!(
            "[[mqtt]]\n  enabled = true\n  name = \"local\"\n  url = \"{}\"\n",
            broker.url()
        ),
    );
    let mut child = Command::new(tick_bin())
        .args([
            "run",
            &script,
            "--config",
            &config,
            "--drain-timeout",
            "60s",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tick");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(points(0, HALF).as_bytes()).expect("write");
    stdin.flush().expect("flush");
    assert!(
        sub.wait_for(200, Duration::from_secs(20)).len() >= 200,
        "nothing arrived before the restart"
    );
    broker.stop().expect("stop broker");
    stdin
        .write_all(points(HALF, 2 * HALF).as_bytes())
        .expect("write");
    stdin.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(500));
    broker.start_again().expect("restart broker");
    drop(stdin);

    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "tick did not exit after the broker came back"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(status.success(), "tick failed: {stderr}");

    let got = sub.settle(Duration::from_millis(700), Duration::from_secs(60));
    let all: Vec<usize> = (0..2 * HALF).collect();
    // QoS 2: every alert exactly once, in order.
    assert_eq!(numbers(&got, "stream/q2"), all, "stderr: {stderr}");
    // QoS 1: every alert at least once; in order once duplicates of a re-send are removed.
    let mut q1 = numbers(&got, "stream/q1");
    q1.dedup();
    let mut seen = std::collections::BTreeSet::new();
    q1.retain(|n| seen.insert(*n));
    assert_eq!(q1, all, "stderr: {stderr}");
}

#[test]
fn broker_down_at_start_delays_alerts_until_it_is_up() {
    let mut broker = Mosquitto::builder()
        .persistence()
        .start()
        .expect("mosquitto");
    let sub =
        Subscriber::start_persistent(&broker, "stream/#", 2, "tick-e2e-late").expect("subscriber");
    broker.stop().expect("stop broker");
    let case = Case::new();
    let script = case.file("seq.tick", SCRIPT);
    let config = case.file(
        "kapacitor.conf",
        &format!(
            "[[mqtt]]\n  enabled = true\n  name = \"local\"\n  url = \"{}\"\n",
            broker.url()
        ),
    );
    let mut child = Command::new(tick_bin())
        .args([
            "run",
            &script,
            "--config",
            &config,
            "--drain-timeout",
            "60s",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tick");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(points(0, 50).as_bytes()).expect("write");
    drop(stdin);
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "tick exited while its alerts were unacknowledged"
    );
    broker.start_again().expect("start broker");
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tick failed: {stderr}");
    let got = sub.settle(Duration::from_millis(700), Duration::from_secs(30));
    let all: Vec<usize> = (0..50).collect();
    assert_eq!(numbers(&got, "stream/q2"), all, "stderr: {stderr}");
}

#[test]
fn alerts_not_acknowledged_before_the_drain_timeout_are_reported_and_exit_1() {
    let mut broker = Mosquitto::start_plain().expect("mosquitto");
    let url = broker.url();
    broker.stop().expect("stop broker");
    let case = Case::new();
    let script = case.file("seq.tick", SCRIPT);
    let config = case.file(
        "kapacitor.conf",
        &format!("[[mqtt]]\n  enabled = true\n  name = \"local\"\n  url = \"{url}\"\n"),
    );
    let out = case
        .args(["run", &script, "--config", &config, "--drain-timeout", "1s"])
        .stdin(points(0, 5))
        .run();
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert!(
        out.stderr.contains(
            "tick: 10 MQTT alert(s) were not acknowledged by the broker before --drain-timeout (1s)"
        ),
        "stderr: {}",
        out.stderr
    );
}
