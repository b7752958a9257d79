//! The `telegram` handler: `.telegram().chatId(c).parseMode(m).disableWebPagePreview()
//! .disableNotification()` or `kind: telegram` (`chat-id`, `parse-mode`,
//! `disable-web-page-preview`, `disable-notification`), delivered through the Telegram Bot API
//! configured by `[telegram]` in `kapacitor.conf`. Owns the section's keys and rules
//! (Kapacitor's `telegram.Config`, `services/telegram/config.go` at v1.5.7), the request
//! (`Service.preparePost` and `Service.Alert`, `services/telegram/service.go`) and the service
//! test.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Literal, PropertySpec};

use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry, join_path};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "telegram",
    args: &[],
    variadic: None,
    properties: &[
        PropertySpec {
            name: "chatId",
            args: &[ArgType::String],
            variadic: None,
            doc: "The chat to send to; empty means [telegram] chat-id.",
        },
        PropertySpec {
            name: "parseMode",
            args: &[ArgType::String],
            variadic: None,
            doc: "'Markdown' or 'HTML'; empty means [telegram] parse-mode.",
        },
        PropertySpec {
            name: "disableWebPagePreview",
            args: &[],
            variadic: None,
            doc: "Do not show link previews in the message.",
        },
        PropertySpec {
            name: "disableNotification",
            args: &[],
            variadic: None,
            doc: "Send the message silently.",
        },
    ],
    doc: "Send the alert message to a Telegram chat through a bot. \
          Example: .telegram().chatId('-1234')",
};

/// Kapacitor's `DefaultTelegramURL`.
const DEFAULT_URL: &str = "https://api.telegram.org/bot";

/// Telegram handler options, shared by TICKscript and handler files (Kapacitor's
/// `telegram.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The chat; `""` is `[telegram] chat-id`.
    #[serde(default)]
    pub chat_id: String,
    /// `Markdown` or `HTML`; `""` is `[telegram] parse-mode`.
    #[serde(default)]
    pub parse_mode: String,
    /// No link previews.
    #[serde(default)]
    pub disable_web_page_preview: bool,
    /// Silent messages.
    #[serde(default)]
    pub disable_notification: bool,
}

/// The `[telegram]` section (Kapacitor's `telegram.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct TelegramConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default = "default_url")]
    url: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    chat_id: String,
    #[serde(default)]
    parse_mode: String,
    #[serde(default)]
    disable_web_page_preview: bool,
    #[serde(default)]
    disable_notification: bool,
    #[serde(default)]
    global: bool,
    #[serde(default)]
    state_changes_only: bool,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}

impl TelegramConfig {
    fn read(section: &toml::Value) -> Result<TelegramConfig, String> {
        let c: TelegramConfig = crate::service::read_table(section)?;
        // Kapacitor's `Config.Validate`.
        if c.enabled {
            if c.url.is_empty() {
                return Err("must specify url".to_string());
            }
            if c.token.is_empty() {
                return Err("must specify token".to_string());
            }
        }
        if !c.url.is_empty() && reqwest::Url::parse(&c.url).is_err() {
            return Err("invalid url".to_string());
        }
        Ok(c)
    }
}

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "telegram",
        property,
        message: message.into(),
    }
}

