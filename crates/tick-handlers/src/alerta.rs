//! The `alerta` handler: `.alerta().resource(r).event(e).environment(e).group(g).value(v)
//! .origin(o).services(s...).timeout(d).token(t)` or `kind: alerta` (the same options, and
//! `token-prefix`), delivered to the Alerta API configured by `[alerta]` in `kapacitor.conf`.
//! Owns the section's keys and rules (Kapacitor's `alerta.Config`, `services/alerta/config.go`
//! at v1.5.7), the templates and severities (`handler.Handle`), the request
//! (`Service.preparePost` and `Service.Alert`, `services/alerta/service.go`) and the service
//! test (`Service.Test`).
//!
//! Quirk: as in Kapacitor 1.5.7, a script cannot set the token prefix (`.tokenPrefix()` is
//! not a property there); handler files and `[alerta] token-prefix` can.
//! Quirk: the `event` template sees only `.ID`, `.Name`, `.TaskName`, `.Group` and `.Tags`
//! (Kapacitor's `eventData`); the others see the whole event.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};
use tick_gotemplate::Template;

use crate::alert_json::result_json;
use crate::arguments::string_property;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::handler_template::{Shape, TEMPLATE_DATA, View, parse_optional};
use crate::http::{HttpClient, Request, join_path};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};
use crate::service::{SingleSection, enabled_section, read_section};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "alerta",
    args: &[],
    variadic: None,
    properties: &[
        string_property("token", "The Alerta API token; empty means [alerta] token."),
        string_property(
            "resource",
            "The alert's resource, a Go template (default {{ .Name }}).",
        ),
        string_property(
            "event",
            "The alert's event, a Go template of .ID .Name .TaskName .Group .Tags \
             (default {{ .ID }}).",
        ),
        string_property(
            "environment",
            "The environment, a Go template; empty means [alerta] environment.",
        ),
        string_property(
            "group",
            "The alert's group, a Go template (default {{ .Group }}).",
        ),
        string_property("value", "The alert's value, a Go template (default empty)."),
        string_property("origin", "The origin; empty means [alerta] origin."),
        PropertySpec {
            name: "services",
            args: &[],
            variadic: Some(ArgType::String),
            doc: "The affected services, Go templates (default: the measurement).",
        },
        PropertySpec {
            name: "timeout",
            args: &[ArgType::Duration],
            variadic: None,
            doc: "How long Alerta keeps the alert open (default 24h).",
        },
    ],
    doc: "Send the alert to Alerta. Example: .alerta().resource('{{ index .Tags \"host\" }}')",
};

/// Kapacitor's `defaultResource`, `defaultEvent`, `defaultGroup`, `defaultTimeout` and
/// `defaultTokenPrefix`.
const DEFAULT_RESOURCE: &str = "{{ .Name }}";
const DEFAULT_EVENT: &str = "{{ .ID }}";
const DEFAULT_GROUP: &str = "{{ .Group }}";
const DEFAULT_TIMEOUT: i64 = 24 * 3600 * 1_000_000_000;
const DEFAULT_TOKEN_PREFIX: &str = "Bearer";

/// Alerta handler options, shared by TICKscript and handler files (Kapacitor's
/// `alerta.HandlerConfig`, with its defaults for the keys a file leaves out).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The API token; `""` is `[alerta] token`.
    #[serde(default)]
    pub token: String,
    /// The `Authorization` prefix; `""` is `[alerta] token-prefix`, else `Bearer`.
    #[serde(default)]
    pub token_prefix: String,
    /// Template of the resource.
    #[serde(default = "default_resource")]
    pub resource: String,
    /// Template of the event.
    #[serde(default = "default_event")]
    pub event: String,
    /// Template of the environment; `""` is `[alerta] environment`.
    #[serde(default)]
    pub environment: String,
    /// Template of the group.
    #[serde(default = "default_group")]
    pub group: String,
    /// Template of the value.
    #[serde(default)]
    pub value: String,
    /// The origin; `""` is `[alerta] origin`.
    #[serde(default)]
    pub origin: String,
    /// Templates of the affected services; none is the measurement.
    #[serde(default)]
    pub service: Vec<String>,
    /// How long Alerta keeps the alert, in nanoseconds (a Go `time.Duration`).
    #[serde(default = "default_timeout")]
    pub timeout: i64,
}

