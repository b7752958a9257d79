//! The `teams` handler: `.teams().channelURL(url)` or `kind: teams` (`channel-url`), delivered
//! as a Microsoft Teams `MessageCard` to a channel's incoming webhook, configured by `[teams]`
//! in `kapacitor.conf`. Owns the section's keys and rules (Kapacitor's `teams.Config`,
//! `services/teams/config.go` at v1.5.7), the request (`Service.preparePost` and
//! `Service.Alert`, `services/teams/service.go`) and the service test (`Service.Test`).

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};

use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind, Services};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "teams",
    args: &[],
    variadic: None,
    properties: &[PropertySpec {
        name: "channelURL",
        args: &[ArgType::String],
        variadic: None,
        doc: "The Teams channel's incoming webhook URL; empty means [teams] channel-url.",
    }],
    doc: "Post the alert to a Microsoft Teams channel as a message card. \
          Example: .teams()",
};

/// The length, in bytes, at which Kapacitor cuts a card's summary (`summaryCutoff`).
const SUMMARY_CUTOFF: usize = 70;

/// Teams handler options, shared by TICKscript and handler files (`channel-url`: Kapacitor's
/// `teams.HandlerConfig`).
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The webhook URL; `""` is `[teams] channel-url`.
    #[serde(default)]
    pub channel_url: String,
}

impl std::fmt::Debug for Options {
    // The webhook URL holds its token: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field(
                "channel_url",
                &if self.channel_url.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .finish()
    }
}

/// The `[teams]` section (Kapacitor's `teams.Config`).
#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct TeamsConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    channel_url: String,
    #[serde(default)]
    global: bool,
    #[serde(default)]
    state_changes_only: bool,
}

impl TeamsConfig {
    fn read(section: &toml::Value) -> Result<TeamsConfig, String> {
        let c: TeamsConfig = crate::service::read_table(section)?;
        // Kapacitor's `Config.Validate`.
        if c.enabled && c.channel_url.is_empty() {
            return Err("must specify Teams channel webhook URL".to_string());
        }
        if !c.channel_url.is_empty() && reqwest::Url::parse(&c.channel_url).is_err() {
            return Err("invalid url".to_string());
        }
        Ok(c)
    }

    fn of(config: &Config) -> Result<TeamsConfig, BuildError> {
        match config.services.get("teams") {
            Some(s) => TeamsConfig::read(s).map_err(error),
            None => Ok(TeamsConfig::default()),
        }
    }
}

fn error(message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "teams",
        property: "",
        message: message.into(),
    }
}

/// The `teams` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "teams";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("teams");
    type Options = Options;
    type Handler = TeamsHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        if let Some([Literal::String(url)]) = handler.property("channelURL") {
            o.channel_url = url.clone();
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        TeamsConfig::read(section).map(drop)
    }

    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::service::global_keys(section)
    }
    fn build(
        options: Options,
        _topic: &str,
        services: &Services,
    ) -> Result<TeamsHandler, BuildError> {
        TeamsHandler::new(&options.channel_url, &services.config)
    }

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        match config {
            Some(config) => {
                TeamsHandler::new(&Kind::from_use(handler)?.channel_url, config).map(drop)
            }
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, _options: Options) -> Option<Result<(), String>> {
        // Quirk: Kapacitor's `Service.Test` posts to the configured URL whatever the options
        // say, with its default test options.
        let result = async {
            let handler = TeamsHandler::new("", config).map_err(|e| e.to_string())?;
            handler
                .alert(
                    "test kapacitor alert topic",
                    "foo/bar/bat",
                    "test teams message",
                    Level::Critical,
                )
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// Posts alerts to one Teams channel.
pub struct TeamsHandler {
    url: reqwest::Url,
    client: HttpClient,
}

impl std::fmt::Debug for TeamsHandler {
    // The webhook URL holds its token: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamsHandler").finish_non_exhaustive()
    }
}

impl TeamsHandler {
    /// The handler's URL, else the section's; the section must be enabled (Kapacitor only
    /// notices a disabled section at the first alert; tick refuses to start).
    fn new(channel_url: &str, config: &Config) -> Result<TeamsHandler, BuildError> {
        let c = TeamsConfig::of(config)?;
        if !c.enabled {
            return Err(error(
                "service is not enabled: add a [teams] section with enabled = true and a \
                 channel-url to the file given with --config",
            ));
        }
        let url = if channel_url.is_empty() {
            &c.channel_url
        } else {
            channel_url
        };
        let url = reqwest::Url::parse(url).map_err(|_| error("invalid channel URL"))?;
        // Kapacitor posts with Go's default client: system roots, no TLS options.
        let client = HttpClient::new(&TlsFiles::default()).map_err(error)?;
        Ok(TeamsHandler { url, client })
    }

    /// The card Kapacitor's `Service.preparePost` builds, encoded as Go's `json.Marshal`
    /// does (fields in struct order, HTML escaped, no trailing newline), POSTed; 200 and 204
    /// are success.
    async fn alert(
        &self,
        topic: &str,
        id: &str,
        message: &str,
        level: Level,
    ) -> Result<(), HandlerError> {
        let level = level.as_str();
        let (title, summary) = match (id.is_empty(), topic.is_empty()) {
            (true, true) => (level.to_string(), format!("{level}: {message}")),
            (true, false) => {
                let title = format!("{level}: [{topic}]");
                let summary = format!("{title} - {message}");
                (title, summary)
            }
            (false, _) => {
                let title = format!("{level}: [{id}]");
                let summary = format!("{title} - {message}");
                (title, summary)
            }
        };
        let mut body = String::with_capacity(256 + 2 * message.len());
        body.push_str(
            "{\"@type\":\"MessageCard\",\"@context\":\"http://schema.org/extensions\",\"title\":",
        );
        tick_engine::json::write_string(&mut body, &title);
        body.push_str(",\"text\":");
        tick_engine::json::write_string(&mut body, message);
        body.push_str(",\"summary\":");
        write_cut_summary(&mut body, &summary);
        body.push('}');
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
                kind: "teams",
                message: e.to_string(),
            })?;
        if answer.status == 200 || answer.status == 204 {
            return Ok(());
        }
        let message = answer.error_text("Teams", "error");
        Err(HandlerError::Service {
            kind: "teams",
            message,
        })
    }
}

/// `summary[:70] + "..."` as a JSON string: Go cuts the bytes, possibly inside a character,
/// and its encoder writes each byte of a cut character as `\ufffd`.
fn write_cut_summary(out: &mut String, summary: &str) {
    let cut = summary.len().min(SUMMARY_CUTOFF);
    let mut whole = cut;
    while !summary.is_char_boundary(whole) {
        whole -= 1;
    }
    tick_engine::json::write_string(out, &summary[..whole]);
    out.pop(); // the closing quote
    for _ in whole..cut {
        out.push_str("\\ufffd");
    }
    out.push_str("...\"");
}

impl Deliver for TeamsHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        self.alert(
            &event.topic,
            &event.state.id,
            &event.state.message,
            event.state.level,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_cut_at_70_bytes_even_inside_a_character() {
        let mut out = String::new();
        write_cut_summary(&mut out, &format!("{}—rest", "a".repeat(69)));
        assert_eq!(out, format!("\"{}\\ufffd...\"", "a".repeat(69)));
        out.clear();
        write_cut_summary(&mut out, "short <b>");
        assert_eq!(out, "\"short \\u003cb\\u003e...\"");
    }
}
