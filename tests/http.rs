//! `tick run --http` over real HTTP on a free loopback port: Kapacitor's write endpoints and
//! parameters (`serveWrite` and `serveWriteLine`, services/httpd/handler.go at v1.5.7), partial
//! writes, body limits, ping, `|httpOut` endpoints (`HTTPOutNode.runOut`, http_out.go), routing by
//! dbrp, SIGTERM draining, and InfluxDB 1.x itself as the producer through a subscription.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::influxd::Influxd;
use crate::support::{Case, tick_bin};

/// One HTTP/1.1 exchange over a fresh connection: `(status, body)`.
pub(crate) fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let text = exchange(port, method, path, headers, body);
    let status: u16 = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// One HTTP/1.1 exchange over a fresh connection: the whole response as text.
pub(crate) fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if method != "GET" && method != "HEAD" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    // The server may answer (413) before reading the whole body and close: ignore write errors.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

pub(crate) fn post(port: u16, path: &str, body: &str) -> (u16, String) {
    request(port, "POST", path, &[], body.as_bytes())
}

pub(crate) fn get(port: u16, path: &str) -> (u16, String) {
    request(port, "GET", path, &[], b"")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

/// A `tick run --http` process; killed if a test fails before stopping it.
pub(crate) struct Tick {
    child: Option<Child>,
    pub(crate) port: u16,
    stderr_path: std::path::PathBuf,
}

/// How a stopped `tick` ended.
pub(crate) struct Stopped {
    pub(crate) code: i32,
    pub(crate) stderr: String,
}

impl Tick {
    /// Starts `tick run <args> --http=127.0.0.1:0` in `case`'s directory and waits until it
    /// answers a ping on the port it bound.
    pub(crate) fn start(case: &Case, args: &[&str]) -> Tick {
        let mut all: Vec<&str> = vec!["run"];
        all.extend_from_slice(args);
        all.push("--http=127.0.0.1:0");
        Tick::spawn(case, &all)
    }

    /// Starts `tick <args>` (which must listen over HTTP) and learns its port from the
    /// `tick: listening on http://ADDR` line, so no port is picked before tick binds it.
    fn spawn(case: &Case, args: &[&str]) -> Tick {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stderr_path = case.dir().join(format!("tick-{n}.stderr"));
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        let child = Command::new(tick_bin())
            .args(args)
            .current_dir(case.dir())
            .env("TZ", "UTC")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn tick");
        let mut tick = Tick {
            child: Some(child),
            port: 0,
            stderr_path,
        };
        tick.wait_ready();
        tick
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.port == 0 {
                self.port = self
                    .stderr()
                    .lines()
                    .find_map(|l| l.strip_prefix("tick: listening on http://"))
                    .and_then(|addr| addr.rsplit_once(':'))
                    .and_then(|(_, port)| port.parse().ok())
                    .unwrap_or(0);
            }
            if self.port != 0 && request(self.port, "GET", "/kapacitor/v1/ping", &[], b"").0 == 204
            {
                return;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "tick exited with {status} before listening: {}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "tick did not listen in 30 s: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Sends SIGTERM without waiting.
    fn terminate(&self) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(killed.success());
    }

    /// Kills tick with SIGKILL (no drain, no cleanup: a crash) and waits for it to be gone.
    pub(crate) fn kill(mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
    }

    /// Sends SIGTERM and waits (up to 60 s) for tick to drain and exit.
    pub(crate) fn stop(mut self) -> Stopped {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "tick did not exit within 60 s of SIGTERM: {}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Stopped {
            code: status.code().unwrap_or(-1),
            stderr: self.stderr(),
        }
    }
}

impl Drop for Tick {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An alert on `measurement` whose message is `LEVEL v`, logged as JSON lines to `log`.
fn alert_script(dbrp: &str, log: &str) -> String {
    format!(
        "{dbrp}stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"v\" > 10)\n        .message('{{{{ .Level }}}} {{{{ index .Fields \"v\" }}}}')\n        .log('{log}')\n"
    )
}

/// The `message` and `time` of each alert JSON line in `path`.
fn logged(path: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("alert json");
            (
                v["message"].as_str().expect("message").to_string(),
                v["time"].as_str().expect("time").to_string(),
            )
        })
        .collect()
}

fn messages(path: &str) -> Vec<String> {
    logged(path).into_iter().map(|(m, _)| m).collect()
}

