//! `tick run` refuses to start on an invalid script, configuration or command line: the exact
//! message on stderr, nothing on stdout (no alert is written for the points on stdin), exit 2
//! (exit codes: docs/ARCHITECTURE.md, "Cross-cutting concerns").

use crate::support::Case;

const LOG_SCRIPT: &str = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" > 10)\n        .log('/dev/stdout')\n";
const POINTS: &str = "cpu v=20 1000000000\n";

#[test]
fn an_invalid_script_is_reported_with_its_position_and_exits_2() {
    let case = Case::new();
    case.file(
        "bad.tick",
        "stream\n    |from()\n    |alert()\n        .crit(lambda \"v\" > 10)\n",
    );
    let out = case.args(["run", "bad.tick"]).stdin(POINTS).run();
    assert_eq!(
        out.stderr,
        "bad.tick:4:21: error: expected ':' right after 'lambda'\n  4 |         .crit(lambda \"v\" > 10)\n    |                     ^\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}

#[test]
fn a_config_that_is_not_toml_names_the_file_line_and_column_and_exits_2() {
    let case = Case::new();
    case.file("cpu.tick", LOG_SCRIPT);
    case.file("kapacitor.conf", "[[mqtt]]\n  enabled = true\n[[mqtt]\n");
    let out = case
        .args(["run", "cpu.tick", "--config", "kapacitor.conf"])
        .stdin(POINTS)
        .run();
    assert_eq!(
        out.stderr,
        "error: kapacitor.conf: invalid TOML: line 3, column 8: unclosed array table, expected `]`: `[[mqtt]`\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}

#[test]
fn a_config_that_cannot_be_read_is_named_and_exits_2() {
    let case = Case::new();
    case.file("cpu.tick", LOG_SCRIPT);
    let out = case
        .args(["run", "cpu.tick", "--config", "missing.conf"])
        .stdin(POINTS)
        .run();
    assert_eq!(
        out.stderr,
        "error: missing.conf: cannot read configuration: No such file or directory (os error 2)\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}

#[test]
fn mqtt_without_a_config_asks_for_one_and_exits_2() {
    let case = Case::new();
    case.file(
        "m.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" > 10)\n        .mqtt('alerts')\n",
    );
    let out = case.args(["run", "m.tick"]).stdin(POINTS).run();
    assert_eq!(
        out.stderr,
        "error: a script or handler file uses .mqtt(), but no --config with [[mqtt]] brokers was given\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}

#[test]
fn id_with_two_scripts_is_a_usage_error() {
    let case = Case::new();
    case.file("a.tick", LOG_SCRIPT);
    case.file("b.tick", LOG_SCRIPT);
    let out = case
        .args(["run", "a.tick", "b.tick", "--id", "cpu"])
        .stdin(POINTS)
        .run();
    assert_eq!(out.stderr, "error: --id needs exactly one script\n");
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}

#[test]
fn a_missing_script_is_named_and_exits_2() {
    let out = Case::new().args(["run", "nope.tick"]).stdin(POINTS).run();
    assert_eq!(
        out.stderr,
        "error: reading nope.tick: No such file or directory (os error 2)\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}
