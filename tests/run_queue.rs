//! Handler queues in `tick run`: reading stdin or a file, a full queue waits (the input slows
//! to the handler's pace and nothing is lost); `--queue-full drop` drops and reports, as
//! Kapacitor does; no handler holds its queue longer than `--handler-timeout` per event.

use crate::support::Case;

/// Every point is CRITICAL, so every point is an event (Kapacitor's `alertState.Point`, alert.go at
/// v1.5.7); a slow `exec` handler appends each event's id to `out`, one per line.
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
fn reading_stdin_a_full_queue_waits_by_default_and_nothing_is_lost() {
    let case = Case::new();
    let out = case.path("ids");
    let script = case.file("slow.tick", &slow_exec_script(&out));
    let run = case
        .args(["run", script.as_str(), "--queue-size", "1"])
        .stdin(points(20));
    let result = run.run();
    assert_eq!(result.code, 0, "stderr: {}", result.stderr);
    assert_eq!(result.stderr, "tick: 20 points read, 0 lines rejected\n");
    let expected: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
    assert_eq!(ids(&out), expected);
}

#[test]
fn with_queue_full_drop_a_full_queue_drops_reports_and_exits_1() {
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
            "drop",
        ])
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

#[test]
fn a_handler_that_never_finishes_is_given_up_on_after_the_handler_timeout() {
    // A post to a server that accepts the connection and never answers: each alert fails after
    // --handler-timeout, is logged and counted, and the queue (here waiting for room, the
    // stdin default) moves on instead of holding the pipeline for ever.
    let server = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("addr").port();
    let hold = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in server.incoming().take(3) {
            open.push(stream);
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    });
    let case = Case::new();
    let script = case.file(
        "hung.tick",
        &format!(
            "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('{{{{ index .Tags \"n\" }}}}')\n        .crit(lambda: TRUE)\n        .post('http://127.0.0.1:{port}/alert')\n"
        ),
    );
    let started = std::time::Instant::now();
    let result = case
        .args([
            "run",
            script.as_str(),
            "--queue-size",
            "1",
            "--handler-timeout",
            "300ms",
        ])
        .stdin(points(3))
        .run();
    let took = started.elapsed();
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    for id in 1..=3 {
        assert!(
            result.stderr.contains(&format!(
                "ERROR gave up after 300ms: the handler did not finish the event in time \
                 (--handler-timeout) handler=hung:alert2:post kind=\"post\" event={id}\n"
            )),
            "stderr: {}",
            result.stderr
        );
    }
    assert!(
        result.stderr.ends_with(
            "tick: 3 points read, 0 lines rejected\ntick: 3 alert deliveries failed or were lost\n"
        ),
        "stderr: {}",
        result.stderr
    );
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
    let _ = hold.join();
}