#[test]
fn both_write_paths_accept_line_protocol_and_answer_204() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str()]);
    assert_eq!(
        post(tick.port, "/write?db=telegraf", "cpu v=20 1000000000\n"),
        (204, String::new())
    );
    assert_eq!(
        post(
            tick.port,
            "/kapacitor/v1/write?db=telegraf&rp=autogen",
            "cpu v=30 2000000000\ncpu v=5 3000000000"
        ),
        (204, String::new())
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(
        logged(&log),
        [
            (
                "CRITICAL 20".to_string(),
                "1970-01-01T00:00:01Z".to_string()
            ),
            (
                "CRITICAL 30".to_string(),
                "1970-01-01T00:00:02Z".to_string()
            ),
            ("OK 5".to_string(), "1970-01-01T00:00:03Z".to_string()),
        ]
    );
    assert!(
        stopped
            .stderr
            .ends_with("tick: 3 points read, 0 lines rejected\n"),
        "{}",
        stopped.stderr
    );
}

#[test]
fn gzip_bodies_are_decoded() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str()]);
    let body = gzip(b"cpu v=11 1000000000\ncpu v=12 2000000000\n");
    let answer = request(
        tick.port,
        "POST",
        "/write?db=db",
        &[("Content-Encoding", "gzip")],
        &body,
    );
    assert_eq!(answer, (204, String::new()));
    let bad = request(
        tick.port,
        "POST",
        "/write?db=db",
        &[("Content-Encoding", "gzip")],
        b"cpu v=1 1\n",
    );
    assert_eq!(bad.0, 400);
    assert!(
        bad.1.starts_with("{\"error\":\"invalid gzip body: "),
        "{}",
        bad.1
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(messages(&log), ["CRITICAL 11", "CRITICAL 12"]);
}

#[test]
fn precision_sets_the_unit_of_timestamps_and_an_unknown_one_is_refused() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str()]);
    // Kapacitor's precisions (models.ParsePointsWithPrecision in the InfluxDB models package
    // Kapacitor v1.5.7 vendors): 10 with s, ms, u, m, h; n, ns and none are nanoseconds.
    for (precision, v) in [
        ("s", 11),
        ("ms", 12),
        ("u", 13),
        ("ns", 14),
        ("m", 15),
        ("h", 16),
    ] {
        let answer = post(
            tick.port,
            &format!("/write?db=db&precision={precision}"),
            &format!("cpu v={v} 10"),
        );
        assert_eq!(answer, (204, String::new()), "precision {precision}");
    }
    // Deviation: Kapacitor reads any other precision as nanoseconds; tick refuses the write.
    for precision in ["bogus", "us", "seconds"] {
        let answer = post(
            tick.port,
            &format!("/write?db=db&precision={precision}"),
            "cpu v=17 10",
        );
        assert_eq!(
            answer,
            (
                400,
                format!(
                    "{{\"error\":\"unknown precision \\\"{precision}\\\": use n, u, ms, s, m or h\"}}"
                )
            ),
            "precision {precision}"
        );
    }
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let times: Vec<String> = logged(&log).into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        times,
        [
            "1970-01-01T00:00:10Z",
            "1970-01-01T00:00:00.01Z",
            "1970-01-01T00:00:00.00001Z",
            "1970-01-01T00:00:00.00000001Z",
            "1970-01-01T00:10:00Z",
            "1970-01-01T10:00:00Z",
        ]
    );
}

#[test]
fn a_write_without_db_is_refused_with_kapacitors_message() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str()]);
    assert_eq!(
        post(tick.port, "/write", "cpu v=20 1"),
        (400, "{\"error\":\"database is required\"}".to_string())
    );
    assert_eq!(
        post(
            tick.port,
            "/kapacitor/v1/write?rp=autogen&db=",
            "cpu v=20 1"
        ),
        (400, "{\"error\":\"database is required\"}".to_string())
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(messages(&log), Vec::<String>::new());
}

