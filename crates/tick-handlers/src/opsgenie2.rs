//! The `opsGenie2` handler: `.opsGenie2().teams(..).recipients(..).recoveryAction(a)` or
//! `kind: opsgenie2` (`teams-list`, `recipients-list`, `recovery_action`), delivered to
//! OpsGenie's Alert API v2 configured by `[opsgenie2]` in `kapacitor.conf`. Owns the section's
//! keys and rules (Kapacitor's `opsgenie2.Config`, `services/opsgenie2/config.go` at v1.5.7),
//! the requests (`Service.preparePost` and `Service.Alert`, `services/opsgenie2/service.go`: an
//! alert is created under an alias, the base64 of the event id; an OK event adds a note to it
//! or closes it) and the service test.

use std::collections::BTreeMap;

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};

use crate::alert_json::result_json;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry, join_path};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "opsGenie2",
    args: &[],
    variadic: None,
    properties: &[
        PropertySpec {
            name: "teams",
            args: &[],
            variadic: Some(ArgType::String),
            doc: "Teams to notify; none means [opsgenie2] teams.",
        },
        PropertySpec {
            name: "recipients",
            args: &[],
            variadic: Some(ArgType::String),
            doc: "Users to notify; none means [opsgenie2] recipients.",
        },
        PropertySpec {
            name: "recoveryAction",
            args: &[ArgType::String],
            variadic: None,
            doc: "What an OK event does to the alert: 'notes' (add a note) or 'close'.",
        },
    ],
    doc: "Create an OpsGenie alert (Alert API v2); an OK event adds a note or closes it. \
          Example: .opsGenie2().teams('ops')",
};

/// Kapacitor's `DefaultOpsGenieAPIURL` and `DefaultOpsGenieRecoveryAction`.
const DEFAULT_URL: &str = "https://api.opsgenie.com/v2/alerts";
const DEFAULT_RECOVERY_ACTION: &str = "notes";

/// OpsGenie v2 handler options, shared by TICKscript and handler files (`teams-list`,
/// `recipients-list`, `recovery_action`: Kapacitor's `opsgenie2.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Teams; none means the section's.
    #[serde(default, rename = "teams-list")]
    pub teams_list: Vec<String>,
    /// Users; none means the section's.
    #[serde(default, rename = "recipients-list")]
    pub recipients_list: Vec<String>,
    /// `notes` or `close`; anything else means the section's.
    #[serde(default)]
    pub recovery_action: String,
}

/// The `[opsgenie2]` section (Kapacitor's `opsgenie2.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct OpsGenie2Config {
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
    #[serde(default = "default_recovery_action", rename = "recovery_action")]
    recovery_action: String,
    #[serde(default)]
    global: bool,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}

fn default_recovery_action() -> String {
    DEFAULT_RECOVERY_ACTION.to_string()
}

impl OpsGenie2Config {
    fn read(section: &toml::Value) -> Result<OpsGenie2Config, String> {
        let c: OpsGenie2Config = crate::service::read_table(section)?;
        // Kapacitor's `Config.Validate`.
        if c.url.is_empty() {
            return Err("url cannot be empty".to_string());
        }
        if c.recovery_action.is_empty() {
            return Err("recovery_action cannot be empty".to_string());
        }
        if reqwest::Url::parse(&c.url).is_err() {
            return Err("invalid URL".to_string());
        }
        if c.enabled && c.api_key.is_empty() {
            return Err("api-key cannot be empty".to_string());
        }
        Ok(c)
    }
}

fn error(message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "opsGenie2",
        property: "",
        message: message.into(),
    }
}

/// The `opsGenie2` entry of the handler catalogue (`kind: opsgenie2` in handler files).
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "opsGenie2";
    const FILE_NAME: &'static str = "opsgenie2";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("opsgenie2");
    type Options = Options;
    type Handler = OpsGenie2Handler;

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
            match (p.name.as_str(), p.args.as_slice()) {
                ("teams", args) => o.teams_list = strings(args),
                ("recipients", args) => o.recipients_list = strings(args),
                ("recoveryAction", [Literal::String(a)]) => o.recovery_action = a.clone(),
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        OpsGenie2Config::read(section).map(drop)
    }

    /// `opsgenie2` has `global` but no `state-changes-only` (Kapacitor's `Config`,
    /// services/opsgenie2/config.go at v1.5.7).
    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::registry::Global {
            state_changes_only: false,
            ..crate::service::global_keys(section)
        }
    }
    crate::registry::built_from_config!(OpsGenie2Handler::new, check);

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: CRITICAL, "test opsgenie message", entity "testEntityID",
        // no data.
        let result = async {
            let handler = OpsGenie2Handler::new(options, config).map_err(|e| e.to_string())?;
            handler
                .alert(
                    Level::Critical,
                    "test opsgenie message",
                    "testEntityID",
                    "{\"series\":null}",
                    None,
                )
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// Sends alerts to OpsGenie.
pub struct OpsGenie2Handler {
    url: reqwest::Url,
    api_key: String,
    teams: Vec<String>,
    recipients: Vec<String>,
    recovery_action: String,
    client: HttpClient,
}

impl std::fmt::Debug for OpsGenie2Handler {
    // The API key is a secret: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpsGenie2Handler")
            .field("teams", &self.teams)
            .field("recipients", &self.recipients)
            .finish_non_exhaustive()
    }
}

