use std::os::unix::fs::PermissionsExt;

use tick_engine::Literal;
use tick_handlers::{BuildError, Handler, HandlerError, Services};

use crate::common::*;

fn log_handler(path: &str, mode: Option<i64>) -> Result<Handler, BuildError> {
    let props = mode
        .map(|m| vec![("mode", vec![Literal::Int(m)])])
        .unwrap_or_default();
    Handler::from_use(
        &handler_use("log", vec![s(path)], props),
        &Services::default(),
    )
}

#[tokio::test]
async fn log_appends_one_exact_json_line_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.log");
    let mut h = log_handler(path.to_str().unwrap(), None).unwrap();
    h.handle(&critical_event()).await.unwrap();
    h.handle(&ok_event()).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, format!("{CRITICAL_JSON}\n{OK_JSON}\n"));
}

#[tokio::test]
async fn log_file_is_created_with_mode_0600_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.log");
    let mut h = log_handler(path.to_str().unwrap(), None).unwrap();
    h.handle(&critical_event()).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[tokio::test]
async fn log_file_is_created_with_the_mode_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.log");
    // `.mode(0644)`: the lexer gives the octal literal as 420.
    let mut h = log_handler(path.to_str().unwrap(), Some(0o644)).unwrap();
    h.handle(&critical_event()).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn log_refuses_a_relative_path_when_built() {
    let err = log_handler("rel/path", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to create log alert handler: log path must be absolute: rel/path is not absolute"
    );
}

#[test]
fn log_refuses_a_mode_that_is_not_user_writable() {
    let err = log_handler("/tmp/x.log", Some(0o444)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to create log alert handler: invalid file mode -r--r--r--, must be user writable"
    );
}

#[tokio::test]
async fn log_writes_nothing_for_an_event_with_nan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan.log");
    let mut h = log_handler(path.to_str().unwrap(), None).unwrap();
    h.handle(&critical_event()).await.unwrap();
    let err = h.handle(&nan_event()).await.unwrap_err();
    assert!(matches!(err, HandlerError::Marshal(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("failed to marshal alert data json"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{CRITICAL_JSON}\n")
    );
}

#[test]
fn check_points_a_bad_mode_at_the_mode_property_and_a_bad_path_at_the_call() {
    let mut u = handler_use(
        "log",
        vec![s("/tmp/x.log")],
        vec![("mode", vec![Literal::Int(0o444)])],
    );
    u.span = tick_syntax::Span { start: 5, end: 20 };
    u.properties[0].span = tick_syntax::Span { start: 21, end: 31 };
    assert_eq!(
        tick_handlers::check_use(&u),
        [tick_syntax::Diagnostic::error(
            tick_syntax::Span { start: 21, end: 31 },
            "failed to create log alert handler: invalid file mode -r--r--r--, must be user writable"
        )]
    );
    u.args = vec![s("x.log")];
    u.properties.clear();
    assert_eq!(
        tick_handlers::check_use(&u),
        [tick_syntax::Diagnostic::error(
            tick_syntax::Span { start: 5, end: 20 },
            "failed to create log alert handler: log path must be absolute: x.log is not absolute"
        )]
    );
    u.args = vec![s("/tmp/x.log")];
    assert_eq!(tick_handlers::check_use(&u), []);
}
