//! `tick run` publishing to a real mosquitto (started on a free loopback port): the canonical
//! example of Kapacitor's MQTT docs and every MQTT golden case in `tickscripts/`.

use std::time::Duration;

use tick_testkit::{Mosquitto, Subscriber};

use crate::support::{Case, repo_root};

/// A kapacitor.conf with one default broker at `url`.
fn conf(url: &str) -> String {
    format!("[[mqtt]]\n  enabled = true\n  name = \"localhost\"\n  default = true\n  url = \"{url}\"\n")
}

#[derive(Debug, PartialEq, Eq)]
struct Message {
    topic: String,
    qos: u8,
    retained: bool,
    payload: String,
}

fn expected(name: &str) -> Vec<Message> {
    let text = std::fs::read_to_string(repo_root().join("tickscripts").join(format!("{name}.expected.mqtt.jsonl")))
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
    let sub = Subscriber::start(&broker, "#", 2).expect("subscriber");
    let case = Case::new();
    let config = case.file("kapacitor.conf", &conf(&broker.url()));
    let root = repo_root().join("tickscripts");
    let input = std::fs::read(root.join(format!("{name}.lp"))).expect("points");
    let out = case
        .args(["run", root.join(format!("{name}.tick")).to_str().expect("path"), "--config", &config])
        .stdin(input)
        .run();
    let want = expected(name).len();
    let got = sub
        .wait_for(want, Duration::from_secs(10))
        .into_iter()
        .map(|r| Message { topic: r.topic.clone(), qos: r.qos, retained: r.retained, payload: r.text() })
        .collect();
    (got, out)
}

#[test]
fn canonical_example_publishes_each_critical_alert_and_the_recovery_with_qos_2() {
    let (got, out) = run_golden("cpu");
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(got, expected("cpu"), "stderr: {}", out.stderr);
    assert!(out.stderr.contains("tick: 6 points read, 0 lines rejected"), "stderr: {}", out.stderr);
}
