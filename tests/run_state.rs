//! `tick run --state-dir`: alert state that survives a restart (stdin runs, and `--http` killed
//! with SIGKILL), `data_dir` and `[alert] persist-topics` of `--config`, `--state-reset`, and a
//! store that cannot be read (corrupted, truncated, a newer format): exit 2, the file named in
//! the message and left untouched.
//!
//! The script and points are in `tests/fixtures/state/`; the expected events there were
//! captured from Kapacitor 1.5.7 fed the same script and points, restarted between the two
//! files on the same data dir (see the first comment of `state.tick`).

use std::time::{Duration, Instant};

use crate::http::{Tick, get, post};
use crate::support::{Case, Output, repo_root};

fn fixture(name: &str) -> String {
    let path = repo_root().join("tests/fixtures/state").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixture script, logging to `log`, written into `case` as `cpu.tick` (task `cpu`).
fn script(case: &Case, log: &str) -> String {
    case.file(
        "cpu.tick",
        &fixture("state.tick").replace("'LOG'", &format!("'{log}'")),
    )
}

/// `tick run SCRIPT EXTRA...` with `input` (a fixture) on stdin. Every path is absolute, so
/// each run gets a fresh working directory.
fn run(script: &str, input: &str, extra: &[&str]) -> Output {
    let mut args = vec!["run", script];
    args.extend_from_slice(extra);
    Case::new()
        .args(args.iter().map(|a| a.to_string()))
        .stdin(fixture(input))
        .run()
}

fn log_text(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A case with the fixture script logging to `alerts.log` and a state directory `state`.
struct Restart {
    case: Case,
    log: String,
    state: String,
    tick: String,
}

impl Restart {
    fn new() -> Restart {
        let case = Case::new();
        let log = case.path("alerts.log");
        let state = case.path("state");
        let tick = script(&case, &log);
        Restart {
            case,
            log,
            state,
            tick,
        }
    }

    /// Runs `before.lp` with the state directory (Kapacitor's events), then empties the log.
    fn first_run(&self) {
        let out = run(&self.tick, "before.lp", &["--state-dir", &self.state]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(log_text(&self.log), fixture("before.expected.jsonl"));
        std::fs::remove_file(&self.log).expect("rm log");
    }

    fn logged(&self) -> String {
        log_text(&self.log)
    }
}

/// Two stdin runs on one state directory: the second gives exactly Kapacitor's events after a
/// restart: host a recovers (previousLevel CRITICAL, 60 s counted from before the restart), host
/// b stays CRITICAL and is not paged again, host c turns CRITICAL.
#[test]
fn a_restarted_run_resumes_every_alert_group_as_kapacitor_does() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let state = case.path("state");
    let tick = script(&case, &log);
    let first = run(&tick, "before.lp", &["--state-dir", &state]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(log_text(&log), fixture("before.expected.jsonl"));
    let second = run(&tick, "after.lp", &["--state-dir", &state]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(
        log_text(&log),
        fixture("before.expected.jsonl") + &fixture("after.expected.jsonl")
    );
}

/// Without a state directory every run starts empty: the second run pages b again and never
/// recovers a (what Kapacitor logs for the second file alone).
#[test]
fn without_a_state_dir_a_run_starts_empty() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let tick = script(&case, &log);
    assert_eq!(run(&tick, "before.lp", &[]).code, 0);
    std::fs::remove_file(&log).expect("rm log");
    assert_eq!(run(&tick, "after.lp", &[]).code, 0);
    assert_eq!(log_text(&log), fixture("after-fresh.expected.jsonl"));
}

#[test]
fn state_reset_starts_afresh_on_purpose() {
    let r = Restart::new();
    r.first_run();
    let out = run(
        &r.tick,
        "after.lp",
        &["--state-dir", &r.state, "--state-reset"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(r.logged(), fixture("after-fresh.expected.jsonl"));
}

#[test]
fn state_reset_without_a_state_dir_is_a_usage_error() {
    let case = Case::new();
    let tick = script(&case, &case.path("alerts.log"));
    let out = run(&tick, "before.lp", &["--state-reset"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: --state-reset needs a state directory: --state-dir, or --config with data_dir \
         and [alert] persist-topics on\n"
    );
}

/// `data_dir` with `[alert] persist-topics` left at Kapacitor's default keeps the state;
/// `persist-topics = false` does not, unless `--state-dir` says otherwise.
#[test]
fn config_data_dir_keeps_the_state_unless_persist_topics_is_off() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let data_dir = case.path("data");
    let tick = script(&case, &log);
    let on = case.file("on.conf", &format!("data_dir = {data_dir:?}\n"));
    let off = case.file(
        "off.conf",
        &format!("data_dir = {data_dir:?}\n[alert]\npersist-topics = false\n"),
    );
    assert_eq!(run(&tick, "before.lp", &["--config", &on]).code, 0);
    assert!(
        std::path::Path::new(&data_dir)
            .join("tick-state.sqlite")
            .exists()
    );
    std::fs::remove_file(&log).expect("rm log");
    // Off: the stored state is not read.
    assert_eq!(run(&tick, "after.lp", &["--config", &off]).code, 0);
    assert_eq!(log_text(&log), fixture("after-fresh.expected.jsonl"));
    std::fs::remove_file(&log).expect("rm log");
    // --state-dir wins over persist-topics = false: the state of the first run is read.
    let out = run(
        &tick,
        "after.lp",
        &["--config", &off, "--state-dir", &data_dir],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(log_text(&log), fixture("after.expected.jsonl"));
}

/// Kapacitor keeps an alert node's state under `<task>:<node>` (its anonymous topic,
/// `main:<task>:<node>`, alert.go at v1.5.7) and the event id, so a changed message keeps the
/// state. Derived from that keying (no oracle run: the oracle restarts with the same script).
#[test]
fn a_changed_script_keeps_the_state_of_alert_nodes_whose_names_still_match() {
    let r = Restart::new();
    r.first_run();
    let text = std::fs::read_to_string(&r.tick).expect("script");
    let changed = r.case.file(
        "cpu2/cpu.tick",
        &text.replace(
            ".details('')",
            ".details('')\n        .message('{{ .ID }} now {{ .Level }}')",
        ),
    );
    assert_eq!(
        run(&changed, "after.lp", &["--state-dir", &r.state]).code,
        0
    );
    let summary: Vec<(String, String, String, i64)> = r
        .logged()
        .lines()
        .map(|l| {
            let e: serde_json::Value = serde_json::from_str(l).expect("json");
            (
                e["message"].as_str().unwrap_or("").to_string(),
                e["level"].as_str().unwrap_or("").to_string(),
                e["previousLevel"].as_str().unwrap_or("").to_string(),
                e["duration"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    let event = |m: &str, l: &str, p: &str, d| (m.to_string(), l.to_string(), p.to_string(), d);
    assert_eq!(
        summary,
        vec![
            event("cpu:host=a now OK", "OK", "CRITICAL", 60_000_000_000),
            event("cpu:host=c now CRITICAL", "CRITICAL", "OK", 0),
        ]
    );
}

/// A node inserted before the alert renames it (`alert2` becomes `alert3`): the renamed node
/// starts empty, as after Kapacitor's restart (what Kapacitor logs for the second file alone).
#[test]
fn a_renamed_alert_node_starts_empty() {
    let r = Restart::new();
    r.first_run();
    let text = std::fs::read_to_string(&r.tick).expect("script");
    let renamed = r.case.file(
        "cpu3/cpu.tick",
        &text.replace(
            "    |alert()",
            "    |eval(lambda: \"usage_idle\").as('usage_idle')\n    |alert()",
        ),
    );
    let out = run(&renamed, "after.lp", &["--state-dir", &r.state]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(r.logged(), fixture("after-fresh.expected.jsonl"));
}

fn wait_for_lines(path: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while log_text(path).lines().count() < n {
        assert!(
            Instant::now() < deadline,
            "{path} never had {n} lines: {:?}",
            log_text(path)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `tick run --http` killed with SIGKILL as soon as its alerts are in the log (no drain, no
/// clean close of the store), then started again on the same state directory: the same
/// events as a clean restart, as Kapacitor gives them.
#[test]
fn a_run_killed_right_after_its_alerts_were_written_resumes_them() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let state = case.path("state");
    let tick = script(&case, &log);
    let args = [tick.as_str(), "--state-dir", state.as_str()];
    let first = Tick::start(&case, &args);
    let (status, body) = post(first.port, "/write?db=db&rp=rp", &fixture("before.lp"));
    assert_eq!((status, body.as_str()), (204, ""));
    wait_for_lines(&log, 2);
    first.kill();
    assert_eq!(log_text(&log), fixture("before.expected.jsonl"));

    let second = Tick::start(&case, &args);
    // Before any new point, Kapacitor's alert API shows the restored events of the node's
    // topic, as kapacitord does after a restart (its topic state is what it restored).
    let (status, body) = get(
        second.port,
        "/kapacitor/v1/alerts/topics/main:cpu:alert2/events",
    );
    assert_eq!(status, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let events: Vec<(String, String, String, String)> = listed["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
            (
                text(&e["id"]),
                text(&e["state"]["level"]),
                text(&e["state"]["message"]),
                text(&e["state"]["time"]),
            )
        })
        .collect();
    let critical = |host: &str| {
        (
            format!("cpu:host={host}"),
            "CRITICAL".to_string(),
            format!("cpu:host={host} is CRITICAL"),
            "2016-06-01T12:00:00Z".to_string(),
        )
    };
    assert_eq!(events, [critical("a"), critical("b")]);
    let (status, _) = post(second.port, "/write?db=db&rp=rp", &fixture("after.lp"));
    assert_eq!(status, 204);
    wait_for_lines(&log, 4);
    let stopped = second.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(
        log_text(&log),
        fixture("before.expected.jsonl") + &fixture("after.expected.jsonl")
    );
}

/// A store made by a real run, then damaged by `damage`: the next run refuses to start with
/// exit status 2 and a message naming the file, and the file keeps its bytes.
fn refused_store(damage: impl FnOnce(&mut Vec<u8>)) -> (String, String) {
    let r = Restart::new();
    r.first_run();
    let (log, state, tick) = (&r.log, &r.state, &r.tick);
    let file = std::path::Path::new(state).join("tick-state.sqlite");
    let mut bytes = std::fs::read(&file).expect("store");
    damage(&mut bytes);
    std::fs::write(&file, &bytes).expect("write store");
    let out = run(tick, "after.lp", &["--state-dir", state]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        std::fs::read(&file).expect("store"),
        bytes,
        "the store was changed"
    );
    assert!(
        out.stderr
            .starts_with(&format!("error: {}: ", file.display())),
        "{}",
        out.stderr
    );
    assert_eq!(
        log_text(log),
        "",
        "nothing may run on a store that was not read"
    );
    let refused = (file.display().to_string(), out.stderr);
    // --state-reset starts afresh from it.
    let out = run(tick, "after.lp", &["--state-dir", state, "--state-reset"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(log_text(log), fixture("after-fresh.expected.jsonl"));
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines, vec!["tick: 3 points read, 0 lines rejected"]);
    refused
}

#[test]
fn a_corrupted_store_is_refused_with_exit_2_and_left_untouched() {
    refused_store(|bytes| {
        let n = bytes.len();
        assert!(n >= 8192, "{n}");
        // The second page (the events table) overwritten.
        for b in &mut bytes[4096..8192] {
            *b = 0xa5;
        }
    });
}

#[test]
fn a_truncated_store_is_refused_with_exit_2_and_left_untouched() {
    refused_store(|bytes| {
        let n = bytes.len();
        bytes.truncate(n / 2 + 100);
    });
}

#[test]
fn a_store_that_is_not_a_database_is_refused_with_exit_2_and_left_untouched() {
    refused_store(|bytes| {
        bytes.clear();
        bytes.extend_from_slice(b"{\"not\": \"a tick state store\"}\n");
    });
}

#[test]
fn a_store_of_a_newer_format_is_refused_with_exit_2_and_left_untouched() {
    let (file, stderr) = refused_store(|bytes| {
        // SQLite keeps the user version (tick's format version) big-endian at offset 60.
        assert_eq!(bytes[60..64], 2u32.to_be_bytes());
        bytes[60..64].copy_from_slice(&3u32.to_be_bytes());
    });
    assert_eq!(
        stderr,
        format!(
            "error: {file}: the alert state was written in format version 3, and this tick reads \
             version 2 at most (written by a newer tick?); the file was left as it is (use that \
             tick, or start afresh with --state-reset)\n"
        )
    );
}

/// `DELETE /kapacitor/v1/alerts/topics/<topic>` forgets the stored state too, as Kapacitor's
/// `Service.DeleteTopic` does: a restarted run shows the topic without events, and its
/// groups start at OK.
#[test]
fn a_deleted_topic_stays_deleted_after_a_restart() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let state = case.path("state");
    let tick = script(&case, &log);
    let args = [tick.as_str(), "--state-dir", state.as_str()];
    let events = |port: u16| -> usize {
        let (status, body) = get(port, "/kapacitor/v1/alerts/topics/main:cpu:alert2/events");
        assert_eq!(status, 200, "{body}");
        let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        listed["events"].as_array().map_or(0, Vec::len)
    };
    let first = Tick::start(&case, &args);
    let (status, _) = post(first.port, "/write?db=db&rp=rp", &fixture("before.lp"));
    assert_eq!(status, 204);
    wait_for_lines(&log, 2);
    assert_eq!(events(first.port), 2);
    let (status, body) = crate::http::request(
        first.port,
        "DELETE",
        "/kapacitor/v1/alerts/topics/main:cpu:alert2",
        &[],
        b"",
    );
    assert_eq!(status, 204, "{body}");
    let stopped = first.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);

    let second = Tick::start(&case, &args);
    assert_eq!(events(second.port), 0);
    let stopped = second.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
}
