//! The golden cases in `tickscripts/`, run through `tick test` exactly as a user runs them,
//! and `tick test` itself: it must fail, with a readable diff, when an expectation is wrong.

use crate::support::{Case, repo_root};

/// The golden cases in `tickscripts/`, by name, as `tick test` finds them: NAME.tick with
/// NAME.lp and NAME.expected.jsonl or NAME.<endpoint>.expected.json.
fn golden_cases() -> Vec<String> {
    let names: Vec<String> = std::fs::read_dir(repo_root().join("tickscripts"))
        .expect("tickscripts")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut cases: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".tick"))
        .filter(|stem| {
            names.contains(&format!("{stem}.lp"))
                && names.iter().any(|n| {
                    n == &format!("{stem}.expected.jsonl")
                        || (n.starts_with(&format!("{stem}.")) && n.ends_with(".expected.json"))
                })
        })
        .map(str::to_owned)
        .collect();
    cases.sort();
    cases
}

/// Whether a golden case's first line states where its expectations come from: a TICKscript
/// comment that opens with one of
/// - `// Checked against Kapacitor 1.5.7` (the script and points were run through it),
/// - `// Ported from Kapacitor's Test...` (the name of the Kapacitor test it was taken from),
/// - `// Derived by hand (no oracle run: REASON)` (REASON saying why Kapacitor could not be asked).
fn states_its_source(first_line: &str) -> bool {
    if first_line.starts_with("// Checked against Kapacitor 1.5.7")
        || first_line.starts_with("// Ported from Kapacitor's Test")
    {
        return true;
    }
    first_line
        .strip_prefix("// Derived by hand (no oracle run: ")
        .and_then(|rest| rest.split_once(')'))
        .is_some_and(|(reason, _)| !reason.trim().is_empty())
}

#[test]
fn a_first_line_states_a_source_only_in_one_of_the_three_forms() {
    for line in [
        "// Checked against Kapacitor 1.5.7: the same events, byte for byte.",
        "// Ported from Kapacitor's TestStream_Alert (integrations/streamer_test.go at v1.5.7).",
        "// Derived by hand (no oracle run: Kapacitor has no end of input): ...",
    ] {
        assert!(states_its_source(line), "{line}");
    }
    for line in [
        "// flapping(0.25, 0.5) with history(5): the share starts at weight 0.8.",
        "stream",
        "",
        "// checked against kapacitor",
        "// Derived by hand from the docs.",
        "// Derived by hand (no oracle run: ): ...",
        "// Ported from the docs",
        "/* Checked against Kapacitor 1.5.7 */",
    ] {
        assert!(!states_its_source(line), "{line}");
    }
}

/// Every script in `tickscripts/` with an expectation beside it: the golden cases of
/// [`golden_cases`], and the examples whose expected output other tests compare
/// (`cpu.expected.mqtt.jsonl`, `cpu_publish.expected.ops.jsonl`, ...): any `NAME.*` file whose
/// name contains `.expected.`.
fn scripts_with_expectations() -> Vec<String> {
    let names: Vec<String> = std::fs::read_dir(repo_root().join("tickscripts"))
        .expect("tickscripts")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut stems: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".tick"))
        .filter(|stem| {
            names
                .iter()
                .any(|n| n.starts_with(&format!("{stem}.")) && n.contains(".expected."))
        })
        .map(str::to_owned)
        .collect();
    stems.sort();
    stems
}

#[test]
fn every_golden_case_states_its_source_on_its_first_line() {
    let dir = repo_root().join("tickscripts");
    let scripts = scripts_with_expectations();
    assert!(
        golden_cases().iter().all(|c| scripts.contains(c)),
        "{scripts:?}"
    );
    let silent: Vec<String> = scripts
        .into_iter()
        .filter(|stem| {
            let src = std::fs::read_to_string(dir.join(format!("{stem}.tick"))).expect("case");
            !states_its_source(src.lines().next().unwrap_or(""))
        })
        .collect();
    assert!(
        silent.is_empty(),
        "golden cases whose first line states no source (see `states_its_source`): {silent:?}"
    );
}

#[test]
fn every_golden_case_in_tickscripts_passes() {
    let dir = repo_root().join("tickscripts");
    let out = Case::new()
        .args(["test", dir.to_str().expect("path")])
        .run();
    let cases = golden_cases().len();
    assert!(
        cases >= 10,
        "expected at least 10 golden cases, found {cases}"
    );
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.ends_with(&format!("{cases} passed, 0 failed\n")),
        "stdout:\n{}",
        out.stdout
    );
}

const SCRIPT: &str = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" > 10)\n        .details('')\n        .log('/var/log/tick/alerts.log')\n";
const POINTS: &str = "cpu v=20 1000000000\ncpu v=5 2000000000\n";
const CRITICAL: &str = r#"{"id":"cpu:nil","message":"cpu:nil is CRITICAL","details":"","time":"1970-01-01T00:00:01Z","duration":0,"level":"CRITICAL","data":{"series":[{"name":"cpu","columns":["time","v"],"values":[["1970-01-01T00:00:01Z",20]]}]},"previousLevel":"OK","recoverable":true}"#;
const RECOVERY: &str = r#"{"id":"cpu:nil","message":"cpu:nil is OK","details":"","time":"1970-01-01T00:00:02Z","duration":1000000000,"level":"OK","data":{"series":[{"name":"cpu","columns":["time","v"],"values":[["1970-01-01T00:00:02Z",5]]}]},"previousLevel":"CRITICAL","recoverable":true}"#;

