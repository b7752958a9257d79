//! The `opsGenie` handler (OpsGenie's v1 API): `.opsGenie().teams(..).recipients(..)` or
//! `kind: opsgenie` (`teams-list`, `recipients-list`), configured by `[opsgenie]` in
//! `kapacitor.conf`. Owns the section's keys and rules (Kapacitor's `opsgenie.Config`,
//! `services/opsgenie/config.go` at v1.5.7), the request (`Service.preparePost`, `Service.Alert`
//! and `handler.Handle`, `services/opsgenie/service.go`: an OK event is a RECOVERY note sent to
//! the recovery URL) and the service test.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};

use crate::alert_json::result_json;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "opsGenie",
    args: &[],
    variadic: None,
    properties: &[
        PropertySpec {
            name: "teams",
            args: &[],
            variadic: Some(ArgType::String),
            doc: "Teams to notify; none means [opsgenie] teams.",
        },
        PropertySpec {
            name: "recipients",
            args: &[],
            variadic: Some(ArgType::String),
            doc: "Users to notify; none means [opsgenie] recipients.",
        },
    ],
    doc: "Create an OpsGenie alert (v1 API); an OK event adds a RECOVERY note. \
          Example: .opsGenie().teams('ops')",
};

/// Kapacitor's `DefaultOpsGenieAPIURL` and `DefaultOpsGenieRecoveryURL`.
const DEFAULT_URL: &str = "https://api.opsgenie.com/v1/json/alert";
const DEFAULT_RECOVERY_URL: &str = "https://api.opsgenie.com/v1/json/alert/note";

/// OpsGenie v1 handler options, shared by TICKscript and handler files (`teams-list`,
/// `recipients-list`: Kapacitor's `opsgenie.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Teams; none means the section's.
    #[serde(default, rename = "teams-list")]
    pub teams_list: Vec<String>,
    /// Users; none means the section's.
    #[serde(default, rename = "recipients-list")]
    pub recipients_list: Vec<String>,
}

/// The `[opsgenie]` section (Kapacitor's `opsgenie.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct OpsGenieConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    teams: Vec<String>,
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default = "default_url")]
    url: String,
    #[serde(default = "default_recovery_url", rename = "recovery_url")]
    recovery_url: String,
    #[serde(default)]
    global: bool,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}

fn default_recovery_url() -> String {
    DEFAULT_RECOVERY_URL.to_string()
}

impl OpsGenieConfig {
    fn read(section: &toml::Value) -> Result<OpsGenieConfig, String> {
        let c: OpsGenieConfig = crate::service::read_table(section)?;
        // Kapacitor's `Config.Validate`.
        if c.url.is_empty() {
            return Err("url cannot be empty".to_string());
        }
        if c.recovery_url.is_empty() {
            return Err("recovery_url cannot be empty".to_string());
        }
        if reqwest::Url::parse(&c.url).is_err() {
            return Err("invalid URL".to_string());
        }
        if reqwest::Url::parse(&c.recovery_url).is_err() {
            return Err("invalid recovery_url".to_string());
        }
        if c.enabled && c.api_key.is_empty() {
            return Err("api-key cannot be empty".to_string());
        }
        Ok(c)
    }
}

fn error(message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "opsGenie",
        property: "",
        message: message.into(),
    }
}

