//! The `httpPost` node through `tick run`: each point is POSTed as Kapacitor 1.5.7 posts it
//! (`{"series":[row]}`, or an `[[httppost]]` endpoint's `row-template` with its URL template,
//! `basic-auth` and headers) to a receiver this test starts on a loopback port, and passed on,
//! with `.codeField()` the HTTP status as a field. Every expected request and alert below was
//! captured from Kapacitor 1.5.7 (kapacitord fed the same script, points and `[[httppost]]`
//! configuration, its URLs pointed at a recording listener).

use crate::support::Case;
use crate::support::receiver::{Answers, Receiver, Seen};

const POINTS: &str =
    "cpu,host=a,dc=x value=1.5,n=3i,s=\"t\" 1000000000\ncpu,host=b value=2 2000000000\n";

const BODY_A: &str = "{\"series\":[{\"name\":\"cpu\",\"tags\":{\"dc\":\"x\",\"host\":\"a\"},\"columns\":[\"time\",\"n\",\"s\",\"value\"],\"values\":[[\"1970-01-01T00:00:01Z\",3,\"t\",1.5]]}]}\n";
const BODY_B: &str = "{\"series\":[{\"name\":\"cpu\",\"tags\":{\"host\":\"b\"},\"columns\":[\"time\",\"value\"],\"values\":[[\"1970-01-01T00:00:02Z\",2]]}]}\n";

/// The headers a test compares: what Kapacitor's requests carry besides what each HTTP client
/// adds on its own (`User-Agent`, `Accept-Encoding`, `Host`, `Content-Length`).
fn headers(s: &Seen) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = s
        .headers
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "user-agent" | "accept-encoding" | "host" | "content-length" | "accept"
            )
        })
        .cloned()
        .collect();
    h.sort();
    h
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The messages and the data of the alerts `tick run` printed.
fn alerts(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("alert JSON");
            (
                v["message"].as_str().unwrap_or("").to_string(),
                v["data"].to_string(),
            )
        })
        .collect()
}

#[test]
fn each_point_is_posted_as_a_json_row_with_the_header_and_its_status_is_the_code_field() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "post.tick",
        &format!(
            "stream\n    |from()\n        .measurement('cpu')\n    |httpPost('{}/data?x=1')\n        .header('X-Team', 'ops')\n        .codeField('code')\n    |alert()\n        .crit(lambda: \"code\" == 200)\n        .message('{{{{ index .Fields \"code\" }}}}')\n        .details('')\n        .log('/dev/stdout')\n",
            receiver.url
        ),
    );
    let out = case.args(["run", script.as_str()]).stdin(POINTS).run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (s, body) in seen.iter().zip([BODY_A, BODY_B]) {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/data?x=1");
        assert_eq!(
            headers(s),
            pairs(&[("content-type", "application/json"), ("x-team", "ops")])
        );
        assert_eq!(s.body, body);
    }
    assert_eq!(
        alerts(&out.stdout),
        [
            (
                "200".to_string(),
                r#"{"series":[{"columns":["time","code","n","s","value"],"name":"cpu","tags":{"dc":"x","host":"a"},"values":[["1970-01-01T00:00:01Z",200,3,"t",1.5]]}]}"#.to_string()
            ),
            (
                "200".to_string(),
                r#"{"series":[{"columns":["time","code","value"],"name":"cpu","tags":{"host":"b"},"values":[["1970-01-01T00:00:02Z",200,2]]}]}"#.to_string()
            ),
        ]
    );
}

#[test]
fn an_endpoint_sends_its_row_template_to_its_url_template_with_basic_auth_and_headers() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "post.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |httpPost()\n        .endpoint('rows')\n        .header('X-Extra', 'yes')\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[[httppost]]\nendpoint = \"rows\"\nurl = \"{}/rows/{{{{ .Name }}}}\"\nheaders = {{ X-Endpoint = \"e1\" }}\nbasic-auth = {{ username = \"user\", password = \"secret\" }}\nrow-template = '{{{{ .Name }}}} {{{{ range .Values }}}}{{{{ index . \"value\" }}}} {{{{ index . \"time\" }}}};{{{{ end }}}}{{{{ json .Tags }}}}'\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let bodies = [
        "cpu 1.5 1970-01-01 00:00:01 +0000 UTC;{\"dc\":\"x\",\"host\":\"a\"}\n",
        "cpu 2 1970-01-01 00:00:02 +0000 UTC;{\"host\":\"b\"}\n",
    ];
    for (s, body) in seen.iter().zip(bodies) {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/rows/cpu");
        // A row template's body goes without a Content-Type.
        assert_eq!(
            headers(s),
            pairs(&[
                ("authorization", "Basic dXNlcjpzZWNyZXQ="),
                ("x-endpoint", "e1"),
                ("x-extra", "yes"),
            ])
        );
        assert_eq!(s.body, body);
    }
    assert!(!out.stderr.contains("secret"), "stderr: {}", out.stderr);
}

