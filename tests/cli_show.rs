//! `tick show`: the pipeline as Graphviz DOT on stdout, as Kapacitor's `Pipeline.Dot` writes
//! it (pipeline/pipeline.go at v1.5.7) and `kapacitor show` prints it, with a final newline;
//! an invalid script exits 2 with its diagnostics.

use crate::support::Case;

#[test]
fn prints_every_edge_of_a_branching_script_in_kapacitors_topological_order() {
    // Checked against Kapacitor 1.5.7 (the task's `dot` from its API, task name aside): the
    // nodes are walked depth first, so the count branch's edge comes before the mean branch's.
    let case = Case::new();
    case.file(
        "cpu.tick",
        "var w = stream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(10s)\n        .every(10s)\n\nw\n    |mean('v')\n    |alert()\n        .crit(lambda: \"mean\" > 80)\n\nw\n    |count('v')\n    |httpOut('c')\n",
    );
    let out = case.args(["show", "cpu.tick"]).run();
    assert_eq!(
        out.stdout,
        "digraph cpu {\nstream0 -> from1;\nfrom1 -> window2;\nwindow2 -> mean3;\nwindow2 -> count5;\ncount5 -> http_out6;\nmean3 -> alert4;\n}\n"
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
}

#[test]
fn an_invalid_script_prints_its_diagnostics_and_exits_2() {
    let case = Case::new();
    case.file(
        "bad.tick",
        "stream\n    |from()\n    |window()\n        .perod(10s)\n",
    );
    let out = case.args(["show", "bad.tick"]).run();
    assert_eq!(
        out.stderr,
        "bad.tick:4:10: error: no method or property \"perod\" on window (did you mean .period?)\n  4 |         .perod(10s)\n    |          ^^^^^\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}

#[test]
fn a_missing_script_is_named_and_exits_2() {
    let out = Case::new().args(["show", "nope.tick"]).run();
    assert_eq!(
        out.stderr,
        "error: reading nope.tick: No such file or directory (os error 2)\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);
}
