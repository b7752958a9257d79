//! `Task::advance_clock` (deadman, whose stats ticks Kapacitor's `StatsNode` takes from the wall
//! clock, stats.go at v1.5.7; driven here by point time as `tick run --clock points` does) and
//! `Task::flush` (partial windows at end of input, the `--flush-windows` deviation).

#![allow(clippy::unwrap_used)] // test helpers: a bad fixture should fail loudly

use tick_engine::Emission;
use tick_engine::{CompileOptions, Compiler, Point, Task};

const S: i64 = 1_000_000_000;

/// `cpu,host=a v=1 5` with the time in seconds.
fn point(line: &str) -> Point {
    let (rest, secs) = line.rsplit_once(' ').unwrap();
    let secs: f64 = secs.parse().unwrap();
    let mut p = crate::common::point(rest);
    p.time = (secs * S as f64) as i64;
    p
}

fn task(script: &str) -> Task {
    let (program, diags) = tick_syntax::parse(script);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    let (task, diags) = Compiler::new()
        .with_handlers(&[crate::common::LOG])
        .compile("t", &program, &CompileOptions::default());
    task.unwrap_or_else(|| panic!("{diags:?}"))
}

/// (time in seconds, level, message) of each alert event.
fn events(emissions: &mut Vec<Emission>) -> Vec<(i64, String, String)> {
    emissions
        .drain(..)
        .filter_map(|e| match e {
            Emission::Event(ev) => Some((
                ev.event.state.time / S,
                ev.event.state.level.as_str().to_string(),
                ev.event.state.message.clone(),
            )),
            Emission::Inhibitor(_) => None,
        })
        .collect()
}

/// Drives the clock with each point's time before pushing it (`--clock points`).
fn run_clocked(t: &mut Task, lines: &[&str]) -> Vec<(i64, String, String)> {
    let mut emissions = Vec::new();
    for line in lines {
        let p = point(line);
        t.advance_clock(p.time, &mut emissions);
        if t.accepts(&p.name) {
            t.push(&p, &mut emissions);
        }
    }
    events(&mut emissions)
}

fn ev(t: i64, level: &str, message: &str) -> (i64, String, String) {
    (t, level.to_string(), message.to_string())
}

#[test]
fn deadman_reports_each_silent_group_on_every_tick_and_its_recovery() {
    let mut t = task(
        "stream|from().measurement('cpu').groupBy('host')|deadman(0.0, 10s).log('/tmp/a.log')",
    );
    // Ticks at 10, 20, 30, 40 s (multiples of 10s after the first point). At 10 s each group
    // has its first count (dropped by the derivative); at 20 and 30 s host=b has emitted
    // nothing more (rate 0 <= 0: CRITICAL each tick), host=a one point per tick (OK, no
    // event); at 40 s host=b sent one point during 30..40 s: rate 1, the recovery.
    let out = run_clocked(
        &mut t,
        &[
            "cpu,host=a v=1 1",
            "cpu,host=b v=1 2",
            "cpu,host=a v=1 12",
            "cpu,host=a v=1 25",
            "cpu,host=a v=1 33",
            "cpu,host=b v=1 33",
            "cpu,host=a v=1 41",
        ],
    );
    assert_eq!(
        out,
        vec![
            ev(
                20,
                "CRITICAL",
                "host=b:from1 for task 't' is dead: 0.000 points/10s."
            ),
            ev(
                30,
                "CRITICAL",
                "host=b:from1 for task 't' is dead: 0.000 points/10s."
            ),
            ev(
                40,
                "OK",
                "host=b:from1 for task 't' is alive: 1.000 points/10s."
            ),
        ]
    );
}

#[test]
fn deadman_without_any_data_alerts_on_the_nil_group_until_a_group_appears() {
    let mut t = task("stream|from().measurement('cpu')|deadman(0.0, 1m).log('/tmp/a.log')");
    let mut emissions = Vec::new();
    // Clock starts at 0: ticks at 60 and 120 s give 0 twice for the nil group; the first is
    // dropped by the derivative, the second is CRITICAL with id `nil:from1 ...`.
    t.advance_clock(0, &mut emissions);
    t.advance_clock(130 * S, &mut emissions);
    assert_eq!(
        events(&mut emissions),
        vec![ev(
            120,
            "CRITICAL",
            "nil:from1 for task 't' is dead: 0.000 points/1m0s."
        )]
    );
    // A point makes the nil group real (ungrouped): emitted 1 at 180 s, rate 1 per minute:
    // the recovery of the same id.
    t.push(&point("cpu v=1 150"), &mut emissions);
    t.advance_clock(185 * S, &mut emissions);
    assert_eq!(
        events(&mut emissions),
        vec![ev(
            180,
            "OK",
            "nil:from1 for task 't' is alive: 1.000 points/1m0s."
        )]
    );
}

