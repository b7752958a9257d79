//! The `pushover` handler: `.pushover().userKey(k).device(d).title(t).URL(u).URLTitle(t)
//! .sound(s)` or `kind: pushover` (`user-key`, `device`, `title`, `url`, `url-title`, `sound`),
//! delivered as a form to Pushover's messages API configured by `[pushover]` in
//! `kapacitor.conf`. Owns the section's keys and rules (Kapacitor's `pushover.Config`,
//! `services/pushover/config.go` at v1.5.7), the request (`Service.preparePost`,
//! `postData.Values` and `Service.Alert`, `services/pushover/service.go`) and the service test.

use serde::Deserialize;
use tick_engine::{Event, HandlerSpec, HandlerUse, Level, Literal};

use crate::arguments::string_property;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "pushover",
    args: &[],
    variadic: None,
    properties: &[
        string_property(
            "userKey",
            "The user or group key; empty means [pushover] user-key.",
        ),
        string_property(
            "device",
            "The device to send to; empty means all of the user's.",
        ),
        string_property(
            "title",
            "The message's title; empty means the application's name.",
        ),
        string_property("URL", "A URL shown with the message."),
        string_property("uRL", "Kapacitor's other spelling of URL."),
        string_property("URLTitle", "The title of the URL."),
        string_property("uRLTitle", "Kapacitor's other spelling of URLTitle."),
        string_property("sound", "The notification sound."),
    ],
    doc: "Send the alert message to Pushover (priority -2 for OK up to 1 for CRITICAL). \
          Example: .pushover().sound('siren')",
};

/// Kapacitor's `DefaultPushoverURL`.
const DEFAULT_URL: &str = "https://api.pushover.net/1/messages.json";

/// Pushover handler options, shared by TICKscript and handler files (Kapacitor's
/// `pushover.HandlerConfig`).
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The user or group key; `""` is `[pushover] user-key`.
    #[serde(default)]
    pub user_key: String,
    /// The device.
    #[serde(default)]
    pub device: String,
    /// The title.
    #[serde(default)]
    pub title: String,
    /// A URL shown with the message.
    #[serde(default)]
    pub url: String,
    /// The URL's title.
    #[serde(default)]
    pub url_title: String,
    /// The sound.
    #[serde(default)]
    pub sound: String,
}

impl std::fmt::Debug for Options {
    // The user key is a secret (Kapacitor redacts it).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("device", &self.device)
            .field("title", &self.title)
            .field("sound", &self.sound)
            .finish_non_exhaustive()
    }
}

/// The `[pushover]` section (Kapacitor's `pushover.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PushoverConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    token: String,
    #[serde(default)]
    user_key: String,
    #[serde(default = "default_url")]
    url: String,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}

impl PushoverConfig {
    fn read(section: &toml::Value) -> Result<PushoverConfig, String> {
        let c: PushoverConfig = crate::service::read_table(section)?;
        // Kapacitor's `Config.Validate`.
        if c.enabled {
            if c.token.is_empty() {
                return Err("must specify token".to_string());
            }
            if c.user_key.is_empty() {
                return Err("must specify user key".to_string());
            }
            if c.url.is_empty() {
                return Err("must specify url".to_string());
            }
            if reqwest::Url::parse(&c.url).is_err() {
                return Err("invalid URL".to_string());
            }
        }
        Ok(c)
    }
}

fn error(message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "pushover",
        property: "",
        message: message.into(),
    }
}

