//! What sends the requests of the `httpPost` node (Kapacitor's `HTTPPostNode.postRow` and
//! `doPost`, http_post.go at v1.5.7): the engine's [`RowPosters`], built by `tick run` from the
//! configuration's `[[httppost]]` endpoints.
//!
//! Each request is one POST of one row: the body is `{"series":[row]}` and a newline with
//! `Content-Type: application/json`, or the endpoint's `row-template` rendered over the row as
//! Kapacitor's `mappedRow` (`.Name .Tags .Values`), sent without a content type. The URL (the
//! node's, or the endpoint's) is a template over the same data. Then the endpoint's
//! `basic-auth` and `headers`, and the node's `.header()`s, which replace a header of the same
//! name. Sent once, as Kapacitor does (no retries); every request has a timeout (the node's
//! `.timeout()`, else `tick run --handler-timeout`), and TLS is verified against the system
//! roots.
//!
//! The engine calls [`RowPoster::post`] on the pipeline thread and waits for the answer, as
//! Kapacitor's task does; each node's poster drives its requests on a small single-threaded
//! runtime of its own, made at its first post.

use std::time::Duration;

use tick_engine::{HttpPostSpec, JsonFunc, PostOutcome, Row, RowPoster, RowPosters};
use tick_gotemplate::Template;

use crate::config::Config;
use crate::http::{HttpClient, Request};
use crate::mqtt::tls::TlsFiles;
use crate::post::{Endpoint, Target, check_header};

/// The posters of every `httpPost` node of `tick run`: the configuration they find endpoints
/// in, and the timeout of a node without `.timeout()`.
#[derive(Clone)]
pub struct NodePosters {
    config: Config,
    default_timeout: Duration,
}

impl NodePosters {
    /// Posters that find `.endpoint()` names in `config` and wait at most `default_timeout` for
    /// a node without `.timeout()`.
    pub fn new(config: Option<&Config>, default_timeout: Duration) -> NodePosters {
        NodePosters {
            config: config.cloned().unwrap_or_default(),
            default_timeout,
        }
    }
}

impl RowPosters for NodePosters {
    fn poster(&self, spec: &HttpPostSpec) -> Result<Box<dyn RowPoster>, String> {
        let endpoint = match (&spec.url, &spec.endpoint) {
            (Some(url), _) => Endpoint::for_url(url).map_err(|e| e.to_string())?,
            (None, Some(name)) => Endpoint::find(&self.config, name)
                .map_err(|e| e.to_string())?
                // Kapacitor's message (`newHTTPPostNode`), and where to add it.
                .ok_or_else(|| {
                    format!(
                        "endpoint '{name}' does not exist: add a [[httppost]] section with \
                         endpoint = {name:?} and a url to the file given with --config"
                    )
                })?,
            (None, None) => return Err("must provide url or endpoint".to_string()),
        };
        let mut headers = endpoint.headers;
        if endpoint.row_template.is_none() {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        for (name, value) in &spec.headers {
            check_header(name, value).map_err(|e| e.to_string())?;
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            headers.push((name.clone(), value.clone()));
        }
        let timeout = u64::try_from(spec.timeout)
            .ok()
            .filter(|t| *t > 0)
            .map_or(self.default_timeout, Duration::from_nanos);
        Ok(Box::new(NodePoster {
            client: HttpClient::new(&TlsFiles::default())?,
            target: endpoint.target,
            headers,
            row_template: endpoint.row_template,
            capture_response: spec.capture_response,
            timeout,
            runtime: None,
        }))
    }
}

/// The poster of one `httpPost` node.
struct NodePoster {
    client: HttpClient,
    target: Target,
    headers: Vec<(String, String)>,
    row_template: Option<Template>,
    capture_response: bool,
    timeout: Duration,
    /// Made at the first post.
    runtime: Option<tokio::runtime::Runtime>,
}

impl NodePoster {
    /// The request for `row`, or why there is none (Kapacitor's `postRow` messages).
    fn request(&self, row: &Row) -> Result<Request, String> {
        let data = row.mapped();
        let body = match &self.row_template {
            Some(t) => {
                let mut body = String::new();
                t.render_with(&data, &JsonFunc, &mut body)
                    .map_err(|e| format!("failed to execute template: {e}"))?;
                body
            }
            None => {
                let mut body = String::from("{\"series\":[");
                tick_engine::json::write_row(&mut body, row)
                    .map_err(|e| format!("failed to marshal row data json: {e}"))?;
                body.push_str("]}\n");
                body
            }
        };
        Ok(Request {
            method: reqwest::Method::POST,
            url: self.target.url(&data).map_err(|e| e.to_string())?,
            headers: self.headers.clone(),
            body: body.into_bytes(),
        })
    }
}

impl RowPoster for NodePoster {
    fn post(&mut self, row: &Row) -> PostOutcome {
        let failed = |error: String| PostOutcome {
            code: 0,
            error: Some(("failed to POST data".to_string(), error)),
        };
        let request = match self.request(row) {
            Ok(r) => r,
            Err(e) => return failed(e),
        };
        let runtime = match &self.runtime {
            Some(r) => r,
            None => match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => self.runtime.insert(r),
                Err(e) => return failed(format!("cannot start the HTTP client: {e}")),
            },
        };
        let answer = match runtime.block_on(self.client.send(&request, Some(self.timeout))) {
            Ok(a) => a,
            Err(e) => return failed(e.to_string()),
        };
        let error = (!answer.is_success()).then(|| {
            let detail = if self.capture_response {
                answer.text()
            } else {
                "unknown error, use .captureResponse() to capture the HTTP response".to_string()
            };
            (
                "POST returned non 2xx status code".to_string(),
                format!("code {}: {detail}", answer.status),
            )
        });
        PostOutcome {
            code: answer.status,
            error,
        }
    }
}
