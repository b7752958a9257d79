//! The `post` handler (spec §6.6): `.post('http://host/path')` with `.header(k, v)`,
//! `.timeout(d)`, `.captureResponse()`, `.skipSSLVerification()`, or `kind: post`.
//! Sends the alert JSON (plus `\n`) with `Content-Type: application/json`.
//!
//! Design: the HTTP client is a minimal hand-written HTTP/1.1 client over tokio's
//! `TcpStream` (one request per connection, `Connection: close`). Only `http://` URLs are
//! needed for now, and this keeps a second TLS stack and its crypto provider out of the
//! build (see notes/dependencies.md: two rustls providers panic at run time). `https://` URLs
//! and configured endpoints are refused when the handler is built, with a clear error.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Literal, PropertySpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::alert_json::alert_json;
use crate::arguments::string_arg;
use crate::error::{BuildError, HandlerError};

/// `.post(url)` and its properties.
pub(crate) const SPEC: HandlerSpec = HandlerSpec {
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
            doc: "Do not verify the server certificate (only https URLs, not supported yet).",
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
    /// The URL each event is POSTed to (`http://` only).
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
    /// Accepted for Kapacitor's files; no effect, as `https://` is refused.
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

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HttpUrl {
    /// `host:port` to dial.
    dial: String,
    /// The `Host` header value (the authority as written).
    host_header: String,
    /// Path and query, at least `/`.
    target: String,
}

/// A post handler.
#[derive(Debug, Clone)]
pub struct PostHandler {
    url: HttpUrl,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    capture_response: bool,
}

/// Headers the handler writes itself and a user may not replace.
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
        let mut headers = Vec::with_capacity(options.headers.len());
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
        Ok(PostHandler {
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
    pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let body = alert_json(event)?;
        let request = self.request(&body);
        let exchange = self.exchange(request);
        let response = match self.timeout {
            Some(t) => tokio::time::timeout(t, exchange)
                .await
                .map_err(|_| HandlerError::Post(format!("timed out after {t:?}")))?,
            None => exchange.await,
        }?;
        let code = response.status;
        if (200..300).contains(&code) {
            return Ok(());
        }
        let detail = if self.capture_response {
            String::from_utf8_lossy(&response.body).into_owned()
        } else {
            "unknown error, use .captureResponse() to capture the HTTP response".to_string()
        };
        Err(HandlerError::PostStatus(format!("code {code}: {detail}")))
    }

    fn request(&self, body: &str) -> Vec<u8> {
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\n",
            self.url.target, self.url.host_header
        );
        let has = |n: &str| self.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
        if !has("user-agent") {
            head.push_str(concat!(
                "User-Agent: tick/",
                env!("CARGO_PKG_VERSION"),
                "\r\n"
            ));
        }
        if !has("content-type") {
            head.push_str("Content-Type: application/json\r\n");
        }
        for (k, v) in &self.headers {
            head.push_str(k);
            head.push_str(": ");
            head.push_str(v);
            head.push_str("\r\n");
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        bytes
    }

    async fn exchange(&self, request: Vec<u8>) -> Result<Response, HandlerError> {
        let io = |e: std::io::Error| HandlerError::Post(format!("{}: {e}", self.url.dial));
        let mut stream = TcpStream::connect(&self.url.dial).await.map_err(io)?;
        stream.write_all(&request).await.map_err(io)?;
        read_response(&mut stream, self.capture_response)
            .await
            .map_err(|e| match e {
                ReadError::Io(e) => io(e),
                ReadError::Malformed(m) => {
                    HandlerError::Post(format!("{}: malformed response: {m}", self.url.dial))
                }
            })
    }
}

struct Response {
    status: u16,
    body: Vec<u8>,
}

enum ReadError {
    Io(std::io::Error),
    Malformed(&'static str),
}

/// Largest response head or captured body kept.
const RESPONSE_LIMIT: usize = 64 * 1024;

async fn read_response(stream: &mut TcpStream, want_body: bool) -> Result<Response, ReadError> {
    let mut buf = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > RESPONSE_LIMIT {
            return Err(ReadError::Malformed("response head too large"));
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.map_err(ReadError::Io)?;
        if n == 0 {
            return Err(ReadError::Malformed(
                "connection closed before the response head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| ReadError::Malformed("non-UTF-8 head"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/") {
        return Err(ReadError::Malformed("no HTTP status line"));
    }
    let status = parts
        .next()
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or(ReadError::Malformed("bad status code"))?;
    if !want_body || (200..300).contains(&status) {
        return Ok(Response {
            status,
            body: Vec::new(),
        });
    }
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim();
            if k.eq_ignore_ascii_case("content-length") {
                content_length = v.parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") {
                chunked = v.eq_ignore_ascii_case("chunked");
            }
        }
    }
    let mut body = buf.split_off(head_end);
    let wanted = content_length.unwrap_or(RESPONSE_LIMIT).min(RESPONSE_LIMIT);
    loop {
        if body.len() >= wanted || (chunked && find(&body, b"0\r\n\r\n").is_some()) {
            break;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.map_err(ReadError::Io)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(wanted);
    if chunked {
        body = dechunk(&body);
    }
    Ok(Response { status, body })
}

/// Decodes a chunked body as far as it is well formed.
fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(i) = find(rest, b"\r\n") {
        let size_text = std::str::from_utf8(&rest[..i]).unwrap_or("");
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        if size == 0 {
            break;
        }
        let start = i + 2;
        let end = start.saturating_add(size).min(rest.len());
        out.extend_from_slice(&rest[start..end]);
        rest = rest.get(end + 2..).unwrap_or(&[]);
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_url(url: &str) -> Result<HttpUrl, BuildError> {
    let bad = |reason: &str| BuildError::InvalidUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("expected http://host[:port]/path"));
    };
    if scheme.eq_ignore_ascii_case("https") {
        return Err(BuildError::HttpsNotSupported(url.to_string()));
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(bad("only http:// URLs are supported"));
    }
    let rest = rest.split('#').next().unwrap_or("");
    let (authority, target) = match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    if authority.contains('@') {
        return Err(bad("credentials in post URLs are not supported yet"));
    }
    if authority.is_empty() {
        return Err(bad("missing host"));
    }
    if target
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(bad(
            "the path must not contain spaces or control characters",
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("unclosed '[' in host"))?;
        (format!("[{h}]"), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    let port = match port {
        None | Some("") => 80,
        Some(p) => p.parse::<u16>().map_err(|_| bad("invalid port"))?,
    };
    Ok(HttpUrl {
        dial: format!("{host}:{port}"),
        host_header: authority.to_string(),
        target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts_are_split_for_dialing_and_the_request_line() {
        let u = parse_url("http://127.0.0.1:8080/alerts?x=1#frag").unwrap();
        assert_eq!(u.dial, "127.0.0.1:8080");
        assert_eq!(u.host_header, "127.0.0.1:8080");
        assert_eq!(u.target, "/alerts?x=1");
        let u = parse_url("http://example.com").unwrap();
        assert_eq!(
            (u.dial.as_str(), u.target.as_str()),
            ("example.com:80", "/")
        );
        let u = parse_url("http://[::1]:9/p").unwrap();
        assert_eq!(u.dial, "[::1]:9");
    }

    #[test]
    fn https_and_other_schemes_are_refused_when_built() {
        assert_eq!(
            parse_url("https://x/y").unwrap_err().to_string(),
            "invalid post: https post URLs are not supported yet: https://x/y"
        );
        assert!(matches!(
            parse_url("ftp://x"),
            Err(BuildError::InvalidUrl { .. })
        ));
        assert!(matches!(
            parse_url("http://u:p@x/"),
            Err(BuildError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"),
            b"Wikipedia"
        );
    }
}
