//! More service handlers through `tick run` (Alerta, ServiceNow, BigPanda, Zenoss): each sends
//! exactly the request Kapacitor sends for the same script, points and `kapacitor.conf`, to a
//! receiver this test starts on a loopback port, for a CRITICAL and its recovery; `tick
//! service-test` sends the service's test alert.

use crate::support::Case;
use crate::support::receiver::{Answers, Receiver, Seen};

/// A CRITICAL and its recovery of host `a`.
const POINTS: &str =
    "cpu,host=a,dc=x usage_idle=5 1000000000\ncpu,host=a,dc=x usage_idle=50 2000000000\n";

/// Runs `script` (as a task named `oracle`, the name the oracle's task had) over [`POINTS`]
/// with `conf`, expecting success.
fn run(script: &str, conf: &str) -> String {
    let case = Case::new();
    let script = case.file("oracle.tick", script);
    let conf = case.file("kapacitor.conf", conf);
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    out.stderr
}

/// The bodies the receiver saw whose `select` says they are one handler's, in order.
fn bodies_where(seen: &[Seen], select: impl Fn(&Seen) -> bool) -> Vec<String> {
    seen.iter()
        .filter(|s| select(s))
        .map(|s| s.body.clone())
        .collect()
}

/// Runs `tick service-test NAME` with `conf` and expects it to pass.
fn service_test(name: &str, conf: &str) {
    let case = Case::new();
    let conf = case.file("kapacitor.conf", conf);
    let out = case
        .args(["service-test", name, "--config", conf.as_str()])
        .run();
    assert_eq!(out.code, 0, "stdout: {} stderr: {}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        format!("Service             Success   Message\n{name:<20}true      \n")
    );
}

const ALERTA_SCRIPT: &str = r#"stream
    |from()
        .measurement('cpu')
        .groupBy('host')
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields "usage_idle" }}> & more')
        .crit(lambda: "usage_idle" < 10)
        .alerta()
        .alerta()
            .token('own-token')
            .resource('{{ index .Tags "host" }}')
            .event('{{ .ID }}-{{ .TaskName }}')
            .environment('Dev-{{ index .Tags "dc" }}')
            .group('{{ .Name }}')
            .value('{{ index .Fields "usage_idle" }}')
            .origin('tick-origin')
            .services('svc-{{ .Name }}', 'web')
            .timeout(5m)
"#;

fn alerta_conf(url: &str) -> String {
    format!(
        "[alerta]\n  enabled = true\n  url = \"{url}/api\"\n  token = \"conf-token\"\n  environment = \"Production\"\n  origin = \"conf-origin\"\n"
    )
}

