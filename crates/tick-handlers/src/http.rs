//! The HTTP client every HTTP handler sends with (`post`, `slack`, ...): `reqwest` on rustls
//! with the `ring` provider, TLS verified against the system roots or a service's `ssl-ca`
//! unless `insecure-skip-verify` (or `.skipSSLVerification()`) says otherwise, and the retry
//! rule for services: connection errors, 5xx and 429 are tried again with a capped backoff
//! (429 after its `Retry-After`) before the event counts as failed. Owns sending and reading
//! answers; what a request holds is each handler's.
//!
//! Errors never carry the URL: webhook URLs hold tokens (Slack, Teams, Discord), and errors end
//! up in logs.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::HandlerError;
use crate::mqtt::tls::{TlsFiles, tls_client_config};

/// Largest answer body kept, for error messages.
const ANSWER_LIMIT: usize = 64 * 1024;

/// One HTTP client, with its own connection pool and TLS settings.
#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    client: reqwest::Client,
}

/// One request: method, URL, headers (in order) and body.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: reqwest::Method,
    pub(crate) url: reqwest::Url,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// A POST of a JSON `body` with `Content-Type: application/json`, as every JSON service
    /// sends it; more headers may be pushed after.
    pub(crate) fn post_json(url: reqwest::Url, body: String) -> Request {
        Request {
            method: reqwest::Method::POST,
            url,
            headers: vec![("Content-Type".to_string(), "application/json".to_string())],
            body: body.into_bytes(),
        }
    }
}

/// The `Authorization` header of HTTP basic authentication, as Go's `Request.SetBasicAuth`
/// writes it (standard base64 of `user:password`).
pub(crate) fn basic_auth(user: &str, password: &str) -> (String, String) {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    ("Authorization".to_string(), format!("Basic {token}"))
}

/// A service's answer: status and (up to [`ANSWER_LIMIT`] bytes of) body.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// `Retry-After` in whole seconds, when the service sent one.
    retry_after: Option<u64>,
}

impl Answer {
    /// The service's own error text: the string `field` of a JSON object body, as Kapacitor
    /// decodes it; else Kapacitor's `failed to understand <service> response` with the status
    /// and the body.
    pub(crate) fn error_text(&self, service: &str, field: &str) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get(field)?.as_str().map(str::to_string))
            .unwrap_or_else(|| {
                format!(
                    "failed to understand {service} response. code: {} content: {}",
                    self.status,
                    String::from_utf8_lossy(&self.body)
                )
            })
    }

    /// True for a 2xx status.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, for error messages.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).trim_end().to_string()
    }
}

/// How many times, and how patiently, a transient failure is tried again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retry {
    /// Further attempts after the first.
    pub(crate) retries: u32,
    /// The first pause; each later one doubles, up to `max_delay`.
    pub(crate) first_delay: Duration,
    /// The longest pause, also the cap on a `Retry-After`.
    pub(crate) max_delay: Duration,
}

impl Retry {
    /// The services' rule: up to 4 retries, pausing 250 ms, 500 ms, 1 s, 2 s (at most 5 s,
    /// also for `Retry-After`). The dispatcher's per-event timeout still bounds the whole.
    pub(crate) const SERVICE: Retry = Retry {
        retries: 4,
        first_delay: Duration::from_millis(250),
        max_delay: Duration::from_secs(5),
    };
}

/// The pauses between the attempts of one delivery under a [`Retry`] rule.
#[derive(Debug)]
pub(crate) struct Backoff {
    retry: Retry,
    attempts: u32,
    delay: Duration,
}

impl Backoff {
    pub(crate) fn new(retry: Retry) -> Backoff {
        Backoff {
            retry,
            attempts: 0,
            delay: retry.first_delay,
        }
    }

    /// After a transient failure (`why`): false when the retries are used up; else logs the
    /// failure, pauses (`pause` when the service asked for one, capped at the longest pause)
    /// and returns true.
    pub(crate) async fn wait(&mut self, why: &str, pause: Option<Duration>) -> bool {
        if self.attempts >= self.retry.retries {
            return false;
        }
        self.attempts += 1;
        let pause = pause.map_or(self.delay, |p| p.min(self.retry.max_delay));
        let handler = crate::dispatch::current_handler();
        tracing::warn!(
            handler = %handler.as_deref().unwrap_or("-"),
            attempt = self.attempts,
            "request failed ({why}); trying again in {pause:?}"
        );
        tokio::time::sleep(pause).await;
        self.delay = (self.delay * 2).min(self.retry.max_delay);
        true
    }
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendError {
    /// The request did not complete within the timeout.
    TimedOut(Duration),
    /// No answer: connection refused, TLS failure, connection closed, ...
    Transport(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::TimedOut(t) => write!(f, "timed out after {t:?}"),
            SendError::Transport(e) => f.write_str(e),
        }
    }
}