#[test]
fn deadman_extra_lambdas_are_anded_and_alert_properties_follow() {
    let mut t = task(
        "stream|from().measurement('cpu')|deadman(0.0, 10s, lambda: \"emitted\" < 0.0).log('/tmp/a.log')",
    );
    let out = run_clocked(&mut t, &["cpu v=1 1", "cpu v=1 35"]);
    assert_eq!(out, vec![]);
    let mut t = task(
        "stream|from().measurement('cpu')|deadman(0.0, 10s).message('{{ .Level }} {{ .ID }}').stateChangesOnly().log('/tmp/a.log')",
    );
    let out = run_clocked(&mut t, &["cpu v=1 1", "cpu v=1 35"]);
    assert_eq!(
        out,
        vec![ev(20, "CRITICAL", "CRITICAL nil:from1 for task 't'")]
    );
}

#[test]
fn deadman_needs_a_float_threshold() {
    let (program, _) = tick_syntax::parse("stream|from()|deadman(0, 1s)");
    let (task, diags) = Compiler::new().compile("t", &program, &CompileOptions::default());
    assert!(task.is_none());
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("int") && d.message.contains("float")),
        "{diags:?}"
    );
}

#[test]
fn deadman_shows_its_stats_derivative_and_alert_nodes() {
    let t = task("stream|from()|deadman(0.0, 10s)");
    assert_eq!(
        t.node_names(),
        vec![
            ("stream0", "stream"),
            ("from1", "from"),
            ("stats2", "stats"),
            ("derivative3", "derivative"),
            ("alert4", "alert"),
        ]
    );
}

/// Lines of a `|log()` node after pushing `lines` and, if asked, flushing.
fn logged(script: &str, lines: &[&str], flush: bool) -> Vec<String> {
    let mut t = task(script);
    let mut emissions = Vec::new();
    for line in lines {
        t.push(&point(line), &mut emissions);
    }
    if flush {
        t.flush(&mut emissions);
    }
    t.drain_logs()
        .into_iter()
        .map(|r| {
            r.line
                .split_once(" field_")
                .map_or(r.line.clone(), |(_, rest)| rest.to_string())
        })
        .collect()
}

#[test]
fn flush_emits_the_pending_time_window_as_if_a_point_arrived_at_its_end() {
    let script = "stream|from()|window().period(10s).every(5s)|count('v')|log()";
    let pts = ["cpu v=1 1", "cpu v=1 3", "cpu v=1 6"];
    // Without flush only the window closed by the point at 6 s: {1,3} at 6 s (Kapacitor's
    // `windowByTime.Point`, window.go at v1.5.7, emits before it buffers the point).
    assert_eq!(
        logged(script, &pts, false),
        vec!["count=2 time=1970-01-01T00:00:06Z"]
    );
    // Flush: next = 6 + 5 = 11 s, window [1, 11) = {1, 3, 6}.
    assert_eq!(
        logged(script, &pts, true),
        vec![
            "count=2 time=1970-01-01T00:00:06Z",
            "count=3 time=1970-01-01T00:00:11Z"
        ]
    );
}

#[test]
fn flush_emits_each_group_in_creation_order_and_count_windows_since_the_last_emission() {
    let script =
        "stream|from().groupBy('host')|window().periodCount(3).everyCount(2)|sum('v')|log()";
    let pts = [
        "cpu,host=b v=1 1",
        "cpu,host=a v=10 1",
        "cpu,host=b v=2 2",
        "cpu,host=b v=4 3",
        "cpu,host=a v=20 4",
    ];
    // b: {1,2} at 2 s by itself; flush: {1,2,4} at 3 s. a: emitted {10,20} at 4 s by
    // itself, nothing pending.
    assert_eq!(
        logged(script, &pts, true),
        vec![
            "sum=3 time=1970-01-01T00:00:02Z",
            "sum=30 time=1970-01-01T00:00:04Z",
            "sum=7 time=1970-01-01T00:00:03Z",
        ]
    );
}

#[test]
fn flush_emits_the_last_timestamp_of_an_aggregate_on_a_stream() {
    let script = "stream|from()|mean('v')|log()";
    let pts = ["cpu v=1 1", "cpu v=3 2", "cpu v=5 2"];
    assert_eq!(
        logged(script, &pts, false),
        vec!["mean=1 time=1970-01-01T00:00:01Z"]
    );
    assert_eq!(
        logged(script, &pts, true),
        vec![
            "mean=1 time=1970-01-01T00:00:01Z",
            "mean=4 time=1970-01-01T00:00:02Z"
        ]
    );
}

#[test]
fn flush_with_every_zero_has_nothing_left_to_emit() {
    let script = "stream|from()|window().period(10s)|count('v')|log()";
    let pts = ["cpu v=1 1", "cpu v=1 3"];
    assert_eq!(logged(script, &pts, true), logged(script, &pts, false));
}