#[test]
fn alerta_sends_kapacitors_alerts_for_a_critical_and_its_recovery() {
    let receiver = Receiver::start(Answers::Statuses(vec![201]));
    let stderr = run(ALERTA_SCRIPT, &alerta_conf(&receiver.url));
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [alerta] section (its url pointed at a recording listener answering 201). Kapacitor
    // lists the tags in Go's random map order; tick sorts them, one of the orders it sends.
    let body = |env: &str,
                event: &str,
                group: &str,
                origin: &str,
                resource: &str,
                service: &str,
                level: (&str, &str),
                idle: u32,
                timeout: u32,
                value: &str| {
        let secs = if idle == 5 { 1 } else { 2 };
        format!(
            "{{\"environment\":\"{env}\",\"event\":\"{event}\",\"group\":\"{group}\",\"origin\":\"{origin}\",\
             \"rawData\":{{\"series\":[{{\"name\":\"cpu\",\"tags\":{{\"dc\":\"x\",\"host\":\"a\"}},\"columns\":[\"time\",\"usage_idle\"],\"values\":[[\"1970-01-01T00:00:0{secs}Z\",{idle}]]}}]}},\
             \"resource\":\"{resource}\",\"service\":[{service}],\"severity\":\"{}\",\"tags\":[\"dc=x\",\"host=a\"],\
             \"text\":\"cpu/a is {} \\u003cidle={idle}\\u003e \\u0026 more\",\"timeout\":{timeout},\"value\":\"{value}\"}}\n",
            level.0, level.1
        )
    };
    let section = |level, idle| {
        body(
            "Production",
            "cpu/a",
            "host=a",
            "conf-origin",
            "cpu",
            "\"cpu\"",
            level,
            idle,
            86400,
            "",
        )
    };
    let own = |level, idle: u32| {
        body(
            "Dev-x",
            "cpu/a-oracle",
            "cpu",
            "tick-origin",
            "a",
            "\"svc-cpu\",\"web\"",
            level,
            idle,
            300,
            &idle.to_string(),
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/api/alert");
        assert_eq!(s.header("content-type"), Some("application/json"));
    }
    let critical = ("critical", "CRITICAL");
    let ok = ("ok", "OK");
    assert_eq!(
        bodies_where(&seen, |s| s.header("authorization")
            == Some("Bearer conf-token")),
        [section(critical, 5), section(ok, 50)]
    );
    assert_eq!(
        bodies_where(&seen, |s| s.header("authorization")
            == Some("Bearer own-token")),
        [own(critical, 5), own(ok, 50)]
    );
    assert!(!stderr.contains("conf-token"), "{stderr}");
}

#[test]
fn alerta_errors_carry_alertas_message_and_count_as_failed() {
    let receiver = Receiver::start(Answers::Statuses(vec![400]));
    let case = Case::new();
    let script = case.file(
        "a.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: TRUE)\n        .alerta()\n",
    );
    let conf = case.file("kapacitor.conf", &alerta_conf(&receiver.url));
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu usage_idle=5 1000000000\n")
        .run();
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    // The receiver answers "oops", which is not JSON: Kapacitor's fallback text.
    assert!(
        out.stderr.contains(
            "failed to send event to alerta: failed to understand Alerta response. code: 400 content: oops"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(receiver.seen().len(), 1, "a 400 is not tried again");
    assert!(!out.stderr.contains("conf-token"), "{}", out.stderr);
}

#[test]
fn service_test_alerta_sends_kapacitors_test_alert() {
    let receiver = Receiver::start(Answers::Statuses(vec![201]));
    service_test("alerta", &alerta_conf(&receiver.url));
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), Some("Bearer conf-token"));
    // Kapacitor's TestOptions and Service.Test (services/alerta/service.go at v1.5.7).
    assert_eq!(
        seen[0].body,
        "{\"environment\":\"Production\",\"event\":\"testEvent\",\"group\":\"testGroup\",\"origin\":\"conf-origin\",\
         \"rawData\":{\"series\":null},\"resource\":\"testResource\",\"service\":[\"testServiceA\",\"testServiceB\"],\
         \"severity\":\"critical\",\"tags\":[],\"text\":\"test alerta message\",\"timeout\":86400,\"value\":\"testValue\"}\n"
    );
}

const SERVICENOW_SCRIPT: &str = r#"stream
    |from()
        .measurement('cpu')
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields "usage_idle" }}> & more')
        .crit(lambda: "usage_idle" < 10)
        .serviceNow()
        .serviceNow()
            .source('tick-src')
            .node('{{ index .Tags "host" }}')
            .type('{{ .Name }}')
            .resource('{{ .TaskName }}')
            .metricName('usage_idle')
            .messageKey('{{ .ID }}-{{ index .Fields "usage_idle" }}')
"#;

fn servicenow_conf(url: &str) -> String {
    format!(
        "[servicenow]\n  enabled = true\n  url = \"{url}/api/now/v1/table/em_alert\"\n  source = \"conf-source\"\n  username = \"sn-user\"\n  password = \"sn-pass\"\n"
    )
}

