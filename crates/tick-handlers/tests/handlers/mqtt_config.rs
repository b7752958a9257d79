//! `kapacitor.conf` `[[mqtt]]` parsing and validation (Kapacitor's mqtt `Config`, services/mqtt/config.go at v1.5.7), the ignored-section
//! warnings, environment overrides, URL forms and secret redaction; plus the `.mqtt()` checks
//! and option decoding of Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7.

#![allow(clippy::unwrap_used)]

use tick_engine::{HandlerUse, Literal, PropertyUse};
use tick_handlers::config::{BrokerUrl, Config, Scheme, Secret};
use tick_handlers::mqtt::{Options, Qos, validate};
use tick_syntax::Span;
use tick_testkit::Certs;

fn load(text: &str) -> Result<(Config, Vec<String>), String> {
    Config::from_toml_str(text, "kapacitor.conf").map_err(|e| e.to_string())
}

fn err(text: &str) -> String {
    load(text).unwrap_err()
}

#[test]
fn a_single_unmarked_config_is_the_default() {
    let (cfg, warnings) =
        load("[[mqtt]]\nenabled = true\nname = \"only\"\nurl = \"tcp://h:1883\"\n").unwrap();
    assert!(warnings.is_empty());
    assert_eq!(cfg.default_mqtt().unwrap().name, "only");
    assert_eq!(cfg.mqtt_broker("").unwrap().name, "only");
}

#[test]
fn a_table_without_name_is_called_default_and_client_id_falls_back_to_name() {
    let (cfg, _) = load("[[mqtt]]\nenabled = true\nurl = \"h\"\n").unwrap();
    assert_eq!(cfg.mqtt[0].name, "default");
    assert_eq!(cfg.mqtt[0].effective_client_id(), "default");
    let (cfg, _) =
        load("[[mqtt]]\nenabled = true\nurl = \"h\"\nname = \"n\"\nclient-id = \"cid\"\n").unwrap();
    assert_eq!(cfg.mqtt[0].effective_client_id(), "cid");
}

#[test]
fn two_defaults_are_an_error() {
    let text = "[[mqtt]]\nname = \"a\"\ndefault = true\n[[mqtt]]\nname = \"b\"\ndefault = true\n";
    assert_eq!(
        err(text),
        "kapacitor.conf: mqtt: more than one configuration is marked as the default"
    );
}

#[test]
fn several_configs_without_a_default_are_an_error_even_when_disabled() {
    let text = "[[mqtt]]\nname = \"a\"\n[[mqtt]]\nname = \"b\"\n";
    assert_eq!(
        err(text),
        "kapacitor.conf: mqtt: no configuration is marked as the default"
    );
}

#[test]
fn enabled_without_url_is_an_error_but_disabled_is_fine() {
    assert_eq!(
        err("[[mqtt]]\nenabled = true\nname = \"a\"\n"),
        "kapacitor.conf: [[mqtt]] #1 \"a\": must specify a url for mqtt service"
    );
    assert!(load("[[mqtt]]\nenabled = false\nname = \"a\"\n").is_ok());
}

#[test]
fn empty_name_is_an_error() {
    assert_eq!(
        err("[[mqtt]]\nname = \"\"\n"),
        "kapacitor.conf: [[mqtt]] #1 \"\": must specify a name for the mqtt broker"
    );
}

#[test]
fn duplicate_names_are_an_error() {
    let text = "[[mqtt]]\nname = \"a\"\ndefault = true\n[[mqtt]]\nname = \"a\"\n";
    assert_eq!(
        err(text),
        "kapacitor.conf: [[mqtt]] #2 \"a\": section \"mqtt\" has duplicate elements: \"a\" (also [[mqtt]] #1)"
    );
}

#[test]
fn cert_without_key_and_key_without_cert_name_the_missing_key() {
    // Kapacitor's sentence (tlsconfig.Create), then which key to add: checked even for a
    // disabled section, as Kapacitor does.
    assert_eq!(
        err("[[mqtt]]\nname = \"a\"\nssl-cert = \"/c.pem\"\n"),
        "kapacitor.conf: [[mqtt]] #1 \"a\": Must provide both key and cert files: only cert file \
         provided. ssl-key is missing: add ssl-key with the private key file of ssl-cert /c.pem"
    );
    assert_eq!(
        err("[[mqtt]]\nname = \"a\"\nssl-key = \"/k.pem\"\n"),
        "kapacitor.conf: [[mqtt]] #1 \"a\": Must provide both key and cert files: only key file \
         provided. ssl-cert is missing: add ssl-cert with the certificate file of ssl-key /k.pem"
    );
}

