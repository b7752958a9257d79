//! `tick run --handler DIR` with `kind: publish` topic handlers (Kapacitor's
//! `publishHandler.Handle`, services/alert/handlers.go at v1.5.7): the alert event is collected
//! again into each listed topic, whose own handlers receive it with that topic's `previousLevel`; a
//! publish cycle is reported instead of looping.

use crate::support::{Case, repo_root};

/// The alert publishes to the named topic `cpu` only: it has no handler of its own, so no anonymous
/// topic (Kapacitor's `AlertNode.hasAnonTopic`, alert.go at v1.5.7).
const SCRIPT: &str = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" < 10)\n        .details('')\n        .topic('cpu')\n";

/// OK (no event), CRITICAL, CRITICAL again, recovery (Kapacitor's `alertState.Point`, alert.go at
/// v1.5.7).
const POINTS: &str = "cpu,host=a usage_idle=50 1000000000\n\
                      cpu,host=a usage_idle=5.5 2000000000\n\
                      cpu,host=a usage_idle=7 3000000000\n\
                      cpu,host=a usage_idle=60 4000000000\n";

// The log handler's JSON (Kapacitor's `alert.Data`, alert/types.go at v1.5.7; key order verified
// with Kapacitor 1.5.7): default id `{{ .Name }}:{{ .Group }}` = `cpu:nil`, default message
// `{{ .ID }} is {{ .Level }}` (`defaultIDTmpl`, `defaultMessageTmpl`, pipeline/alert.go); the
// duration is the time since the first CRITICAL (`alertState.duration`, alert.go); a stream event's
// row lists all point tags. The event's topic is not part of the JSON.
const CRIT_1: &str = r#"{"id":"cpu:nil","message":"cpu:nil is CRITICAL","details":"","time":"1970-01-01T00:00:02Z","duration":0,"level":"CRITICAL","data":{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","usage_idle"],"values":[["1970-01-01T00:00:02Z",5.5]]}]},"previousLevel":"OK","recoverable":true}"#;
const CRIT_2: &str = r#"{"id":"cpu:nil","message":"cpu:nil is CRITICAL","details":"","time":"1970-01-01T00:00:03Z","duration":1000000000,"level":"CRITICAL","data":{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","usage_idle"],"values":[["1970-01-01T00:00:03Z",7]]}]},"previousLevel":"CRITICAL","recoverable":true}"#;
const RECOVERY: &str = r#"{"id":"cpu:nil","message":"cpu:nil is OK","details":"","time":"1970-01-01T00:00:04Z","duration":2000000000,"level":"OK","data":{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","usage_idle"],"values":[["1970-01-01T00:00:04Z",60]]}]},"previousLevel":"CRITICAL","recoverable":true}"#;

#[test]
fn a_publish_handler_hands_every_event_to_the_handlers_of_each_listed_topic() {
    let case = Case::new();
    let script = case.file("cpu.tick", SCRIPT);
    let ops_log = case.path("ops.log");
    let audit_log = case.path("audit.log");
    case.file(
        "handlers/cpu.yaml",
        "topic: cpu\nid: fan-out\nkind: publish\noptions:\n  topics: [ops, audit]\n",
    );
    case.file(
        "handlers/ops.yaml",
        &format!("topic: ops\nid: log-ops\nkind: log\noptions:\n  path: {ops_log}\n"),
    );
    // A match on a target topic sees that topic's own previous level: the second CRITICAL
    // is unchanged on `audit` and skipped.
    case.file(
        "handlers/audit.json",
        &format!(
            r#"{{"topic":"audit","id":"log-audit","kind":"log","match":"changed()","options":{{"path":"{audit_log}"}}}}"#
        ),
    );
    let handlers = case.path("handlers");
    // Keep the case (and its directory) alive until the logs are read.
    let case = case
        .args(["run", script.as_str(), "--handler", handlers.as_str()])
        .stdin(POINTS);
    let out = case.run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(out.stderr, "tick: 4 points read, 0 lines rejected\n");
    assert_eq!(
        std::fs::read_to_string(&ops_log).expect("ops log"),
        format!("{CRIT_1}\n{CRIT_2}\n{RECOVERY}\n")
    );
    assert_eq!(
        std::fs::read_to_string(&audit_log).expect("audit log"),
        format!("{CRIT_1}\n{RECOVERY}\n")
    );
}

