//! `tick run` with the log handler, as the README's first command runs it: the alert JSON
//! lines (checked against Kapacitor 1.5.7) arrive on stdout, the summary on stderr.

use crate::support::{Case, repo_root};

#[test]
fn readme_example_writes_kapacitor_alert_json_to_stdout() {
    let root = repo_root().join("tickscripts");
    let input = std::fs::read(root.join("cpu_stdout.lp")).expect("points");
    let expected =
        std::fs::read_to_string(root.join("cpu_stdout.expected.jsonl")).expect("expected");
    let out = Case::new()
        .args(["run", root.join("cpu_stdout.tick").to_str().expect("path")])
        .stdin(input)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(out.stdout, expected);
    assert_eq!(out.stderr, "tick: 6 points read, 0 lines rejected\n");
}

#[test]
fn bad_lines_are_reported_with_their_number_and_the_good_lines_still_alert() {
    let script = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" > 10)\n        .message('{{ .Level }} {{ index .Fields \"v\" }}')\n        .details('')\n        .log('/dev/stdout')\n";
    let case = Case::new();
    let path = case.file("bad.tick", script);
    let out = case
        .args(["run", path.as_str()])
        .stdin("cpu v=20 1000000000\ncpu v= 2000000000\ncpu,host=a v=30 3000000000\ncpu v=1u2 4000000000\ncpu v=5 5000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let messages = messages(&out.stdout);
    assert_eq!(messages, ["CRITICAL 20", "CRITICAL 30", "OK 5"]);
    assert_eq!(
        out.stderr,
        "line 2: unable to parse 'cpu v= 2000000000': missing field value\n\
         line 4: unable to parse 'cpu v=1u2 4000000000': invalid number\n\
         tick: 3 points read, 2 lines rejected\n"
    );
}

#[test]
fn strict_makes_a_rejected_line_exit_1() {
    let script = "stream\n    |from()\n    |alert()\n        .crit(lambda: \"v\" > 10)\n        .log('/dev/stdout')\n";
    let case = Case::new();
    let path = case.file("s.tick", script);
    let out = case
        .args(["run", path.as_str(), "--strict"])
        .stdin("cpu v=1 1\ncpu v=x 2\n")
        .run();
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert!(
        out.stderr
            .contains("line 2: unable to parse 'cpu v=x 2': invalid boolean\n"),
        "{}",
        out.stderr
    );
}

const WINDOW_SCRIPT: &str = "stream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(10s)\n        .every(10s)\n    |count('v')\n    |alert()\n        .crit(lambda: TRUE)\n        .message('{{ index .Fields \"count\" }} at {{ .Time }}')\n        .details('')\n        .log('/dev/stdout')\n";

fn messages(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["message"]
                .as_str()
                .expect("message")
                .to_string()
        })
        .collect()
}

#[test]
fn a_partial_window_is_not_emitted_at_end_of_input_as_in_kapacitor() {
    let case = Case::new();
    let path = case.file("w.tick", WINDOW_SCRIPT);
    let out = case
        .args(["run", path.as_str()])
        .stdin("cpu v=1 1000000000\ncpu v=2 2000000000\ncpu v=3 3000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn flush_windows_emits_the_partial_window_at_its_end_time() {
    let case = Case::new();
    let path = case.file("w.tick", WINDOW_SCRIPT);
    let out = case
        .args(["run", path.as_str(), "--flush-windows"])
        .stdin("cpu v=1 1000000000\ncpu v=2 2000000000\ncpu v=3 3000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // The first point at 1 s sets the next emit time to 1 s + every = 11 s (Kapacitor's
    // `newWindowByTime`, window.go at v1.5.7); the flushed window [1 s, 11 s) holds the three
    // points and carries tmax = 11 s.
    assert_eq!(
        messages(&out.stdout),
        ["3 at 1970-01-01 00:00:11 +0000 UTC"]
    );
}

#[test]
fn topic_handler_file_with_a_match_expression_gets_only_matching_events() {
    // Verified with Kapacitor 1.5.7: grouped by host, warn > 70, crit > 80; with
    // `changed() == TRUE AND "host" == 'serverA'` only serverA's CRITICAL, WARNING and OK pass
    // (`matchHandler.match`, services/alert/handlers.go).
    let case = Case::new();
    let script = case.file(
        "cpu.tick",
        "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('host')\n    |alert()\n        .warn(lambda: \"v\" > 70)\n        .crit(lambda: \"v\" > 80)\n        .topic('cpu')\n",
    );
    let log = case.path("matched.log");
    let handler = case.file(
        "handler.yaml",
        &format!(
            "topic: cpu\nid: log-cpu\nkind: log\nmatch: changed() == TRUE AND \"host\" == 'serverA'\noptions:\n  path: {log}\n"
        ),
    );
    let case = case.args(["run", script.as_str(), "--handler", handler.as_str()]).stdin(
        "cpu,host=serverA v=85 1000000000\ncpu,host=serverB v=85 2000000000\ncpu,host=serverA v=90 3000000000\n\
         cpu,host=serverA v=75 4000000000\ncpu,host=serverA v=50 5000000000\ncpu,host=serverB v=50 6000000000\n",
    );
    let out = case.run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let written = std::fs::read_to_string(&log).expect("log file");
    let events: Vec<(String, String)> = written
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            (
                v["id"].as_str().expect("id").to_string(),
                v["level"].as_str().expect("level").to_string(),
            )
        })
        .collect();
    let a = |level: &str| ("cpu:host=serverA".to_string(), level.to_string());
    assert_eq!(events, [a("CRITICAL"), a("WARNING"), a("OK")]);
}

#[test]
fn a_bad_topic_handler_file_stops_the_start_with_file_and_reason() {
    let case = Case::new();
    let script = case.file(
        "cpu.tick",
        "stream\n    |from()\n    |alert()\n        .crit(lambda: \"v\" > 80)\n        .topic('cpu')\n",
    );
    let handler = case.file("bad.yaml", "topic: cpu\nid: h1\nkind: nosuch\n");
    let case = case
        .args(["run", script.as_str(), "--handler", handler.as_str()])
        .stdin("cpu v=90 1\n");
    let out = case.run();
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert!(out.stderr.contains(&handler), "stderr: {}", out.stderr);
    assert!(
        out.stderr.contains("unsupported action kind \"nosuch\""),
        "stderr: {}",
        out.stderr
    );
}

#[test]
fn the_config_hostname_is_the_server_info_hostname_of_ids_and_messages() {
    let script = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('{{ .ServerInfo.Hostname }}:{{ .Name }}')\n        .crit(lambda: \"v\" > 10)\n        .message('{{ .ID }} on {{ .ServerInfo.Hostname }}')\n        .details('')\n        .log('/dev/stdout')\n";
    let case = Case::new();
    let path = case.file("host.tick", script);
    let config = case.file("kapacitor.conf", "hostname = \"edge-7\"\n");
    let out = case
        .args(["run", path.as_str(), "--config", config.as_str()])
        .stdin("cpu v=20 1000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(messages(&out.stdout), ["edge-7:cpu on edge-7"]);
    // Without a config, Kapacitor's default hostname.
    let case = Case::new();
    let path = case.file("host.tick", script);
    let out = case
        .args(["run", path.as_str()])
        .stdin("cpu v=20 1000000000\n")
        .run();
    assert_eq!(messages(&out.stdout), ["localhost:cpu on localhost"]);
}