#[test]
fn wrong_types_name_the_section_and_key() {
    assert_eq!(
        err("[[mqtt]]\nname = \"a\"\nenabled = \"yes\"\n"),
        "kapacitor.conf: [[mqtt]] #1 \"a\": enabled: expected a boolean, found string"
    );
    assert_eq!(
        err("[[mqtt]]\nname = \"a\"\npassword = 12345\n"),
        "kapacitor.conf: [[mqtt]] #1 \"a\": password: expected a string, found integer"
    );
}

#[test]
fn unknown_url_scheme_is_reported_at_load() {
    assert_eq!(
        err("[[mqtt]]\nenabled = true\nname = \"a\"\nurl = \"http://h:1\"\n"),
        "kapacitor.conf: [[mqtt]] #1 \"a\": url: unknown URL scheme \"http\": use tcp://, mqtt://, ssl://, \
         tls://, mqtts://, mqtt+ssl://, tcps://, ws://, wss:// or unix://"
    );
}

#[test]
fn mqtt_written_as_a_single_table_is_explained() {
    assert_eq!(
        err("[mqtt]\nenabled = true\n"),
        "kapacitor.conf: mqtt: write the section as [[mqtt]] (an array of tables), not [mqtt]"
    );
}

#[test]
fn invalid_toml_names_the_file() {
    assert_eq!(
        err("[[mqtt]\n"),
        "kapacitor.conf: invalid TOML: line 1, column 8: unclosed array table, expected `]`: `[[mqtt]`"
    );
}

#[test]
fn a_toml_error_on_a_secrets_line_does_not_show_the_secret() {
    let text = "[[mqtt]]\n  name = \"b\"\n  url = \"tcp://localhost:1883\"\n  username = \"u\"\n  password = \"TomlLeak123\n";
    let message = err(text);
    assert!(!message.contains("TomlLeak123"), "{message}");
    assert_eq!(
        message,
        "kapacitor.conf: invalid TOML: line 5, column 26: invalid basic string, expected `\"`: `password = …`"
    );
}

#[test]
fn missing_ssl_ca_file_is_reported_with_the_key() {
    let e = err(
        "[[mqtt]]\nenabled = true\nname = \"a\"\nurl = \"ssl://h\"\nssl-ca = \"/nonexistent/ca.pem\"\n",
    );
    assert!(
        e.starts_with(
            "kapacitor.conf: [[mqtt]] #1 \"a\": ssl-ca: cannot read /nonexistent/ca.pem: "
        ),
        "{e}"
    );
}

#[test]
fn v1_client_certificate_is_detected_at_load() {
    let certs = Certs::generate().unwrap();
    let text = format!(
        "[[mqtt]]\nenabled = true\nname = \"a\"\nurl = \"ssl://h\"\nssl-ca = \"{}\"\nssl-cert = \"{}\"\nssl-key = \"{}\"\n",
        certs.ca.display(),
        certs.v1_client_cert.display(),
        certs.client_key.display()
    );
    let e = err(&text);
    assert!(
        e.starts_with(&format!(
            "kapacitor.conf: [[mqtt]] #1 \"a\": ssl-cert: {} is an X.509 v1 certificate",
            certs.v1_client_cert.display()
        )),
        "{e}"
    );
    assert!(e.contains("re-issue it as a v3 certificate"), "{e}");
    // The same files with the v3 certificate load fine.
    let ok = text.replace(
        &certs.v1_client_cert.display().to_string(),
        &certs.client_cert.display().to_string(),
    );
    assert!(load(&ok).is_ok());
}

/// A trimmed but realistic kapacitor.conf, as users point tick at their existing file.
const REAL_CONF: &str = r#"
hostname = "localhost"
data_dir = "/var/lib/kapacitor"
skip-config-overrides = false
default-retention-policy = ""

[http]
  bind-address = ":9092"
  auth-enabled = false
  log-enabled = true

[config-override]
  enabled = true

[logging]
  file = "/var/log/kapacitor/kapacitor.log"
  level = "INFO"

[load]
  enabled = true
  dir = "/etc/kapacitor/load"

[replay]
  dir = "/var/lib/kapacitor/replay"

[storage]
  boltdb = "/var/lib/kapacitor/kapacitor.db"

