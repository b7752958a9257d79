use std::time::Duration;

use tick_engine::Literal;
use tick_handlers::{Handler, HandlerError, Services};

use crate::common::*;

#[tokio::test]
async fn post_sends_the_json_with_content_type_and_custom_headers() {
    let server = http_server("200 OK", "", false);
    let u = handler_use(
        "post",
        vec![s(&format!("{}/alerts?x=1", server.url))],
        vec![
            ("header", vec![s("X-A"), s("b")]),
            ("timeout", vec![Literal::Duration(5_000_000_000)]),
        ],
    );
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    h.handle(&critical_event()).await.unwrap();
    let req = server
        .requests
        .recv_timeout(Duration::from_secs(5))
        .unwrap();
    assert_eq!(req.request_line, "POST /alerts?x=1 HTTP/1.1");
    assert_eq!(req.header("Content-Type"), Some("application/json"));
    assert_eq!(req.header("X-A"), Some("b"));
    assert_eq!(
        req.header("Host"),
        Some(server.url.trim_start_matches("http://"))
    );
    assert_eq!(req.body, format!("{CRITICAL_JSON}\n"));
    assert_eq!(
        req.header("Content-Length"),
        Some(req.body.len().to_string().as_str())
    );
}

#[tokio::test]
async fn post_reports_a_non_2xx_status_with_the_body_when_capturing() {
    let server = http_server("500 Internal Server Error", "boom", false);
    let u = handler_use(
        "post",
        vec![s(&server.url)],
        vec![("captureResponse", vec![])],
    );
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    let err = h.handle(&critical_event()).await.unwrap_err();
    assert!(matches!(err, HandlerError::PostStatus(_)));
    assert_eq!(
        err.to_string(),
        "POST returned non 2xx status code: code 500: boom"
    );
    assert_eq!(
        server
            .requests
            .recv_timeout(Duration::from_secs(5))
            .unwrap()
            .request_line,
        "POST / HTTP/1.1"
    );
}

#[tokio::test]
async fn post_reports_a_non_2xx_status_without_the_body_by_default() {
    let server = http_server("404 Not Found", "nope", false);
    let u = handler_use("post", vec![s(&server.url)], vec![]);
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    let err = h.handle(&critical_event()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "POST returned non 2xx status code: code 404: unknown error, use .captureResponse() to capture the HTTP response"
    );
}

#[tokio::test]
async fn post_gives_up_after_the_timeout() {
    let server = http_server("200 OK", "", true); // never released
    let u = handler_use(
        "post",
        vec![s(&server.url)],
        vec![("timeout", vec![Literal::Duration(200_000_000)])],
    );
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    let err = h.handle(&critical_event()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to POST alert data: timed out after 200ms"
    );
    drop(server);
}

#[test]
fn post_refuses_an_authenticate_header() {
    let u = handler_use(
        "post",
        vec![s("http://127.0.0.1:1/")],
        vec![("header", vec![s("Authenticate"), s("x")])],
    );
    let err = Handler::from_use(&u, &Services::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid post: cannot set 'authenticate' header"
    );
}

#[test]
fn post_takes_https_urls_and_refuses_an_endpoint_the_configuration_lacks() {
    let u = handler_use("post", vec![s("https://example.com/a")], vec![]);
    assert!(Handler::from_use(&u, &Services::default()).is_ok());
    let u = handler_use("post", vec![], vec![("endpoint", vec![s("ops")])]);
    let err = Handler::from_use(&u, &Services::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid post: no [[httppost]] endpoint \"ops\" in the configuration: add a [[httppost]] section with endpoint = \"ops\" and a url to the file given with --config"
    );
    // As in Kapacitor, a URL of the handler's own is used when the endpoint is unknown.
    let u = handler_use(
        "post",
        vec![s("http://127.0.0.1:1/x")],
        vec![("endpoint", vec![s("ops")])],
    );
    assert!(Handler::from_use(&u, &Services::default()).is_ok());
}

