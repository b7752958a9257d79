//! The `slack` handler: `.slack().workspace(w).channel(c).username(u).iconEmoji(e)` or
//! `kind: slack` (`workspace`, `channel`, `username`, `icon-emoji`), delivered to the incoming
//! webhook of a `[slack]`/`[[slack]]` workspace of `kapacitor.conf`. Owns the section's keys and
//! rules (Kapacitor's `slack.Config` and `Configs.Validate`, `services/slack/config.go` at
//! v1.5.7), the request (`Service.preparePost` and `Service.Alert`, `services/slack/service.go`)
//! and the service test (`Service.Test`).
//!
//! Quirk: Kapacitor's default `username = "kapacitor"` is not applied to a section read from
//! the file, so an alert without `.username()` from a workspace without `username` is sent with
//! `"username":""` (checked against Kapacitor 1.5.7); tick sends the same.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};

use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};
use crate::service::{Section, ServiceConfig};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "slack",
    args: &[],
    variadic: None,
    properties: &[
        PropertySpec {
            name: "workspace",
            args: &[ArgType::String],
            variadic: None,
            doc: "The [[slack]] workspace to post to; empty means the default workspace.",
        },
        PropertySpec {
            name: "channel",
            args: &[ArgType::String],
            variadic: None,
            doc: "Slack channel to post to; empty means the workspace's channel.",
        },
        PropertySpec {
            name: "username",
            args: &[ArgType::String],
            variadic: None,
            doc: "Username of the Slack bot; empty means the workspace's username.",
        },
        PropertySpec {
            name: "iconEmoji",
            args: &[ArgType::String],
            variadic: None,
            doc: "An emoji name surrounded by ':' that replaces the bot's icon.",
        },
    ],
    doc: "Post the alert message to a Slack channel through an incoming webhook. \
          Example: .slack().channel('#alerts')",
};

/// Slack handler options, shared by TICKscript and handler files (`workspace`, `channel`,
/// `username`, `icon-emoji`: Kapacitor's `slack.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The workspace; `""` is the default one.
    #[serde(default)]
    pub workspace: String,
    /// The channel; `""` is the workspace's.
    #[serde(default)]
    pub channel: String,
    /// The bot's username; `""` is the workspace's.
    #[serde(default)]
    pub username: String,
    /// The bot's icon emoji; `""` is the workspace's.
    #[serde(default)]
    pub icon_emoji: String,
}

/// One `[[slack]]` section (Kapacitor's `slack.Config`).
#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct SlackConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    icon_emoji: String,
    #[serde(default)]
    global: bool,
    #[serde(default)]
    state_changes_only: bool,
    #[serde(default)]
    ssl_ca: Option<std::path::PathBuf>,
    #[serde(default)]
    ssl_cert: Option<std::path::PathBuf>,
    #[serde(default)]
    ssl_key: Option<std::path::PathBuf>,
    #[serde(default)]
    insecure_skip_verify: bool,
}

impl ServiceConfig for SlackConfig {
    fn name(&self) -> &str {
        &self.workspace
    }
    fn is_default(&self) -> bool {
        self.default
    }
    fn set_default(&mut self) {
        self.default = true;
    }
}

/// Kapacitor's `Configs.Validate` (services/slack/config.go at v1.5.7), message for message.
fn validate(configs: &[SlackConfig]) -> Result<(), String> {
    crate::service::check_workspaces(
        configs,
        "Slack",
        |c| {
            if c.enabled && c.url.is_empty() {
                return Err("must specify url".to_string());
            }
            if !c.url.is_empty() && reqwest::Url::parse(&c.url).is_err() {
                // The URL holds the webhook token: never shown.
                return Err("invalid url".to_string());
            }
            Ok(())
        },
        |c| (c.global, c.state_changes_only),
    )
}

/// The `slack` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "slack";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("slack");
    type Options = Options;
    type Handler = SlackHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            let [Literal::String(v)] = p.args.as_slice() else {
                continue;
            };
            match p.name.as_str() {
                "workspace" => o.workspace = v.clone(),
                "channel" => o.channel = v.clone(),
                "username" => o.username = v.clone(),
                "iconEmoji" => o.icon_emoji = v.clone(),
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        validate(&Section::<SlackConfig>::read(section)?.configs)
    }

    /// Quirk: Kapacitor's `Service.StateChangesOnly` (services/slack/service.go at v1.5.7)
    /// returns the default config's `global`, so a global slack section makes every alert
    /// `.stateChangesOnly()` whatever `state-changes-only` says.
    fn global(section: &toml::Value) -> crate::registry::Global {
        let global = crate::service::global_keys(section).handler;
        crate::registry::Global {
            handler: global,
            state_changes_only: global,
        }
    }
    crate::registry::built_from_config!(SlackHandler::new, check);

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        Some(service_test(config, &options).await)
    }
}

/// Posts alerts to one Slack workspace.
#[derive(Debug)]
pub struct SlackHandler {
    workspace: Workspace,
    options: Options,
}

/// What a handler needs of its workspace.
#[derive(Clone)]
struct Workspace {
    name: String,
    url: reqwest::Url,
    channel: String,
    username: String,
    icon_emoji: String,
    client: HttpClient,
}

impl std::fmt::Debug for Workspace {
    // The URL holds the webhook token: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn error(message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "slack",
        property: "workspace",
        message: message.into(),
    }
}

