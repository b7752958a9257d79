//! `|httpPost(url)` (Kapacitor's `http_post.go` `HTTPPostNode` and `pipeline/http_post.go` at
//! v1.5.7): POSTs each point, or each batch, as one row to a URL or a `[[httppost]]` endpoint,
//! and passes it on; with `.codeField('name')` the HTTP status (0 when there was none) is added
//! to its fields as an integer.
//!
//! The request goes through the injected [`crate::RowPoster`] (`row_post.rs`): the engine does
//! no IO. As in Kapacitor, the node waits for the answer before passing the data on (the status
//! may be needed for `.codeField()`), so a slow server slows the task down, never longer than
//! the request's timeout. A failed post is counted as an error of the node and logged with
//! Kapacitor's message; the data goes on.

use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::{Arg, CHAIN_METHODS, NodeProperty, NodeSpec};
use crate::point::Message;
use crate::row_post::{HttpPostSpec, RowPoster};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "httpPost",
    kind: "http_post",
    args: &[],
    optional: &[],
    variadic: Some(Arg::STRING),
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new(
            "endpoint",
            &[Arg::STRING],
            "Post to this [[httppost]] endpoint of the configuration.",
        ),
        NodeProperty::new(
            "header",
            &[Arg::STRING, Arg::STRING],
            "Add an HTTP header to every request ('Authenticate' is refused).",
        ),
        NodeProperty::flag(
            "captureResponse",
            "Log the body of an answer whose status is not 2xx.",
        ),
        NodeProperty::new(
            "timeout",
            &[Arg::DURATION],
            "Give up on a request after this long (0: tick run's --handler-timeout).",
        ),
        NodeProperty::new(
            "codeField",
            &[Arg::STRING],
            "Add the HTTP status (0 when there was none) to the data as this integer field.",
        ),
    ],
    handlers: false,
    doc: "POSTs every point or batch as JSON (or an endpoint's row-template) and passes it on.",
    build,
};

