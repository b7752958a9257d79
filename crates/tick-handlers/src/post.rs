//! The `post` handler (Kapacitor's httppost `Service.Handler`, services/httppost/service.go at v1.5.7): `.post('http://host/path')` with `.header(k, v)`,
//! `.timeout(d)`, `.captureResponse()`, `.skipSSLVerification()`, or `kind: post`.
//! Sends the alert JSON (plus `\n`) with `Content-Type: application/json`.
//!
//! `http://` and `https://` URLs go through the shared client (`crate::http`): TLS is verified
//! against the system roots unless `.skipSSLVerification()`. Configured `[[httppost]]`
//! endpoints are refused when the handler is built, with a clear error.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Literal, PropertySpec};

use crate::alert_json::alert_json;
use crate::arguments::string_arg;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind, Services};

/// The `post` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "post";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    type Options = Options;
    type Handler = PostHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        Options::from_use(handler)
    }

    fn build(
        options: Options,
        _topic: &str,
        _services: &Services,
    ) -> Result<PostHandler, BuildError> {
        PostHandler::new(options)
    }
}

impl Deliver for PostHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        PostHandler::handle(self, event).await
    }

    fn timeout(&self) -> Option<Duration> {
        PostHandler::timeout(self)
    }
}

/// `.post(url)` and its properties.
const SPEC: HandlerSpec = HandlerSpec {
    kind: "post",
    args: &[],
    variadic: Some(ArgType::String),
    properties: &[
        PropertySpec {
            name: "header",
            args: &[ArgType::String, ArgType::String],
            variadic: None,
            doc: "Add an HTTP header to every request. 'Authenticate' is refused.",
        },
        PropertySpec {
            name: "timeout",
            args: &[ArgType::Duration],
            variadic: None,
            doc: "Give up on a request after this long; 0 (the default) means tick run's \
                  --handler-timeout (10s unless set).",
        },
        PropertySpec {
            name: "captureResponse",
            args: &[],
            variadic: None,
            doc: "Include the response body in the error logged for a non-2xx status.",
        },
        PropertySpec {
            name: "skipSSLVerification",
            args: &[],
            variadic: None,
            doc: "Do not verify the server certificate of an https URL.",
        },
        PropertySpec {
            name: "endpoint",
            args: &[ArgType::String],
            variadic: None,
            doc: "Use a configured [[httppost]] endpoint (not supported yet).",
        },
    ],
    doc: "HTTP POST every alert event as JSON to a URL.",
};

/// Post handler options, shared by TICKscript and handler files (`url`, `endpoint`,
/// `headers`, `capture-response`, `timeout`, `skip-ssl-verification`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    #[serde(default)]
    /// The URL each event is POSTed to (`http://` or `https://`).
    pub url: String,
    #[serde(default)]
    /// A `[[httppost]]` endpoint name; refused, as that section is not read.
    pub endpoint: String,
    #[serde(default)]
    /// Extra request headers (`Authenticate` is refused, as by Kapacitor).
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    /// Put the response body in the error of a non-2xx status.
    pub capture_response: bool,
    /// Nanoseconds; in handler files a Go duration string (`10s`) or integer nanoseconds.
    #[serde(default, deserialize_with = "crate::arguments::deserialize_duration")]
    pub timeout: i64,
    #[serde(default)]
    /// Do not verify the server certificate of an `https://` URL.
    pub skip_ssl_verification: bool,
}

impl Options {
    /// Reads `.post(url)` and its properties from the script; later settings win.
    pub fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut options = Options::default();
        match handler.args.as_slice() {
            [] => {}
            [url] => options.url = string_arg("post", "url", Some(url))?,
            _ => {
                return Err(BuildError::InvalidUrl {
                    url: String::new(),
                    reason: "post takes at most one URL".to_string(),
                });
            }
        }
        for p in &handler.properties {
            match (p.name.as_str(), p.args.as_slice()) {
                ("header", [Literal::String(k), Literal::String(v)]) => {
                    options.headers.insert(k.clone(), v.clone());
                }
                ("timeout", [Literal::Duration(d)]) => options.timeout = *d,
                ("captureResponse", []) => options.capture_response = true,
                ("skipSSLVerification", []) => options.skip_ssl_verification = true,
                ("endpoint", [Literal::String(e)]) => options.endpoint = e.clone(),
                (name, _) => {
                    return Err(BuildError::BadArgument {
                        kind: "post",
                        what: format!(".{name}()"),
                        expected: "called as the post handler spec declares",
                    });
                }
            }
        }
        Ok(options)
    }
}