[[influxdb]]
  enabled = true
  name = "localhost"
  default = true
  urls = ["http://localhost:8086"]
  username = ""
  password = ""
  [influxdb.subscriptions]
  [influxdb.excluded-subscriptions]
    _kapacitor = ["autogen"]

[smtp]
  enabled = false
  host = "localhost"
  port = 25

[[mqtt]]
  enabled = true
  name = "localhost"
  default = true
  url = "tcp://localhost:1883"
  ssl-ca = ""
  ssl-cert = ""
  ssl-key = ""
  insecure-skip-verify = false
  client-id = "xxxx"
  username = "kapa"
  password = "hunter2"

[[mqtt]]
  enabled = false
  name = "backup"
  url = ""

[[httppost]]
  endpoint = "example"
  url = "http://example.com"

[deadman]
  interval = "10s"
  threshold = 0.0
"#;

#[test]
fn a_real_kapacitor_conf_loads_with_one_warning_per_ignored_section() {
    let (cfg, warnings) = load(REAL_CONF).unwrap();
    assert_eq!(cfg.mqtt.len(), 2);
    assert_eq!(cfg.hostname.as_deref(), Some("localhost"));
    assert_eq!(cfg.http.bind_address.as_deref(), Some(":9092"));
    // `data_dir` is where tick run keeps its alert state; `[alert]` is absent, so
    // `persist-topics` keeps Kapacitor's default, true.
    assert_eq!(cfg.data_dir.as_deref(), Some("/var/lib/kapacitor"));
    assert!(cfg.alert.persist_topics);
    let m = &cfg.mqtt[0];
    assert_eq!(
        (m.name.as_str(), m.enabled, m.default),
        ("localhost", true, true)
    );
    assert_eq!(m.client_id, "xxxx");
    assert_eq!(m.ssl_ca, None);
    assert_eq!(
        m.credentials().map(|(u, p)| (u, p.expose().to_owned())),
        Some(("kapa".into(), "hunter2".into()))
    );
    assert_eq!(
        cfg.mqtt_broker("backup").unwrap_err(),
        "unknown MQTT broker \"backup\""
    );
    let mut sorted = warnings.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            // `[http]` is read (for `tick run --http`); its keys tick does not act on are named.
            "[http] log-enabled not honoured by tick; ignored",
            "section [config-override] is not used by tick; ignored",
            "section [deadman] is not used by tick; ignored",
            "section [load] is not used by tick; ignored",
            "section [logging] is not used by tick; ignored",
            "section [replay] is not used by tick; ignored",
            "section [storage] is not used by tick; ignored",
            "top-level settings skip-config-overrides are not used by tick; ignored",
        ]
    );
}

#[test]
fn alert_persist_topics_is_read_and_other_alert_keys_are_warned_about() {
    let (cfg, warnings) = load("[alert]\npersist-topics = false\nother = 1\n").unwrap();
    assert!(!cfg.alert.persist_topics);
    assert_eq!(warnings, vec!["[alert] unknown key \"other\"; ignored"]);
    let e = err("[alert]\npersist-topics = \"yes\"\n");
    assert_eq!(
        e,
        "kapacitor.conf: [alert] persist-topics must be true or false"
    );
}

#[test]
fn unknown_keys_in_mqtt_are_warned_about() {
    let (_, warnings) = load("[[mqtt]]\nname = \"a\"\nqos = 1\n").unwrap();
    assert_eq!(
        warnings,
        vec!["[[mqtt]] #1 \"a\": unknown key \"qos\"; ignored"]
    );
}

#[test]
fn persistent_session_is_off_by_default_and_a_known_key_when_set() {
    let (cfg, warnings) = load("[[mqtt]]\nname = \"a\"\n").unwrap();
    assert!(!cfg.mqtt[0].persistent_session);
    assert!(warnings.is_empty());
    let (cfg, warnings) = load("[[mqtt]]\nname = \"a\"\npersistent-session = true\n").unwrap();
    assert!(cfg.mqtt[0].persistent_session);
    assert_eq!(warnings, Vec::<String>::new());
}

#[test]
fn persistent_session_must_be_a_boolean() {
    assert_eq!(
        err("[[mqtt]]\nname = \"a\"\npersistent-session = \"yes\"\n"),
        "kapacitor.conf: [[mqtt]] #1 \"a\": persistent-session: expected a boolean, found string"
    );
}