/// Kapacitor's `HTTPPostNode.validate` (pipeline/http_post.go at v1.5.7), message for message,
/// then the poster of the injected [`crate::RowPosters`], whose refusal fails the task as
/// `newHTTPPostNode` does.
fn build(props: &NodeProps, bcx: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let err = |span, message: String| Err(vec![Diagnostic::error(span, message)]);
    let urls: Vec<&str> = props
        .args
        .iter()
        .filter_map(|a| match &a.value {
            crate::node_props::Value::String(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let endpoints: Vec<_> = props
        .all("endpoint")
        .filter_map(|s| s.args.first())
        .filter_map(|a| match &a.value {
            crate::node_props::Value::String(s) => Some((s.as_str(), a.span)),
            _ => None,
        })
        .collect();
    if urls.len() >= 2 {
        return err(
            props.span,
            format!("httpPost expects 0 or 1 arguments, got {}", urls.len()),
        );
    }
    if endpoints.len() > 1 {
        return err(
            props.span,
            format!("httpPost expects 0 or 1 endpoints, got {}", endpoints.len()),
        );
    }
    if urls.is_empty() && endpoints.is_empty() {
        return err(props.span, "must provide url or endpoint".to_string());
    }
    if !urls.is_empty() && !endpoints.is_empty() {
        return err(
            props.span,
            "only one endpoint and url may be specified".to_string(),
        );
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for s in props.all("header") {
        let (Some(k), Some(v)) = (s.args.first(), s.args.get(1)) else {
            continue;
        };
        let (crate::node_props::Value::String(k), crate::node_props::Value::String(v)) =
            (&k.value, &v.value)
        else {
            continue;
        };
        if k.eq_ignore_ascii_case("authenticate") {
            return err(s.span, "cannot set 'authenticate' header".to_string());
        }
        // A Go map: a later setting of a name replaces the earlier one.
        headers.retain(|(name, _)| name != k);
        headers.push((k.clone(), v.clone()));
    }
    headers.sort();
    let spec = HttpPostSpec {
        url: urls.first().map(|u| u.to_string()),
        endpoint: endpoints.first().map(|(e, _)| e.to_string()),
        headers,
        capture_response: props.flag("captureResponse").is_some(),
        timeout: props.duration("timeout").map_or(0, |d| d.value),
    };
    let poster = match bcx.row_posters {
        Some(posters) => match posters.0.poster(&spec) {
            Ok(p) => Some(p),
            Err(e) => {
                let span = endpoints
                    .first()
                    .map_or(props.args.first().map_or(props.span, |a| a.span), |e| e.1);
                return err(span, e);
            }
        },
        None => None,
    };
    Ok(Box::new(HttpPost {
        poster,
        code_field: props
            .string("codeField")
            .map(|s| Arc::<str>::from(s.value))
            .filter(|s| !s.is_empty()),
    }))
}

struct HttpPost {
    /// `None` when nothing sends (`tick check`, `tick test`): the data passes unchanged.
    poster: Option<Box<dyn RowPoster>>,
    code_field: Option<Arc<str>>,
}

impl HttpPost {
    /// Posts `row`; the status, 0 when there was none.
    fn post(&mut self, ctx: &mut NodeContext<'_>, row: &crate::event::Row) -> i64 {
        let Some(poster) = self.poster.as_mut() else {
            return 0;
        };
        let outcome = poster.post(row);
        if let Some((what, error)) = &outcome.error {
            ctx.error(what, error);
        }
        i64::from(outcome.code)
    }
}

impl Node for HttpPost {
    fn process(&mut self, ctx: &mut NodeContext<'_>, mut msg: Message, out: &mut Vec<Message>) {
        if self.poster.is_none() {
            out.push(msg);
            return;
        }
        match &mut msg {
            Message::Point(p) => {
                let code = self.post(ctx, &super::http_out::point_row(p));
                if let Some(f) = &self.code_field {
                    p.fields.insert(Arc::clone(f), FieldValue::Int(code));
                }
            }
            Message::Batch(b) => {
                let code = self.post(ctx, &super::http_out::batch_row(b));
                if let Some(f) = &self.code_field {
                    for p in &mut b.points {
                        p.fields.insert(Arc::clone(f), FieldValue::Int(code));
                    }
                }
            }
        }
        out.push(msg);
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::compile_errors;

    #[test]
    fn kapacitors_validation_messages() {
        for (script, message) in [
            (
                "stream|from()|httpPost('http://a/', 'http://b/')",
                "httpPost expects 0 or 1 arguments, got 2",
            ),
            (
                "stream|from()|httpPost().endpoint('a').endpoint('b')",
                "httpPost expects 0 or 1 endpoints, got 2",
            ),
            ("stream|from()|httpPost()", "must provide url or endpoint"),
            (
                "stream|from()|httpPost('http://a/').endpoint('a')",
                "only one endpoint and url may be specified",
            ),
            (
                "stream|from()|httpPost('http://a/').header('authenticate', 'x')",
                "cannot set 'authenticate' header",
            ),
        ] {
            let errors = compile_errors(script);
            assert!(
                errors.iter().any(|(m, _)| m.contains(message)),
                "{script}: {errors:?}"
            );
        }
    }

    #[test]
    fn without_a_poster_the_data_passes_unchanged() {
        let out = crate::test_support::run_log(
            "stream|from()|httpPost('http://127.0.0.1:1/').codeField('code')|log()",
            &["cpu,host=a v=1 1000000000"],
        );
        assert_eq!(
            out,
            ["group= tag_host=a field_v=1 time=1970-01-01T00:00:01Z"]
        );
    }

    /// Answers with the statuses given, in turn, and records the rows and specs it saw.
    struct Fake {
        codes: std::sync::Arc<std::sync::Mutex<Vec<u16>>>,
        specs: std::sync::Arc<std::sync::Mutex<Vec<crate::HttpPostSpec>>>,
    }

    impl crate::RowPosters for Fake {
        fn poster(&self, spec: &crate::HttpPostSpec) -> Result<Box<dyn crate::RowPoster>, String> {
            if spec.endpoint.as_deref() == Some("missing") {
                return Err("endpoint 'missing' does not exist".into());
            }
            self.specs.lock().unwrap().push(spec.clone());
            Ok(Box::new(FakePoster(self.codes.clone())))
        }
    }

    struct FakePoster(std::sync::Arc<std::sync::Mutex<Vec<u16>>>);

    impl crate::RowPoster for FakePoster {
        fn post(&mut self, _: &crate::Row) -> crate::PostOutcome {
            let code = self.0.lock().unwrap().remove(0);
            crate::PostOutcome {
                code,
                error: (code / 100 != 2).then(|| ("POST failed".into(), code.to_string())),
            }
        }
    }

    fn compile_with(
        script: &str,
        fake: Fake,
    ) -> (Option<crate::Task>, Vec<tick_syntax::Diagnostic>) {
        let (program, _) = tick_syntax::parse(script);
        let opts = crate::CompileOptions {
            row_posters: Some(crate::SharedRowPosters(std::sync::Arc::new(fake))),
            ..Default::default()
        };
        crate::Compiler::new().compile("t", &program, &opts)
    }

    #[test]
    fn code_field_holds_each_status_and_failures_count_as_errors() {
        let codes = std::sync::Arc::new(std::sync::Mutex::new(vec![200, 500, 0]));
        let specs = std::sync::Arc::default();
        let fake = Fake {
            codes,
            specs: std::sync::Arc::clone(&specs),
        };
        let (task, diags) = compile_with(
            "stream|from()|httpPost('http://x/').header('b', '1').header('a', '2').header('b', '3').timeout(2s).captureResponse().codeField('code')|log()",
            fake,
        );
        let mut task = task.unwrap_or_else(|| panic!("{diags:?}"));
        let out = crate::test_support::run_log_task(
            &mut task,
            &[
                "cpu v=1 1000000000",
                "cpu v=2 2000000000",
                "cpu v=3 3000000000",
            ],
        );
        assert_eq!(
            out,
            [
                "group= field_code=200 field_v=1 time=1970-01-01T00:00:01Z",
                "group= field_code=500 field_v=2 time=1970-01-01T00:00:02Z",
                "group= field_code=0 field_v=3 time=1970-01-01T00:00:03Z",
            ]
        );
        let stats = task.stats();
        let node = stats
            .iter()
            .find(|s| s.name.starts_with("http_post"))
            .unwrap();
        assert_eq!(node.errors, 2);
        assert_eq!(
            specs.lock().unwrap().as_slice(),
            [crate::HttpPostSpec {
                url: Some("http://x/".into()),
                endpoint: None,
                headers: vec![("a".into(), "2".into()), ("b".into(), "3".into())],
                capture_response: true,
                timeout: 2_000_000_000,
            }]
        );
    }

    #[test]
    fn a_poster_refusing_the_node_fails_the_task() {
        let fake = Fake {
            codes: std::sync::Arc::default(),
            specs: std::sync::Arc::default(),
        };
        let (task, diags) = compile_with("stream|from()|httpPost().endpoint('missing')", fake);
        assert!(task.is_none());
        assert!(
            diags
                .iter()
                .any(|d| d.message == "endpoint 'missing' does not exist"),
            "{diags:?}"
        );
    }
}