/// A post handler.
#[derive(Clone)]
pub struct PostHandler {
    client: HttpClient,
    url: reqwest::Url,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    capture_response: bool,
}

impl std::fmt::Debug for PostHandler {
    // The URL may hold credentials or a token: only its host is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostHandler")
            .field("host", &self.url.host_str())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Headers the client writes itself and a user may not replace.
const RESERVED_HEADERS: &[&str] = &["host", "content-length", "connection", "transfer-encoding"];

impl PostHandler {
    /// Validates the URL and headers (both refused at task start).
    pub fn new(options: Options) -> Result<PostHandler, BuildError> {
        if !options.endpoint.is_empty() {
            return Err(BuildError::EndpointNotSupported(options.endpoint));
        }
        if options.url.is_empty() {
            return Err(BuildError::MissingUrl);
        }
        let url = parse_url(&options.url)?;
        let mut headers = Vec::with_capacity(options.headers.len() + 1);
        if !options
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        for (name, value) in options.headers {
            if name.eq_ignore_ascii_case("authenticate") {
                return Err(BuildError::AuthenticateHeader);
            }
            let name_ok = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
            let value_ok = !value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0);
            if !name_ok || !value_ok {
                return Err(BuildError::InvalidHeader(format!("{name}: {value}")));
            }
            if RESERVED_HEADERS
                .iter()
                .any(|r| name.eq_ignore_ascii_case(r))
            {
                return Err(BuildError::InvalidHeader(format!(
                    "{name} is set by the post handler"
                )));
            }
            headers.push((name, value));
        }
        let timeout = u64::try_from(options.timeout)
            .ok()
            .filter(|t| *t > 0)
            .map(Duration::from_nanos);
        let client = HttpClient::new(&TlsFiles {
            insecure_skip_verify: options.skip_ssl_verification,
            ..TlsFiles::default()
        })
        .map_err(|reason| BuildError::InvalidUrl {
            url: String::new(),
            reason,
        })?;
        Ok(PostHandler {
            client,
            url,
            headers,
            timeout,
            capture_response: options.capture_response,
        })
    }

    /// The `.timeout()` the script or file set, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Posts the event. A non-2xx status is an error (with the body when capturing).
    /// Kapacitor's POST is sent once (`httppost.Service.Handle`): no retries here.
    pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let request = Request {
            method: reqwest::Method::POST,
            url: self.url.clone(),
            headers: self.headers.clone(),
            body: alert_json(event)?.into_bytes(),
        };
        let answer = self
            .client
            .send(&request, self.timeout)
            .await
            .map_err(|e| HandlerError::Post(e.to_string()))?;
        if answer.is_success() {
            return Ok(());
        }
        let code = answer.status;
        let detail = if self.capture_response {
            String::from_utf8_lossy(&answer.body).into_owned()
        } else {
            "unknown error, use .captureResponse() to capture the HTTP response".to_string()
        };
        Err(HandlerError::PostStatus(format!("code {code}: {detail}")))
    }
}

fn parse_url(url: &str) -> Result<reqwest::Url, BuildError> {
    let bad = |reason: &str| BuildError::InvalidUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("only http:// and https:// URLs are supported"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("missing host"));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_urls_are_taken_and_other_schemes_refused() {
        let u = parse_url("http://127.0.0.1:8080/alerts?x=1#frag").unwrap();
        assert_eq!(u.path(), "/alerts");
        assert_eq!(u.query(), Some("x=1"));
        assert!(parse_url("https://example.com/a").is_ok());
        assert!(matches!(
            parse_url("ftp://x"),
            Err(BuildError::InvalidUrl { .. })
        ));
        assert!(matches!(
            parse_url("no scheme"),
            Err(BuildError::InvalidUrl { .. })
        ));
    }
}
