//! `tick fmt`: canonical layout on stdout, `--write`, `--check`, and exit codes (see
//! `docs/ARCHITECTURE.md`, "Cross-cutting concerns").

use crate::support::Case;

const MESSY: &str = "stream|from().measurement('cpu')|alert().crit(lambda: \"usage_idle\" < 10).mqtt('alerts').qos(2)\n";
const TIDY: &str = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" < 10)\n        .mqtt('alerts')\n        .qos(2)\n";

#[test]
fn prints_the_canonical_layout() {
    let case = Case::new();
    case.file("cpu.tick", MESSY);
    let out = case.args(["fmt", "cpu.tick"]).run();
    assert_eq!(out.stdout, TIDY);
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

#[test]
fn write_rewrites_the_file_in_place() {
    let case = Case::new();
    let path = case.file("cpu.tick", MESSY);
    let case = case.args(["fmt", "-w", "cpu.tick"]);
    let out = case.run();
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 0);
    assert_eq!(std::fs::read_to_string(path).unwrap(), TIDY);
}

#[test]
fn check_names_files_that_would_change_and_exits_1() {
    let case = Case::new();
    case.file("messy.tick", MESSY);
    case.file("tidy.tick", TIDY);
    let out = case
        .args(["fmt", "--check", "messy.tick", "tidy.tick"])
        .run();
    assert_eq!(out.stderr, "would reformat messy.tick\n");
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);
}

#[test]
fn check_passes_on_formatted_files() {
    let case = Case::new();
    case.file("tidy.tick", TIDY);
    let out = case.args(["fmt", "--check", "tidy.tick"]).run();
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

#[test]
fn a_script_that_does_not_parse_gets_diagnostics_and_exit_2() {
    let case = Case::new();
    let path = case.file("bad.tick", "var x = \n");
    let case = case.args(["fmt", "-w", "bad.tick"]);
    let out = case.run();
    assert_eq!(
        out.stderr,
        "bad.tick:1:8: error: unexpected EOF, expected an expression\n  1 | var x = \n    |        ^\n"
    );
    assert_eq!(out.code, 2);
    assert_eq!(std::fs::read_to_string(path).unwrap(), "var x = \n");
}

#[test]
fn comments_survive_formatting() {
    let case = Case::new();
    case.file(
        "c.tick",
        "// CPU alert\nstream|from() // all points\n.measurement('cpu')\n",
    );
    let out = case.args(["fmt", "c.tick"]).run();
    assert_eq!(
        out.stdout,
        "// CPU alert\nstream\n    |from() // all points\n        .measurement('cpu')\n"
    );
    assert_eq!(out.code, 0);
}
