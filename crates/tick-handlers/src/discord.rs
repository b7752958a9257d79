//! The `discord` handler: `.discord().workspace(w).username(u).avatarURL(a).embedTitle(t)` or
//! `kind: discord` (`workspace`, `username`, `avatar-url`, `embed-title`), delivered to the
//! webhook of a `[discord]`/`[[discord]]` workspace of `kapacitor.conf`. Owns the section's keys
//! and rules (Kapacitor's `discord.Config` and `Configs.Validate`,
//! `services/discord/config.go` at v1.5.7), the request (`Service.preparePost`, `Service.Alert`
//! and `handler.Handle`, `services/discord/service.go`) and the service test.
//!
//! Quirk: the section's `embed-title` is never used: an alert's embed title is the handler's
//! `.embedTitle()` template, empty without one (checked against Kapacitor 1.5.7).

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};
use tick_gotemplate::{FuncSet, Template};

use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};
use crate::service::{Section, ServiceConfig};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "discord",
    args: &[],
    variadic: None,
    properties: &[
        PropertySpec {
            name: "workspace",
            args: &[ArgType::String],
            variadic: None,
            doc: "The [[discord]] workspace to post to; empty means the default workspace.",
        },
        PropertySpec {
            name: "username",
            args: &[ArgType::String],
            variadic: None,
            doc: "Username of the webhook; empty means the workspace's.",
        },
        PropertySpec {
            name: "avatarURL",
            args: &[ArgType::String],
            variadic: None,
            doc: "URL of the webhook's avatar; empty means the workspace's.",
        },
        PropertySpec {
            name: "embedTitle",
            args: &[ArgType::String],
            variadic: None,
            doc: "Title of the embed, a Go template rendered per event.",
        },
    ],
    doc: "Post the alert message to a Discord channel webhook as an embed. \
          Example: .discord().embedTitle('{{ .Level }}')",
};

/// Discord handler options, shared by TICKscript and handler files (`workspace`, `username`,
/// `avatar-url`, `embed-title`: Kapacitor's `discord.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The workspace; `""` is the default one.
    #[serde(default)]
    pub workspace: String,
    /// The webhook's username; `""` is the workspace's.
    #[serde(default)]
    pub username: String,
    /// The webhook's avatar URL; `""` is the workspace's.
    #[serde(default)]
    pub avatar_url: String,
    /// The embed title template.
    #[serde(default)]
    pub embed_title: String,
}

/// One `[[discord]]` section (Kapacitor's `discord.Config`).
#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct DiscordConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    timestamp: bool,
    #[serde(default)]
    username: String,
    #[serde(default)]
    avatar_url: String,
    #[serde(default)]
    embed_title: String,
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

impl ServiceConfig for DiscordConfig {
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

/// Kapacitor's `Configs.Validate` (services/discord/config.go at v1.5.7), message for message.
fn validate(configs: &[DiscordConfig]) -> Result<(), String> {
    crate::service::check_workspaces(
        configs,
        "Discord",
        |c| {
            if c.enabled && c.url.is_empty() {
                return Err("Must specify the Discord channel webhook URL".to_string());
            }
            if !c.url.is_empty() && reqwest::Url::parse(&c.url).is_err() {
                return Err("invalid url".to_string());
            }
            if !c.avatar_url.is_empty() && reqwest::Url::parse(&c.avatar_url).is_err() {
                return Err(format!("invalid url {:?}", c.avatar_url));
            }
            Ok(())
        },
        |c| (c.global, c.state_changes_only),
    )
}

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "discord",
        property,
        message: message.into(),
    }
}

