use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tick_handlers::handler_file::{FilePosition, load_file, load_paths};
use tick_handlers::{
    Handler, HandlerOptions, LogOptions, PostOptions, PublishOptions, Services, TcpOptions, mqtt,
};

use crate::common::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn load_err(name: &str, text: &str) -> (PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text);
    let err = load_file(&path).unwrap_err().to_string();
    (path, err)
}

const LOG_YAML: &str = "\
topic: cpu
id: log-cpu
kind: log
match: level() >= WARNING AND \"host\" == 'serverA'
options:
  path: /var/log/tick/cpu.log
  mode: 0644
";

#[test]
fn a_yaml_log_handler_file_loads_with_an_octal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "log.yaml", LOG_YAML);
    let spec = load_file(&path).unwrap();
    assert_eq!(spec.path, path);
    assert_eq!(
        (spec.topic.as_str(), spec.id.as_str(), spec.kind.as_str()),
        ("cpu", "log-cpu", "log")
    );
    assert_eq!(
        spec.match_src.as_deref(),
        Some("level() >= WARNING AND \"host\" == 'serverA'")
    );
    assert_eq!(spec.match_at, Some(FilePosition { line: 4, column: 8 }));
    assert_eq!(
        spec.options,
        HandlerOptions::Log(LogOptions {
            path: "/var/log/tick/cpu.log".to_string(),
            mode: 0o644
        })
    );
    assert!(spec.warnings.is_empty());
}

#[test]
fn a_json_handler_file_loads_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tcp.json",
        r#"{"topic": "cpu", "id": "tcp-cpu", "kind": "tcp", "options": {"address": "127.0.0.1:9000"}}"#,
    );
    let spec = load_file(&path).unwrap();
    assert_eq!(
        spec.options,
        HandlerOptions::Tcp(TcpOptions {
            address: "127.0.0.1:9000".to_string()
        })
    );
    assert_eq!(spec.match_src, None);
}

#[test]
fn an_unknown_kind_is_refused() {
    let (path, err) = load_err("k.yaml", "topic: cpu\nid: x\nkind: nosuch\n");
    assert_eq!(
        err,
        format!(
            "{}: kind: failed to create handler: unsupported action kind \"nosuch\"",
            path.display()
        )
    );
}

#[test]
fn an_id_with_a_space_is_refused() {
    let (path, err) = load_err(
        "id.yaml",
        "topic: cpu\nid: bad kind\nkind: log\noptions: {path: /x}\n",
    );
    assert_eq!(
        err,
        format!(
            "{}: id: invalid handler spec: handler ID must contain only letters, numbers, '-', '.' and '_'. \"bad kind\"",
            path.display()
        )
    );
}