#[test]
fn the_cpu_publish_example_forwards_every_event_to_the_ops_log() {
    // tickscripts/cpu_publish.*: run from the example's directory, as its comment says.
    let root = repo_root().join("tickscripts");
    let input = std::fs::read(root.join("cpu_publish.lp")).expect("points");
    let expected =
        std::fs::read_to_string(root.join("cpu_publish.expected.ops.jsonl")).expect("expected");
    let out = Case::new()
        .args([
            "run",
            root.join("cpu_publish.tick").to_str().expect("path"),
            "--handler",
            root.join("cpu_publish.handlers").to_str().expect("path"),
        ])
        .stdin(input)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(out.stdout, expected);
    assert_eq!(out.stderr, "tick: 4 points read, 0 lines rejected\n");
}

#[test]
fn stats_count_the_events_each_topic_collected_and_republished() {
    let root = repo_root().join("tickscripts");
    let input = std::fs::read(root.join("cpu_publish.lp")).expect("points");
    let out = Case::new()
        .args([
            "run",
            root.join("cpu_publish.tick").to_str().expect("path"),
            "--handler",
            root.join("cpu_publish.handlers").to_str().expect("path"),
            "--stats",
        ])
        .stdin(input)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Three events (WARNING, CRITICAL, OK) on `cpu`, each forwarded once to `ops`.
    assert!(
        out.stderr.contains(
            "topics\n  collected  inhibited  unmatched  republished  publish_dropped\n          6          0          0            3                0\n"
        ),
        "stderr: {}",
        out.stderr
    );
}

#[test]
fn a_publish_cycle_is_reported_once_and_does_not_loop() {
    // cpu -> ops -> cpu: the event passes each topic twice, as in Kapacitor's first two
    // rounds; entering `cpu` a third time would repeat for ever, so it stops there.
    let case = Case::new();
    let script = case.file("cpu.tick", SCRIPT);
    let ops_log = case.path("ops.log");
    case.file(
        "handlers/a-cpu.yaml",
        "topic: cpu\nid: to-ops\nkind: publish\noptions:\n  topics: [ops]\n",
    );
    case.file(
        "handlers/b-ops.yaml",
        &format!("topic: ops\nid: log-ops\nkind: log\noptions:\n  path: {ops_log}\n"),
    );
    case.file(
        "handlers/c-ops.yaml",
        "topic: ops\nid: to-cpu\nkind: publish\noptions:\n  topics: [cpu]\n",
    );
    let handlers = case.path("handlers");
    // Keep the case (and its directory) alive until the logs are read.
    let case = case
        .args(["run", script.as_str(), "--handler", handlers.as_str()])
        .stdin(POINTS);
    let out = case.run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Round two: `ops` stored the level in round one, so previousLevel is the event's own.
    let again =
        |line: &str| line.replace(r#""previousLevel":"OK""#, r#""previousLevel":"CRITICAL""#);
    let recovery_again =
        RECOVERY.replace(r#""previousLevel":"CRITICAL""#, r#""previousLevel":"OK""#);
    assert_eq!(
        std::fs::read_to_string(&ops_log).expect("ops log"),
        format!(
            "{CRIT_1}\n{}\n{CRIT_2}\n{CRIT_2}\n{RECOVERY}\n{recovery_again}\n",
            again(CRIT_1)
        )
    );
    assert_eq!(
        out.stderr.matches("publish cycle").count(),
        1,
        "stderr: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(r#"path="cpu -> ops -> cpu -> ops -> cpu""#),
        "stderr: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .ends_with("tick: 4 points read, 0 lines rejected\n"),
        "stderr: {}",
        out.stderr
    );
}

#[test]
fn a_publish_handler_to_its_own_topic_or_without_topics_stops_the_start() {
    let case = Case::new();
    let script = case.file("cpu.tick", SCRIPT);
    let itself = case.file(
        "self.yaml",
        "topic: cpu\nid: loop\nkind: publish\noptions:\n  topics: [ops, cpu]\n",
    );
    let empty = case.file(
        "empty.yaml",
        "topic: cpu\nid: none\nkind: publish\noptions:\n  topics: []\n",
    );
    let out = case
        .args([
            "run",
            script.as_str(),
            "--handler",
            itself.as_str(),
            "--handler",
            empty.as_str(),
        ])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "{itself}: error: invalid publish: cannot publish topic \"cpu\" to itself\n\
             {empty}: error: invalid publish: at least one topic is required\n"
        )
    );
}