impl Workspace {
    /// The enabled workspace `name` (`""`: the default one), as Kapacitor's
    /// `Service.preparePost` finds it, with its errors.
    fn find(config: &Config, name: &str) -> Result<Workspace, BuildError> {
        let section = match config.services.get("slack") {
            Some(s) => Section::<SlackConfig>::read(s).map_err(error)?,
            None => Section::default(),
        };
        if section.configs.is_empty() {
            return Err(error(
                "no slack configuration found: add a [[slack]] section with enabled = true \
                 and a url to the file given with --config",
            ));
        }
        let c = section
            .find(name)
            .ok_or_else(|| error(format!("workspace id not found: {name:?}")))?;
        if !c.enabled {
            return Err(error("service is not enabled"));
        }
        let url = reqwest::Url::parse(&c.url).map_err(|_| error("invalid url"))?;
        let client = HttpClient::new(&TlsFiles {
            ssl_ca: c.ssl_ca.as_deref(),
            ssl_cert: c.ssl_cert.as_deref(),
            ssl_key: c.ssl_key.as_deref(),
            insecure_skip_verify: c.insecure_skip_verify,
        })
        .map_err(error)?;
        Ok(Workspace {
            name: c.workspace.clone(),
            url,
            channel: c.channel.clone(),
            username: c.username.clone(),
            icon_emoji: c.icon_emoji.clone(),
            client,
        })
    }

    /// Kapacitor's `Service.preparePost` and `Service.Alert`: the JSON body (Go's encoder:
    /// keys sorted, HTML escaped, trailing newline), POSTed to the webhook; anything but 200
    /// is an error carrying Slack's `error` or the answer.
    async fn alert(
        &self,
        channel: &str,
        message: &str,
        username: &str,
        icon_emoji: &str,
        level: Level,
    ) -> Result<(), HandlerError> {
        let pick = |own: &str, workspace: &str| {
            if own.is_empty() {
                workspace.to_string()
            } else {
                own.to_string()
            }
        };
        let color = match level {
            Level::Warning => "warning",
            Level::Critical => "danger",
            _ => "good",
        };
        let mut body = String::with_capacity(256 + 2 * message.len());
        body.push_str("{\"as_user\":false,\"attachments\":[{\"fallback\":");
        tick_engine::json::write_string(&mut body, message);
        body.push_str(",\"color\":\"");
        body.push_str(color);
        body.push_str("\",\"text\":");
        tick_engine::json::write_string(&mut body, message);
        body.push_str(",\"mrkdwn_in\":[\"text\"]}],\"channel\":");
        tick_engine::json::write_string(&mut body, &pick(channel, &self.channel));
        body.push_str(",\"icon_emoji\":");
        tick_engine::json::write_string(&mut body, &pick(icon_emoji, &self.icon_emoji));
        body.push_str(",\"text\":\"\",\"username\":");
        tick_engine::json::write_string(&mut body, &pick(username, &self.username));
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
                kind: "slack",
                message: e.to_string(),
            })?;
        if answer.status == 200 {
            return Ok(());
        }
        let message = answer.error_text("Slack", "error");
        Err(HandlerError::Service {
            kind: "slack",
            message,
        })
    }
}

impl SlackHandler {
    /// Resolves the workspace against the configuration (Kapacitor only notices an unknown or
    /// disabled workspace at the first alert; tick refuses to start).
    pub(crate) fn new(options: Options, config: &Config) -> Result<SlackHandler, BuildError> {
        let workspace = Workspace::find(config, &options.workspace)?;
        Ok(SlackHandler { workspace, options })
    }
}

impl Deliver for SlackHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let o = &self.options;
        self.workspace
            .alert(
                &o.channel,
                &event.state.message,
                &o.username,
                &o.icon_emoji,
                event.state.level,
            )
            .await
    }
}

/// `tick service-test slack`: Kapacitor's `Service.Test` with its default options (the
/// default workspace and channel, `test slack message`, CRITICAL), `options` overriding them.
async fn service_test(config: &Config, options: &Options) -> Result<(), String> {
    let workspace = Workspace::find(config, &options.workspace).map_err(|e| e.to_string())?;
    workspace
        .alert(
            &options.channel,
            "test slack message",
            &options.username,
            &options.icon_emoji,
            Level::Critical,
        )
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        let value = table
            .get("slack")
            .cloned()
            .unwrap_or(toml::Value::Array(vec![]));
        Kind::check_section(&value)
    }

    #[test]
    fn sections_follow_kapacitors_rules() {
        assert_eq!(
            check("[slack]\nenabled = true\n"),
            Err("must specify url".into())
        );
        assert_eq!(
            check("[slack]\nenabled = true\nurl = \"http://x/y\"\n"),
            Ok(())
        );
        assert_eq!(
            check(
                "[[slack]]\nworkspace = \"a\"\nurl = \"http://x/a\"\n[[slack]]\nurl = \"http://x/b\"\n"
            ),
            Err("id must not be empty".into())
        );
        assert_eq!(
            check("[[slack]]\nworkspace = \"a\"\n[[slack]]\nworkspace = \"b\"\n"),
            Err("at least one Slack config must be set as default".into())
        );
        assert_eq!(
            check(
                "[[slack]]\nworkspace = \"a\"\ndefault = true\n[[slack]]\nworkspace = \"b\"\nglobal = true\n"
            ),
            Err("only the default config may be assigned as global".into())
        );
        assert_eq!(
            check("[slack]\nstate-changes-only = true\n"),
            Err(
                "stateChangesOnly may only be assigned when the config is both default and global"
                    .into()
            )
        );
    }
}