#[test]
fn a_topic_with_a_slash_is_refused_and_colons_are_allowed() {
    let (path, err) = load_err(
        "t.yaml",
        "topic: a/b\nid: x\nkind: log\noptions: {path: /x}\n",
    );
    assert_eq!(
        err,
        format!(
            "{}: topic: invalid handler spec: handler topic must contain only letters, numbers, '-', '.', ':' and '_'. \"a/b\"",
            path.display()
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let ok = write(
        dir.path(),
        "ok.yaml",
        "topic: main:task:alert2\nid: é.x_1-2\nkind: log\noptions: {path: /x}\n",
    );
    assert_eq!(load_file(&ok).unwrap().topic, "main:task:alert2");
}

#[test]
fn a_missing_kind_is_refused() {
    let (path, err) = load_err("nokind.yaml", "topic: cpu\nid: x\n");
    assert_eq!(
        err,
        format!(
            "{}: kind: invalid handler spec: handler Kind must not be empty",
            path.display()
        )
    );
}

#[test]
fn an_unknown_option_key_is_named() {
    let (path, err) = load_err(
        "bogus.yaml",
        "topic: cpu\nid: x\nkind: log\noptions:\n  path: /x\n  bogus: 1\n",
    );
    assert_eq!(
        err,
        format!(
            "{}: options: unknown field `bogus`, expected one of path, mode at line 6, column 3",
            path.display()
        )
    );
    let (path, err) = load_err(
        "bogus.json",
        r#"{"topic":"cpu","id":"x","kind":"tcp","options":{"address":"a:1","bogus":1}}"#,
    );
    assert!(
        err.starts_with(&format!(
            "{}: options: unknown field `bogus`",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn an_unknown_top_level_key_is_named() {
    let (path, err) = load_err(
        "top.yaml",
        "topic: cpu\nid: x\nkind: log\nmatc: level() > 0\n",
    );
    assert!(
        err.starts_with(&format!("{}: document: ", path.display())),
        "{err}"
    );
    assert!(err.contains("unknown field `matc`"), "{err}");
}

#[test]
fn a_missing_required_option_is_named() {
    let (path, err) = load_err("nopath.yaml", "topic: cpu\nid: x\nkind: log\n");
    assert_eq!(
        err,
        format!("{}: options: missing field `path`", path.display())
    );
}

#[test]
fn yaml_syntax_errors_name_the_file() {
    let (path, err) = load_err("broken.yaml", "topic: [cpu\n");
    assert!(
        err.starts_with(&format!("{}: document: ", path.display())),
        "{err}"
    );
}

#[test]
fn yaml_1_1_booleans_are_accepted_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "post.yaml",
        "topic: cpu\nid: p\nkind: post\noptions:\n  url: http://127.0.0.1:1/\n  capture-response: yes\n",
    );
    let spec = load_file(&path).unwrap();
    let HandlerOptions::Post(options) = &spec.options else {
        panic!("{:?}", spec.options)
    };
    assert!(options.capture_response);
    assert_eq!(spec.warnings.len(), 1);
    assert!(
        spec.warnings[0].starts_with(&format!(
            "{}: options: YAML 1.1 boolean (yes/no/on/off/y/n) read as true/false; write true or false",
            path.display()
        )),
        "{}",
        spec.warnings[0]
    );
    let plain = write(
        dir.path(),
        "plain.yaml",
        "topic: cpu\nid: p\nkind: post\noptions:\n  url: http://h/\n  capture-response: true\n",
    );
    assert!(load_file(&plain).unwrap().warnings.is_empty());
}

#[test]
fn a_directory_loads_its_yaml_yml_and_json_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "b.yml",
        "topic: cpu\nid: b\nkind: tcp\noptions: {address: 'h:1'}\n",
    );
    write(
        dir.path(),
        "a.json",
        r#"{"topic":"cpu","id":"a","kind":"tcp","options":{"address":"h:1"}}"#,
    );
    write(
        dir.path(),
        "c.yaml",
        "topic: cpu\nid: c\nkind: tcp\noptions: {address: 'h:1'}\n",
    );
    write(dir.path(), "notes.txt", "not a handler");
    let (specs, errors) = load_paths(&[dir.path()]);
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[test]
fn a_later_file_with_the_same_topic_and_id_replaces_the_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(
        dir.path(),
        "1.yaml",
        "topic: cpu\nid: same\nkind: tcp\noptions: {address: 'one:1'}\n",
    );
    let second = write(
        dir.path(),
        "2.yaml",
        "topic: cpu\nid: same\nkind: tcp\noptions: {address: 'two:2'}\n",
    );
    let (specs, errors) = load_paths(&[&first, &second]);
    assert!(errors.is_empty());
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].path, second);
    assert_eq!(
        specs[0].warnings,
        [format!(
            "handler \"same\" on topic \"cpu\" from {} replaces the one from {}",
            second.display(),
            first.display()
        )]
    );
}

#[test]
fn every_bad_file_is_reported_and_the_good_ones_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.yaml",
        "topic: cpu\nid: g\nkind: tcp\noptions: {address: 'h:1'}\n",
    );
    let bad1 = write(dir.path(), "bad1.yaml", "topic: cpu\nid: x\nkind: nosuch\n");
    let bad2 = write(dir.path(), "bad2.txt", "");
    let (specs, errors) = load_paths(&[&good, &bad1, &bad2]);
    assert_eq!(specs.len(), 1);
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            format!(
                "{}: kind: failed to create handler: unsupported action kind \"nosuch\"",
                bad1.display()
            ),
            format!(
                "{}: handler files must end in .yaml, .yml or .json",
                bad2.display()
            ),
        ]
    );
}

