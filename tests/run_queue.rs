//! Handler queues in `tick run` (spec §5.8): a full queue drops and reports, as in Kapacitor;
//! `--queue-full wait` slows the input to the handler's pace instead and loses nothing.

use crate::support::Case;

/// Every point is CRITICAL, so every point is an event (spec §5.4); a slow `exec` handler
/// appends each event's id to `out`, one per line.
pub(crate) fn slow_exec_script(out: &str) -> String {
    format!(
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('{{{{ index .Tags \"n\" }}}}')\n        .crit(lambda: TRUE)\n        .exec('/bin/sh', '-c', 'sleep 0.02; sed -e \"s/^{{\\\"id\\\":\\\"\\\\([0-9]*\\\\)\\\".*/\\\\1/\" >> {out}')\n"
    )
}

fn points(n: usize) -> String {
    (1..=n)
        .map(|i| format!("cpu,n={i} v=1 {i}000000000\n"))
        .collect()
}

fn ids(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn with_queue_full_wait_a_slow_handler_gets_every_event_in_order() {
    let case = Case::new();
    let out = case.path("ids");
    let script = case.file("slow.tick", &slow_exec_script(&out));
    let run = case
        .args([
            "run",
            script.as_str(),
            "--queue-size",
            "1",
            "--queue-full",
            "wait",
        ])
        .stdin(points(20));
    let result = run.run();
    assert_eq!(result.code, 0, "stderr: {}", result.stderr);
    assert_eq!(result.stderr, "tick: 20 points read, 0 lines rejected\n");
    let expected: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
    assert_eq!(ids(&out), expected);
}

#[test]
fn by_default_a_full_queue_drops_reports_and_exits_1() {
    let case = Case::new();
    let out = case.path("ids");
    let script = case.file("slow.tick", &slow_exec_script(&out));
    let run = case
        .args(["run", script.as_str(), "--queue-size", "1"])
        .stdin(points(20));
    let result = run.run();
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    assert!(
        result.stderr.contains("the handler queue is full"),
        "stderr: {}",
        result.stderr
    );
    let got = ids(&out);
    assert!(
        !got.is_empty() && got.len() < 20,
        "a 20 ms handler cannot keep up with a file: {got:?}"
    );
    let dropped = 20 - got.len();
    assert!(
        result.stderr.contains(&format!(
            "tick: {dropped} alert(s) found their handler's queue full and were dropped; \
             --queue-full wait waits for room instead (or raise --queue-size)\n"
        )) && result.stderr.ends_with(&format!(
            "tick: 20 points read, 0 lines rejected\n\
             tick: {dropped} alert deliveries failed or were lost\n"
        )),
        "stderr: {}",
        result.stderr
    );
    // What was delivered is in order.
    let numbers: Vec<u32> = got.iter().map(|s| s.parse().expect("id")).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
}