#[test]
fn a_partial_write_keeps_every_good_line_and_names_every_bad_one() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str()]);
    let (status, body) = post(
        tick.port,
        "/write?db=db",
        "cpu v=20 1000000000\ncpu v= 2000000000\ncpu v=30 3000000000\ncpu 4\ncpu v=5 5000000000\n",
    );
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_str(&body).expect("json error");
    assert_eq!(
        error["error"],
        "partial write: line 2: unable to parse 'cpu v= 2000000000': missing field value\n\
         line 4: unable to parse 'cpu 4': invalid field format dropped=2"
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(messages(&log), ["CRITICAL 20", "CRITICAL 30", "OK 5"]);
    assert!(
        stopped
            .stderr
            .ends_with("tick: 3 points read, 2 lines rejected\n"),
        "{}",
        stopped.stderr
    );
}

#[test]
fn strict_makes_a_rejected_http_line_exit_1() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str(), "--strict"]);
    assert_eq!(post(tick.port, "/write?db=db", "cpu v=x 1").0, 400);
    let stopped = tick.stop();
    assert_eq!(stopped.code, 1, "{}", stopped.stderr);
}

#[test]
fn bodies_over_the_limit_get_413_before_and_after_gzip() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str(), "--http-max-body", "100"]);
    let big = "cpu v=20 1000000000\n".repeat(6); // 120 bytes
    let (status, body) = post(tick.port, "/write?db=db", &big);
    assert_eq!(status, 413);
    assert_eq!(
        body,
        "{\"error\":\"request body too large: the limit is 100 bytes (--http-max-body)\"}"
    );
    // 120 bytes once decoded, far fewer on the wire.
    let bomb = gzip(big.as_bytes());
    assert!(bomb.len() < 100);
    let answer = request(
        tick.port,
        "POST",
        "/write?db=db",
        &[("Content-Encoding", "gzip")],
        &bomb,
    );
    assert_eq!(answer.0, 413);
    assert_eq!(
        post(tick.port, "/write?db=db", "cpu v=21 1000000000\n"),
        (204, String::new())
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(messages(&log), ["CRITICAL 21"]);
}