/// The `discord` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "discord";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("discord");
    type Options = Options;
    type Handler = DiscordHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            let [Literal::String(v)] = p.args.as_slice() else {
                continue;
            };
            match p.name.as_str() {
                "workspace" => o.workspace = v.clone(),
                "username" => o.username = v.clone(),
                "avatarURL" => o.avatar_url = v.clone(),
                "embedTitle" => o.embed_title = v.clone(),
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        validate(&Section::<DiscordConfig>::read(section)?.configs)
    }

    /// Quirk: Kapacitor's `Service.StateChangesOnly` (services/discord/service.go at v1.5.7)
    /// returns the default config's `global`, so a global discord section makes every alert
    /// `.stateChangesOnly()` whatever `state-changes-only` says.
    fn global(section: &toml::Value) -> crate::registry::Global {
        let global = crate::service::global_keys(section).handler;
        crate::registry::Global {
            handler: global,
            state_changes_only: global,
        }
    }
    crate::registry::built_from_config!(DiscordHandler::new);

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        Template::parse("embedTitle", &options.embed_title, &FuncSet::new())
            .map_err(|e| error("embedTitle", e.to_string()))?;
        match config {
            Some(config) => DiscordHandler::new(options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: "test discord message", INFO, username "Kapacitor", its
        // logo as avatar, title "Kapacitor Alert", at 1970-01-01T00:00:01Z, with a timestamp.
        let result = async {
            let mut workspace =
                Workspace::find(config, &options.workspace).map_err(|e| e.to_string())?;
            workspace.timestamp = true;
            workspace
                .alert(
                    "test discord message",
                    "Kapacitor",
                    "https://influxdata.github.io/branding/img/downloads/influxdata-logo--symbol--pool-alpha.png",
                    "Kapacitor Alert",
                    1_000_000_000,
                    Level::Info,
                )
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// What a handler needs of its workspace.
struct Workspace {
    url: reqwest::Url,
    timestamp: bool,
    username: String,
    avatar_url: String,
    client: HttpClient,
}

impl Workspace {
    fn find(config: &Config, name: &str) -> Result<Workspace, BuildError> {
        let section = match config.services.get("discord") {
            Some(s) => Section::<DiscordConfig>::read(s).map_err(|e| error("workspace", e))?,
            None => Section::default(),
        };
        if section.configs.is_empty() {
            return Err(error(
                "workspace",
                "no discord configuration found: add a [[discord]] section with enabled = true \
                 and a url to the file given with --config",
            ));
        }
        let c = section
            .find(name)
            .ok_or_else(|| error("workspace", format!("workspace id not found: {name:?}")))?;
        if !c.enabled {
            return Err(error("workspace", "service is not enabled"));
        }
        let url = reqwest::Url::parse(&c.url).map_err(|_| error("workspace", "invalid url"))?;
        let client = HttpClient::new(&TlsFiles {
            ssl_ca: c.ssl_ca.as_deref(),
            ssl_cert: c.ssl_cert.as_deref(),
            ssl_key: c.ssl_key.as_deref(),
            insecure_skip_verify: c.insecure_skip_verify,
        })
        .map_err(|e| error("workspace", e))?;
        Ok(Workspace {
            url,
            timestamp: c.timestamp,
            username: c.username.clone(),
            avatar_url: c.avatar_url.clone(),
            client,
        })
    }

    /// Kapacitor's `Service.preparePost` and `Service.Alert`: Go's encoder over a map (keys
    /// sorted, HTML escaped, trailing newline); only 204 is success.
    async fn alert(
        &self,
        message: &str,
        username: &str,
        avatar_url: &str,
        title: &str,
        time: i64,
        level: Level,
    ) -> Result<(), HandlerError> {
        use tick_engine::json::write_string;
        let color = match level {
            Level::Critical => 0xF9_5F53,
            Level::Warning => 0xF4_8D38,
            _ => 0x7A_65F2,
        };
        let pick = |own: &str, workspace: &str| {
            if own.is_empty() {
                workspace.to_string()
            } else {
                own.to_string()
            }
        };
        let mut body = String::with_capacity(256 + 2 * message.len());
        body.push_str("{\"avatar_url\":");
        write_string(&mut body, &pick(avatar_url, &self.avatar_url));
        body.push_str(",\"embeds\":[{\"color\":");
        body.push_str(&color.to_string());
        body.push_str(",\"title\":");
        write_string(&mut body, title);
        body.push_str(",\"description\":");
        write_string(&mut body, message);
        body.push_str(",\"timestamp\":\"");
        if self.timestamp {
            body.push_str(&rfc3339_seconds(time));
        }
        body.push_str("\"}],\"username\":");
        write_string(&mut body, &pick(username, &self.username));
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
                kind: "discord",
                message: e.to_string(),
            })?;
        if answer.status == 204 {
            return Ok(());
        }
        let message = answer.error_text("Discord", "error");
        Err(HandlerError::Service {
            kind: "discord",
            message,
        })
    }
}

/// Go's `time.RFC3339` of a UTC time: whole seconds, `Z`.
fn rfc3339_seconds(nanos: i64) -> String {
    let mut text = String::new();
    tick_engine::json::write_rfc3339_nano(&mut text, nanos);
    match text.split_once('.') {
        Some((whole, _)) => format!("{whole}Z"),
        None => text,
    }
}

/// Posts alerts to one Discord webhook.
pub struct DiscordHandler {
    workspace: Workspace,
    options: Options,
    title: Template,
}

impl std::fmt::Debug for DiscordHandler {
    // The webhook URL holds its token: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordHandler")
            .field("workspace", &self.options.workspace)
            .finish_non_exhaustive()
    }
}

impl DiscordHandler {
    fn new(options: Options, config: &Config) -> Result<DiscordHandler, BuildError> {
        let title = Template::parse("embedTitle", &options.embed_title, &FuncSet::new())
            .map_err(|e| error("embedTitle", e.to_string()))?;
        let workspace = Workspace::find(config, &options.workspace)?;
        Ok(DiscordHandler {
            workspace,
            options,
            title,
        })
    }
}

impl Deliver for DiscordHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let mut title = String::new();
        self.title
            .render(&event.handler_data(), &mut title)
            .map_err(|e| HandlerError::Service {
                kind: "discord",
                message: format!("failed to render the embed title: {e}"),
            })?;
        self.workspace
            .alert(
                &event.state.message,
                &self.options.username,
                &self.options.avatar_url,
                &title,
                event.state.time,
                event.state.level,
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_whole_seconds() {
        assert_eq!(rfc3339_seconds(1_500_000_000), "1970-01-01T00:00:01Z");
        assert_eq!(rfc3339_seconds(2_000_000_000), "1970-01-01T00:00:02Z");
    }
}
