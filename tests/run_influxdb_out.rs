//! `|influxDBOut()` end to end: `tick run` writes to a real InfluxDB 1.x (Debian's `influxd`,
//! started by the test on free loopback ports), and the test reads the result back with a
//! query. The expected series, tags, fields and times are what Kapacitor 1.5.7 wrote into the
//! same InfluxDB for the same script and points (the oracle run with `--conf-extra` giving an
//! `[[influxdb]]` named `out` at that influxd, then the same queries).

use std::time::Duration;

use crate::support::Case;
use crate::support::influxd::{Influxd, free_port};

/// Two `influxDBOut` nodes: one with every property that changes what is written, one that
/// keeps the point's own database, retention policy and measurement.
const SCRIPT: &str = r#"dbrp "src"."autogen"

var data = stream
    |from()
        .measurement('cpu')

data
    |influxDBOut()
        .cluster('out')
        .database('tickout')
        .retentionPolicy('two')
        .measurement('copy')
        .tag('source', 'tick')
        .tag('region', 'eu')
        .precision('s')
        .buffer(2)
        .flushInterval(1s)
        .create()

data
    |where(lambda: "v" > 1.0)
    |influxDBOut()
        .cluster('out')
"#;

const POINTS: &str = "cpu,host=a,region=us v=1.5,n=3i,s=\"x y\",b=true 1000000000123\n\
cpu,host=b,region=us v=0.5,n=-2i,s=\"q\\\"uote\",b=false 2000000000999\n\
cpu,host=a v=2.25 3500000000000\n\
mem,host=a v=9 4000000000000\n";

/// What Kapacitor 1.5.7 wrote (see the module comment): the `.create()` node's database and
/// retention policy, with the node's tags over the point's and the times cut to seconds.
const COPY: &str = r#"{"results":[{"statement_id":0,"series":[{"name":"copy","columns":["time","b","host","n","region","s","source","v"],"values":[[1000000000000,true,"a",3,"eu","x y","tick",1.5],[2000000000000,false,"b",-2,"eu","q\"uote","tick",0.5],[3500000000000,null,"a",null,"eu",null,"tick",2.25]]}]}]}"#;

/// What Kapacitor 1.5.7 wrote through the second node: the points' own database, retention
/// policy and measurement, nanosecond times.
const SAME: &str = r#"{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","b","host","n","region","s","v"],"values":[[1000000000123,true,"a",3,"us","x y",1.5],[3500000000000,null,"a",null,null,null,2.25]]}]}]}"#;

fn config(case: &Case, port: u16) -> String {
    case.file(
        "kapacitor.conf",
        &format!(
            "[[influxdb]]\n  enabled = true\n  name = \"out\"\n  urls = [\"http://127.0.0.1:{port}\"]\n  \
             timeout = \"5s\"\n  disable-subscriptions = true\n"
        ),
    )
}

#[test]
fn points_are_written_to_influxdb_as_kapacitor_writes_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let influxd = Influxd::start(dir.path());
    influxd.execute("CREATE DATABASE src");
    let out = run_with_stats(influxd.port, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        influxd.query("", "SHOW RETENTION POLICIES ON tickout"),
        r#"{"results":[{"statement_id":0,"series":[{"columns":["name","duration","shardGroupDuration","replicaN","default"],"values":[["two","0s","168h0m0s",1,true]]}]}]}"#
    );
    assert_eq!(
        influxd.query("tickout", "SELECT * FROM \"two\".\"copy\""),
        COPY
    );
    assert_eq!(
        influxd.query("src", "SELECT * FROM \"autogen\".\"cpu\""),
        SAME
    );
    let stats = stats_json(&out.stderr);
    assert_eq!(
        stats["influxdb_out"],
        serde_json::json!([
            {"task": "out", "node": "influxdb_out2", "points_written": 3, "write_errors": 0, "lost": 0, "last_error": null},
            {"task": "out", "node": "influxdb_out4", "points_written": 2, "write_errors": 0, "lost": 0, "last_error": null},
        ])
    );
}

#[test]
fn points_wait_for_an_influxdb_that_comes_up_late() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let case = Case::new();
    let script = case.file("out.tick", SCRIPT);
    let conf = config(&case, port);
    let case = case.args(["run", script.as_str(), "--config", conf.as_str()]);
    let mut tick = case.spawn();
    tick.write(POINTS.as_bytes());
    // The `.create()` request and the first writes fail while nothing listens: tick retries.
    tick.wait_for_stderr("request failed");
    let influxd = Influxd::start_on(dir.path(), port);
    influxd.execute("CREATE DATABASE src");
    std::thread::sleep(Duration::from_millis(200));
    let out = tick.wait();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        influxd.query("tickout", "SELECT * FROM \"two\".\"copy\""),
        COPY
    );
    assert_eq!(
        influxd.query("src", "SELECT * FROM \"autogen\".\"cpu\""),
        SAME
    );
}

#[test]
fn points_influxdb_refuses_are_reported_counted_and_fail_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let influxd = Influxd::start(dir.path());
    // No database `src`: InfluxDB answers the second node's write with 404.
    let out = run_with_stats(influxd.port, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "failed to write points to InfluxDB: database not found: \"src\" (2 point(s) lost)"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("tick: 2 point(s) of influxDBOut nodes were not written to InfluxDB"),
        "{}",
        out.stderr
    );
    let stats = stats_json(&out.stderr);
    assert_eq!(stats["influxdb_out"][0]["points_written"], 3);
    assert_eq!(stats["influxdb_out"][1]["points_written"], 0);
    assert_eq!(stats["influxdb_out"][1]["write_errors"], 1);
    assert_eq!(stats["influxdb_out"][1]["lost"], 2);
    assert_eq!(
        influxd.query("tickout", "SELECT * FROM \"two\".\"copy\""),
        COPY
    );
}

#[test]
fn points_for_an_influxdb_that_never_comes_are_lost_after_the_drain_timeout() {
    let out = run_with_stats(free_port(), &["--drain-timeout", "2s"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("tick: 5 point(s) of influxDBOut nodes were not written to InfluxDB"),
        "{}",
        out.stderr
    );
    let stats = stats_json(&out.stderr);
    assert_eq!(stats["influxdb_out"][0]["lost"], 3);
    assert_eq!(stats["influxdb_out"][1]["lost"], 2);
}

#[test]
fn an_unknown_cluster_is_refused_at_start() {
    let case = Case::new();
    let script = case.file(
        "out.tick",
        "stream\n    |from()\n    |influxDBOut()\n        .cluster('nope')\n",
    );
    let conf = config(&case, free_port());
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("")
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "out.tick: error: influxdb_out2: failed to get InfluxDB client: no such InfluxDB config nope"
        ),
        "{}",
        out.stderr
    );
}

/// `tick run SCRIPT --config (InfluxDB at port) --stats=json ARGS` with [`POINTS`] as input.
fn run_with_stats(port: u16, args: &[&str]) -> crate::support::Output {
    let case = Case::new();
    let script = case.file("out.tick", SCRIPT);
    let conf = config(&case, port);
    case.args([
        "run",
        script.as_str(),
        "--config",
        conf.as_str(),
        "--stats=json",
    ])
    .args(args.iter().copied())
    .stdin(POINTS)
    .run()
}

/// The `--stats=json` object on stderr.
fn stats_json(stderr: &str) -> serde_json::Value {
    let line = stderr
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no stats in {stderr}"));
    serde_json::from_str(line).expect("stats JSON")
}