#[test]
fn a_failing_server_gives_its_status_as_the_code_field_and_counts_an_error_of_the_node() {
    let receiver = Receiver::start(Answers::Statuses(vec![500]));
    let case = Case::new();
    let script = case.file(
        "post.tick",
        &format!(
            "stream\n    |from()\n        .measurement('cpu')\n    |httpPost('{}/f')\n        .captureResponse()\n        .timeout(5s)\n        .codeField('status')\n    |alert()\n        .crit(lambda: TRUE)\n        .message('{{{{ index .Fields \"status\" }}}}')\n        .details('')\n        .log('/dev/stdout')\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--stats"])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let seen = receiver.seen();
    assert_eq!(
        seen.iter().map(|s| s.body.as_str()).collect::<Vec<_>>(),
        [BODY_A, BODY_B]
    );
    let messages: Vec<String> = alerts(&out.stdout).into_iter().map(|a| a.0).collect();
    assert_eq!(messages, ["500", "500"]);
    // Counted every time, with the answer's body (Kapacitor logs "POST returned non 2xx
    // status code" with the body, as .captureResponse() asks, and the code).
    assert!(
        out.stderr.contains(
            "  post/http_post2: POST returned non 2xx status code: code 500: oops (x2)\n"
        ),
        "stderr: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("  post  http_post2         2        2       2     0\n"),
        "stderr: {}",
        out.stderr
    );
}

