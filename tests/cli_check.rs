//! `tick check`: exact diagnostics on stderr and exit codes (one renderer and one set of exit codes
//! for every command, see `docs/ARCHITECTURE.md`, "Cross-cutting concerns").

use crate::support::Case;

const CANONICAL: &str = "stream\n  |from()\n    .measurement('cpu')\n  |alert()\n    .crit(lambda: \"usage_idle\" < 10)\n    .message('{{ .Time }}: CPU usage over 90%')\n    .mqtt('alerts')\n      .qos(2)\n";

#[test]
fn a_valid_script_passes_silently() {
    let case = Case::new();
    case.file("cpu.tick", CANONICAL);
    let out = case.args(["check", "cpu.tick"]).run();
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 0);
}

#[test]
fn a_lambda_without_colon_is_an_error_with_line_column_and_caret() {
    let case = Case::new();
    case.file(
        "cpu.tick",
        "stream\n  |from()\n    .measurement('cpu')\n  |alert()\n    .crit(lambda \"usage_idle\" < 10)\n",
    );
    let out = case.args(["check", "cpu.tick"]).run();
    assert_eq!(
        out.stderr,
        "cpu.tick:5:17: error: expected ':' right after 'lambda'\n  5 |     .crit(lambda \"usage_idle\" < 10)\n    |                 ^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn warnings_are_printed_but_do_not_fail() {
    let case = Case::new();
    case.file(
        "d.tick",
        "var period = 1h30m\nstream\n  |from()\n    .measurement('cpu')\n  |window()\n    .period(period)\n    .every(period)\n  |alert()\n    .crit(lambda: \"usage_idle\" < 10)\n",
    );
    let out = case.args(["check", "d.tick"]).run();
    assert_eq!(
        out.stderr,
        "d.tick:1:16: warning: '30m' after '1h' is a separate statement and is ignored; Kapacitor reads this as 1h\n  1 | var period = 1h30m\n    |                ^^^\n"
    );
    assert_eq!(out.code, 0);
}

#[test]
fn every_error_in_every_file_is_reported() {
    let case = Case::new();
    case.file("a.tick", "var a = 09\nvar _b = 1\n");
    case.file("b.tick", "var s = 'open\n");
    let out = case.args(["check", "a.tick", "b.tick"]).run();
    assert_eq!(
        out.stderr,
        "a.tick:1:9: error: illegal number syntax: \"09\"\n  1 | var a = 09\n    |         ^^\n\
         a.tick:2:5: error: unknown state, last char: '_'\n  2 | var _b = 1\n    |     ^\n\
         b.tick:1:9: error: unterminated string\n  1 | var s = 'open\n    |         ^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn a_missing_file_is_reported_and_fails() {
    let out = Case::new().args(["check", "nope.tick"]).run();
    assert_eq!(
        out.stderr,
        "nope.tick: error: cannot read: No such file or directory (os error 2)\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn no_file_is_a_usage_error() {
    let out = Case::new().arg("check").run();
    assert!(out.stderr.contains("<FILE>..."), "{}", out.stderr);
    assert_eq!(out.code, 2);
}

#[test]
fn semantic_errors_of_every_chain_are_reported_at_once() {
    let case = Case::new();
    case.file(
        "bad.tick",
        "var period = 10\nstream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(period)\n    |alert()\n        .crit(lambda: \"usage_idle\" < 10)\n        .critt(lambda: TRUE)\n",
    );
    let out = case.args(["check", "bad.tick"]).run();
    assert_eq!(
        out.stderr,
        "bad.tick:6:17: error: error calling func \"period\" on obj window: value of type int is not assignable to type duration\n  \
         6 |         .period(period)\n    |                 ^^^^^^\n\
         bad.tick:9:10: error: no method or property \"critt\" on alert (did you mean .crit?)\n  \
         9 |         .critt(lambda: TRUE)\n    |          ^^^^^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn mqtt_qos_outside_0_to_2_is_an_error_without_a_config() {
    let case = Case::new();
    case.file(
        "q.tick",
        "stream\n    |from()\n    |alert()\n        .crit(lambda: \"v\" > 1)\n        .mqtt('alerts')\n        .qos(3)\n",
    );
    let out = case.args(["check", "q.tick"]).run();
    assert_eq!(
        out.stderr,
        "q.tick:6:10: error: invalid QoS 3: must be 0, 1 or 2\n  6 |         .qos(3)\n    |          ^^^^^^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn an_unknown_broker_is_an_error_with_the_config() {
    let case = Case::new();
    case.file(
        "b.tick",
        "stream\n    |from()\n    |alert()\n        .crit(lambda: \"v\" > 1)\n        .mqtt('alerts')\n        .brokerName('nope')\n",
    );
    case.file(
        "kapacitor.conf",
        "[[mqtt]]\n  enabled = true\n  name = \"localhost\"\n  url = \"tcp://localhost:1883\"\n",
    );
    let out = case
        .args(["check", "--config", "kapacitor.conf", "b.tick"])
        .run();
    assert!(
        out.stderr
            .starts_with("b.tick:6:10: error: unknown MQTT broker \"nope\""),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 2);
}

#[test]
fn template_errors_show_next_to_an_unknown_property_of_the_same_node() {
    // The unknown property keeps the node from being built; its templates are still checked,
    // so one run of `tick check` lists every error.
    let case = Case::new();
    case.file(
        "cpu.tick",
        "stream\n  |from()\n    .measurement('cpu')\n  |alert()\n    .frobnicate(3)\n    .message('{{ .Time ')\n",
    );
    let out = case.args(["check", "cpu.tick"]).run();
    assert_eq!(
        out.stderr,
        "cpu.tick:5:6: error: no method or property \"frobnicate\" on alert\n  5 |     .frobnicate(3)\n    |      ^^^^^^^^^^\n\
         cpu.tick:6:24: error: template: message:1: unclosed action\n  6 |     .message('{{ .Time ')\n    |                        ^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn a_details_template_html_template_refuses_is_reported_with_kapacitors_message() {
    // Kapacitor 1.5.7 fed this script fails the task at its first alert with
    // `alert2: html/template:details:1:36: {{.ID}} appears in an ambiguous context within a URL`
    // (the action may land before or after `?`); tick reports it before any data flows.
    let case = Case::new();
    case.file(
        "d.tick",
        "stream\n    |from()\n    |alert()\n        .crit(lambda: \"v\" > 1)\n        .details('<a href=\"{{ if .ID }}/a?{{ end }}{{ .ID }}\">x</a>')\n",
    );
    let out = case.args(["check", "d.tick"]).run();
    assert_eq!(
        out.stderr,
        "d.tick:5:55: error: html/template:details:1:36: {{.ID}} appears in an ambiguous context within a URL\n  5 |         .details('<a href=\"{{ if .ID }}/a?{{ end }}{{ .ID }}\">x</a>')\n    |                                                       ^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn a_template_error_and_an_invalid_qos_on_one_alert_are_both_reported() {
    let case = Case::new();
    case.file(
        "q.tick",
        "stream\n    |from()\n    |alert()\n        .crit(lambda: \"v\" > 1)\n        .message('{{ .Time ')\n        .mqtt('alerts')\n        .qos(3)\n",
    );
    let out = case.args(["check", "q.tick"]).run();
    assert_eq!(
        out.stderr,
        "q.tick:5:28: error: template: message:1: unclosed action\n  5 |         .message('{{ .Time ')\n    |                            ^\n\
         q.tick:7:10: error: invalid QoS 3: must be 0, 1 or 2\n  7 |         .qos(3)\n    |          ^^^^^^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn an_invalid_qos_is_reported_next_to_an_error_in_another_node() {
    let case = Case::new();
    case.file(
        "q.tick",
        "stream\n    |from()\n    |window()\n        .period(10)\n    |alert()\n        .crit(lambda: \"v\" > 1)\n        .mqtt('alerts')\n        .qos(3)\n",
    );
    let out = case.args(["check", "q.tick"]).run();
    assert_eq!(
        out.stderr,
        "q.tick:4:17: error: error calling func \"period\" on obj window: value of type int is not assignable to type duration\n  4 |         .period(10)\n    |                 ^^\n\
         q.tick:8:10: error: invalid QoS 3: must be 0, 1 or 2\n  8 |         .qos(3)\n    |          ^^^^^^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn qos_without_mqtt_names_the_handler_it_belongs_to() {
    let case = Case::new();
    case.file(
        "q.tick",
        "stream\n    |from()\n    |alert()\n        .crit(lambda: \"v\" > 1)\n        .qos(5)\n",
    );
    let out = case.args(["check", "q.tick"]).run();
    assert_eq!(
        out.stderr,
        "q.tick:5:10: error: no method or property \"qos\" on alert (qos is a property of .mqtt(): write it right after .mqtt(...))\n  5 |         .qos(5)\n    |          ^^^\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn qos_after_another_handler_names_the_handler_it_belongs_to() {
    let case = Case::new();
    case.file(
        "q.tick",
        "stream\n    |from()\n    |alert()\n        .crit(lambda: \"v\" > 1)\n        .log('/tmp/alerts.log')\n        .qos(1)\n",
    );
    let out = case.args(["check", "q.tick"]).run();
    assert_eq!(
        out.stderr,
        "q.tick:6:10: error: no method or property \"qos\" on alert (qos is a property of .mqtt(): write it right after .mqtt(...))\n  6 |         .qos(1)\n    |          ^^^\n"
    );
    assert_eq!(out.code, 2);
}