impl OpsGenie2Handler {
    fn new(options: Options, config: &Config) -> Result<OpsGenie2Handler, BuildError> {
        let c = match config.services.get("opsgenie2") {
            Some(s) => OpsGenie2Config::read(s).map_err(error)?,
            None => {
                return Err(error(
                    "service is not enabled: add an [opsgenie2] section with enabled = true and \
                     an api-key to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("service is not enabled"));
        }
        let url = reqwest::Url::parse(&c.url).map_err(|_| error("invalid URL"))?;
        let valid = |a: &str| a == "close" || a == "notes";
        let recovery_action = if valid(&options.recovery_action) {
            options.recovery_action
        } else if valid(&c.recovery_action) {
            c.recovery_action
        } else {
            DEFAULT_RECOVERY_ACTION.to_string()
        };
        let or =
            |own: Vec<String>, section: Vec<String>| if own.is_empty() { section } else { own };
        let client = HttpClient::new(&TlsFiles::default()).map_err(error)?;
        Ok(OpsGenie2Handler {
            url,
            api_key: c.api_key,
            teams: or(options.teams_list, c.teams),
            recipients: or(options.recipients_list, c.recipients),
            recovery_action,
            client,
        })
    }

    /// Kapacitor's `Service.preparePost` and `Service.Alert`: Go's encoder over a map (keys
    /// sorted, HTML escaped, trailing newline), `Authorization: GenieKey <key>`; only 202 is
    /// success. `row` is the first series' name and tags, for `details`.
    async fn alert(
        &self,
        level: Level,
        message: &str,
        entity_id: &str,
        description: &str,
        row: Option<(&str, &[(String, String)])>,
    ) -> Result<(), HandlerError> {
        use tick_engine::json::write_string;
        let alias = base64_url(entity_id.as_bytes());
        let mut url = self.url.clone();
        let mut body = String::with_capacity(512 + 2 * (message.len() + description.len()));
        if level == Level::Ok {
            let joined = join_path(&[url.path(), &alias, &self.recovery_action]);
            url.set_path(&joined);
            url.set_query(Some("identifierType=alias"));
            body.push_str("{\"note\":");
            write_string(&mut body, message);
            body.push_str("}\n");
        } else {
            let priority = match level {
                Level::Info => "P5",
                Level::Warning => "P3",
                Level::Critical => "P1",
                _ => "",
            };
            let mut details: BTreeMap<&str, &str> = BTreeMap::new();
            details.insert("Monitoring Tool", "Kapacitor");
            details.insert("Level", level.as_str());
            if let Some((name, tags)) = row {
                for (k, v) in tags {
                    details.insert(k, v);
                }
                details.insert("Kapacitor Task Name", name);
            }
            body.push_str("{\"alias\":");
            write_string(&mut body, &alias);
            body.push_str(",\"description\":");
            write_string(&mut body, description);
            body.push_str(",\"details\":{");
            for (i, (k, v)) in details.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                write_string(&mut body, k);
                body.push(':');
                write_string(&mut body, v);
            }
            body.push_str("},\"entity\":");
            write_string(&mut body, entity_id);
            body.push_str(",\"message\":");
            write_string(&mut body, message);
            body.push_str(",\"note\":\"\",\"priority\":\"");
            body.push_str(priority);
            body.push('"');
            if !self.teams.is_empty() || !self.recipients.is_empty() {
                body.push_str(",\"responders\":[");
                let mut first = true;
                for t in &self.teams {
                    if !first {
                        body.push(',');
                    }
                    first = false;
                    body.push_str("{\"name\":");
                    write_string(&mut body, t);
                    body.push_str(",\"type\":\"team\"}");
                }
                for u in &self.recipients {
                    if !first {
                        body.push(',');
                    }
                    first = false;
                    body.push_str("{\"type\":\"user\",\"username\":");
                    write_string(&mut body, u);
                    body.push('}');
                }
                body.push(']');
            }
            body.push_str("}\n");
        }
        let request = Request {
            method: reqwest::Method::POST,
            url,
            headers: vec![
                ("Content-Type".to_string(), "application/json".to_string()),
                (
                    "Authorization".to_string(),
                    format!("GenieKey {}", self.api_key),
                ),
            ],
            body: body.into_bytes(),
        };
        let answer = self
            .client
            .send_retrying(&request, None, Retry::SERVICE)
            .await
            .map_err(|e| HandlerError::Service {
                kind: "opsGenie2",
                message: format!("failed to execute API request: {e}"),
            })?;
        if answer.status == 202 {
            return Ok(());
        }
        let message = answer.error_text("OpsGenie", "message");
        Err(HandlerError::Service {
            kind: "opsGenie2",
            message: format!("opsgenie error: {message}"),
        })
    }
}

/// Go's `base64.URLEncoding`: the URL-safe alphabet, with padding.
fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Deliver for OpsGenie2Handler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let description = result_json(event)?;
        let row = event
            .data
            .result
            .as_ref()
            .map(|r| (r.name.as_str(), r.tags.as_slice()));
        self.alert(
            event.state.level,
            &event.state.message,
            &event.state.id,
            &description,
            row,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_url_safe_base64_with_padding() {
        assert_eq!(base64_url(b"cpu/a"), "Y3B1L2E=");
        assert_eq!(base64_url(b"ab"), "YWI=");
        assert_eq!(base64_url(b"abc"), "YWJj");
        assert_eq!(base64_url(b"\xfb\xff"), "-_8=");
        assert_eq!(base64_url(b""), "");
    }
}
