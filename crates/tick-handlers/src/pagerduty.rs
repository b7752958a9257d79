//! The `pagerDuty` handler (Events API v1): `.pagerDuty().serviceKey(k)` or `kind: pagerduty`
//! (`service-key`), configured by `[pagerduty]` in `kapacitor.conf`. Owns the section's keys and
//! rules (Kapacitor's `pagerduty.Config`, `services/pagerduty/config.go` at v1.5.7), the
//! request (`Service.preparePost` and `Service.Alert`, `services/pagerduty/service.go`:
//! WARNING and CRITICAL trigger, OK resolves, INFO is refused) and the service test.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};

use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};
use crate::service::kapacitor_url;

const SPEC: HandlerSpec = HandlerSpec {
    kind: "pagerDuty",
    args: &[],
    variadic: None,
    properties: &[PropertySpec {
        name: "serviceKey",
        args: &[ArgType::String],
        variadic: None,
        doc: "The service's integration key; empty means [pagerduty] service-key.",
    }],
    doc: "Trigger a PagerDuty incident (Events API v1); an OK event resolves it. \
          Example: .pagerDuty()",
};

/// Kapacitor's `DefaultPagerDutyAPIURL`.
const DEFAULT_URL: &str = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";

/// PagerDuty v1 handler options, shared by TICKscript and handler files (`service-key`:
/// Kapacitor's `pagerduty.HandlerConfig`).
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The service key; `""` is `[pagerduty] service-key`.
    #[serde(default)]
    pub service_key: String,
}

impl std::fmt::Debug for Options {
    // The service key is a secret (Kapacitor redacts it).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options").finish_non_exhaustive()
    }
}

/// The `[pagerduty]` section (Kapacitor's `pagerduty.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PagerDutyConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default = "default_url")]
    url: String,
    #[serde(default)]
    service_key: String,
    #[serde(default)]
    global: bool,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}

impl PagerDutyConfig {
    fn read(section: &toml::Value) -> Result<PagerDutyConfig, String> {
        let c: PagerDutyConfig = crate::service::read_table(section)?;
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
        kind: "pagerDuty",
        property: "",
        message: message.into(),
    }
}

/// The `pagerDuty` entry of the handler catalogue (`kind: pagerduty` in handler files).
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "pagerDuty";
    const FILE_NAME: &'static str = "pagerduty";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("pagerduty");
    type Options = Options;
    type Handler = PagerDutyHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        if let Some([Literal::String(k)]) = handler.property("serviceKey") {
            o.service_key = k.clone();
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        PagerDutyConfig::read(section).map(drop)
    }

    /// `pagerduty` has `global` but no `state-changes-only` (Kapacitor's `Config`,
    /// services/pagerduty/config.go at v1.5.7).
    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::registry::Global {
            state_changes_only: false,
            ..crate::service::global_keys(section)
        }
    }
    crate::registry::built_from_config!(PagerDutyHandler::new, check);

    async fn service_test(config: &Config, _options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: incident "testIncidentKey", "test pagerduty message",
        // CRITICAL, no details, the configured service key.
        let result = async {
            let handler =
                PagerDutyHandler::new(Options::default(), config).map_err(|e| e.to_string())?;
            handler
                .alert(
                    "testIncidentKey",
                    "test pagerduty message",
                    Level::Critical,
                    "",
                )
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// Sends alerts to PagerDuty's Events API v1.
pub struct PagerDutyHandler {
    url: reqwest::Url,
    service_key: String,
    client_url: String,
    client: HttpClient,
}

impl std::fmt::Debug for PagerDutyHandler {
    // The service key is a secret: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagerDutyHandler").finish_non_exhaustive()
    }
}

impl PagerDutyHandler {
    fn new(options: Options, config: &Config) -> Result<PagerDutyHandler, BuildError> {
        let c = match config.services.get("pagerduty") {
            Some(s) => PagerDutyConfig::read(s).map_err(error)?,
            None => {
                return Err(error(
                    "service is not enabled: add a [pagerduty] section with enabled = true and \
                     a service-key to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("service is not enabled"));
        }
        let url = reqwest::Url::parse(&c.url).map_err(|_| error("invalid URL"))?;
        let service_key = if options.service_key.is_empty() {
            c.service_key
        } else {
            options.service_key
        };
        let client = HttpClient::new(&TlsFiles::default()).map_err(error)?;
        Ok(PagerDutyHandler {
            url,
            service_key,
            client_url: kapacitor_url(config),
            client,
        })
    }

    /// Kapacitor's `Service.preparePost` and `Service.Alert`: Go's encoder over a string map
    /// (keys sorted, HTML escaped, trailing newline); only 200 is success.
    async fn alert(
        &self,
        incident_key: &str,
        description: &str,
        level: Level,
        details: &str,
    ) -> Result<(), HandlerError> {
        use tick_engine::json::write_string;
        let event_type = match level {
            Level::Warning | Level::Critical => "trigger",
            Level::Info => {
                return Err(HandlerError::Service {
                    kind: "pagerDuty",
                    message: "AlertLevel 'info' is currently ignored by the PagerDuty service"
                        .to_string(),
                });
            }
            Level::Ok => "resolve",
        };
        let mut body = String::with_capacity(256 + 2 * (description.len() + details.len()));
        body.push_str("{\"client\":\"kapacitor\",\"client_url\":");
        write_string(&mut body, &self.client_url);
        body.push_str(",\"description\":");
        write_string(&mut body, description);
        body.push_str(",\"details\":");
        write_string(&mut body, details);
        body.push_str(",\"event_type\":\"");
        body.push_str(event_type);
        body.push_str("\",\"incident_key\":");
        write_string(&mut body, incident_key);
        body.push_str(",\"service_key\":");
        write_string(&mut body, &self.service_key);
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
                kind: "pagerDuty",
                message: e.to_string(),
            })?;
        if answer.status == 200 {
            return Ok(());
        }
        let message = answer.error_text("PagerDuty", "message");
        Err(HandlerError::Service {
            kind: "pagerDuty",
            message,
        })
    }
}

impl Deliver for PagerDutyHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        self.alert(
            &event.state.id,
            &event.state.message,
            event.state.level,
            &event.state.details,
        )
        .await
    }
}