#[test]
fn servicenow_sends_kapacitors_events_with_basic_auth_for_a_critical_and_its_recovery() {
    let receiver = Receiver::start(Answers::Statuses(vec![201]));
    let stderr = run(SERVICENOW_SCRIPT, &servicenow_conf(&receiver.url));
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [servicenow] section (its url pointed at a recording listener answering 201).
    let section = |level: &str, severity: u32, idle: u32| {
        format!(
            "{{\"source\":\"conf-source\",\"node\":\"\",\"type\":\"\",\"resource\":\"\",\"metric_name\":\"\",\"message_key\":\"cpu/a\",\
             \"severity\":\"{severity}\",\"description\":\"cpu/a is {level} \\u003cidle={idle}\\u003e \\u0026 more\"}}"
        )
    };
    let own = |level: &str, severity: u32, idle: u32| {
        format!(
            "{{\"source\":\"tick-src\",\"node\":\"a\",\"type\":\"cpu\",\"resource\":\"oracle\",\"metric_name\":\"usage_idle\",\"message_key\":\"cpu/a-{idle}\",\
             \"severity\":\"{severity}\",\"description\":\"cpu/a is {level} \\u003cidle={idle}\\u003e \\u0026 more\"}}"
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/api/now/v1/table/em_alert");
        assert_eq!(s.header("content-type"), Some("application/json"));
        assert_eq!(
            s.header("authorization"),
            Some("Basic c24tdXNlcjpzbi1wYXNz")
        );
    }
    assert_eq!(
        bodies_where(&seen, |s| s.body.contains("conf-source")),
        [section("CRITICAL", 1, 5), section("OK", 5, 50)]
    );
    assert_eq!(
        bodies_where(&seen, |s| s.body.contains("tick-src")),
        [own("CRITICAL", 1, 5), own("OK", 5, 50)]
    );
    assert!(!stderr.contains("sn-pass"), "{stderr}");
}

#[test]
fn servicenow_topic_handler_files_take_kapacitors_keys() {
    let receiver = Receiver::start(Answers::Statuses(vec![201]));
    let case = Case::new();
    let script = case.file(
        "t.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        .message('{{ .ID }} is {{ .Level }}')\n        .crit(lambda: \"usage_idle\" < 10)\n        .topic('cpu')\n",
    );
    let handler = case.file(
        "sn.yaml",
        "id: sn\ntopic: cpu\nkind: servicenow\noptions:\n  node: '{{ index .Tags \"dc\" }}'\n  metricName: idle\n  messageKey: key-{{ .Name }}\n",
    );
    let conf = case.file("kapacitor.conf", &servicenow_conf(&receiver.url));
    let out = case
        .args([
            "run",
            script.as_str(),
            "--config",
            conf.as_str(),
            "--handler",
            handler.as_str(),
        ])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // The keys of Kapacitor's servicenow.HandlerConfig, and its request
    // (services/servicenow/service.go at v1.5.7, `preparePost`).
    let body = |level: &str, severity: u32| {
        format!(
            "{{\"source\":\"conf-source\",\"node\":\"x\",\"type\":\"\",\"resource\":\"\",\"metric_name\":\"idle\",\"message_key\":\"key-cpu\",\
             \"severity\":\"{severity}\",\"description\":\"cpu/a is {level}\"}}"
        )
    };
    let seen = receiver.seen();
    assert_eq!(
        bodies_where(&seen, |_| true),
        [body("CRITICAL", 1), body("OK", 5)]
    );
}

#[test]
fn service_test_servicenow_sends_kapacitors_test_alert() {
    let receiver = Receiver::start(Answers::Statuses(vec![201]));
    service_test("servicenow", &servicenow_conf(&receiver.url));
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/api/now/v1/table/em_alert");
    // Kapacitor's TestOptions and Service.Test (services/servicenow/service.go at v1.5.7).
    assert_eq!(
        seen[0].body,
        "{\"source\":\"Kapacitor\",\"node\":\"\",\"type\":\"\",\"resource\":\"\",\"metric_name\":\"\",\"message_key\":\"id\",\
         \"severity\":\"1\",\"description\":\"test servicenow alert\"}"
    );
}

/// The points of Kapacitor's integrations/testdata/TestStream_Alert.srpl (v1.8.3) as line
/// protocol: its times are seconds after 1971-01-01, here one second earlier, so that the first
/// window closes at 10 s with 10 points, as it does in Kapacitor's test harness (kapacitord fed
/// these points over HTTP, Kapacitor 1.5.7, gives the same windows, and counts 10 and 2).
const STREAM_ALERT_POINTS: &[&str] = &[
    "cpu,type=idle,host=serverA value=97.1 31536000000000000\n",
    "cpu,type=idle,host=serverB value=97.1 31536000000000000\n",
    "disk,type=sda,host=serverB value=39 31536000000000000\n",
    "cpu,type=idle,host=serverA value=92.6 31536001000000000\n",
    "cpu,type=idle,host=serverB value=92.6 31536001000000000\n",
    "cpu,type=idle,host=serverA value=95.6 31536002000000000\n",
    "cpu,type=idle,host=serverB value=95.6 31536002000000000\n",
    "cpu,type=idle,host=serverA value=93.1 31536003000000000\n",
    "cpu,type=idle,host=serverB value=93.1 31536003000000000\n",
    "cpu,type=idle,host=serverA value=92.6 31536004000000000\n",
    "cpu,type=idle,host=serverB value=92.6 31536004000000000\n",
    "cpu,type=idle,host=serverA value=95.8 31536005000000000\n",
    "cpu,type=idle,host=serverB value=95.8 31536005000000000\n",
    "cpu,type=idle,host=serverC value=95.8 31536005000000000\n",
    "cpu,type=idle,host=serverA value=92.7 31536006000000000\n",
    "cpu,type=idle,host=serverB value=92.7 31536006000000000\n",
    "cpu,type=idle,host=serverA value=96.0 31536007000000000\n",
    "cpu,type=idle,host=serverB value=96.0 31536007000000000\n",
    "cpu,type=idle,host=serverA value=93.4 31536008000000000\n",
    "cpu,type=idle,host=serverB value=93.4 31536008000000000\n",
    "disk,type=sda,host=serverB value=423 31536008000000000\n",
    "cpu,type=idle,host=serverA value=95.3 31536009000000000\n",
    "cpu,type=idle,host=serverB value=95.3 31536009000000000\n",
    "cpu,type=idle,host=serverA value=96.4 31536010000000000\n",
    "cpu,type=idle,host=serverB value=96.4 31536010000000000\n",
    "cpu,type=idle,host=serverA value=95.1 31536011000000000\n",
    "cpu,type=idle,host=serverB value=95.1 31536011000000000\n",
];

const BIGPANDA_SCRIPT: &str = r#"stream
    |from()
        .measurement('cpu')
        .where(lambda: "host" == 'serverA')
        .groupBy('host')
    |window()
        .period(10s)
        .every(10s)
    |count('value')
    |alert()
        .id('kapacitor/{{ .Name }}/{{ index .Tags "host" }}')
        .message('kapacitor/{{ .Name }}/{{ index .Tags "host" }} is {{ .Level }} @{{.Time}}')
        .details('https://example.org/link')
        .info(lambda: "count" > 6.0)
        .warn(lambda: "count" > 7.0)
        .crit(lambda: "count" > 8.0)
        .bigPanda()
            .appKey('111111')
            .host('{{.Tags.host}}')
            .primaryProperty('host')
        .bigPanda()
            .appKey('222222')
            .host('serverA-1')
            .secondaryProperty('application')
        .bigPanda()
            .attribute('x_host', '{{.Tags.host}}')
            .attribute('x_duration', '{{.Duration}}')
            .attribute('x_detail', '{{.Details}}')
            .attribute('x_value', '{{.Fields.count}}')
"#;

fn bigpanda_conf(url: &str) -> String {
    format!(
        "[bigpanda]\n  enabled = true\n  app-key = \"012345\"\n  token = \"testtoken1231234\"\n  url = \"{url}/test/bigpanda/url\"\n  auto-attributes = \"\"\n"
    )
}

#[test]
fn bigpanda_sends_kapacitors_alerts_for_a_critical_and_its_recovery() {
    let receiver = Receiver::start(Answers::Statuses(vec![201]));
    let case = Case::new();
    let script = case.file("TestStream_Alert.tick", BIGPANDA_SCRIPT);
    let conf = case.file("kapacitor.conf", &bigpanda_conf(&receiver.url));
    // The window after the CRITICAL holds 2 points (10 s and 11 s): the alert recovers when a
    // point at 20 s closes it.
    let mut points = STREAM_ALERT_POINTS.concat();
    points.push_str("cpu,type=idle,host=serverA value=95.0 31536020000000000\n");
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(points)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // The CRITICAL requests are Kapacitor's TestStream_AlertBigPanda
    // (integrations/streamer_test.go at v1.8.3, the same on master; BigPanda first shipped in
    // v1.5.8), written as its Service.preparePost encodes them: one map, keys sorted,
    // compact. The recovery is the same function's for an OK event 10 s later
    // (services/bigpanda/service.go at v1.8.3: status "ok").
    let body = |level: &str, secs: u32, own: &str| {
        let status = level.to_ascii_lowercase();
        format!(
            "{{\"app_key\":{own},\"check\":\"kapacitor/cpu/serverA\",\
             \"description\":\"kapacitor/cpu/serverA is {level} @1971-01-01 00:00:{secs} +0000 UTC\",\
             \"details\":\"https://example.org/link\",\"host\":\"\",\"status\":\"{status}\",\"task\":\"TestStream_Alert:cpu\",\"timestamp\":315360{secs}}}"
        )
    };
    let first = |level: &str, secs: u32| {
        body(level, secs, "\"111111\"").replace(
            "\"host\":\"\",",
            "\"host\":\"serverA\",\"primary_property\":\"host\",",
        )
    };
    let second = |level: &str, secs: u32| {
        body(level, secs, "\"222222\"").replace(
            "\"host\":\"\",\"status\":\"",
            "\"host\":\"serverA-1\",\"secondary_property\":\"application\",\"status\":\"",
        )
    };
    let third = |level: &str, secs: u32, duration: &str, count: u32| {
        body(level, secs, "\"012345\"").replace(
            '}',
            &format!(
                ",\"x_detail\":\"https://example.org/link\",\"x_duration\":\"{duration}\",\"x_host\":\"serverA\",\"x_value\":\"{count}\"}}"
            ),
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 6);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/test/bigpanda/url");
        assert_eq!(s.header("content-type"), Some("application/json"));
        assert_eq!(s.header("authorization"), Some("Bearer testtoken1231234"));
    }
    let of = |key: &str| {
        bodies_where(&seen, |s| {
            s.body.starts_with(&format!("{{\"app_key\":\"{key}\""))
        })
    };
    assert_eq!(of("111111"), [first("CRITICAL", 10), first("OK", 20)]);
    assert_eq!(of("222222"), [second("CRITICAL", 10), second("OK", 20)]);
    assert_eq!(
        of("012345"),
        [third("CRITICAL", 10, "0s", 10), third("OK", 20, "10s", 2)]
    );
    assert!(!out.stderr.contains("testtoken"), "{}", out.stderr);
}

#[test]
fn service_test_bigpanda_sends_kapacitors_test_alert() {
    let receiver = Receiver::start(Answers::Statuses(vec![201]));
    service_test("bigpanda", &bigpanda_conf(&receiver.url));
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer testtoken1231234")
    );
    // Kapacitor's TestOptions and Service.Test (services/bigpanda/service.go at v1.8.3): the
    // time is now.
    let body = &seen[0].body;
    let (head, time) = body.rsplit_once("\"timestamp\":").expect("a timestamp");
    assert_eq!(
        head,
        "{\"app_key\":\"012345\",\"description\":\"test bigpanda message\",\"status\":\"critical\",\"task\":\":testBigPanda\","
    );
    let secs: u64 = time.trim_end_matches('}').parse().expect("seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(now.abs_diff(secs) < 60, "{body}");
}

/// [`STREAM_ALERT_POINTS`], then serverA points that bring the mean of the window that closes
/// at 20 s down to 14.7 (96.4, 95.1 and eleven zeros), and a point at 20 s that closes it: the
/// CRITICAL of the first window recovers.
fn zenoss_points() -> String {
    let mut points = STREAM_ALERT_POINTS.concat();
    for i in 0..11u64 {
        let nanos = 31_536_012_000_000_000 + i * 500_000_000;
        points.push_str(&format!("cpu,type=idle,host=serverA value=0 {nanos}\n"));
    }
    points.push_str("cpu,type=idle,host=serverA value=95.0 31536020000000000\n");
    points
}

/// The script of Kapacitor's TestStream_AlertZenoss and TestStream_AlertZenoss_Custom
/// (integrations/streamer_test.go at v1.8.3) up to their handlers.
const ZENOSS_ALERT: &str = r#"stream
	|from()
		.measurement('cpu')
		.where(lambda: "host" == 'serverA')
		.groupBy('host', 'type')
	|window()
		.period(10s)
		.every(10s)
	|mean('value')
	|alert()
		.id('kapacitor/{{ .Name }}/{{ index .Tags "host" }}')
		.info(lambda: "mean" > 15.0)
		.warn(lambda: "mean" > 50.0)
		.crit(lambda: "mean" > 90.0)
"#;

/// Runs `script` (as the task `TestStream_Alert`) over [`zenoss_points`] with `conf`.
fn run_zenoss(script: &str, conf: &str) -> crate::support::Output {
    let case = Case::new();
    let script = case.file("TestStream_Alert.tick", script);
    let conf = case.file("kapacitor.conf", conf);
    case.args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(zenoss_points())
        .run()
}

fn zenoss_conf(url: &str, more: &str) -> String {
    format!("[zenoss]\n  enabled = true\n  url = \"{url}/zport/dmd/evconsole_router\"\n{more}")
}

/// Kapacitor's `zenoss.Event` as `json.Marshal` writes it (services/zenoss/service.go at
/// v1.8.3): the struct's fields in order, the one data map with its keys sorted.
fn zenoss_event(action: &str, method: &str, data: &str) -> String {
    format!(
        "{{\"action\":\"{action}\",\"method\":\"{method}\",\"data\":[{data}],\"type\":\"rpc\",\"tid\":1}}"
    )
}

#[test]
fn zenoss_sends_kapacitors_events_for_a_critical_and_its_recovery() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    // Kapacitor's TestStream_AlertZenoss (integrations/streamer_test.go at v1.8.3; Zenoss
    // first shipped in v1.6.0): its script, data and `[zenoss]` (no collector), with a user
    // and password added for basic authentication.
    let out = run_zenoss(
        &format!(
            "{ZENOSS_ALERT}\t\t.zenoss()\n\t\t\t.device('#DEVICE001')\n\t\t\t.component('CPU')\n\t\t\t.eventClass('/App')\n"
        ),
        &zenoss_conf(
            &receiver.url,
            "  collector = \"\"\n  username = \"kapacitor\"\n  password = \"zen-pass\"\n",
        ),
    );
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // The CRITICAL is that test's expected request. The recovery is the same
    // `Service.preparePost` for an OK event: the default severity map's "Clear" and the OK
    // message as summary.
    let data = |severity: &str, level: &str| {
        format!(
            "{{\"component\":\"CPU\",\"device\":\"#DEVICE001\",\"evclass\":\"/App\",\"evclasskey\":\"\",\
             \"severity\":\"{severity}\",\"summary\":\"kapacitor/cpu/serverA is {level}\"}}"
        )
    };
    let seen = receiver.seen();
    assert_eq!(
        bodies_where(&seen, |_| true),
        [
            zenoss_event("EventsRouter", "add_event", &data("Critical", "CRITICAL")),
            zenoss_event("EventsRouter", "add_event", &data("Clear", "OK")),
        ]
    );
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/zport/dmd/evconsole_router");
        assert_eq!(s.header("content-type"), Some("application/json"));
        // Go's `Request.SetBasicAuth("kapacitor", "zen-pass")`.
        assert_eq!(
            s.header("authorization"),
            Some("Basic a2FwYWNpdG9yOnplbi1wYXNz")
        );
    }
    assert!(!out.stderr.contains("zen-pass"), "{}", out.stderr);
}

