//! `tick run --stats` and what counts as a lost alert: the counters as aligned tables or JSON,
//! and alerts lost to a failing template, which make the run exit 1.

use crate::support::Case;

/// CRITICAL above 10, logged to `log`; `message` is the alert's message template.
fn script(message: &str, log: &str) -> String {
    format!(
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" > 10)\n        .message('{message}')\n        .log('{log}')\n"
    )
}

#[test]
fn stats_print_aligned_tables_of_nodes_topics_and_handlers() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let tick = case.file("cpu.tick", &script("{{ .Level }}", &log));
    let run = case
        .args(["run", tick.as_str(), "--stats"])
        .stdin("cpu v=1 1\ncpu v=20 2\ncpu v=30 3\ncpu v=x 4\n");
    let out = run.run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(
        out.stderr,
        "line 4: unable to parse 'cpu v=x 4': invalid boolean\n\
         nodes\n\
         \x20 task  node     received  emitted  errors  lost\n\
         \x20 cpu   stream0         3        3       0     0\n\
         \x20 cpu   from1           3        3       0     0\n\
         \x20 cpu   alert2          3        2       0     0\n\
         topics\n\
         \x20 collected  inhibited  unmatched  republished  publish_dropped\n\
         \x20         2          0          0            0                0\n\
         handlers\n\
         \x20 handler         kind  delivered  queued  failed  dropped  abandoned\n\
         \x20 cpu:alert2:log  log           2       -       0        0          0\n\
         tick: 3 points read, 1 lines rejected\n"
    );
}

#[test]
fn stats_json_is_one_object_with_every_counter() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let tick = case.file("cpu.tick", &script("{{ .Level }}", &log));
    let run = case
        .args(["run", tick.as_str(), "--stats=json"])
        .stdin("cpu v=20 1\n");
    let out = run.run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let (json, rest) = out.stderr.split_once('\n').expect("a line");
    assert_eq!(rest, "tick: 1 points read, 0 lines rejected\n");
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(
        v["handlers"],
        serde_json::json!([{"handler": "cpu:alert2:log", "kind": "log", "delivered": 1,
            "failed": 0, "dropped": 0, "abandoned": 0}])
    );
    assert_eq!(v["nodes"][2]["node"], "alert2");
    assert_eq!(v["nodes"][2]["emitted"], 1);
    assert_eq!(v["topics"]["collected"], 1);
}

#[test]
fn an_alert_whose_message_fails_to_render_is_counted_lost_and_the_run_exits_1() {
    // `.Fields.v` is a number: asking it for a field fails while rendering (Go's
    // text/template: "can't evaluate field x in type interface {}"), so the CRITICAL event is
    // never sent. Kapacitor stops the task at this error; tick skips the event and counts it.
    let case = Case::new();
    let log = case.path("alerts.log");
    let tick = case.file("cpu.tick", &script("{{ .Fields.v.x }}", &log));
    let run = case
        .args(["run", tick.as_str(), "--stats"])
        .stdin("cpu v=1 1\ncpu v=20 2\n");
    let out = run.run();
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert!(
        out.stderr
            .contains("  cpu   alert2          2        0       1     1\n"),
        "stderr: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "tick: 1 alert(s) were not sent because their message or details failed to render\n"
        ) && out.stderr.ends_with(
            "tick: 2 points read, 0 lines rejected\n\
             tick: 1 alert deliveries failed or were lost\n"
        ),
        "stderr: {}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap_or_default(), "");
}