#[test]
fn ping_answers_204_and_unknown_paths_404_with_a_json_error() {
    let case = Case::new();
    let script = case.file("cpu.tick", "stream\n    |from()\n");
    let tick = Tick::start(&case, &[script.as_str()]);
    assert_eq!(get(tick.port, "/kapacitor/v1/ping"), (204, String::new()));
    assert_eq!(
        request(tick.port, "HEAD", "/kapacitor/v1/ping", &[], b""),
        (204, String::new())
    );
    assert_eq!(
        get(tick.port, "/nope"),
        (404, "{\"error\":\"not found: /nope\"}".to_string())
    );
    assert_eq!(
        get(tick.port, "/kapacitor/v1/tasks/cpu/missing"),
        (
            404,
            "{\"error\":\"no httpOut(\\\"missing\\\") endpoint in task \\\"cpu\\\"\"}".to_string()
        )
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
}

const WINDOW_MEAN: &str = "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('host')\n    |window()\n        .period(10s)\n        .every(10s)\n    |mean('v')\n    |httpOut('m')\n";

/// Host a's window opens at its first point (1 s), so `next` is 11 s (Kapacitor's
/// `newWindowByTime`, window.go at v1.5.7); the point at 12 s emits the window [1 s, 11 s) = {1, 3}
/// without itself (`windowByTime.Point`); mean 2 at tmax 11 s with the group tags (influxql.go);
/// one row per group in group-creation order (http_out.go). Host b's first window is not yet
/// complete.
const WINDOW_MEAN_SERIES: &str = "{\"series\":[{\"name\":\"cpu\",\"tags\":{\"host\":\"a\"},\"columns\":[\"time\",\"mean\"],\"values\":[[\"1970-01-01T00:00:11Z\",2]]}]}";
const WINDOW_MEAN_POINTS: &str =
    "cpu,host=a v=1 1\ncpu,host=b v=7 2\ncpu,host=a v=3 5\ncpu,host=a v=100 12\n";

#[test]
fn http_out_serves_the_latest_window_of_each_group() {
    let case = Case::new();
    let script = case.file("win.tick", WINDOW_MEAN);
    let out_dir = case.path("out");
    let tick = Tick::start(&case, &[script.as_str(), "--http-out", out_dir.as_str()]);
    assert_eq!(
        get(tick.port, "/kapacitor/v1/tasks/win/m"),
        (200, "{\"series\":null}".to_string())
    );
    assert_eq!(
        post(tick.port, "/write?db=db&precision=s", WINDOW_MEAN_POINTS).0,
        204
    );
    assert_eq!(
        get(tick.port, "/kapacitor/v1/tasks/win/m"),
        (200, WINDOW_MEAN_SERIES.to_string())
    );
    // Host b's window [2 s, 12 s) closes at 12 s with {7}; host a's next one at 22 s.
    assert_eq!(
        post(tick.port, "/write?db=db&precision=s", "cpu,host=b v=9 13\n").0,
        204
    );
    let both = "{\"series\":[{\"name\":\"cpu\",\"tags\":{\"host\":\"a\"},\"columns\":[\"time\",\"mean\"],\"values\":[[\"1970-01-01T00:00:11Z\",2]]},\
                {\"name\":\"cpu\",\"tags\":{\"host\":\"b\"},\"columns\":[\"time\",\"mean\"],\"values\":[[\"1970-01-01T00:00:12Z\",7]]}]}";
    assert_eq!(
        get(tick.port, "/kapacitor/v1/tasks/win/m"),
        (200, both.to_string())
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let written = std::fs::read_to_string(Path::new(&out_dir).join("win").join("m.json"))
        .expect("http-out file");
    assert_eq!(written, both);
}

#[test]
fn http_out_files_are_written_at_the_end_of_stdin_without_http() {
    let case = Case::new();
    let script = case.file("win.tick", WINDOW_MEAN);
    let out_dir = case.path("out");
    // The case (and so its directory) must outlive the run.
    let case = case
        .args([
            "run",
            script.as_str(),
            "--precision",
            "s",
            "--http-out",
            out_dir.as_str(),
        ])
        .stdin(WINDOW_MEAN_POINTS);
    let out = case.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let written = std::fs::read_to_string(Path::new(&out_dir).join("win").join("m.json"))
        .expect("http-out file");
    assert_eq!(written, WINDOW_MEAN_SERIES);
}

#[test]
fn http_out_file_is_null_series_when_no_window_closed() {
    let case = Case::new();
    let script = case.file("win.tick", WINDOW_MEAN);
    let out_dir = case.path("out");
    let case = case
        .args(["run", script.as_str(), "--http-out", out_dir.as_str()])
        .stdin("cpu,host=a v=1 1\n");
    let out = case.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let written = std::fs::read_to_string(Path::new(&out_dir).join("win").join("m.json"))
        .expect("http-out file");
    assert_eq!(written, "{\"series\":null}");
}

#[test]
fn each_task_receives_only_the_points_of_its_dbrp() {
    let case = Case::new();
    let log_a = case.path("a.log");
    let log_b = case.path("b.log");
    let log_all = case.path("all.log");
    let a = case.file("a.tick", &alert_script("dbrp \"db1\".\"rp1\"\n", &log_a));
    let b = case.file(
        "b.tick",
        &alert_script("dbrp \"db2\".\"autogen\"\n", &log_b),
    );
    let all = case.file("all.tick", &alert_script("", &log_all));
    let tick = Tick::start(&case, &[a.as_str(), b.as_str(), all.as_str()]);
    assert_eq!(post(tick.port, "/write?db=db1&rp=rp1", "cpu v=21 1").0, 204);
    assert_eq!(
        post(tick.port, "/write?db=db2&rp=autogen", "cpu v=22 2").0,
        204
    );
    // Quirk: without rp the point has rp "" and matches no "autogen" dbrp (Kapacitor's
    // `TaskMaster.WritePoints`, task_master.go at v1.5.7, fills in only the configured
    // default-retention-policy, empty by default).
    assert_eq!(post(tick.port, "/write?db=db2", "cpu v=23 3").0, 204);
    assert_eq!(
        post(tick.port, "/write?db=db1&rp=autogen", "cpu v=24 4").0,
        204
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(messages(&log_a), ["CRITICAL 21"]);
    assert_eq!(messages(&log_b), ["CRITICAL 22"]);
    assert_eq!(
        messages(&log_all),
        ["CRITICAL 21", "CRITICAL 22", "CRITICAL 23", "CRITICAL 24"]
    );
}

#[test]
fn an_input_file_is_read_next_to_http() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let points = case.file("points.lp", "cpu v=31 1\ncpu v=x 2\n");
    let tick = Tick::start(&case, &[script.as_str(), "--input", points.as_str()]);
    // The file's point and the HTTP point both reach the task; order between them is not fixed.
    assert_eq!(post(tick.port, "/write?db=db", "cpu v=32 3").0, 204);
    let deadline = Instant::now() + Duration::from_secs(20);
    while messages(&log).len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let mut got = messages(&log);
    got.sort();
    assert_eq!(got, ["CRITICAL 31", "CRITICAL 32"]);
    assert!(
        stopped
            .stderr
            .contains("line 2: unable to parse 'cpu v=x 2': invalid boolean\n"),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped
            .stderr
            .ends_with("tick: 2 points read, 1 lines rejected\n"),
        "{}",
        stopped.stderr
    );
}

#[test]
fn sigterm_finishes_every_acknowledged_write_before_exiting() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    // The log handler opens and appends per event: give its queue room for every event.
    let tick = Tick::start(&case, &[script.as_str(), "--queue-size", "100000"]);
    // 20,000 points in 4 writes, alternating levels: every point emits (CRITICAL or OK).
    let mut n = 0u64;
    for _ in 0..4 {
        let mut body = String::new();
        for _ in 0..5000 {
            n += 1;
            let v = if n % 2 == 1 { 20 } else { 1 };
            body.push_str(&format!("cpu v={v} {n}\n"));
        }
        assert_eq!(post(tick.port, "/write?db=db", &body).0, 204);
    }
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let got = messages(&log);
    assert_eq!(got.len(), 20_000);
    assert_eq!(
        (got[0].as_str(), got[19_999].as_str()),
        ("CRITICAL 20", "OK 1")
    );
    assert!(
        stopped
            .stderr
            .ends_with("tick: 20000 points read, 0 lines rejected\n"),
        "{}",
        stopped.stderr
    );
}

#[test]
fn config_bind_address_is_used_and_auth_and_https_enabled_are_refused() {
    let case = Case::new();
    let script = case.file("cpu.tick", "stream\n    |from()\n");
    // `:0`: an empty host is loopback, and port 0 lets the system choose a free one.
    let config = case.file(
        "kapacitor.conf",
        "[http]\n  bind-address = \":0\"\n  auth-enabled = false\n",
    );
    let tick = Tick::spawn(
        &case,
        &[
            "run",
            script.as_str(),
            "--config",
            config.as_str(),
            "--http",
        ],
    );
    let port = tick.port;
    assert_ne!(port, 0);
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert!(
        stopped
            .stderr
            .contains(&format!("tick: listening on http://127.0.0.1:{port}\n")),
        "{}",
        stopped.stderr
    );

    let locked = case.file("locked.conf", "[http]\n  auth-enabled = true\n");
    let out = Case::new()
        .args([
            "run",
            script.as_str(),
            "--config",
            locked.as_str(),
            "--http",
        ])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: [http] auth-enabled = true: tick has no users or tokens"),
        "{}",
        out.stderr
    );

    let https = case.file(
        "https.conf",
        "[http]\n  https-enabled = true\n  https-certificate = \"/etc/ssl/kapacitor.pem\"\n",
    );
    let out = Case::new()
        .args(["run", script.as_str(), "--config", https.as_str(), "--http"])
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "{https}: warning: [http] https-certificate not honoured by tick; ignored\n\
             error: [http] https-enabled = true: tick serves plain HTTP only and will not serve \
             in clear text what the configuration asks to encrypt; set https-enabled = false \
             (tick listens on loopback unless told otherwise) or put a TLS-terminating proxy in \
             front of it\n"
        )
    );
}

