//! The `post` handler (Kapacitor's httppost `Service.Handler`, services/httppost/service.go at v1.5.7): `.post('http://host/path')` with `.header(k, v)`,
//! `.timeout(d)`, `.captureResponse()`, `.skipSSLVerification()`, or `kind: post`.
//! Sends the alert JSON (plus `\n`) with `Content-Type: application/json`.
//!
//! `http://` and `https://` URLs go through the shared client (`crate::http`): TLS is verified
//! against the system roots unless `.skipSSLVerification()`.
//!
//! `.endpoint('name')` (`endpoint: name`) posts to a `[[httppost]]` endpoint of
//! `kapacitor.conf` (Kapacitor's `httppost.Config`, services/httppost/config.go at v1.5.7):
//! its `url`, its `headers` (the handler's own headers win), `basic-auth` (sent only when both
//! `username` and `password` are set) and `alert-template` or `alert-template-file`, a Go
//! template over the alert data (`Event.AlertData`: `.ID .Message .Details .Time .Duration
//! .Level .Data .PreviousLevel .Recoverable`) whose output is the body, sent without a
//! `Content-Type` (the JSON body gets `application/json`, replacing any configured one). The
//! URL is a template over the same data. `row-template` and `row-template-file` (for the
//! `httpPost` node) are read and checked here. Quirk: only an inline template has the `json`
//! function; a template file has none (Kapacitor's `GetTemplate`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Literal, PropertySpec};

use tick_engine::JsonFunc;
use tick_gotemplate::{FuncSet, Template};

use crate::alert_json::alert_json;
use crate::arguments::string_arg;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind, Services};
use crate::service::{Section, ServiceConfig};

/// The `post` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "post";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("httppost");
    type Options = Options;
    type Handler = PostHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        Options::from_use(handler)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        for c in &Section::<EndpointConfig>::read(section)?.configs {
            c.validate()?;
            Endpoint::new(c).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn build(
        options: Options,
        _topic: &str,
        services: &Services,
    ) -> Result<PostHandler, BuildError> {
        PostHandler::with_config(options, &services.config)
    }

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Options::from_use(handler)?;
        match config {
            Some(config) => PostHandler::with_config(options, config).map(drop),
            // Endpoints can only be checked against a configuration.
            None if !options.endpoint.is_empty() => Ok(()),
            None => PostHandler::new(options).map(drop),
        }
    }
}

/// One `[[httppost]]` section (Kapacitor's `httppost.Config`). `Debug` is not derived: the
/// password and the URL may be secrets.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct EndpointConfig {
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    basic_auth: BasicAuth,
    #[serde(default)]
    alert_template: String,
    #[serde(default)]
    alert_template_file: String,
    #[serde(default)]
    row_template: String,
    #[serde(default)]
    row_template_file: String,
}

/// `basic-auth = { username = "...", password = "..." }`.
#[derive(Clone, Default, Deserialize)]
struct BasicAuth {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

impl ServiceConfig for EndpointConfig {
    fn name(&self) -> &str {
        &self.endpoint
    }
    // Endpoints are found by name only.
    fn is_default(&self) -> bool {
        false
    }
    fn set_default(&mut self) {}
}

impl EndpointConfig {
    /// Kapacitor's `Config.Validate` (services/httppost/config.go at v1.5.7), message for
    /// message; the URL is never quoted (it may hold a token).
    fn validate(&self) -> Result<(), String> {
        if self.endpoint.is_empty() {
            return Err("must specify endpoint name".to_string());
        }
        if self.url.is_empty() {
            return Err("must specify url".to_string());
        }
        if !self.alert_template.is_empty() && !self.alert_template_file.is_empty() {
            return Err("must specify only one of alert-template and alert-template-file".into());
        }
        if !self.alert_template_file.is_empty()
            && !std::path::Path::new(&self.alert_template_file).is_absolute()
        {
            return Err("must use an absolute path for alert-template-file".into());
        }
        if !self.row_template.is_empty() && !self.row_template_file.is_empty() {
            return Err("must specify only one of row-template and row-template-file".into());
        }
        if !self.row_template_file.is_empty()
            && !std::path::Path::new(&self.row_template_file).is_absolute()
        {
            return Err("must use an absolute path for row-template-file".into());
        }
        Ok(())
    }
}

/// A template given inline (with the `json` function) or as a file (without it), as
/// Kapacitor's `GetTemplate` reads it; `None` when neither is set.
fn read_template(inline: &str, file: &str, what: &str) -> Result<Option<Template>, String> {
    let parse = |text: &str, funcs: &FuncSet| {
        Template::parse("body", text, funcs).map_err(|e| format!("failed to parse {what}: {e}"))
    };
    if !inline.is_empty() {
        return parse(inline, &JsonFunc::func_set()).map(Some);
    }
    if file.is_empty() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("failed to read {what} file {file:?}: {e}"))?;
    parse(&text, &FuncSet::new()).map(Some)
}

