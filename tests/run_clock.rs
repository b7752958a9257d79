//! `tick run --clock wall` (Kapacitor's deadman stats tick on a wall-clock ticker,
//! `StatsNode.runStats` in stats.go at v1.5.7): deadman fires on the system clock while no input
//! arrives, with stdin held open and with `--http`.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Case, tick_bin};

/// Deadman on every point of the task, checked each second; alerts logged as JSON lines.
pub(crate) fn deadman_script(log: &str) -> String {
    format!(
        "stream\n    |from()\n        .measurement('cpu')\n    |deadman(0.0, 1s)\n        .log('{log}')\n"
    )
}

/// The messages logged to `path` so far.
fn messages(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            Some(v["message"].as_str()?.to_string())
        })
        .collect()
}

/// Waits (up to 15 s) for the first logged message.
fn first_message(path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(m) = messages(path).into_iter().next() {
            return m;
        }
        assert!(Instant::now() < deadline, "no deadman alert within 15 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn now_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos()
}

/// One point arrives, then nothing: from the second tick on the emitted rate is 0, which is at or
/// below the threshold (the `DefaultId` and `DefaultMessage` of Kapacitor's
/// services/deadman/config.go at v1.5.7; the task is named after the file).
const DEAD: &str = "nil:from1 for task 'dead' is dead: 0.000 points/1s.";

#[test]
fn deadman_fires_on_the_wall_clock_while_stdin_stays_open() {
    let case = Case::new();
    let log = case.path("dead.log");
    let script = case.file("dead.tick", &deadman_script(&log));
    let mut child = Command::new(tick_bin())
        .args(["run", script.as_str(), "--clock", "wall"])
        .current_dir(case.dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tick");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "cpu,host=a usage_idle=50 {}", now_ns()).expect("write");
    stdin.flush().expect("flush");
    // Stdin stays open and silent: only the wall clock can make the alert.
    assert_eq!(first_message(&log), DEAD);
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).ends_with("tick: 1 points read, 0 lines rejected\n"),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