#[test]
fn zenoss_custom_fields_templates_and_severities_are_kapacitors() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    // Kapacitor's TestStream_AlertZenoss_Custom (integrations/streamer_test.go at v1.8.3):
    // its script, data and `[zenoss]` with a numeric severity map.
    let out = run_zenoss(
        &(ZENOSS_ALERT.to_string()
            + r#"		.details('{{.}}')
		.zenoss()
			.action('ScriptsRouter')
			.method('kapa_handler')
			.eventClass('/App')
			.message('This is message for alert {{ .ID }}')
			.collector('{{ index .Tags "host" }}')
			.customField('data', '{"id":"{{.ID}}","message":"{{.Message}}","time":"{{.Time}}","duration":"{{ .Duration}}","level":"{{.Level}}","recoverable":{{.Recoverable}}}')
			.customField('ticks', 33)
"#),
        &zenoss_conf(
            &receiver.url,
            "  severity-map = { OK = 0, Info = 2, Warning = 3, Critical = 5 }\n",
        ),
    );
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // The CRITICAL is that test's expected request; the recovery is
    // `Service.preparePost`'s for the OK event 10 s later.
    let data = |severity: u32, level: &str, secs: u32, duration: &str| {
        format!(
            "{{\"collector\":\"serverA\",\"component\":\"\",\
             \"data\":{{\"duration\":\"{duration}\",\"id\":\"kapacitor/cpu/serverA\",\"level\":\"{level}\",\
             \"message\":\"kapacitor/cpu/serverA is {level}\",\"recoverable\":true,\
             \"time\":\"1971-01-01 00:00:{secs} +0000 UTC\"}},\
             \"device\":\"\",\"evclass\":\"/App\",\"evclasskey\":\"\",\
             \"message\":\"This is message for alert kapacitor/cpu/serverA\",\
             \"severity\":{severity},\"summary\":\"kapacitor/cpu/serverA is {level}\",\"ticks\":33}}"
        )
    };
    assert_eq!(
        bodies_where(&receiver.seen(), |_| true),
        [
            zenoss_event(
                "ScriptsRouter",
                "kapa_handler",
                &data(5, "CRITICAL", 10, "0s")
            ),
            zenoss_event("ScriptsRouter", "kapa_handler", &data(0, "OK", 20, "10s")),
        ]
    );
}

