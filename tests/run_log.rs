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
    // spec §4.5: the first point at 1 s sets the next emit time to 1 s + every = 11 s; the
    // flushed window [1 s, 11 s) holds the three points and carries tmax = 11 s.
    assert_eq!(
        messages(&out.stdout),
        ["3 at 1970-01-01 00:00:11 +0000 UTC"]
    );
}