/// The `opsGenie` entry of the handler catalogue (`kind: opsgenie` in handler files).
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "opsGenie";
    const FILE_NAME: &'static str = "opsgenie";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("opsgenie");
    type Options = Options;
    type Handler = OpsGenieHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let strings = |args: &[Literal]| {
            args.iter()
                .filter_map(|a| match a {
                    Literal::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let mut o = Options::default();
        for p in &handler.properties {
            match p.name.as_str() {
                "teams" => o.teams_list = strings(&p.args),
                "recipients" => o.recipients_list = strings(&p.args),
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        OpsGenieConfig::read(section).map(drop)
    }

    /// `opsgenie` has `global` but no `state-changes-only` (Kapacitor's `Config`,
    /// services/opsgenie/config.go at v1.5.7).
    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::registry::Global {
            state_changes_only: false,
            ..crate::service::global_keys(section)
        }
    }
    crate::registry::built_from_config!(OpsGenieHandler::new, check);

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: CRITICAL, "test opsgenie message", entity
        // "testEntityID", no data.
        let result = async {
            let handler = OpsGenieHandler::new(options, config).map_err(|e| e.to_string())?;
            handler
                .alert(
                    "CRITICAL",
                    "test opsgenie message",
                    "testEntityID",
                    "{\"series\":null}",
                )
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// Sends alerts to OpsGenie's v1 API.
pub struct OpsGenieHandler {
    url: reqwest::Url,
    recovery_url: reqwest::Url,
    api_key: String,
    teams: Vec<String>,
    recipients: Vec<String>,
    client: HttpClient,
}

impl std::fmt::Debug for OpsGenieHandler {
    // The API key is a secret: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpsGenieHandler")
            .field("teams", &self.teams)
            .field("recipients", &self.recipients)
            .finish_non_exhaustive()
    }
}

impl OpsGenieHandler {
    fn new(options: Options, config: &Config) -> Result<OpsGenieHandler, BuildError> {
        let c = match config.services.get("opsgenie") {
            Some(s) => OpsGenieConfig::read(s).map_err(error)?,
            None => {
                return Err(error(
                    "service is not enabled: add an [opsgenie] section with enabled = true and \
                     an api-key to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("service is not enabled"));
        }
        // Kapacitor posts to `c.URL + "/"` and `c.RecoveryURL + "/"`.
        let url = reqwest::Url::parse(&format!("{}/", c.url)).map_err(|_| error("invalid URL"))?;
        let recovery_url = reqwest::Url::parse(&format!("{}/", c.recovery_url))
            .map_err(|_| error("invalid recovery_url"))?;
        let or =
            |own: Vec<String>, section: Vec<String>| if own.is_empty() { section } else { own };
        let client = HttpClient::new(&TlsFiles::default()).map_err(error)?;
        Ok(OpsGenieHandler {
            url,
            recovery_url,
            api_key: c.api_key,
            teams: or(options.teams_list, c.teams),
            recipients: or(options.recipients_list, c.recipients),
            client,
        })
    }

    /// Kapacitor's `Service.preparePost` and `Service.Alert`: Go's encoder over a map (keys
    /// sorted, HTML escaped, trailing newline), the API key in the body; only 200 is success.
    async fn alert(
        &self,
        message_type: &str,
        message: &str,
        entity_id: &str,
        description: &str,
    ) -> Result<(), HandlerError> {
        use tick_engine::json::write_string;
        let write_list = |body: &mut String, key: &str, items: &[String]| {
            if items.is_empty() {
                return;
            }
            body.push_str(",\"");
            body.push_str(key);
            body.push_str("\":[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                write_string(body, item);
            }
            body.push(']');
        };
        let recovery = message_type == "RECOVERY";
        let mut body = String::with_capacity(512 + 2 * (message.len() + description.len()));
        body.push_str("{\"alias\":");
        write_string(&mut body, entity_id);
        body.push_str(",\"apiKey\":");
        write_string(&mut body, &self.api_key);
        body.push_str(",\"description\":");
        write_string(&mut body, description);
        body.push_str(",\"details\":{\"Level\":");
        write_string(&mut body, message_type);
        body.push_str(",\"Monitoring Tool\":\"Kapacitor\"},\"entity\":");
        write_string(&mut body, entity_id);
        body.push_str(",\"message\":");
        write_string(&mut body, message);
        body.push_str(",\"monitoring_tool\":\"kapacitor\",\"note\":");
        write_string(&mut body, if recovery { message } else { "" });
        write_list(&mut body, "recipients", &self.recipients);
        write_list(&mut body, "teams", &self.teams);
        body.push_str("}\n");
        let request = Request {
            method: reqwest::Method::POST,
            url: if recovery {
                self.recovery_url.clone()
            } else {
                self.url.clone()
            },
            headers: vec![("Content-Type".to_string(), "application/json".to_string())],
            body: body.into_bytes(),
        };
        let answer = self
            .client
            .send_retrying(&request, None, Retry::SERVICE)
            .await
            .map_err(|e| HandlerError::Service {
                kind: "opsGenie",
                message: e.to_string(),
            })?;
        if answer.status == 200 {
            return Ok(());
        }
        let message = answer.error_text("OpsGenie", "message");
        Err(HandlerError::Service {
            kind: "opsGenie",
            message,
        })
    }
}

impl Deliver for OpsGenieHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let message_type = match event.state.level {
            Level::Ok => "RECOVERY",
            level => level.as_str(),
        };
        let description = result_json(event)?;
        self.alert(
            message_type,
            &event.state.message,
            &event.state.id,
            &description,
        )
        .await
    }
}