#[test]
fn a_server_that_never_answers_gives_code_0_after_the_timeout() {
    let receiver = Receiver::start(Answers::Never);
    let case = Case::new();
    let script = case.file(
        "post.tick",
        &format!(
            "stream\n    |from()\n    |httpPost('{}/slow')\n        .timeout(300ms)\n        .codeField('code')\n    |alert()\n        .crit(lambda: TRUE)\n        .message('{{{{ index .Fields \"code\" }}}}')\n        .details('')\n        .log('/dev/stdout')\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str()])
        .stdin("cpu v=1 1000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let messages: Vec<String> = alerts(&out.stdout).into_iter().map(|a| a.0).collect();
    assert_eq!(messages, ["0"]);
    assert!(
        out.stderr
            .contains("failed to POST data: timed out after 300ms"),
        "stderr: {}",
        out.stderr
    );
}

#[test]
fn an_unknown_endpoint_is_refused_at_start_with_kapacitors_message() {
    let case = Case::new();
    let script = case.file(
        "post.tick",
        "stream\n    |from()\n    |httpPost()\n        .endpoint('nope')\n",
    );
    let out = case.args(["run", script.as_str()]).stdin("").run();
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert!(
        out.stderr.contains("endpoint 'nope' does not exist"),
        "stderr: {}",
        out.stderr
    );
}

/// The points of Kapacitor's integrations/testdata/TestStream_HttpPost.srpl at v1.5.7 (times in
/// seconds after 1971-01-01T00:00:00Z); with `cpu` tags, TestStream_HttpPost_URL_Template.srpl.
fn ported_points(cpus: Option<[&str; 6]>) -> String {
    let values = [97.1, 92.6, 95.6, 93.1, 92.6, 95.8];
    (0..6)
        .map(|i| {
            let cpu = cpus.map_or(String::new(), |c| format!(",cpu={}", c[i]));
            format!(
                "cpu,type=idle,host=serverA{cpu} value={} {}\n",
                values[i],
                31_536_000_000_000_000_i64 + i as i64 * 1_000_000_000
            )
        })
        .collect()
}

#[test]
fn ported_stream_http_post_url_template() {
    // Kapacitor's TestStream_HttpPost_URL_Template (integrations/streamer_test.go at v1.5.7):
    // the URL is a template over each point's row.
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "TestStream_HttpPost_URL_Template.tick",
        &format!(
            "stream\n\t|from()\n\t\t.measurement('cpu')\n\t\t.where(lambda: \"host\" == 'serverA')\n\t\t.groupBy('host')\n\t|httpPost('{}/{{{{ .Name }}}}/?host={{{{ index .Tags \"host\"}}}}&cpu={{{{ index .Tags \"cpu\" }}}}')\n\t|httpOut('TestStream_HttpPost_URL_Template')\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str()])
        .stdin(ported_points(Some(["a", "b", "b", "c", "c", "a"])))
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let seen = receiver.seen();
    let expected: Vec<(String, String)> = [("a", 0, "97.1"), ("b", 1, "92.6"), ("b", 2, "95.6"), ("c", 3, "93.1"), ("c", 4, "92.6"), ("a", 5, "95.8")]
        .iter()
        .map(|(cpu, s, v)| {
            (
                format!("/cpu/?host=serverA&cpu={cpu}"),
                format!("{{\"series\":[{{\"name\":\"cpu\",\"tags\":{{\"cpu\":\"{cpu}\",\"host\":\"serverA\",\"type\":\"idle\"}},\"columns\":[\"time\",\"value\"],\"values\":[[\"1971-01-01T00:00:0{s}Z\",{v}]]}}]}}\n"),
            )
        })
        .collect();
    assert_eq!(
        seen.iter()
            .map(|s| (s.path.clone(), s.body.clone()))
            .collect::<Vec<_>>(),
        expected
    );
}

/// Runs the script of Kapacitor's TestStream_HttpPostEndpoint* cases (integrations/
/// streamer_test.go at v1.5.7): `more` after `.header('my', 'header')`, then `tail`, with a
/// `[[httppost]]` endpoint `test` at the receiver (and `more_conf`); checks every request
/// carries the node's header.
fn run_ported_endpoint(
    receiver: &Receiver,
    more: &str,
    tail: &str,
    more_conf: &str,
) -> crate::support::Output {
    let case = Case::new();
    let script = case.file(
        "TestStream_HttpPost.tick",
        &format!(
            "stream\n\t|from()\n\t\t.measurement('cpu')\n\t\t.where(lambda: \"host\" == 'serverA')\n\t\t.groupBy('host')\n\t|httpPost()\n\t  .endpoint('test')\n\t  .header('my', 'header'){more}\n{tail}"
        ),
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[[httppost]]\nendpoint = \"test\"\nurl = \"{}\"\n{more_conf}",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(ported_points(None))
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 6, "{seen:?}");
    for s in &seen {
        assert_eq!(s.header("my"), Some("header"));
    }
    out
}

#[test]
fn ported_stream_http_post_endpoint_custom_body() {
    // Kapacitor's TestStream_HttpPostEndpoint_CustomBody: an endpoint's row-template is the
    // body.
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    run_ported_endpoint(
        &receiver,
        "",
        "\t|httpOut('TestStream_HttpPost')\n",
        "row-template = '{{.Name}} host={{index .Tags \"host\"}} type={{index .Tags \"type\"}}{{range .Values}} {{index . \"time\"}} {{index . \"value\"}}{{end}}'\n",
    );
    assert_eq!(
        receiver
            .seen()
            .iter()
            .map(|s| s.body.as_str())
            .collect::<Vec<_>>(),
        [
            "cpu host=serverA type=idle 1971-01-01 00:00:00 +0000 UTC 97.1",
            "cpu host=serverA type=idle 1971-01-01 00:00:01 +0000 UTC 92.6",
            "cpu host=serverA type=idle 1971-01-01 00:00:02 +0000 UTC 95.6",
            "cpu host=serverA type=idle 1971-01-01 00:00:03 +0000 UTC 93.1",
            "cpu host=serverA type=idle 1971-01-01 00:00:04 +0000 UTC 92.6",
            "cpu host=serverA type=idle 1971-01-01 00:00:05 +0000 UTC 95.8",
        ]
    );
}

#[test]
fn ported_stream_http_post_endpoint_status_codes() {
    // Kapacitor's TestStream_HttpPostEndpoint_StatusCodes: each answer's status is the
    // point's `code` field. Its `httpOut` result (the window [0 s, 5 s)) is read here from an
    // alert on the window instead.
    let receiver = Receiver::start(Answers::Statuses(vec![200, 201, 404, 403, 500, 502]));
    let out = run_ported_endpoint(
        &receiver,
        "\n\t  .codeField('code')",
        "\t|window()\n\t\t.every(5s)\n\t\t.period(5s)\n\t|alert()\n\t\t.crit(lambda: TRUE)\n\t\t.log('/dev/stdout')\n",
        "",
    );
    let first = alerts(&out.stdout).into_iter().next().map(|a| a.1);
    assert_eq!(
        first.as_deref(),
        Some(
            r#"{"series":[{"columns":["time","code","type","value"],"name":"cpu","tags":{"host":"serverA"},"values":[["1971-01-01T00:00:00Z",200,"idle",97.1],["1971-01-01T00:00:01Z",201,"idle",92.6],["1971-01-01T00:00:02Z",404,"idle",95.6],["1971-01-01T00:00:03Z",403,"idle",93.1],["1971-01-01T00:00:04Z",500,"idle",92.6]]}]}"#
        )
    );
}