#[test]
fn persistent_session_can_be_set_from_the_environment() {
    let env = vec![(
        "KAPACITOR_MQTT_0_PERSISTENT_SESSION".to_owned(),
        "true".to_owned(),
    )];
    let (cfg, warnings) =
        Config::from_toml_str_with_env("[[mqtt]]\nname = \"a\"\n", "kapacitor.conf", &env).unwrap();
    assert!(cfg.mqtt[0].persistent_session);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn environment_overrides_set_keys_by_index() {
    let env = vec![
        (
            "KAPACITOR_MQTT_0_URL".to_owned(),
            "tcp://override:1884".to_owned(),
        ),
        ("KAPACITOR_MQTT_0_ENABLED".to_owned(), "true".to_owned()),
        (
            "KAPACITOR_MQTT_0_CLIENT_ID".to_owned(),
            "from-env".to_owned(),
        ),
        ("PATH".to_owned(), "/bin".to_owned()),
    ];
    let (cfg, _) =
        Config::from_toml_str_with_env("[[mqtt]]\nname = \"a\"\n", "kapacitor.conf", &env).unwrap();
    let m = &cfg.mqtt[0];
    assert_eq!(
        (m.enabled, m.url.as_str(), m.client_id.as_str()),
        (true, "tcp://override:1884", "from-env")
    );
}

#[test]
fn passwords_never_appear_in_debug_output() {
    let (cfg, _) =
        load("[[mqtt]]\nenabled = true\nurl = \"tcp://u:urlpw@h:1\"\npassword = \"keypw\"\n")
            .unwrap();
    let shown = format!("{cfg:?}");
    assert!(
        !shown.contains("urlpw") && !shown.contains("keypw"),
        "{shown}"
    );
    assert!(shown.contains("tcp://u:***@h:1"), "{shown}");
    assert_eq!(
        format!("{:?} {}", Secret::new("x"), Secret::new("x")),
        "*** ***"
    );
}

#[test]
fn url_credentials_override_the_keys() {
    let (cfg, _) =
        load("[[mqtt]]\nenabled = true\nurl = \"tcp://urluser:urlpw@h\"\nusername = \"k\"\npassword = \"kp\"\n")
            .unwrap();
    let (u, p) = cfg.mqtt[0].credentials().unwrap();
    assert_eq!((u.as_str(), p.expose()), ("urluser", "urlpw"));
}

#[test]
fn empty_username_sends_no_credentials() {
    let (cfg, _) = load("[[mqtt]]\nenabled = true\nurl = \"h\"\npassword = \"p\"\n").unwrap();
    assert!(cfg.mqtt[0].credentials().is_none());
}

#[test]
fn broker_url_forms() {
    let p = |s: &str| {
        let u = BrokerUrl::parse(s).unwrap();
        (u.scheme, u.host.clone(), u.port, u.path.clone())
    };
    assert_eq!(p("tcp://h:1"), (Scheme::Tcp, "h".into(), 1, "".into()));
    assert_eq!(p("mqtt://h"), (Scheme::Tcp, "h".into(), 1883, "".into()));
    assert_eq!(p("h:2"), (Scheme::Tcp, "h".into(), 2, "".into()));
    assert_eq!(
        p(":1885"),
        (Scheme::Tcp, "127.0.0.1".into(), 1885, "".into())
    );
    for tls in ["ssl", "tls", "mqtts", "mqtt+ssl", "tcps"] {
        assert_eq!(
            p(&format!("{tls}://h")),
            (Scheme::Tls, "h".into(), 8883, "".into()),
            "{tls}"
        );
    }
    assert_eq!(
        p("ws://h:9001/mqtt"),
        (Scheme::Ws, "h".into(), 9001, "/mqtt".into())
    );
    assert_eq!(p("wss://h"), (Scheme::Wss, "h".into(), 443, "".into()));
    assert_eq!(
        p("tcp://[::1]:7"),
        (Scheme::Tcp, "::1".into(), 7, "".into())
    );
    assert_eq!(
        p("unix:///run/m.sock"),
        (Scheme::Unix, "/run/m.sock".into(), 0, "".into())
    );
    assert_eq!(
        BrokerUrl::parse("tcp://h:0").unwrap_err(),
        "invalid port \"0\": must be a number from 1 to 65535"
    );
    assert_eq!(
        BrokerUrl::parse("ws://u:p@h:1/x").unwrap().to_string(),
        "ws://u:***@h:1/x"
    );
}

fn mqtt_use(props: Vec<(&str, Literal)>) -> HandlerUse {
    HandlerUse {
        kind: "mqtt".into(),
        args: vec![Literal::String("alerts".into())],
        properties: props
            .into_iter()
            .enumerate()
            .map(|(i, (name, v))| PropertyUse {
                name: name.into(),
                args: vec![v],
                span: Span::new(100 + 10 * i, 105 + 10 * i),
            })
            .collect(),
        span: Span::new(0, 20),
    }
}

fn local_config() -> Config {
    load("[[mqtt]]\nenabled = true\nname = \"local\"\nurl = \"h\"\n[[mqtt]]\nname = \"off\"\ndefault = true\n")
        .unwrap()
        .0
}

#[test]
fn validate_refuses_qos_outside_0_to_2_at_the_qos_span() {
    let cfg = load("[[mqtt]]\nenabled = true\nname = \"local\"\nurl = \"h\"\n")
        .unwrap()
        .0;
    let u = mqtt_use(vec![("qos", Literal::Int(3))]);
    assert_eq!(
        validate(&u, &cfg),
        vec![(
            Span::new(100, 105),
            "invalid QoS 3: must be 0, 1 or 2".to_owned()
        )]
    );
    assert!(validate(&mqtt_use(vec![("qos", Literal::Int(2))]), &cfg).is_empty());
}

#[test]
fn validate_reports_unknown_and_disabled_brokers_at_the_broker_name_span() {
    let cfg = local_config();
    let u = mqtt_use(vec![("brokerName", Literal::String("nosuch".into()))]);
    assert_eq!(
        validate(&u, &cfg),
        vec![(
            Span::new(100, 105),
            "unknown MQTT broker \"nosuch\"".to_owned()
        )]
    );
    let cfg = load(
        "[[mqtt]]\nenabled = true\nname = \"local\"\nurl = \"h\"\ndefault = true\n[[mqtt]]\nname = \"off\"\n",
    )
    .unwrap()
    .0;
    let u = mqtt_use(vec![("brokerName", Literal::String("off".into()))]);
    assert_eq!(
        validate(&u, &cfg),
        vec![(
            Span::new(100, 105),
            "unknown MQTT broker \"off\": the broker is disabled (enabled = false)".to_owned()
        )]
    );
}

#[test]
fn validate_without_any_broker_explains_the_config() {
    let u = mqtt_use(vec![]);
    assert_eq!(
        validate(&u, &Config::default()),
        vec![(
            Span::new(0, 20),
            "no MQTT broker is configured: add an [[mqtt]] section with enabled = true and a url to the \
             file given with --config"
                .to_owned()
        )]
    );
}

#[test]
fn options_from_the_chain_take_the_last_setting_and_topic_overrides_the_argument() {
    let u = mqtt_use(vec![
        ("topic", Literal::String("t/b".into())),
        ("qos", Literal::Int(1)),
        ("qos", Literal::Int(2)),
        ("retained", Literal::Bool(true)),
        ("brokerName", Literal::String("local".into())),
    ]);
    assert_eq!(
        Options::from_use(&u).unwrap(),
        Options {
            broker_name: "local".into(),
            topic: "t/b".into(),
            qos: Qos::ExactlyOnce,
            retained: true
        }
    );
}

#[test]
fn handler_file_options_accept_ints_and_kapacitor_qos_names() {
    let o: Options = serde_json::from_str(
        r#"{"broker-name":"b","topic":"t","qos":"exactly-one","retained":true}"#,
    )
    .unwrap();
    assert_eq!(
        o,
        Options {
            broker_name: "b".into(),
            topic: "t".into(),
            qos: Qos::ExactlyOnce,
            retained: true
        }
    );
    let o: Options = serde_json::from_str(r#"{"qos":1}"#).unwrap();
    assert_eq!(o.qos, Qos::AtLeastOnce);
    let o: Options = serde_json::from_str(r#"{"qos":"at-most-once"}"#).unwrap();
    assert_eq!(o.qos, Qos::AtMostOnce);
    let e = serde_json::from_str::<Options>(r#"{"qos":"exactly-once"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("invalid QoS \"exactly-once\": Kapacitor spells QoS 2 \"exactly-one\""),
        "{e}"
    );
    let e = serde_json::from_str::<Options>(r#"{"qos":5}"#)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("invalid QoS 5: must be 0, 1 or 2"), "{e}");
    let e = serde_json::from_str::<Options>(r#"{"bogus":1}"#)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("unknown field `bogus`"), "{e}");
}