fn default_resource() -> String {
    DEFAULT_RESOURCE.to_string()
}
fn default_event() -> String {
    DEFAULT_EVENT.to_string()
}
fn default_group() -> String {
    DEFAULT_GROUP.to_string()
}
fn default_timeout() -> i64 {
    DEFAULT_TIMEOUT
}

impl Default for Options {
    fn default() -> Options {
        Options {
            token: String::new(),
            token_prefix: String::new(),
            resource: default_resource(),
            event: default_event(),
            environment: String::new(),
            group: default_group(),
            value: String::new(),
            origin: String::new(),
            service: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl std::fmt::Debug for Options {
    // The token is a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("token", &"***")
            .field("resource", &self.resource)
            .field("event", &self.event)
            .finish_non_exhaustive()
    }
}

/// The `[alerta]` section (Kapacitor's `alerta.Config`).
#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct AlertaConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    url: String,
    #[serde(default)]
    insecure_skip_verify: bool,
    #[serde(default)]
    token: String,
    #[serde(default)]
    token_prefix: String,
    #[serde(default)]
    environment: String,
    #[serde(default)]
    origin: String,
    /// Read as Kapacitor reads it; Kapacitor's handlers never use it (their timeout is the
    /// handler's, 24h by default).
    #[serde(default)]
    #[allow(dead_code)]
    timeout: Option<String>,
}

impl SingleSection for AlertaConfig {
    const NAME: &'static str = "alerta";
    const NEEDS: &'static str = "a url";
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn validate(&self) -> Result<(), String> {
        if self.enabled && self.url.is_empty() {
            return Err("must specify url".to_string());
        }
        if !self.url.is_empty() && reqwest::Url::parse(&self.url).is_err() {
            return Err("invalid url".to_string());
        }
        Ok(())
    }
}

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "alerta",
        property,
        message: message.into(),
    }
}

