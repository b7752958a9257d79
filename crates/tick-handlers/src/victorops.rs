//! The `victorOps` handler: `.victorOps().routingKey(k)` or `kind: victorops` (`routing-key`),
//! delivered to VictorOps' REST endpoint configured by `[victorops]` in `kapacitor.conf`. Owns
//! the section's keys and rules (Kapacitor's `victorops.Config`, `services/victorops/config.go`
//! at v1.5.7), the request (`Service.preparePost`, `Service.Alert` and `handler.Handle`,
//! `services/victorops/service.go`: an OK event is sent as `RECOVERY`) and the service test.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Literal, PropertySpec};

use crate::alert_json::result_json;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry, join_path};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "victorOps",
    args: &[],
    variadic: None,
    properties: &[PropertySpec {
        name: "routingKey",
        args: &[ArgType::String],
        variadic: None,
        doc: "The VictorOps routing key; empty means [victorops] routing-key.",
    }],
    doc: "Send the alert to VictorOps (OK events as RECOVERY). Example: .victorOps().routingKey('ops')",
};

/// Kapacitor's `DefaultVictorOpsAPIURL`.
const DEFAULT_URL: &str = "https://alert.victorops.com/integrations/generic/20131114/alert";

/// VictorOps handler options, shared by TICKscript and handler files (`routing-key`:
/// Kapacitor's `victorops.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The routing key; `""` is `[victorops] routing-key`.
    #[serde(default)]
    pub routing_key: String,
}

/// The `[victorops]` section (Kapacitor's `victorops.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct VictorOpsConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    routing_key: String,
    #[serde(default = "default_url")]
    url: String,
    #[serde(default)]
    global: bool,
    #[serde(default)]
    json_data: bool,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}

impl VictorOpsConfig {
    fn read(section: &toml::Value) -> Result<VictorOpsConfig, String> {
        let c: VictorOpsConfig = crate::service::read_table(section)?;
        // Kapacitor's `Config.Validate`.
        if c.url.is_empty() {
            return Err("url cannot be empty".to_string());
        }
        if reqwest::Url::parse(&c.url).is_err() {
            return Err("invalid URL".to_string());
        }
        Ok(c)
    }
}

fn error(message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "victorOps",
        property: "",
        message: message.into(),
    }
}

/// The `victorOps` entry of the handler catalogue (`kind: victorops` in handler files).
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "victorOps";
    const FILE_NAME: &'static str = "victorops";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("victorops");
    type Options = Options;
    type Handler = VictorOpsHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        if let Some([Literal::String(k)]) = handler.property("routingKey") {
            o.routing_key = k.clone();
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        VictorOpsConfig::read(section).map(drop)
    }

    /// `victorops` has `global` but no `state-changes-only` (Kapacitor's `Config`,
    /// services/victorops/config.go at v1.5.7).
    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::registry::Global {
            state_changes_only: false,
            ..crate::service::global_keys(section)
        }
    }
    crate::registry::built_from_config!(VictorOpsHandler::new, check);

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: CRITICAL, "test victorops message", entity
        // "testEntityID", now, no data.
        let result = async {
            let handler = VictorOpsHandler::new(options, config).map_err(|e| e.to_string())?;
            let now = crate::service::unix_now_secs();
            handler
                .alert(
                    "CRITICAL",
                    "test victorops message",
                    "testEntityID",
                    now,
                    "{\"series\":null}",
                )
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// Sends alerts to VictorOps.
pub struct VictorOpsHandler {
    url: reqwest::Url,
    json_data: bool,
    client: HttpClient,
}

impl std::fmt::Debug for VictorOpsHandler {
    // The URL holds the API key: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VictorOpsHandler").finish_non_exhaustive()
    }
}

impl VictorOpsHandler {
    fn new(options: Options, config: &Config) -> Result<VictorOpsHandler, BuildError> {
        let c = match config.services.get("victorops") {
            Some(s) => VictorOpsConfig::read(s).map_err(error)?,
            None => {
                return Err(error(
                    "service is not enabled: add a [victorops] section with enabled = true and \
                     an api-key to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("service is not enabled"));
        }
        let routing_key = if options.routing_key.is_empty() {
            c.routing_key.as_str()
        } else {
            options.routing_key.as_str()
        };
        let mut url = reqwest::Url::parse(&c.url).map_err(|_| error("invalid URL"))?;
        let joined = join_path(&[url.path(), &c.api_key, routing_key]);
        url.set_path(&joined);
        let client = HttpClient::new(&TlsFiles::default()).map_err(error)?;
        Ok(VictorOpsHandler {
            url,
            json_data: c.json_data,
            client,
        })
    }

    /// Kapacitor's `Service.preparePost` and `Service.Alert`: the keys sorted as Go encodes a
    /// map, `data` as an object (`json-data`) or as its JSON text, a trailing newline; only
    /// 200 is success.
    async fn alert(
        &self,
        message_type: &str,
        message: &str,
        entity_id: &str,
        unix_seconds: i64,
        data: &str,
    ) -> Result<(), HandlerError> {
        let mut body = String::with_capacity(256 + 2 * (message.len() + data.len()));
        body.push_str("{\"data\":");
        if self.json_data {
            body.push_str(data);
        } else {
            tick_engine::json::write_string(&mut body, data);
        }
        body.push_str(",\"entity_id\":");
        tick_engine::json::write_string(&mut body, entity_id);
        body.push_str(",\"message_type\":");
        tick_engine::json::write_string(&mut body, message_type);
        body.push_str(",\"monitoring_tool\":\"kapacitor\",\"state_message\":");
        tick_engine::json::write_string(&mut body, message);
        body.push_str(",\"timestamp\":");
        body.push_str(&unix_seconds.to_string());
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
                kind: "victorOps",
                message: e.to_string(),
            })?;
        if answer.status == 200 {
            return Ok(());
        }
        if answer.status == 404 {
            return Err(HandlerError::Service {
                kind: "victorOps",
                message: "URL or API key not found: 404".to_string(),
            });
        }
        let message = answer.error_text("VictorOps", "message");
        Err(HandlerError::Service {
            kind: "victorOps",
            message,
        })
    }
}

impl Deliver for VictorOpsHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let message_type = match event.state.level {
            tick_engine::Level::Ok => "RECOVERY",
            level => level.as_str(),
        };
        let data = result_json(event)?;
        // Go's `Time.Unix`: whole seconds, rounded down.
        let seconds = event.state.time.div_euclid(1_000_000_000);
        self.alert(
            message_type,
            &event.state.message,
            &event.state.id,
            seconds,
            &data,
        )
        .await
    }
}