/// The `pushover` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "pushover";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("pushover");
    type Options = Options;
    type Handler = PushoverHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            let [Literal::String(v)] = p.args.as_slice() else {
                continue;
            };
            let field = match p.name.as_str() {
                "userKey" => &mut o.user_key,
                "device" => &mut o.device,
                "title" => &mut o.title,
                "URL" | "uRL" => &mut o.url,
                "URLTitle" | "uRLTitle" => &mut o.url_title,
                "sound" => &mut o.sound,
                _ => continue,
            };
            *field = v.clone();
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        PushoverConfig::read(section).map(drop)
    }

    crate::registry::built_from_config!(PushoverHandler::new, check);

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: the configured user, "test pushover message", CRITICAL.
        let result = async {
            let handler = PushoverHandler::new(options, config).map_err(|e| e.to_string())?;
            handler
                .alert("test pushover message", Level::Critical)
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// Sends alerts to Pushover.
pub struct PushoverHandler {
    url: reqwest::Url,
    token: String,
    options: Options,
    client: HttpClient,
}

impl std::fmt::Debug for PushoverHandler {
    // The token and user key are secrets: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushoverHandler")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PushoverHandler {
    fn new(mut options: Options, config: &Config) -> Result<PushoverHandler, BuildError> {
        let c = match config.services.get("pushover") {
            Some(s) => PushoverConfig::read(s).map_err(error)?,
            None => {
                return Err(error(
                    "service is not enabled: add a [pushover] section with enabled = true, a \
                     token and a user-key to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("service is not enabled"));
        }
        let url = reqwest::Url::parse(&c.url).map_err(|_| error("invalid URL"))?;
        if options.user_key.is_empty() {
            options.user_key = c.user_key;
        }
        let client = HttpClient::new(&TlsFiles::default()).map_err(error)?;
        Ok(PushoverHandler {
            url,
            token: c.token,
            options,
            client,
        })
    }

    /// Kapacitor's `postData.Values` encoded as Go's `url.Values.Encode` does (keys sorted,
    /// `QueryEscape`d), POSTed as a form (`http.PostForm`); only 200 is success.
    async fn alert(&self, message: &str, level: Level) -> Result<(), HandlerError> {
        let priority = match level {
            Level::Ok => "-2",
            Level::Info => "-1",
            Level::Warning => "0",
            Level::Critical => "1",
        };
        let o = &self.options;
        let mut fields: Vec<(&str, &str)> = vec![
            ("message", message),
            ("priority", priority),
            ("token", &self.token),
            ("user", &o.user_key),
        ];
        for (k, v) in [
            ("device", &o.device),
            ("title", &o.title),
            ("url", &o.url),
            ("url_title", &o.url_title),
            ("sound", &o.sound),
        ] {
            if !v.is_empty() {
                fields.push((k, v));
            }
        }
        fields.sort_by_key(|(k, _)| *k);
        let mut body = String::with_capacity(256 + 3 * message.len());
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                body.push('&');
            }
            query_escape(&mut body, k);
            body.push('=');
            query_escape(&mut body, v);
        }
        let request = Request {
            method: reqwest::Method::POST,
            url: self.url.clone(),
            headers: vec![(
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            )],
            body: body.into_bytes(),
        };
        let answer = self
            .client
            .send_retrying(&request, None, Retry::SERVICE)
            .await
            .map_err(|e| HandlerError::Service {
                kind: "pushover",
                message: e.to_string(),
            })?;
        if answer.status == 200 {
            return Ok(());
        }
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct PushoverAnswer {
            errors: Vec<String>,
        }
        let message = match serde_json::from_slice::<PushoverAnswer>(&answer.body) {
            Ok(a) => format!(
                "failed to understand Pushover response. code: {} content: {}",
                answer.status,
                a.errors.join(", ")
            ),
            Err(e) => e.to_string(),
        };
        Err(HandlerError::Service {
            kind: "pushover",
            message,
        })
    }
}

/// Go's `url.QueryEscape`: unreserved bytes as they are, space as `+`, the rest `%XX`.
fn query_escape(out: &mut String, s: &str) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
                out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
            }
        }
    }
}

impl Deliver for PushoverHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        self.alert(&event.state.message, event.state.level).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_go_query_escape_does() {
        let mut out = String::new();
        query_escape(&mut out, "cpu/a is <5> & é~");
        assert_eq!(out, "cpu%2Fa+is+%3C5%3E+%26+%C3%A9~");
    }
}