/// Where a request goes: a fixed URL, or a template over the alert data (Kapacitor parses
/// every URL as a template).
#[derive(Clone)]
pub(crate) enum Target {
    Fixed(reqwest::Url),
    Template(Template),
}

impl Target {
    pub(crate) fn new(url: &str) -> Result<Target, BuildError> {
        if !url.contains("{{") {
            return parse_url(url).map(Target::Fixed);
        }
        Template::parse("url", url, &JsonFunc::func_set())
            .map(Target::Template)
            .map_err(|e| BuildError::InvalidUrl {
                url: String::new(),
                reason: format!("invalid URL template: {e}"),
            })
    }

    /// The URL, rendered over `data` when it is a template.
    pub(crate) fn url(
        &self,
        data: &dyn tick_gotemplate::Object,
    ) -> Result<reqwest::Url, HandlerError> {
        match self {
            Target::Fixed(url) => Ok(url.clone()),
            Target::Template(t) => {
                let mut text = String::new();
                t.render_with(data, &JsonFunc, &mut text).map_err(|e| {
                    HandlerError::Post(format!("failed to execute url template: {e}"))
                })?;
                parse_url(&text).map_err(|e| HandlerError::Post(e.to_string()))
            }
        }
    }
}

/// A configured endpoint, ready to send with.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub(crate) target: Target,
    /// `basic-auth` first, then `headers`.
    pub(crate) headers: Vec<(String, String)>,
    alert_template: Option<Template>,
    /// For the `httpPost` node.
    pub(crate) row_template: Option<Template>,
}

impl Endpoint {
    fn new(c: &EndpointConfig) -> Result<Endpoint, BuildError> {
        let error = |message: String| BuildError::Endpoint {
            endpoint: c.endpoint.clone(),
            message,
        };
        let alert_template =
            read_template(&c.alert_template, &c.alert_template_file, "alert-template")
                .map_err(error)?;
        let row_template =
            read_template(&c.row_template, &c.row_template_file, "row-template").map_err(error)?;
        let mut headers = Vec::with_capacity(c.headers.len() + 1);
        let auth = &c.basic_auth;
        if !auth.username.is_empty() && !auth.password.is_empty() {
            headers.push(crate::http::basic_auth(&auth.username, &auth.password));
        }
        for (name, value) in &c.headers {
            check_header(name, value)?;
            headers.push((name.clone(), value.clone()));
        }
        Ok(Endpoint {
            target: Target::new(&c.url)?,
            headers,
            alert_template,
            row_template,
        })
    }

    /// A plain URL (a template), with no headers or templates.
    pub(crate) fn for_url(url: &str) -> Result<Endpoint, BuildError> {
        Ok(Endpoint {
            target: Target::new(url)?,
            headers: Vec::new(),
            alert_template: None,
            row_template: None,
        })
    }

    /// The `[[httppost]]` endpoint `name` of `config`, if there is one.
    pub(crate) fn find(config: &Config, name: &str) -> Result<Option<Endpoint>, BuildError> {
        let section = match config.services.get("httppost") {
            Some(s) => {
                Section::<EndpointConfig>::read(s).map_err(|message| BuildError::Endpoint {
                    endpoint: name.to_string(),
                    message,
                })?
            }
            None => Section::default(),
        };
        section.find(name).map(Endpoint::new).transpose()
    }
}