#[test]
fn tick_test_passes_a_case_whose_expectation_is_the_kapacitor_event_json() {
    let case = Case::new();
    let script = case.file("t.tick", SCRIPT);
    case.file("t.lp", POINTS);
    case.file("t.expected.jsonl", &format!("{CRITICAL}\n{RECOVERY}\n"));
    let out = case.args(["test", script.as_str()]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.ends_with("1 passed, 0 failed\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn tick_test_observes_an_alert_node_that_has_no_handler() {
    // The canonical golden case with its `.log()` handler removed: Kapacitor still triggers
    // (and counts, and logs) the same events, so the same expectation must pass.
    let root = repo_root().join("tickscripts");
    let source = std::fs::read_to_string(root.join("cpu_stdout.tick")).expect("script");
    assert!(
        source.contains("\n        .log('/dev/stdout')\n"),
        "{source}"
    );
    let case = Case::new();
    let script = case.file(
        "cpu_stdout.tick",
        &source.replace("\n        .log('/dev/stdout')\n", "\n"),
    );
    case.file(
        "cpu_stdout.lp",
        &std::fs::read_to_string(root.join("cpu_stdout.lp")).expect("points"),
    );
    case.file(
        "cpu_stdout.expected.jsonl",
        &std::fs::read_to_string(root.join("cpu_stdout.expected.jsonl")).expect("expected"),
    );
    let out = case.args(["test", script.as_str()]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.ends_with("1 passed, 0 failed\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn tick_test_fails_with_a_diff_naming_the_event_that_differs() {
    let case = Case::new();
    let script = case.file("t.tick", SCRIPT);
    case.file("t.lp", POINTS);
    let wrong = RECOVERY.replace("\"duration\":1000000000", "\"duration\":0");
    case.file("t.expected.jsonl", &format!("{CRITICAL}\n{wrong}\n"));
    let out = case.args(["test", script.as_str()]).run();
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("FAILED"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("  event 2:\n    - {wrong}\n    + {RECOVERY}\n")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("0 passed, 1 failed\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn tick_test_update_writes_the_events_it_produced() {
    let case = Case::new();
    let script = case.file("t.tick", SCRIPT);
    case.file("t.lp", POINTS);
    let expected_path = case.path("t.expected.jsonl");
    let case = case.args(["test", script.as_str(), "--update"]);
    let out = case.run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let written = std::fs::read_to_string(expected_path).expect("written");
    assert_eq!(written, format!("{CRITICAL}\n{RECOVERY}\n"));
}

#[test]
fn tick_test_compares_an_http_out_endpoint_with_its_expected_json() {
    let case = Case::new();
    let script = case.file(
        "w.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(10s)\n        .every(10s)\n    |count('v')\n    |httpOut('c')\n",
    );
    case.file(
        "w.lp",
        "cpu v=1 1000000000\ncpu v=2 2000000000\ncpu v=3 12000000000\n",
    );
    // The window [1 s, 11 s) closes when the point at 12 s arrives, with 2 points; count is an
    // int (checked against Kapacitor 1.5.7 with the same script and points).
    let right = r#"{"series":[{"name":"cpu","columns":["time","count"],"values":[["1970-01-01T00:00:11Z",2]]}]}"#;
    let wrong = right.replace(",2]", ",3]");
    case.file("w.c.expected.json", &format!("{wrong}\n"));
    let out = case.args(["test", script.as_str()]).run();
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains(&format!("  httpOut('c'):\n    - {wrong}\n    + {right}\n")),
        "{}",
        out.stdout
    );
}

#[test]
fn tick_test_reports_an_invalid_script_with_its_diagnostics_and_exits_2() {
    let case = Case::new();
    case.file("t.tick", &SCRIPT.replace("lambda:", "lambda"));
    case.file("t.lp", POINTS);
    case.file("t.expected.jsonl", &format!("{CRITICAL}\n{RECOVERY}\n"));
    let out = case.args(["test", "t.tick"]).run();
    assert_eq!(
        out.stdout,
        "INVALID t\n\
         t.tick:5:21: error: expected ':' right after 'lambda'\n  5 |         .crit(lambda \"v\" > 10)\n    |                     ^\n\
         0 passed, 1 failed\n"
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 2);
}

#[test]
fn tick_test_names_a_path_that_does_not_exist_and_exits_2() {
    let out = Case::new().args(["test", "cases/nope.tick"]).run();
    assert_eq!(
        out.stderr,
        "error: cases/nope.tick: no such file or directory\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}

#[test]
fn tick_test_names_the_missing_points_file_of_a_case_and_exits_2() {
    let case = Case::new();
    case.file("t.tick", SCRIPT);
    case.file("t.expected.jsonl", &format!("{CRITICAL}\n{RECOVERY}\n"));
    let out = case.args(["test", "t.tick"]).run();
    assert_eq!(
        out.stderr,
        "error: reading t.lp: No such file or directory (os error 2)\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}