#[test]
fn points_written_to_influxdb_reach_tick_through_a_subscription() {
    let case = Case::new();
    let influx_dir = tempfile::tempdir().expect("temp dir");
    let influxd = Influxd::start(influx_dir.path());
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("dbrp \"db\".\"autogen\"\n", &log));
    let tick = Tick::start(&case, &[script.as_str()]);
    influxd.execute("CREATE DATABASE db");
    influxd.execute(&format!(
        "CREATE SUBSCRIPTION \"s\" ON \"db\".\"autogen\" DESTINATIONS ALL 'http://127.0.0.1:{}'",
        tick.port
    ));
    // InfluxDB opens its subscription writers shortly after the statement: write until one
    // point has come through, then check what arrived.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut t = 1_000_000_000u64;
    while messages(&log).is_empty() {
        assert!(
            Instant::now() < deadline,
            "no point came through the subscription in 60 s: {}",
            tick.stderr()
        );
        t += 1_000_000_000;
        assert_eq!(
            post(
                influxd.port,
                "/write?db=db",
                &format!("cpu,host=a v=42 {t}\n")
            )
            .0,
            204
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let last = t + 1_000_000_000;
    assert_eq!(
        post(
            influxd.port,
            "/write?db=db",
            &format!("cpu,host=a v=3 {last}\n")
        )
        .0,
        204
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !messages(&log).iter().any(|m| m == "OK 3") {
        assert!(
            Instant::now() < deadline,
            "the recovery did not come through: {:?}",
            messages(&log)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let got = logged(&log);
    let (first, rest) = got.split_first().expect("alerts");
    assert_eq!(first.0, "CRITICAL 42");
    assert_eq!(
        rest.last().map(|(m, t)| (m.as_str(), t.as_str())),
        Some(("OK 3", rfc3339(last).as_str()))
    );
    assert!(
        rest[..rest.len() - 1]
            .iter()
            .all(|(m, _)| m == "CRITICAL 42"),
        "{got:?}"
    );
}

/// RFC 3339 of a whole number of seconds since the epoch, given in nanoseconds.
fn rfc3339(ns: u64) -> String {
    let secs = ns / 1_000_000_000;
    assert!(secs < 86_400, "test times stay within the first day");
    format!(
        "1970-01-01T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[test]
fn deadman_fires_on_the_wall_clock_between_http_writes() {
    let case = Case::new();
    let log = case.path("dead.log");
    let script = case.file("dead.tick", &crate::run_clock::deadman_script(&log));
    let tick = Tick::start(&case, &[script.as_str(), "--clock", "wall"]);
    let now = crate::run_clock::now_ns();
    assert_eq!(
        post(tick.port, "/write?db=telegraf", &format!("cpu v=1 {now}\n")),
        (204, String::new())
    );
    // No more writes: only the wall clock can make the alert (as Kapacitor's stats node ticks,
    // `StatsNode.runStats`, stats.go at v1.5.7).
    let deadline = Instant::now() + Duration::from_secs(15);
    // A whole line, not one being written.
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains('\n')
    {
        assert!(Instant::now() < deadline, "no deadman alert within 15 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(
        messages(&log)[0],
        "nil:from1 for task 'dead' is dead: 0.000 points/1s."
    );
}

#[test]
fn with_queue_full_wait_a_slow_handler_slows_http_writers_and_loses_nothing() {
    // Each alert takes the exec handler at least 20 ms and its queue holds one: the pipeline
    // waits for the handler, and a write is answered only once its points went through the
    // pipeline, so write n is answered no sooner than the handler finished event n - 2.
    let case = Case::new();
    let out = case.path("ids");
    let script = case.file("slow.tick", &crate::run_queue::slow_exec_script(&out));
    let tick = Tick::start(
        &case,
        &[script.as_str(), "--queue-size", "1", "--queue-full", "wait"],
    );
    let started = Instant::now();
    for n in 1..=40 {
        assert_eq!(
            post(
                tick.port,
                "/write?db=telegraf",
                &format!("cpu,n={n} v=1 {n}000000000\n")
            ),
            (204, String::new()),
            "write {n}"
        );
    }
    // 40 one-line writes take a few milliseconds when nothing waits; here at least the
    // handler's 38 × 20 ms.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(760),
        "the writers took only {took:?}"
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let ids: Vec<String> = std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let expected: Vec<String> = (1..=40).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected);
}

/// A 1 MB write of one line with 65,535 fields.
fn many_field_line() -> String {
    let mut line = String::from("cpu ");
    for i in 0..65_535 {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&format!("field_{i:06}=1i"));
    }
    line.push_str(",v=20 1\n");
    line
}

/// About 1 MB of ordinary line protocol: 75,000 one-field lines.
fn many_lines() -> String {
    (0..75_000).map(|i| format!("cpu v=1 {i}\n")).collect()
}

#[test]
fn a_one_megabyte_many_field_write_costs_what_a_megabyte_of_lines_costs_and_holds_up_nobody() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str()]);
    // The yardstick, measured now on this machine (however loaded): a 1 MB write of ordinary
    // lines. The duplicate check used to compare every field with every earlier one, so 65,535
    // fields cost about 2 billion comparisons: over a hundred times this, and it held the
    // pipeline meanwhile. Linear, the many-field write costs about the same as the yardstick;
    // the bounds below leave room for a busy machine, not for quadratic time.
    let lines = many_lines();
    assert!(lines.len() > 1_000_000, "{}", lines.len());
    let started = Instant::now();
    assert_eq!(
        post(tick.port, "/write?db=db", &lines),
        (204, String::new())
    );
    let yardstick = started.elapsed();
    let bound = yardstick * 5 + Duration::from_millis(500);

    let big = many_field_line();
    assert!(big.len() > 1_000_000, "{}", big.len());
    // 65,535 fields and `v`: one too many, so the line is refused with its reason.
    let started = Instant::now();
    let (status, body) = post(tick.port, "/write?db=db", &big);
    let took = started.elapsed();
    assert_eq!(status, 400, "{body}");
    assert!(
        body.ends_with(": too many fields: more than 65535 on one line dropped=1\"}"),
        "{}",
        &body[body.len().saturating_sub(120)..]
    );
    assert!(
        took < bound,
        "answered after {took:?}; 1 MB of lines took {yardstick:?}"
    );

    // The same size with one field fewer is accepted, while another writer keeps writing.
    let accepted = big.replacen("field_000000=1i,", "", 1);
    let port = tick.port;
    let writer = std::thread::spawn(move || {
        let started = Instant::now();
        let answer = post(port, "/write?db=db", &accepted);
        (answer, started.elapsed())
    });
    let mut slowest = Duration::ZERO;
    for v in 21..31 {
        let started = Instant::now();
        assert_eq!(
            post(tick.port, "/write?db=db", &format!("cpu v={v} 2")),
            (204, String::new())
        );
        slowest = slowest.max(started.elapsed());
    }
    let ((status, body), took) = writer.join().expect("writer");
    assert_eq!((status, body.as_str()), (204, ""));
    assert!(
        took < bound,
        "answered after {took:?}; 1 MB of lines took {yardstick:?}"
    );
    assert!(
        slowest < bound,
        "a small write took {slowest:?}; 1 MB of lines took {yardstick:?}"
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let got = messages(&log);
    assert_eq!(got.len(), 11, "{got:?}");
    assert!(got.contains(&"CRITICAL 20".to_string()), "{got:?}");
}

/// Reads from `stream` until the server closes it (or `limit` passes): what it sent.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).expect("read timeout");
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn stalled_uploads_do_not_block_other_writers_and_are_closed_after_the_read_timeout() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::start(&case, &[script.as_str(), "--http-read-timeout", "6s"]);
    let connect = || TcpStream::connect(("127.0.0.1", tick.port)).expect("connect");
    // Four uploads that send their headers and then nothing, four that stop half-way through
    // their headers, and one connection that sends nothing at all.
    let mut stalled_bodies: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = connect();
            s.write_all(
                b"POST /write?db=db HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\ncpu v=",
            )
            .expect("write");
            s
        })
        .collect();
    let mut stalled_heads: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = connect();
            s.write_all(b"POST /write?db=db HTTP/1.1\r\nHost: x\r\n")
                .expect("write");
            s
        })
        .collect();
    let mut idle = connect();
    std::thread::sleep(Duration::from_millis(200));

    // A fifth writer is answered while the stalled connections still hold on (their 6 s are
    // not up): before, it waited for them for ever.
    let started = Instant::now();
    assert_eq!(
        post(tick.port, "/write?db=db", "cpu v=41 1"),
        (204, String::new())
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "answered after {took:?}");

    // After the 6 s read timeout every stalled connection is closed: an upload with its body
    // cut short gets a 408 first.
    for s in &mut stalled_bodies {
        let (got, after) = read_until_closed(s, Duration::from_secs(30));
        assert!(
            got.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{got:?} after {after:?}"
        );
        assert!(
            got.ends_with(
                "{\"error\":\"the request body arrived too slowly: it may pause at most 6s \
                 (--http-read-timeout) and take at most 60s in all (--http-body-timeout)\"}"
            ),
            "{got:?}"
        );
    }
    for s in stalled_heads.iter_mut().chain(std::iter::once(&mut idle)) {
        let (_, after) = read_until_closed(s, Duration::from_secs(30));
        assert!(
            after < Duration::from_secs(25),
            "still open after {after:?}"
        );
    }
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(messages(&log), ["CRITICAL 41"]);
}