#[test]
fn zenoss_topic_handler_files_take_kapacitors_keys() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "t.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        .message('{{ .ID }} is {{ .Level }}')\n        .crit(lambda: \"usage_idle\" < 10)\n        .topic('cpu')\n",
    );
    // The options of Kapacitor's zenoss case of TestServer_AlertHandlers
    // (server/server_test.go at v1.8.3), with TestStream_AlertZenoss_Custom's `ticks` field.
    let handler = case.file(
        "zenoss.yaml",
        "id: zenoss\ntopic: cpu\nkind: zenoss\noptions:\n  action: EventsRouter\n  method: add_event\n  type: rpc\n  TID: 1\n  customField:\n    ticks: 33\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &zenoss_conf(&receiver.url, "  collector = \"\"\n"),
    );
    let out = case
        .args([
            "run",
            script.as_str(),
            "--config",
            conf.as_str(),
            "--handler",
            handler.as_str(),
        ])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // That case's expected request with this script's message as summary, and `ticks` as
    // the Custom test expects it.
    let data = |severity: &str, level: &str| {
        format!(
            "{{\"component\":\"\",\"device\":\"\",\"evclass\":\"\",\"evclasskey\":\"\",\
             \"severity\":\"{severity}\",\"summary\":\"cpu/a is {level}\",\"ticks\":33}}"
        )
    };
    assert_eq!(
        bodies_where(&receiver.seen(), |_| true),
        [
            zenoss_event("EventsRouter", "add_event", &data("Critical", "CRITICAL")),
            zenoss_event("EventsRouter", "add_event", &data("Clear", "OK")),
        ]
    );
}