#[test]
fn a_log_file_handler_with_a_relative_path_fails_when_built() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "rel.yaml",
        "topic: cpu\nid: x\nkind: log\noptions: {path: rel/x.log}\n",
    );
    let spec = load_file(&path).unwrap();
    let err = Handler::from_file_spec(&spec, &Services::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to create log alert handler: log path must be absolute: rel/x.log is not absolute"
    );
}

#[test]
fn post_options_read_headers_and_a_go_duration_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "post.yaml",
        "topic: cpu\nid: p\nkind: post\noptions:\n  url: http://h/x\n  headers: {X-A: b}\n  timeout: 1m30s\n",
    );
    let HandlerOptions::Post(o) = load_file(&path).unwrap().options else {
        panic!()
    };
    assert_eq!(
        o,
        PostOptions {
            url: "http://h/x".to_string(),
            headers: [("X-A".to_string(), "b".to_string())].into(),
            timeout: 90_000_000_000,
            ..PostOptions::default()
        }
    );
}

#[test]
fn publish_needs_the_engines_topics() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "pub.yaml",
        "topic: cpu\nid: fwd\nkind: publish\noptions: {topics: [ops]}\n",
    );
    let spec = load_file(&path).unwrap();
    assert_eq!(
        spec.options,
        HandlerOptions::Publish(PublishOptions {
            topics: vec!["ops".to_string()]
        })
    );
    let err = Handler::from_file_spec(&spec, &Services::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "publish handlers are not supported yet: the engine's topics are not available"
    );
}

#[tokio::test]
async fn publish_hands_each_event_to_every_topic_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "pub.yaml",
        "topic: cpu\nid: fwd\nkind: publish\noptions: {topics: [ops, audit]}\n",
    );
    let spec = load_file(&path).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let services = Services {
        republish: Some(Arc::new({
            let seen = Arc::clone(&seen);
            move |topic: &str, e: &tick_engine::Event| {
                seen.lock().unwrap().push(format!("{topic}:{}", e.state.id));
                Ok(())
            }
        })),
        ..Services::default()
    };
    let mut h = Handler::from_file_spec(&spec, &services).unwrap();
    h.handle(&critical_event()).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), ["ops:cpu:nil", "audit:cpu:nil"]);
    let looped = write(
        dir.path(),
        "loop.yaml",
        "topic: cpu\nid: l\nkind: publish\noptions: {topics: [cpu]}\n",
    );
    let err = Handler::from_file_spec(&load_file(&looped).unwrap(), &services).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid publish: cannot publish topic \"cpu\" to itself"
    );
}

/// A handler file in the shape of Kapacitor's `HandlerSpec` (services/alert/dao.go at v1.5.7),
/// byte for byte.
const SPEC_EXAMPLE: &str = "\
topic: cpu            # must match an alert's .topic('cpu'); regex ^[-:._\\p{L}0-9]+$
id: mqtt-cpu          # regex ^[-._\\p{L}0-9]+$; unique per topic
kind: mqtt            # handler kind
match: changed() == TRUE AND \"host\" == 'serverA'    # optional filter (see below)
options:
  broker-name: localhost
  topic: 'alerts/{{ .Name }}/{{ .Level }}'
  qos: 1
  retained: true
";

#[test]
fn the_spec_example_handler_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "mqtt-cpu.yaml", SPEC_EXAMPLE);
    let spec = load_file(&path).unwrap();
    assert_eq!(
        (spec.topic.as_str(), spec.id.as_str(), spec.kind.as_str()),
        ("cpu", "mqtt-cpu", "mqtt")
    );
    assert_eq!(
        spec.match_src.as_deref(),
        Some("changed() == TRUE AND \"host\" == 'serverA'")
    );
    assert_eq!(
        spec.options,
        HandlerOptions::Mqtt(mqtt::Options {
            broker_name: "localhost".to_string(),
            topic: "alerts/{{ .Name }}/{{ .Level }}".to_string(),
            qos: mqtt::Qos::AtLeastOnce,
            retained: true,
        })
    );
    assert!(spec.warnings.is_empty());
}