#[test]
fn a_body_trickled_slower_than_the_body_timeout_gets_408() {
    let case = Case::new();
    let script = case.file("cpu.tick", "stream\n    |from()\n");
    let tick = Tick::start(
        &case,
        &[
            script.as_str(),
            "--http-read-timeout",
            "4s",
            "--http-body-timeout",
            "3s",
        ],
    );
    let mut s = TcpStream::connect(("127.0.0.1", tick.port)).expect("connect");
    s.write_all(b"POST /write?db=db HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        .expect("write");
    // One byte every half second: never a pause near 4 s, but 100 bytes would take 50 s.
    let started = Instant::now();
    let mut sent = 0;
    while started.elapsed() < Duration::from_secs(8) && s.write_all(b"c").is_ok() {
        sent += 1;
        std::thread::sleep(Duration::from_millis(500));
    }
    // The 408 can only come from the body timeout: no pause came near the read timeout.
    let (got, _) = read_until_closed(&mut s, Duration::from_secs(10));
    assert!(
        got.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{got:?} after {sent} bytes"
    );
    assert!(sent < 100, "the whole body was sent");
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
}

#[test]
fn an_http_out_name_that_would_leave_the_http_out_dir_is_refused() {
    let case = Case::new();
    let script = case.file(
        "cpu.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |httpOut('../../x')\n",
    );
    let out = Case::new().args(["check", script.as_str()]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "{script}:4:14: error: invalid httpOut name \"../../x\": it names an HTTP path segment \
             and a file, so it may not be empty, contain '/' or '\\', or be '.' or '..'\n  \
             4 |     |httpOut('../../x')\n    |              ^^^^^^^^^\n"
        )
    );
    let out = Case::new()
        .args(["run", script.as_str(), "--http-out", &case.path("out")])
        .stdin("cpu v=1 1\n")
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!Path::new(&case.path("x")).exists());
    assert!(!Path::new(&case.path("out")).exists());

    let fine = case.file(
        "ok.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |httpOut('x')\n",
    );
    let out = Case::new()
        .args([
            "run",
            fine.as_str(),
            "--id",
            "../y",
            "--http-out",
            &case.path("out"),
        ])
        .stdin("cpu v=1 1\n")
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "error: invalid --id \"../y\": a task name may not be empty, contain '/' or '\\', or be '.' or '..'\n"
    );
    assert!(!Path::new(&case.path("out")).exists());
}