#[test]
fn zenoss_accepts_only_200_and_reports_zenoss_error() {
    // Kapacitor's `Service.Alert` (services/zenoss/service.go at v1.8.3): any status but 200
    // fails with the answer's `error`, or its fallback text.
    let receiver = Receiver::start(Answers::Statuses(vec![201]));
    let case = Case::new();
    let script = case.file(
        "z.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: TRUE)\n        .zenoss()\n",
    );
    let conf = case.file("kapacitor.conf", &zenoss_conf(&receiver.url, ""));
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu usage_idle=5 1000000000\n")
        .run();
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert!(
        out.stderr.contains(
            "failed to send event to zenoss: failed to understand Zenoss response. code: 201 content: oops"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(receiver.seen().len(), 1, "a 201 is not tried again");
}

#[test]
fn service_test_zenoss_sends_kapacitors_test_event() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    service_test("zenoss", &zenoss_conf(&receiver.url, ""));
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/zport/dmd/evconsole_router");
    // Kapacitor's TestOptions and Service.Test (services/zenoss/service.go at v1.8.3; the
    // options TestServer_ListServiceTests lists in server/server_test.go): CRITICAL, "test
    // zenoss message", the section's action, method, type, tid and collector.
    assert_eq!(
        seen[0].body,
        zenoss_event(
            "EventsRouter",
            "add_event",
            "{\"collector\":\"Kapacitor\",\"component\":\"\",\"device\":\"\",\"evclass\":\"\",\"evclasskey\":\"\",\
             \"severity\":\"Critical\",\"summary\":\"test zenoss message\"}"
        )
    );
    // TestServer_DoServiceTest (server/server_test.go at v1.8.3): a disabled section.
    let case = Case::new();
    let disabled = case.file("kapacitor.conf", "[zenoss]\n  enabled = false\n");
    let out = case
        .args(["service-test", "zenoss", "--config", disabled.as_str()])
        .run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "Service             Success   Message\nzenoss              false     service is not enabled\n"
    );
}