#[test]
fn mqtt_retained_yes_is_accepted_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "y.yaml",
        "topic: cpu\nid: m\nkind: mqtt\noptions:\n  topic: t\n  retained: yes\n",
    );
    let spec = load_file(&path).unwrap();
    let HandlerOptions::Mqtt(o) = &spec.options else {
        panic!("{:?}", spec.options)
    };
    assert!(o.retained);
    assert_eq!(
        spec.warnings,
        [format!(
            "{}: options: YAML 1.1 boolean (yes/no/on/off/y/n) read as true/false; write true or false \
             (invalid boolean (strict mode expects true/false) at line 6, column 13)",
            path.display()
        )]
    );
}

#[test]
fn mqtt_options_are_decoded_strictly() {
    let (path, err) = load_err(
        "m.yaml",
        "topic: cpu\nid: m\nkind: mqtt\noptions:\n  topic: t\n  bogus: 1\n",
    );
    assert!(
        err.starts_with(&format!(
            "{}: options: unknown field `bogus`",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn deeply_nested_files_give_an_error_not_a_stack_overflow() {
    let deep_yaml = format!(
        "topic: cpu\nid: x\nkind: log\noptions: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (path, err) = load_err("deep.yaml", &deep_yaml);
    assert!(err.starts_with(&format!("{}: ", path.display())), "{err}");
    let deep_json = format!(
        r#"{{"topic":"cpu","id":"x","kind":"log","options":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (path, err) = load_err("deep.json", &deep_json);
    assert_eq!(
        err,
        format!(
            "{}: options: invalid type: sequence, expected a string at line 1 column 48",
            path.display()
        )
    );
}

#[test]
fn a_json_handler_file_keeps_its_match_expression() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "m.json",
        r#"{"topic":"cpu","id":"m","kind":"tcp","match":"level() >= WARNING","options":{"address":"h:1"}}"#,
    );
    let spec = load_file(&path).unwrap();
    assert_eq!(spec.match_src.as_deref(), Some("level() >= WARNING"));
    assert_eq!(spec.match_at, None);
}

#[test]
fn an_empty_match_means_no_filter() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "e.yaml",
        "topic: cpu\nid: e\nkind: tcp\nmatch: ''\noptions: {address: 'h:1'}\n",
    );
    assert_eq!(load_file(&path).unwrap().match_src, None);
}

#[test]
fn service_handler_files_use_kapacitors_lower_case_kinds_and_option_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "vo.yaml",
        "topic: cpu\nid: vo\nkind: victorops\noptions:\n  routing-key: team-a\n",
    );
    let spec = load_file(&path).unwrap();
    assert_eq!(
        spec.options,
        HandlerOptions::VictorOps(tick_handlers::VictorOpsOptions {
            routing_key: "team-a".to_string()
        })
    );
    let path = write(
        dir.path(),
        "pd2.yaml",
        "topic: cpu\nid: pd\nkind: pagerduty2\noptions:\n  routing-key: rk\n  links:\n    - href: 'https://x/{{ .ID }}'\n",
    );
    let HandlerOptions::PagerDuty2(o) = load_file(&path).unwrap().options else {
        panic!("not a pagerduty2 handler");
    };
    assert_eq!(o.links.len(), 1);
    // A script's method name is not a handler-file kind.
    let (_, err) = load_err(
        "bad.yaml",
        "topic: cpu\nid: vo\nkind: victorOps\noptions: {}\n",
    );
    assert!(
        err.contains("unsupported action kind \"victorOps\""),
        "{err}"
    );
    // Building needs the service's section.
    let path = write(
        dir.path(),
        "slack.yaml",
        "topic: cpu\nid: s\nkind: slack\noptions:\n  channel: '#ops'\n",
    );
    let spec = load_file(&path).unwrap();
    let err = Handler::from_file_spec(&spec, &Services::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid slack: no slack configuration found"),
        "{err}"
    );
}