#[test]
fn http_takes_its_address_after_a_space_too() {
    let case = Case::new();
    let log = case.path("alerts.log");
    let script = case.file("cpu.tick", &alert_script("", &log));
    let tick = Tick::spawn(&case, &["run", "--http", "127.0.0.1:0", script.as_str()]);
    assert_eq!(
        post(tick.port, "/write?db=db", "cpu v=51 1"),
        (204, String::new())
    );
    let stopped = tick.stop();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    assert_eq!(messages(&log), ["CRITICAL 51"]);
}

#[test]
fn a_second_sigterm_stops_the_drain_at_once_and_reports_what_was_left() {
    // Each alert keeps the exec handler busy for 5 s: draining three takes 15 s. The first
    // SIGTERM starts the drain; the second stops it, and the alerts still queued are counted.
    let case = Case::new();
    let script = case.file(
        "slow.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: TRUE)\n        .exec('/bin/sh', '-c', 'sleep 5')\n",
    );
    let tick = Tick::start(&case, &[script.as_str()]);
    assert_eq!(
        post(
            tick.port,
            "/write?db=db",
            "cpu v=1 1\ncpu v=2 2\ncpu v=3 3\n"
        ),
        (204, String::new())
    );
    let started = Instant::now();
    tick.terminate();
    // Wait until the first signal has been taken (the drain has begun).
    let deadline = Instant::now() + Duration::from_secs(20);
    while !tick.stderr().contains("tick: stopping;") {
        assert!(Instant::now() < deadline, "{}", tick.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let stopped = tick.stop();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "exited after {took:?}");
    assert_eq!(stopped.code, 1, "{}", stopped.stderr);
    assert!(
        stopped
            .stderr
            .contains("tick: second signal; stopping now without waiting for handlers\n"),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped.stderr.ends_with(
            "tick: 3 points read, 0 lines rejected\ntick: 3 alert deliveries failed or were lost\n"
        ),
        "{}",
        stopped.stderr
    );
}