/// The `row-template` (or the text of `row-template-file`) of `[[httppost]]` endpoint
/// `endpoint`, for the `httpPost` node: `Ok(None)` when the endpoint has none; `Err` when
/// there is no such endpoint or its file cannot be read.
pub fn row_template(config: &Config, endpoint: &str) -> Result<Option<String>, String> {
    let section = match config.services.get("httppost") {
        Some(s) => Section::<EndpointConfig>::read(s)?,
        None => Section::default(),
    };
    let c = section
        .find(endpoint)
        .ok_or_else(|| format!("no [[httppost]] endpoint {endpoint:?} in the configuration"))?;
    if !c.row_template.is_empty() {
        return Ok(Some(c.row_template.clone()));
    }
    if c.row_template_file.is_empty() {
        return Ok(None);
    }
    std::fs::read_to_string(&c.row_template_file)
        .map(Some)
        .map_err(|e| {
            format!(
                "failed to read row-template file {:?}: {e}",
                c.row_template_file
            )
        })
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
            doc: "Post to a configured [[httppost]] endpoint (its url, headers, basic-auth and \
                  alert-template).",
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
    /// A `[[httppost]]` endpoint name; its URL is used when `url` is empty.
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
    target: Target,
    /// The endpoint's headers, then the handler's (which replace an endpoint header of the
    /// same name).
    headers: Vec<(String, String)>,
    /// The endpoint's `alert-template`: the body, sent without a `Content-Type`.
    alert_template: Option<Template>,
    timeout: Option<Duration>,
    capture_response: bool,
}

impl std::fmt::Debug for PostHandler {
    // The URL may hold credentials or a token: only its host is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = match &self.target {
            Target::Fixed(url) => url.host_str(),
            Target::Template(_) => None,
        };
        f.debug_struct("PostHandler")
            .field("host", &host)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Headers the client writes itself and a user may not replace.
const RESERVED_HEADERS: &[&str] = &["host", "content-length", "connection", "transfer-encoding"];

impl PostHandler {
    /// Validates the URL and headers (both refused at task start), without a configuration.
    pub fn new(options: Options) -> Result<PostHandler, BuildError> {
        PostHandler::with_config(options, &Config::default())
    }

    /// Like [`PostHandler::new`]; an `endpoint` is found in `config`'s `[[httppost]]`
    /// sections. As in Kapacitor (`Service.Handler`), an unknown endpoint is ignored when the
    /// handler has a URL of its own.
    pub(crate) fn with_config(
        options: Options,
        config: &Config,
    ) -> Result<PostHandler, BuildError> {
        let endpoint = if options.endpoint.is_empty() {
            None
        } else {
            Endpoint::find(config, &options.endpoint)?
        };
        let Endpoint {
            target,
            mut headers,
            alert_template,
            ..
        } = match endpoint {
            Some(e) => e,
            None if !options.endpoint.is_empty() && options.url.is_empty() => {
                return Err(BuildError::UnknownEndpoint(options.endpoint));
            }
            None if options.url.is_empty() => return Err(BuildError::MissingUrl),
            None => Endpoint::for_url(&options.url)?,
        };
        for (name, value) in options.headers {
            if name.eq_ignore_ascii_case("authenticate") {
                return Err(BuildError::AuthenticateHeader);
            }
            check_header(&name, &value)?;
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
            headers.push((name, value));
        }
        if alert_template.is_none() {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
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
            target,
            headers,
            alert_template,
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
        let body = match &self.alert_template {
            Some(t) => {
                let mut body = String::new();
                t.render_with(&event.alert_data(), &JsonFunc, &mut body)
                    .map_err(|e| {
                        HandlerError::Post(format!("failed to execute alert template: {e}"))
                    })?;
                body
            }
            None => alert_json(event)?,
        };
        let request = Request {
            method: reqwest::Method::POST,
            url: self.target.url(&event.alert_data())?,
            headers: self.headers.clone(),
            body: body.into_bytes(),
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

/// A header a request can carry: a token name, a value without line breaks, and not one the
/// client writes itself.
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), BuildError> {
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
    Ok(())
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