/// Runs tickscripts/cpu_publish.tick over its points with `cpu.yaml` forwarding to `ops`
/// only when `condition` holds, and returns what the `ops` log handler wrote.
fn forwarded_to_ops(condition: &str) -> String {
    let root = repo_root().join("tickscripts");
    let input = std::fs::read(root.join("cpu_publish.lp")).expect("points");
    let case = Case::new();
    let ops_log = case.path("ops.log");
    case.file(
        "handlers/cpu.yaml",
        &format!("topic: cpu\nid: some-to-ops\nkind: publish\nmatch: {condition}\noptions:\n  topics: [ops]\n"),
    );
    case.file(
        "handlers/ops.yaml",
        &format!("topic: ops\nid: log-ops\nkind: log\noptions:\n  path: {ops_log}\n"),
    );
    let handlers = case.path("handlers");
    let case = case
        .args([
            "run",
            root.join("cpu_publish.tick").to_str().expect("path"),
            "--handler",
            handlers.as_str(),
        ])
        .stdin(input);
    let out = case.run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    std::fs::read_to_string(&ops_log).expect("ops log")
}

// Expected lines below are what Kapacitor 1.5.7 wrote for the same script, points and handler
// files (topic handlers registered through its API).

#[test]
fn a_target_topic_that_never_saw_the_alert_keeps_the_source_topics_previous_level() {
    // Only the CRITICAL event reaches `ops`: its previousLevel is WARNING, from `cpu`.
    assert_eq!(
        forwarded_to_ops("level() == CRITICAL"),
        r#"{"id":"cpu:host=serverA","message":"cpu:host=serverA is CRITICAL","details":"","time":"2016-06-01T12:00:20Z","duration":10000000000,"level":"CRITICAL","data":{"series":[{"name":"cpu","tags":{"host":"serverA"},"columns":["time","usage_idle"],"values":[["2016-06-01T12:00:20Z",5]]}]},"previousLevel":"WARNING","recoverable":true}"#.to_string() + "\n"
    );
}

#[test]
fn a_target_topic_that_saw_the_alert_gives_its_own_previous_level() {
    // WARNING and OK reach `ops`; the OK follows the WARNING `ops` stored, not `cpu`'s
    // CRITICAL.
    assert_eq!(
        forwarded_to_ops("level() != CRITICAL"),
        concat!(
            r#"{"id":"cpu:host=serverA","message":"cpu:host=serverA is WARNING","details":"","time":"2016-06-01T12:00:10Z","duration":0,"level":"WARNING","data":{"series":[{"name":"cpu","tags":{"host":"serverA"},"columns":["time","usage_idle"],"values":[["2016-06-01T12:00:10Z",15.5]]}]},"previousLevel":"OK","recoverable":true}"#,
            "\n",
            r#"{"id":"cpu:host=serverA","message":"cpu:host=serverA is OK","details":"","time":"2016-06-01T12:00:30Z","duration":20000000000,"level":"OK","data":{"series":[{"name":"cpu","tags":{"host":"serverA"},"columns":["time","usage_idle"],"values":[["2016-06-01T12:00:30Z",50]]}]},"previousLevel":"WARNING","recoverable":true}"#,
            "\n"
        )
    );
}