/// The `telegram` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "telegram";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("telegram");
    type Options = Options;
    type Handler = TelegramHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            match (p.name.as_str(), p.args.as_slice()) {
                ("chatId", [Literal::String(v)]) => o.chat_id = v.clone(),
                ("parseMode", [Literal::String(v)]) => o.parse_mode = v.clone(),
                ("disableWebPagePreview", []) => o.disable_web_page_preview = true,
                ("disableNotification", []) => o.disable_notification = true,
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        TelegramConfig::read(section).map(drop)
    }

    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::service::global_keys(section)
    }
    crate::registry::built_from_config!(TelegramHandler::new);

    /// A parse mode Telegram does not know is accepted at start by Kapacitor and fails at every
    /// alert: a warning here, and the same failure at every alert.
    fn warnings(handler: &HandlerUse) -> Vec<(tick_syntax::Span, String)> {
        let Ok(options) = Kind::from_use(handler) else {
            return Vec::new();
        };
        match check_parse_mode(&options.parse_mode) {
            Ok(()) => Vec::new(),
            Err(message) => {
                let span = handler
                    .properties
                    .iter()
                    .rev()
                    .find(|p| p.name == "parseMode")
                    .map_or(handler.span, |p| p.span);
                vec![(
                    span,
                    format!("{message} (every alert of this handler will fail)"),
                )]
            }
        }
    }

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        match config {
            Some(config) => TelegramHandler::new(options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: the configured chat and modes, "test telegram message".
        let result = async {
            let handler = TelegramHandler::new(options, config).map_err(|e| e.to_string())?;
            handler
                .alert("test telegram message")
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// Kapacitor refuses any parse mode but Markdown and HTML (any case) at every alert
/// (`Service.preparePost`, services/telegram/service.go at v1.5.7); so does tick, after a
/// warning at start.
fn check_parse_mode(mode: &str) -> Result<(), String> {
    let lower = mode.to_lowercase();
    if mode.is_empty() || lower == "markdown" || lower == "html" {
        Ok(())
    } else {
        Err(format!(
            "parseMode {mode} is not valid, please use 'Markdown' or 'HTML'"
        ))
    }
}

/// Sends alerts to one Telegram chat.
pub struct TelegramHandler {
    url: reqwest::Url,
    chat_id: String,
    parse_mode: String,
    disable_web_page_preview: bool,
    disable_notification: bool,
    client: HttpClient,
}

impl std::fmt::Debug for TelegramHandler {
    // The URL holds the bot token: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramHandler")
            .field("chat_id", &self.chat_id)
            .finish_non_exhaustive()
    }
}

impl TelegramHandler {
    fn new(options: Options, config: &Config) -> Result<TelegramHandler, BuildError> {
        let c = match config.services.get("telegram") {
            Some(s) => TelegramConfig::read(s).map_err(|e| error("", e))?,
            None => {
                return Err(error(
                    "",
                    "service is not enabled: add a [telegram] section with enabled = true and \
                     a token to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("", "service is not enabled"));
        }
        let pick = |own: String, section: &str| {
            if own.is_empty() {
                section.to_string()
            } else {
                own
            }
        };
        let parse_mode = pick(options.parse_mode, &c.parse_mode);
        let mut url = reqwest::Url::parse(&c.url).map_err(|_| error("", "invalid url"))?;
        // `path.Join(u.Path+c.Token, "sendMessage")`.
        let joined = join_path(&[&format!("{}{}", url.path(), c.token), "sendMessage"]);
        url.set_path(&joined);
        let client = HttpClient::new(&TlsFiles::default()).map_err(|e| error("", e))?;
        Ok(TelegramHandler {
            url,
            chat_id: pick(options.chat_id, &c.chat_id),
            parse_mode,
            disable_web_page_preview: options.disable_web_page_preview
                || c.disable_web_page_preview,
            disable_notification: options.disable_notification || c.disable_notification,
            client,
        })
    }

    /// Kapacitor's `Service.preparePost` and `Service.Alert`: Go's encoder over a map (keys
    /// sorted, the flags only when set, HTML escaped, trailing newline); only 200 is success.
    async fn alert(&self, message: &str) -> Result<(), HandlerError> {
        use tick_engine::json::write_string;
        check_parse_mode(&self.parse_mode).map_err(|message| HandlerError::Service {
            kind: "telegram",
            message,
        })?;
        let mut body = String::with_capacity(128 + 2 * message.len());
        body.push_str("{\"chat_id\":");
        write_string(&mut body, &self.chat_id);
        if self.disable_notification {
            body.push_str(",\"disable_notification\":true");
        }
        if self.disable_web_page_preview {
            body.push_str(",\"disable_web_page_preview\":true");
        }
        if !self.parse_mode.is_empty() {
            body.push_str(",\"parse_mode\":");
            write_string(&mut body, &self.parse_mode);
        }
        body.push_str(",\"text\":");
        write_string(&mut body, message);
        body.push_str("}\n");
        let request = Request {
            method: reqwest::Method::POST,
            url: self.url.clone(),
            headers: vec![("Content-Type".to_string(), "application/json".to_string())],
            body: body.into_bytes(),
        };
        let answer = self
            .client
            .send_retrying(&request, None, Retry::SERVICE)
            .await
            .map_err(|e| HandlerError::Service {
                kind: "telegram",
                message: e.to_string(),
            })?;
        if answer.status == 200 {
            return Ok(());
        }
        #[derive(Deserialize)]
        struct TelegramAnswer {
            #[serde(default)]
            description: String,
            #[serde(default)]
            error_code: i64,
        }
        let message = match serde_json::from_slice::<TelegramAnswer>(&answer.body) {
            Ok(a) => format!(
                "sendMessage error ({}) description: {}",
                a.error_code, a.description
            ),
            Err(e) => format!(
                "failed to understand Telegram response (err: {e}). code: {} content: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ),
        };
        Err(HandlerError::Service {
            kind: "telegram",
            message,
        })
    }
}

impl Deliver for TelegramHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        self.alert(&event.state.message).await
    }
}