#[test]
fn a_global_zenoss_section_serves_every_alert_and_state_changes_only_needs_global() {
    // Kapacitor's `newAlertNode` (alert.go at v1.8.3): a global `[zenoss]` adds a handler with
    // the section's defaults to an alert node without `.zenoss()`; `state-changes-only` makes
    // the node stateChangesOnly only when the section is global too.
    let points = "cpu,host=a usage_idle=5 1000000000\ncpu,host=a usage_idle=4 2000000000\n\
                  cpu,host=a usage_idle=50 3000000000\n";
    let script = |handler: &str| {
        format!(
            "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu')\n        .message('{{{{ .ID }}}} is {{{{ .Level }}}}')\n        .crit(lambda: \"usage_idle\" < 10){handler}\n"
        )
    };
    let summaries = |script: &str, more: &str| {
        let receiver = Receiver::start(Answers::Statuses(vec![200]));
        let case = Case::new();
        let script = case.file("g.tick", script);
        let conf = case.file("kapacitor.conf", &zenoss_conf(&receiver.url, more));
        let out = case
            .args(["run", script.as_str(), "--config", conf.as_str()])
            .stdin(points)
            .run();
        assert_eq!(out.code, 0, "stderr: {}", out.stderr);
        receiver
            .seen()
            .iter()
            .map(|s| {
                let body: serde_json::Value = serde_json::from_str(&s.body).expect("JSON");
                body["data"][0]["summary"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    let every = ["cpu is CRITICAL", "cpu is CRITICAL", "cpu is OK"];
    assert_eq!(summaries(&script(""), "  global = true\n"), every);
    assert_eq!(
        summaries(
            &script(""),
            "  global = true\n  state-changes-only = true\n"
        ),
        ["cpu is CRITICAL", "cpu is OK"]
    );
    assert_eq!(
        summaries(
            &script("\n        .zenoss()"),
            "  state-changes-only = true\n"
        ),
        every
    );
    assert!(summaries(&script(""), "  state-changes-only = true\n").is_empty());
}
