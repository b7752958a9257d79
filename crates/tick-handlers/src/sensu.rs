//! The `sensu` handler: `.sensu().source(s).handlers(..).metadata(k, v)` or `kind: sensu`
//! (`source`, `handlers`, `metadata`), delivered as one JSON check result over TCP to the Sensu
//! client socket configured by `[sensu]` in `kapacitor.conf`. Owns the section's keys and rules
//! (Kapacitor's `sensu.Config`, `services/sensu/config.go` at v1.5.7), the message
//! (`Service.prepareData` and `Service.Alert`, `services/sensu/service.go`: the event id is the
//! check name, the source a template) and the service test.
//!
//! `.metadata(key, value)` takes any literal, as Kapacitor's `SensuHandler.Metadata(key string,
//! value interface{})` (pipeline/alert.go at v1.5.7) does; handler files take any JSON value.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};
use tick_gotemplate::{FuncSet, Template};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::alert_json::write_go_value;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::registry::{Deliver, HandlerKind};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "sensu",
    args: &[],
    variadic: None,
    properties: &[
        PropertySpec {
            name: "source",
            args: &[ArgType::String],
            variadic: None,
            doc: "The check's source, a Go template; empty means [sensu] source.",
        },
        PropertySpec {
            name: "handlers",
            args: &[],
            variadic: Some(ArgType::String),
            doc: "Sensu handlers to run; none means [sensu] handlers.",
        },
        crate::arguments::key_value_property(
            "metadata",
            "An extra key of the check result: a string, number, boolean or duration.",
        ),
    ],
    doc: "Send the alert as a check result to a Sensu client socket over TCP. \
          Example: .sensu().handlers('email')",
};

/// Kapacitor's `DefaultSource`.
const DEFAULT_SOURCE: &str = "Kapacitor";

/// Kapacitor's `validNamePattern`: a check name is word characters, `.` and `-`.
static VALID_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[\w.-]+$").ok());

/// Sensu handler options, shared by TICKscript and handler files (Kapacitor's
/// `sensu.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The source template; `""` is `[sensu] source`.
    #[serde(default)]
    pub source: String,
    /// Sensu handlers; none means `[sensu] handlers`.
    #[serde(default)]
    pub handlers: Vec<String>,
    /// Extra keys of the check result; they never replace Kapacitor's own.
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
}

/// The `[sensu]` section (Kapacitor's `sensu.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct SensuConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    addr: String,
    #[serde(default = "default_source")]
    source: String,
    #[serde(default)]
    handlers: Option<Vec<String>>,
}

fn default_source() -> String {
    DEFAULT_SOURCE.to_string()
}

impl SensuConfig {
    fn read(section: &toml::Value) -> Result<SensuConfig, String> {
        let c: SensuConfig = crate::service::read_table(section)?;
        // Kapacitor's `Config.Validate`.
        if c.enabled && c.addr.is_empty() {
            return Err("must specify client address".to_string());
        }
        Ok(c)
    }
}

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "sensu",
        property,
        message: message.into(),
    }
}

/// The `sensu` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "sensu";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("sensu");
    type Options = Options;
    type Handler = SensuHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            match (p.name.as_str(), p.args.as_slice()) {
                ("source", [Literal::String(s)]) => o.source = s.clone(),
                ("handlers", args) => {
                    o.handlers = args
                        .iter()
                        .filter_map(|a| match a {
                            Literal::String(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect();
                }
                ("metadata", [Literal::String(k), v]) => {
                    o.metadata
                        .insert(k.clone(), crate::arguments::literal_json(v));
                }
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        SensuConfig::read(section).map(drop)
    }

    crate::registry::built_from_config!(SensuHandler::new);

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        Template::parse("source", &options.source, &FuncSet::new())
            .map_err(|e| error("source", e.to_string()))?;
        match config {
            Some(config) => SensuHandler::new(options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: name "testName", output "testOutput", CRITICAL, the
        // configured source and handlers.
        let result = async {
            let handler = SensuHandler::new(options, config).map_err(|e| e.to_string())?;
            let source = handler.default_source.clone();
            handler
                .alert("testName", &source, "testOutput", Level::Critical)
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// Sends alerts to a Sensu client socket.
#[derive(Debug)]
pub struct SensuHandler {
    addr: String,
    source: Template,
    default_source: String,
    handlers: Option<Vec<String>>,
    metadata: BTreeMap<String, serde_json::Value>,
}

impl SensuHandler {
    fn new(options: Options, config: &Config) -> Result<SensuHandler, BuildError> {
        let c = match config.services.get("sensu") {
            Some(s) => SensuConfig::read(s).map_err(|e| error("", e))?,
            None => {
                return Err(error(
                    "",
                    "service is not enabled: add a [sensu] section with enabled = true and an \
                     addr to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("", "service is not enabled"));
        }
        let source = Template::parse("source", &options.source, &FuncSet::new())
            .map_err(|e| error("source", e.to_string()))?;
        let handlers = if options.handlers.is_empty() {
            c.handlers
        } else {
            Some(options.handlers)
        };
        Ok(SensuHandler {
            addr: c.addr,
            source,
            default_source: c.source,
            handlers,
            metadata: options.metadata,
        })
    }

    /// Kapacitor's `Service.prepareData` and `Service.Alert`: the check result as Go's encoder
    /// writes a map (keys sorted, metadata never replacing a key of its own, trailing
    /// newline), then the whole answer, which must be `ok`.
    async fn alert(
        &self,
        name: &str,
        source: &str,
        output: &str,
        level: Level,
    ) -> Result<(), HandlerError> {
        let fail = |message: String| HandlerError::Service {
            kind: "sensu",
            message,
        };
        if !VALID_NAME.as_ref().is_some_and(|re| re.is_match(name)) {
            return Err(fail(format!(
                "invalid name {name:?} for sensu alert. Must match ^[\\w\\.-]+$"
            )));
        }
        let status = match level {
            Level::Ok | Level::Info => 0,
            Level::Warning => 1,
            Level::Critical => 2,
        };
        let source = if source.is_empty() {
            self.default_source.as_str()
        } else {
            source
        };
        let mut data: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
        data.insert("name", name.into());
        data.insert("source", source.into());
        data.insert("output", output.into());
        data.insert("status", status.into());
        data.insert(
            "handlers",
            self.handlers
                .as_ref()
                .map_or(serde_json::Value::Null, |h| h.clone().into()),
        );
        for (k, v) in &self.metadata {
            data.entry(k.as_str()).or_insert_with(|| v.clone());
        }
        let mut body = String::from("{");
        for (i, (k, v)) in data.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            tick_engine::json::write_string(&mut body, k);
            body.push(':');
            write_go_value(&mut body, v);
        }
        body.push_str("}\n");
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(&self.addr).await?;
            stream.write_all(body.as_bytes()).await?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await?;
            Ok::<_, std::io::Error>(answer)
        };
        let answer = exchange
            .await
            .map_err(|e| fail(format!("{}: {e}", self.addr)))?;
        if answer != b"ok" {
            return Err(fail(format!(
                "sensu socket error: {}",
                String::from_utf8_lossy(&answer)
            )));
        }
        Ok(())
    }
}

impl Deliver for SensuHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let mut source = String::new();
        self.source
            .render(&event.handler_data(), &mut source)
            .map_err(|e| HandlerError::Service {
                kind: "sensu",
                message: format!("failed to evaluate Sensu source template: {e}"),
            })?;
        self.alert(
            &event.state.id,
            &source,
            &event.state.message,
            event.state.level,
        )
        .await
    }
}