/// The `alerta` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "alerta";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("alerta");
    type Options = Options;
    type Handler = AlertaHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        // Kapacitor's `newAlertNode` (alert.go at v1.5.7): the handler's defaults, each
        // replaced by a non-empty property.
        let mut o = Options::default();
        for p in &handler.properties {
            match (p.name.as_str(), p.args.as_slice()) {
                ("timeout", [Literal::Duration(d)]) if *d != 0 => o.timeout = *d,
                ("services", args) if !args.is_empty() => {
                    o.service = args
                        .iter()
                        .filter_map(|a| match a {
                            Literal::String(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect();
                }
                (name, [Literal::String(v)]) if !v.is_empty() => {
                    let field = match name {
                        "token" => &mut o.token,
                        "resource" => &mut o.resource,
                        "event" => &mut o.event,
                        "environment" => &mut o.environment,
                        "group" => &mut o.group,
                        "value" => &mut o.value,
                        "origin" => &mut o.origin,
                        _ => continue,
                    };
                    *field = v.clone();
                }
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        read_section::<AlertaConfig>(section).map(drop)
    }

    crate::registry::built_from_config!(AlertaHandler::new);

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        Templates::parse(&options)?;
        match config {
            Some(config) => AlertaHandler::new(options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, _options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: resource "testResource", event "testEvent", the section's
        // environment and origin, critical, group "testGroup", value "testValue",
        // "test alerta message", two services, 24h, no tags and no data; sent with the
        // section's token and prefix.
        let result = async {
            let handler =
                AlertaHandler::new(Options::default(), config).map_err(|e| e.to_string())?;
            let alert = Alert {
                resource: "testResource".to_string(),
                event: "testEvent".to_string(),
                environment: handler.environment.clone(),
                severity: "critical",
                group: "testGroup".to_string(),
                value: "testValue".to_string(),
                text: "test alerta message",
                origin: &handler.origin,
                service: vec!["testServiceA".to_string(), "testServiceB".to_string()],
                tags: &[],
                raw_data: "{\"series\":null}".to_string(),
            };
            handler.send(&alert).await.map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// The handler's templates, parsed once.
#[derive(Debug)]
struct Templates {
    resource: Option<Template>,
    event: Option<Template>,
    environment: Option<Template>,
    group: Option<Template>,
    value: Option<Template>,
    service: Vec<Template>,
}

impl Templates {
    /// Kapacitor's `Service.Handler`: every template must parse.
    fn parse(o: &Options) -> Result<Templates, BuildError> {
        let one = |property, src| parse_optional("alerta", property, property, src);
        let mut service = Vec::with_capacity(o.service.len());
        for s in &o.service {
            service.extend(one("service", s)?);
        }
        Ok(Templates {
            resource: one("resource", &o.resource)?,
            event: one("event", &o.event)?,
            environment: one("environment", &o.environment)?,
            group: one("group", &o.group)?,
            value: one("value", &o.value)?,
            service,
        })
    }
}

/// Kapacitor's `eventData`: what the `event` template sees.
const EVENT_DATA: Shape = Shape {
    type_name: "alerta.eventData",
    fields: &["ID", "Name", "TaskName", "Group", "Tags"],
};

/// Sends alerts to Alerta.
pub struct AlertaHandler {
    url: reqwest::Url,
    authorization: String,
    environment: String,
    origin: String,
    timeout_seconds: i64,
    templates: Templates,
    client: HttpClient,
}

impl std::fmt::Debug for AlertaHandler {
    // The authorization header holds the token: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertaHandler").finish_non_exhaustive()
    }
}

/// One alert's fields, as `Service.preparePost` puts them in its map.
struct Alert<'a> {
    resource: String,
    event: String,
    environment: String,
    severity: &'static str,
    group: String,
    value: String,
    text: &'a str,
    origin: &'a str,
    service: Vec<String>,
    tags: &'a [(String, String)],
    raw_data: String,
}

impl Alert<'_> {
    /// The map's JSON as Go's encoder writes it: keys sorted, HTML escaped, a trailing
    /// newline; `service` only when there is one, `tags` as `k=v` strings (Go's map order is
    /// random; tick sorts them by key).
    fn body(&self, timeout_seconds: i64) -> String {
        use tick_engine::json::write_string;
        let mut b = String::with_capacity(512 + self.raw_data.len() + 2 * self.text.len());
        b.push_str("{\"environment\":");
        write_string(&mut b, &self.environment);
        b.push_str(",\"event\":");
        write_string(&mut b, &self.event);
        b.push_str(",\"group\":");
        write_string(&mut b, &self.group);
        b.push_str(",\"origin\":");
        write_string(&mut b, self.origin);
        b.push_str(",\"rawData\":");
        b.push_str(&self.raw_data);
        b.push_str(",\"resource\":");
        write_string(&mut b, &self.resource);
        if !self.service.is_empty() {
            b.push_str(",\"service\":[");
            for (i, s) in self.service.iter().enumerate() {
                if i > 0 {
                    b.push(',');
                }
                write_string(&mut b, s);
            }
            b.push(']');
        }
        b.push_str(",\"severity\":\"");
        b.push_str(self.severity);
        b.push_str("\",\"tags\":[");
        for (i, (k, v)) in self.tags.iter().enumerate() {
            if i > 0 {
                b.push(',');
            }
            write_string(&mut b, &format!("{k}={v}"));
        }
        b.push_str("],\"text\":");
        write_string(&mut b, self.text);
        b.push_str(",\"timeout\":");
        b.push_str(&timeout_seconds.to_string());
        b.push_str(",\"value\":");
        write_string(&mut b, &self.value);
        b.push_str("}\n");
        b
    }
}

impl AlertaHandler {
    fn new(options: Options, config: &Config) -> Result<AlertaHandler, BuildError> {
        let c: AlertaConfig = enabled_section(config).map_err(|e| error("", e))?;
        let templates = Templates::parse(&options)?;
        let mut url = reqwest::Url::parse(&c.url).map_err(|_| error("", "invalid url"))?;
        let joined = join_path(&[url.path(), "alert"]);
        url.set_path(&joined);
        let pick = |own: String, section: &str| {
            if own.is_empty() {
                section.to_string()
            } else {
                own
            }
        };
        let token = pick(options.token, &c.token);
        let prefix = pick(
            options.token_prefix,
            if c.token_prefix.is_empty() {
                DEFAULT_TOKEN_PREFIX
            } else {
                &c.token_prefix
            },
        );
        let client = HttpClient::new(&TlsFiles {
            insecure_skip_verify: c.insecure_skip_verify,
            ..TlsFiles::default()
        })
        .map_err(|e| error("", e))?;
        Ok(AlertaHandler {
            url,
            authorization: format!("{prefix} {token}"),
            environment: c.environment,
            origin: pick(options.origin, &c.origin),
            // Go's `int64(timeout / time.Second)`: truncated toward zero.
            timeout_seconds: options.timeout / 1_000_000_000,
            templates,
            client,
        })
    }

    /// Kapacitor's `Service.Alert`: resource and event are required; only 201 is success,
    /// else Alerta's `message` is the error.
    async fn send(&self, alert: &Alert<'_>) -> Result<(), HandlerError> {
        if alert.resource.is_empty() || alert.event.is_empty() {
            return Err(HandlerError::Service {
                kind: "alerta",
                message: "Resource and Event are required to send an alert".to_string(),
            });
        }
        let mut request = Request::post_json(self.url.clone(), alert.body(self.timeout_seconds));
        request
            .headers
            .insert(0, ("Authorization".to_string(), self.authorization.clone()));
        self.client
            .deliver(&request, "alerta", &[201], "Alerta", "message")
            .await
    }
}

impl Deliver for AlertaHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let t = &self.templates;
        let data = View::new(event, &TEMPLATE_DATA);
        let render = |template: Option<&Template>, data: &dyn tick_gotemplate::Object| {
            let mut out = String::new();
            if let Some(t) = template {
                t.render(data, &mut out)
                    .map_err(|e| HandlerError::Service {
                        kind: "alerta",
                        message: format!("failed to evaluate {} template: {e}", t.name()),
                    })?;
            }
            Ok::<String, HandlerError>(out)
        };
        let resource = render(t.resource.as_ref(), &data)?;
        let event_text = render(t.event.as_ref(), &View::new(event, &EVENT_DATA))?;
        let mut environment = render(t.environment.as_ref(), &data)?;
        if environment.is_empty() {
            environment.clone_from(&self.environment);
        }
        let group = render(t.group.as_ref(), &data)?;
        let value = render(t.value.as_ref(), &data)?;
        let service = if t.service.is_empty() {
            vec![event.data.name.clone()]
        } else {
            t.service
                .iter()
                .map(|s| render(Some(s), &data))
                .collect::<Result<_, _>>()?
        };
        let severity = match event.state.level {
            Level::Ok => "ok",
            Level::Info => "informational",
            Level::Warning => "warning",
            Level::Critical => "critical",
        };
        let alert = Alert {
            resource,
            event: event_text,
            environment,
            severity,
            group,
            value,
            text: &event.state.message,
            origin: &self.origin,
            service,
            tags: &event.data.tags,
            raw_data: result_json(event)?,
        };
        self.send(&alert).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_follow_kapacitors_rules() {
        let check = |text: &str| {
            let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
            Kind::check_section(&table["alerta"])
        };
        assert_eq!(
            check("[alerta]\nenabled = true\n"),
            Err("must specify url".into())
        );
        assert_eq!(check("[alerta]\nurl = \"::\"\n"), Err("invalid url".into()));
        assert_eq!(
            check("[alerta]\nenabled = true\nurl = \"https://alerta.example.com/api\"\n"),
            Ok(())
        );
    }

    #[test]
    fn the_token_prefix_is_the_files_then_the_sections_then_bearer() {
        let config = |extra: &str| {
            Config::from_toml_str(
                &format!(
                    "[alerta]\nenabled = true\nurl = \"http://127.0.0.1:1/api\"\ntoken = \"t\"\n{extra}"
                ),
                "kapacitor.conf",
            )
            .expect("config")
            .0
        };
        let auth = |o: Options, extra: &str| {
            AlertaHandler::new(o, &config(extra))
                .expect("handler")
                .authorization
        };
        assert_eq!(auth(Options::default(), ""), "Bearer t");
        assert_eq!(auth(Options::default(), "token-prefix = \"Key\""), "Key t");
        let own = Options {
            token_prefix: "Own".into(),
            token: "mine".into(),
            ..Options::default()
        };
        assert_eq!(auth(own, "token-prefix = \"Key\""), "Own mine");
    }
}
