//! `tick run` while the broker goes away (`docs/ARCHITECTURE.md`, "rumqttc: the gaps tick closes
//! itself", gap 1): QoS 1 and QoS 2 alerts published while the broker is down or restarting are
//! kept, re-sent in order after the reconnect, and `tick run` exits only once they are
//! acknowledged. With `persistent-session = true` the broker resumes tick's session after its
//! restart and QoS 2 arrives exactly once; with Kapacitor's clean session delivery is at least
//! once, in order of first arrival.

use std::time::Duration;

use tick_testkit::{AcrossRestart, Mosquitto, Subscriber};

use crate::support::Case;

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

/// Each number's first arrival, in arrival order (duplicates of a re-send removed).
fn first_arrivals(mut all: Vec<usize>) -> Vec<usize> {
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|n| seen.insert(*n));
    all
}

/// Runs `tick run` on `2 * half` points (one QoS 1 and one QoS 2 alert each); the broker stops
/// (SIGTERM, persistence on) after the first alerts arrived, the second half is written while
/// it is down, and it comes back 0.5 s later. Returns what a persistent subscriber got and
/// tick's stderr, once tick exited successfully.
///
/// The persistent subscriber is offline from before the first alert until tick exited, so the
/// broker queues everything for it: a subscriber connected across the restart gets duplicates
/// of its own from the broker (alerts tick had long completed), which would hide what tick
/// did. A second, clean subscriber only watches for the first alerts.
fn run_across_a_broker_restart(
    half: usize,
    persistent_session: bool,
    sub_id: &str,
) -> (Vec<tick_testkit::Received>, String) {
    let mut broker = Mosquitto::builder()
        .persistence()
        .start()
        .expect("mosquitto");
    drop(Subscriber::start_persistent(&broker, "stream/#", 2, sub_id).expect("subscriber"));
    let watcher = Subscriber::start(&broker, "stream/#", 0).expect("watcher");
    let case = Case::new();
    let script = case.file("seq.tick", SCRIPT);
    let config = case.file(
        "kapacitor.conf",
        &format!(
            "[[mqtt]]\n  enabled = true\n  name = \"local\"\n  url = \"{}\"\n  persistent-session = {persistent_session}\n",
            broker.url()
        ),
    );
    // The case (and its files) must outlive the run.
    let case = case
        .args([
            "run",
            &script,
            "--config",
            &config,
            "--drain-timeout",
            "60s",
        ])
        .timeout(Duration::from_secs(90));
    let mut tick = case.spawn();
    tick.write(points(0, half).as_bytes());
    assert!(
        watcher.wait_for(200, Duration::from_secs(20)).len() >= 200,
        "nothing arrived before the restart"
    );
    broker.stop().expect("stop broker");
    drop(watcher);
    tick.write(points(half, 2 * half).as_bytes());
    // The outage itself: tick has the second half and cannot deliver it for a while.
    std::thread::sleep(Duration::from_millis(500));
    broker.start_again().expect("restart broker");
    let out = tick.wait();
    let stderr = out.stderr;
    assert_eq!(out.code, 0, "tick failed: {stderr}");

    // tick exited only once the broker acknowledged everything, so the broker holds all of it
    // for this session; the fence arrives after the last message, however slow the broker is.
    let sub = Subscriber::start_persistent(&broker, "stream/#", 2, sub_id).expect("subscriber");
    let got = sub.fence(Duration::from_secs(60)).expect("fence");
    (got, stderr)
}

#[test]
fn broker_restart_mid_stream_with_a_persistent_session_delivers_qos_2_exactly_once() {
    const HALF: usize = 3000;
    let (got, stderr) = run_across_a_broker_restart(HALF, true, "tick-e2e-restart-p");
    let all: Vec<usize> = (0..2 * HALF).collect();
    // QoS 2: every alert exactly once, in order.
    assert_eq!(numbers(&got, "stream/q2"), all, "stderr: {stderr}");
    // QoS 1: every alert at least once, in order of first arrival.
    assert_eq!(
        first_arrivals(numbers(&got, "stream/q1")),
        all,
        "stderr: {stderr}"
    );
}

#[test]
fn broker_restart_mid_stream_with_a_clean_session_loses_no_alert_and_keeps_order() {
    const HALF: usize = 3000;
    let (got, stderr) = run_across_a_broker_restart(HALF, false, "tick-e2e-restart");
    let all: Vec<usize> = (0..2 * HALF).collect();
    // Clean session (Kapacitor's): at least once, in order of first arrival.
    assert_eq!(
        first_arrivals(numbers(&got, "stream/q2")),
        all,
        "stderr: {stderr}"
    );
    assert_eq!(
        first_arrivals(numbers(&got, "stream/q1")),
        all,
        "stderr: {stderr}"
    );
    // An alert repeats only if the broker had accepted it before it stopped and its
    // acknowledgement was lost with the connection: the last ones accepted, at most tick's
    // in-flight window (1,000) over both topics.
    let mut repeated = 0;
    for topic in ["stream/q1", "stream/q2"] {
        let split = AcrossRestart::split(&numbers(&got, topic), 2 * HALF)
            .unwrap_or_else(|e| panic!("{topic}: {e}; stderr: {stderr}"));
        repeated += split.repeated();
    }
    assert!(repeated <= 1000, "{repeated} repeats; stderr: {stderr}");
}

#[test]
fn broker_down_at_start_delays_alerts_until_it_is_up() {
    let mut broker = Mosquitto::builder()
        .persistence()
        .start()
        .expect("mosquitto");
    // The subscriber's session is registered now; it collects the queued alerts once tick is
    // done (a mosquitto_sub left running would reconnect on its own schedule, maybe too late).
    drop(
        Subscriber::start_persistent(&broker, "stream/#", 2, "tick-e2e-late").expect("subscriber"),
    );
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
    let case = case
        .args([
            "run",
            &script,
            "--config",
            &config,
            "--drain-timeout",
            "60s",
        ])
        .stdin(points(0, 50));
    let mut tick = case.spawn();
    tick.close_stdin();
    // tick tried, failed, and goes on waiting with the alerts queued.
    tick.wait_for_stderr(&format!(
        "cannot connect to MQTT broker \"local\": connection refused by {}",
        broker.url()
    ));
    assert!(
        tick.is_running(),
        "tick exited while its alerts were unacknowledged"
    );
    broker.start_again().expect("start broker");
    let out = tick.wait();
    let stderr = out.stderr;
    assert_eq!(out.code, 0, "tick failed: {stderr}");
    let sub =
        Subscriber::start_persistent(&broker, "stream/#", 2, "tick-e2e-late").expect("subscriber");
    let got = sub.fence(Duration::from_secs(30)).expect("fence");
    let all: Vec<usize> = (0..50).collect();
    assert_eq!(numbers(&got, "stream/q2"), all, "stderr: {stderr}");
}

#[test]
fn alerts_not_acknowledged_before_the_drain_timeout_are_reported_and_exit_1() {
    // Nothing listens there, and nothing can start listening while the test runs.
    let refused = tick_testkit::RefusedPort::new().expect("port");
    let url = format!("tcp://127.0.0.1:{}", refused.port());
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