impl HttpClient {
    /// A client with the given TLS settings. System roots need not exist: an `https` request
    /// then fails with the verification error, and plain `http` works.
    pub(crate) fn new(tls: &TlsFiles<'_>) -> Result<HttpClient, String> {
        let config = tls_client_config(tls, false)?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(config)
            .user_agent(concat!("tick/", env!("CARGO_PKG_VERSION")))
            // Kapacitor's Go client does not follow redirects for POST either.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot create the HTTP client: {}", e.without_url()))?;
        Ok(HttpClient { client })
    }

    /// Sends `request` once; `timeout` bounds the whole exchange.
    pub(crate) async fn send(
        &self,
        request: &Request,
        timeout: Option<Duration>,
    ) -> Result<Answer, SendError> {
        let exchange = self.exchange(request);
        match timeout {
            Some(t) => tokio::time::timeout(t, exchange)
                .await
                .map_err(|_| SendError::TimedOut(t))?,
            None => exchange.await,
        }
    }

    /// Sends `request`, trying again after transient failures (no answer, 5xx, 429) as
    /// `retry` says. Returns the last answer, or the last failure when there was none.
    pub(crate) async fn send_retrying(
        &self,
        request: &Request,
        timeout: Option<Duration>,
        retry: Retry,
    ) -> Result<Answer, SendError> {
        let mut backoff = Backoff::new(retry);
        loop {
            let outcome = self.send(request, timeout).await;
            let (why, pause) = match &outcome {
                Err(e) => (e.to_string(), None),
                Ok(a) if a.status == 429 || (500..600).contains(&a.status) => (
                    format!("status {}: {}", a.status, a.text()),
                    a.retry_after
                        .filter(|_| a.status == 429)
                        .map(Duration::from_secs),
                ),
                Ok(_) => return outcome,
            };
            if !backoff.wait(&why, pause).await {
                return outcome;
            }
        }
    }

    /// Sends `request` with the services' retry rule and accepts only the statuses in `ok`;
    /// any other answer is an error carrying the service's own text (the string `field` of
    /// its JSON answer, else Kapacitor's `failed to understand <service> response`). `kind`
    /// names the handler in the error.
    pub(crate) async fn deliver(
        &self,
        request: &Request,
        kind: &'static str,
        ok: &[u16],
        service: &str,
        field: &str,
    ) -> Result<(), HandlerError> {
        let answer = self
            .send_retrying(request, None, Retry::SERVICE)
            .await
            .map_err(|e| HandlerError::Service {
                kind,
                message: e.to_string(),
            })?;
        if ok.contains(&answer.status) {
            return Ok(());
        }
        Err(HandlerError::Service {
            kind,
            message: answer.error_text(service, field),
        })
    }

    async fn exchange(&self, request: &Request) -> Result<Answer, SendError> {
        let transport = |e: reqwest::Error| SendError::Transport(describe(e));
        let mut headers = HeaderMap::with_capacity(request.headers.len());
        for (k, v) in &request.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| SendError::Transport(format!("invalid header name {k:?}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| SendError::Transport(format!("invalid value for header {k:?}")))?;
            headers.append(name, value);
        }
        let response = self
            .client
            .request(request.method.clone(), request.url.clone())
            .headers(headers)
            .body(request.body.clone())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            let room = ANSWER_LIMIT.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= ANSWER_LIMIT {
                break;
            }
        }
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }
}

/// Go's `path.Join` for URL paths: the non-empty parts joined by `/`, cleaned (`.` and `..`
/// resolved, repeated slashes collapsed), always absolute here since it goes after a host.
pub(crate) fn join_path(parts: &[&str]) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for part in parts {
        for seg in part.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    segments.pop();
                }
                s => segments.push(s),
            }
        }
    }
    format!("/{}", segments.join("/"))
}

/// A transport error without its URL, with its causes (`error sending request: connection
/// refused`).
fn describe(e: reqwest::Error) -> String {
    crate::error::with_causes(&e.without_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_error_is_its_field_or_kapacitors_fallback() {
        let answer = |status, body: &str| Answer {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        };
        assert_eq!(
            answer(400, r#"{"ok":false,"error":"channel_not_found"}"#).error_text("Slack", "error"),
            "channel_not_found"
        );
        for (status, body) in [(500, "oops"), (400, r#"{"message":1}"#), (404, r#"["x"]"#)] {
            assert_eq!(
                answer(status, body).error_text("PagerDuty", "message"),
                format!("failed to understand PagerDuty response. code: {status} content: {body}")
            );
        }
    }

    #[test]
    fn paths_are_joined_as_go_path_join_does() {
        assert_eq!(
            join_path(&["/integrations/generic/20131114/alert", "key", "team"]),
            "/integrations/generic/20131114/alert/key/team"
        );
        assert_eq!(join_path(&["/a/", "key", ""]), "/a/key");
        assert_eq!(join_path(&["", "key", "team"]), "/key/team");
    }
}