#[test]
fn httppost_sections_follow_kapacitors_rules() {
    let err = |text: &str| {
        tick_handlers::config::Config::from_toml_str(text, "k.conf")
            .err()
            .map(|e| e.to_string())
    };
    assert_eq!(
        err("[[httppost]]\nurl = \"http://x/\"\n"),
        Some("k.conf: [httppost]: must specify endpoint name".into())
    );
    assert_eq!(
        err("[[httppost]]\nendpoint = \"a\"\n"),
        Some("k.conf: [httppost]: must specify url".into())
    );
    assert_eq!(
        err(
            "[[httppost]]\nendpoint = \"a\"\nurl = \"http://x/\"\nalert-template = \"x\"\nalert-template-file = \"/x\"\n"
        ),
        Some(
            "k.conf: [httppost]: must specify only one of alert-template and alert-template-file"
                .into()
        )
    );
    assert_eq!(
        err(
            "[[httppost]]\nendpoint = \"a\"\nurl = \"http://x/\"\nrow-template-file = \"rel.tmpl\"\n"
        ),
        Some("k.conf: [httppost]: must use an absolute path for row-template-file".into())
    );
    let message =
        err("[[httppost]]\nendpoint = \"a\"\nurl = \"http://x/\"\nrow-template = \"{{ .Name \"\n")
            .unwrap();
    assert!(
        message.starts_with("k.conf: [httppost]: invalid post: [[httppost]] endpoint \"a\": failed to parse row-template: "),
        "{message}"
    );
    let message = err("[[httppost]]\nendpoint = \"a\"\nurl = \"http://x/\"\nalert-template-file = \"/nonexistent/t.tmpl\"\n").unwrap();
    assert!(
        message.contains("failed to read alert-template file \"/nonexistent/t.tmpl\""),
        "{message}"
    );
    let (config, _) = tick_handlers::config::Config::from_toml_str(
        "[[httppost]]\nendpoint = \"a\"\nurl = \"http://x/\"\nrow-template = \"{{ .Name }}\"\n",
        "k.conf",
    )
    .unwrap();
    assert_eq!(
        tick_handlers::httppost_row_template(&config, "a"),
        Ok(Some("{{ .Name }}".to_string()))
    );
}

#[test]
fn unknown_keys_of_a_service_section_are_named_in_one_warning_without_their_values() {
    let (_, warnings) = tick_handlers::config::Config::from_toml_str(
        "[[httppost]]\nendpoint = \"a\"\nurl = \"http://x/\"\nurll = \"secret-value\"\nbasic-auth = { username = \"u\", pasword = \"hunter2\" }\n\n[pagerduty]\nenabled = false\nservice-kye = \"k\"\n",
        "k.conf",
    )
    .unwrap();
    assert_eq!(
        warnings,
        [
            "[httppost] unknown keys \"basic-auth.pasword\", \"urll\"; ignored",
            "[pagerduty] unknown key \"service-kye\"; ignored",
        ]
    );
}

#[test]
fn environment_overrides_reach_every_section_and_errors_name_the_variable() {
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let (config, warnings) = tick_handlers::config::Config::from_toml_str_with_env(
        "[[httppost]]\nendpoint = \"a\"\n",
        "k.conf",
        &env(&[
            ("KAPACITOR_HTTPPOST_0_URL", "http://x/"),
            ("KAPACITOR_HTTPPOST_0_ROW_TEMPLATE", "{{ .Name }}"),
        ]),
    )
    .unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        tick_handlers::httppost_row_template(&config, "a"),
        Ok(Some("{{ .Name }}".to_string()))
    );
    let err = tick_handlers::config::Config::from_toml_str_with_env(
        "[[httppost]]\nurl = \"http://x/\"\n",
        "k.conf",
        &env(&[("KAPACITOR_HTTPPOST_0_ROW_TEMPLATE_FILE", "relative.tmpl")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "k.conf: [httppost]: must specify endpoint name (keys set from the environment: KAPACITOR_HTTPPOST_0_ROW_TEMPLATE_FILE)"
    );
}
