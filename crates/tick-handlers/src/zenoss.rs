//! The `zenoss` handler: `.zenoss().action(a).method(m).type(t).tid(n).summary(s).device(d)
//! .component(c).eventClassKey(k).eventClass(e).collector(c).message(m).customField(k, v)` or
//! `kind: zenoss` (`action`, `method`, `type`, `tid`, `summary`, `device`, `component`,
//! `eventClassKey`, `eventClass`, `collector`, `message`, `customField`), delivered to Zenoss's
//! JSON router configured by `[zenoss]` in `kapacitor.conf`. Zenoss is not in Kapacitor 1.5.7:
//! it came in v1.6.0, and tick follows Kapacitor v1.8.3 (the same as its master):
//! `services/zenoss/config.go` (the section, its defaults and rules, `SeverityMap.ValueFor`),
//! `services/zenoss/service.go` (`Service.preparePost`, `Service.addCustomData`,
//! `Service.Alert`: the request; `Service.TestOptions` and `Service.Test`: the service test) and
//! `pipeline/alert.go` (`ZenossHandler`: the script's properties; `AlertNodeData.Zenoss`: the
//! summary defaults to the alert message).
//!
//! Quirks kept: `.URL()`, `.username()` and `.password()` are accepted but not used, as in
//! Kapacitor (`newAlertNode` in alert.go at v1.8.3 does not pass them on): the section's URL and
//! credentials are used. `.customField(key, value)` takes any literal, as Kapacitor's
//! `CustomField(key string, value interface{})` does.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use tick_engine::{
    ArgType, Event, EventData, EventState, HandlerSpec, HandlerUse, Level, Literal, PropertySpec,
};
use tick_gotemplate::Template;

use crate::alert_json::{go_decoded, write_go_value};
use crate::arguments::string_property;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::handler_template::{Shape, View, parse_optional, render_lenient};
use crate::http::{HttpClient, Request, basic_auth};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind, Services};
use crate::service::{SingleSection, enabled_section, global_keys, read_section};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "zenoss",
    args: &[],
    variadic: None,
    properties: &[
        string_property(
            "URL",
            "Accepted as by Kapacitor, which posts to [zenoss] url instead.",
        ),
        string_property(
            "username",
            "Accepted as by Kapacitor, which sends [zenoss] username instead.",
        ),
        string_property(
            "password",
            "Accepted as by Kapacitor, which sends [zenoss] password instead.",
        ),
        string_property("action", "The router's name; empty means [zenoss] action."),
        string_property(
            "method",
            "The router's method; empty means [zenoss] method.",
        ),
        string_property("type", "The event type; empty means [zenoss] type."),
        PropertySpec {
            name: "tid",
            args: &[ArgType::Int],
            variadic: None,
            doc: "The transaction id; 0 means [zenoss] tid.",
        },
        string_property(
            "collector",
            "The collector, a Go template; empty means [zenoss] collector.",
        ),
        string_property(
            "summary",
            "The event summary, a Go template; empty means the alert message.",
        ),
        string_property("device", "The device, a Go template."),
        string_property("component", "The component, a Go template."),
        string_property("eventClassKey", "The event class key, a Go template."),
        string_property("eventClass", "The event class, a Go template."),
        string_property("message", "The event message, a Go template."),
        crate::arguments::key_value_property(
            "customField",
            "An extra field of the event: a key and a Go template (JSON text is sent as JSON), \
             or a number or boolean sent as is.",
        ),
    ],
    doc: "Send the alert as an event to Zenoss. Example: .zenoss().device('{{ index .Tags \"host\" }}')",
};

/// Zenoss handler options, shared by TICKscript and handler files (Kapacitor's
/// `zenoss.HandlerConfig`, whose keys Kapacitor matches without regard to case: the
/// TICKscript spelling and the lower-case one are accepted).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The router's name; `""` is the section's.
    #[serde(default)]
    pub action: String,
    /// The router's method; `""` is the section's.
    #[serde(default)]
    pub method: String,
    /// The event type; `""` is the section's.
    #[serde(default, rename = "type")]
    pub event_type: String,
    /// The transaction id; 0 is the section's.
    #[serde(default, alias = "TID")]
    pub tid: i64,
    /// Template of the summary; `""` is the alert message.
    #[serde(default)]
    pub summary: String,
    /// Template of the device.
    #[serde(default)]
    pub device: String,
    /// Template of the component.
    #[serde(default)]
    pub component: String,
    /// Template of the event class key.
    #[serde(default, rename = "eventClassKey", alias = "eventclasskey")]
    pub event_class_key: String,
    /// Template of the event class.
    #[serde(default, rename = "eventClass", alias = "eventclass")]
    pub event_class: String,
    /// Template of the collector; `""` is the section's.
    #[serde(default)]
    pub collector: String,
    /// Template of the event message.
    #[serde(default)]
    pub message: String,
    /// Extra fields of the event: strings are Go templates, other values are sent as their
    /// JSON.
    #[serde(default, rename = "customField", alias = "customfield")]
    pub custom_fields: BTreeMap<String, serde_json::Value>,
}

/// Kapacitor's `NewConfig` defaults.
const DEFAULT_URL: &str = "https://tenant.zenoss.io:8080/zport/dmd/evconsole_router";

/// The `[zenoss]` section (Kapacitor's `zenoss.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ZenossConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default = "default_url")]
    url: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default = "default_action")]
    action: String,
    #[serde(default = "default_method")]
    method: String,
    #[serde(default = "default_type", rename = "type")]
    event_type: String,
    #[serde(default = "default_tid")]
    tid: i64,
    #[serde(default = "default_collector")]
    collector: String,
    #[serde(default)]
    severity_map: SeverityMap,
    /// Known keys; [`Kind::global`] reads them from the section's TOML.
    #[serde(default)]
    #[allow(dead_code)]
    global: bool,
    #[serde(default)]
    #[allow(dead_code)]
    state_changes_only: bool,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}
fn default_action() -> String {
    "EventsRouter".to_string()
}
fn default_method() -> String {
    "add_event".to_string()
}
fn default_type() -> String {
    "rpc".to_string()
}
fn default_tid() -> i64 {
    1
}
fn default_collector() -> String {
    "Kapacitor".to_string()
}

/// `severity-map`: the value sent as `severity` for each level, a string or a number (any TOML
/// value). A key left out keeps its default, as Kapacitor's TOML decoding into `NewConfig`'s
/// map does; Kapacitor matches the keys without regard to case.
#[derive(Clone, PartialEq, Deserialize)]
struct SeverityMap {
    #[serde(rename = "OK", alias = "ok", alias = "Ok", default = "severity_ok")]
    ok: toml::Value,
    #[serde(
        rename = "Info",
        alias = "info",
        alias = "INFO",
        default = "severity_info"
    )]
    info: toml::Value,
    #[serde(
        rename = "Warning",
        alias = "warning",
        alias = "WARNING",
        default = "severity_warning"
    )]
    warning: toml::Value,
    #[serde(
        rename = "Critical",
        alias = "critical",
        alias = "CRITICAL",
        default = "severity_critical"
    )]
    critical: toml::Value,
}

fn severity_ok() -> toml::Value {
    toml::Value::String("Clear".to_string())
}
fn severity_info() -> toml::Value {
    toml::Value::String("Info".to_string())
}
fn severity_warning() -> toml::Value {
    toml::Value::String("Warning".to_string())
}
fn severity_critical() -> toml::Value {
    toml::Value::String("Critical".to_string())
}

impl Default for SeverityMap {
    fn default() -> Self {
        SeverityMap {
            ok: severity_ok(),
            info: severity_info(),
            warning: severity_warning(),
            critical: severity_critical(),
        }
    }
}

/// A TOML value as Kapacitor sends it after `Service.toMap`'s round trip through JSON (numbers
/// become float64s); NaN and infinities are Go's `json: unsupported value` error.
fn toml_json(v: &toml::Value) -> Result<serde_json::Value, String> {
    Ok(match v {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i as f64),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .ok_or_else(|| format!("json: unsupported value: {}", go_float_name(*f)))?,
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(toml_json).collect::<Result<Vec<_>, _>>()?)
        }
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| Ok((k.clone(), toml_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

fn go_float_name(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

impl SeverityMap {
    /// Each level's severity as JSON text, in [`Level`] order (OK, INFO, WARNING, CRITICAL).
    fn encode(&self) -> Result<[String; 4], String> {
        let one = |v: &toml::Value| {
            let mut out = String::new();
            write_go_value(&mut out, &toml_json(v)?);
            Ok::<_, String>(out)
        };
        Ok([
            one(&self.ok)?,
            one(&self.info)?,
            one(&self.warning)?,
            one(&self.critical)?,
        ])
    }
}

impl SingleSection for ZenossConfig {
    const NAME: &'static str = "zenoss";
    const NEEDS: &'static str = "a url";
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn validate(&self) -> Result<(), String> {
        if self.enabled && self.url.is_empty() {
            return Err("must specify events URL".to_string());
        }
        // Kapacitor checks the URL even when the service is disabled.
        if reqwest::Url::parse(&self.url).is_err() {
            return Err("invalid url".to_string());
        }
        self.severity_map
            .encode()
            .map(drop)
            .map_err(|e| format!("invalid severity mapping: {e}"))
    }
}

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "zenoss",
        property,
        message: message.into(),
    }
}

/// The `zenoss` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "zenoss";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("zenoss");
    type Options = Options;
    type Handler = ZenossHandler;

    /// Kapacitor v1.8.3 alert.go `newAlertNode`: a global `[zenoss]` serves every alert node
    /// without a `.zenoss()`, and makes it stateChangesOnly only when global too.
    fn global(section: &toml::Value) -> crate::registry::Global {
        let g = global_keys(section);
        crate::registry::Global {
            handler: g.handler,
            state_changes_only: g.handler && g.state_changes_only,
        }
    }

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            match (p.name.as_str(), p.args.as_slice()) {
                ("tid", [Literal::Int(v)]) => o.tid = *v,
                ("customField", [Literal::String(k), v]) => {
                    o.custom_fields
                        .insert(k.clone(), crate::arguments::literal_json(v));
                }
                (name, [Literal::String(v)]) => {
                    let field = match name {
                        "action" => &mut o.action,
                        "method" => &mut o.method,
                        "type" => &mut o.event_type,
                        "collector" => &mut o.collector,
                        "summary" => &mut o.summary,
                        "device" => &mut o.device,
                        "component" => &mut o.component,
                        "eventClassKey" => &mut o.event_class_key,
                        "eventClass" => &mut o.event_class,
                        "message" => &mut o.message,
                        // `URL`, `username` and `password`: not used (see the module's quirks).
                        _ => continue,
                    };
                    field.clone_from(v);
                }
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        read_section::<ZenossConfig>(section).map(drop)
    }

    fn build(
        options: Options,
        _topic: &str,
        services: &Services,
    ) -> Result<ZenossHandler, BuildError> {
        ZenossHandler::new(&options, &services.config)
    }

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        Templates::parse(&options)?;
        match config {
            Some(config) => ZenossHandler::new(&options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `Service.TestOptions` and `Service.Test` (v1.8.3): alert id "1001",
        // CRITICAL, "test zenoss message", the section's action, method, type, tid and
        // collector, no tags, fields or custom fields; the options here are the handler's.
        let result = async {
            // Kapacitor answers with the bare reason ("service is not enabled").
            let mut handler = ZenossHandler::new(&options, config).map_err(|e| match e {
                BuildError::Property { message, .. } => message,
                other => other.to_string(),
            })?;
            let event = Event {
                topic: "".into(),
                state: EventState {
                    id: "1001".to_string(),
                    message: "test zenoss message".to_string(),
                    details: String::new(),
                    time: 0,
                    duration: 0,
                    level: Level::Critical,
                },
                data: EventData {
                    name: String::new(),
                    task_name: String::new(),
                    category: String::new(),
                    group: String::new(),
                    tags: Vec::new(),
                    fields: Vec::new(),
                    recoverable: false,
                    result: None,
                },
                previous_level: Level::Ok,
                json: Default::default(),
            };
            handler.handle(&event).await.map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// A custom field: a template, or the JSON text of a value that is not a string.
#[derive(Debug)]
enum Custom {
    Template(Option<Template>),
    Json(String),
}

/// The handler's templates, parsed once (Kapacitor parses them at every alert, so a bad one
/// fails each alert there; tick refuses to start).
#[derive(Debug)]
struct Templates {
    summary: Option<Template>,
    device: Option<Template>,
    component: Option<Template>,
    event_class_key: Option<Template>,
    event_class: Option<Template>,
    message: Option<Template>,
    collector: Option<Template>,
    custom: Vec<(String, Custom)>,
}

impl Templates {
    /// The template names are Kapacitor's (`summary`, `evclasskey`, `customData.<key>`).
    fn parse(o: &Options) -> Result<Templates, BuildError> {
        let parse = |property: &'static str, name: &str, src: &str| {
            parse_optional("zenoss", property, name, src)
        };
        let mut custom = Vec::with_capacity(o.custom_fields.len());
        for (k, v) in &o.custom_fields {
            let value = match v {
                serde_json::Value::String(s) => {
                    Custom::Template(parse("customField", &format!("customData.{k}"), s)?)
                }
                other => {
                    let mut json = String::new();
                    write_go_value(&mut json, &go_decoded(other.clone()));
                    Custom::Json(json)
                }
            };
            custom.push((k.clone(), value));
        }
        Ok(Templates {
            summary: parse("summary", "summary", &o.summary)?,
            device: parse("device", "device", &o.device)?,
            component: parse("component", "component", &o.component)?,
            event_class_key: parse("eventClassKey", "evclasskey", &o.event_class_key)?,
            event_class: parse("eventClass", "evclass", &o.event_class)?,
            message: parse("message", "message", &o.message)?,
            collector: parse("collector", "collector", &o.collector)?,
            custom,
        })
    }
}

/// What Kapacitor's Zenoss templates see: the anonymous struct of `Service.preparePost`.
const INFO: Shape = Shape {
    type_name: "*struct { Name string; TaskName string; ID string; Message string; \
                Details string; Time time.Time; Duration time.Duration; Level alert.Level; \
                Recoverable bool; Tags map[string]string }",
    fields: &[
        "Name",
        "TaskName",
        "ID",
        "Message",
        "Details",
        "Time",
        "Duration",
        "Level",
        "Recoverable",
        "Tags",
    ],
};

/// `text[:max]` as it reaches Zenoss: Go cuts bytes, its encoder turns each byte of a cut
/// character into `\ufffd`, and `Service.toMap`'s round trip makes those U+FFFD characters.
fn cut(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = text[..end].to_string();
    out.extend(std::iter::repeat_n('\u{fffd}', max - end));
    Cow::Owned(out)
}

/// A string custom field's value as JSON: text that begins with `{` or `[` and parses is sent
/// as that JSON (Kapacitor's `Service.addCustomData`), anything else as a string.
fn custom_json(text: &str) -> String {
    let mut out = String::new();
    let parsed = (text.starts_with('{') || text.starts_with('['))
        .then(|| serde_json::from_str::<serde_json::Value>(text).ok())
        .flatten();
    match parsed {
        Some(v) => write_go_value(&mut out, &go_decoded(v)),
        None => tick_engine::json::write_string(&mut out, text),
    }
    out
}

/// Sends alerts to Zenoss.
pub struct ZenossHandler {
    url: reqwest::Url,
    authorization: Option<(String, String)>,
    action: String,
    method: String,
    event_type: String,
    tid: i64,
    collector: String,
    /// Each level's severity as JSON text.
    severities: [String; 4],
    /// Boxed: seven templates would make every catalogue entry as large.
    templates: Box<Templates>,
    client: HttpClient,
}

impl std::fmt::Debug for ZenossHandler {
    // The authorization header holds the password: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZenossHandler").finish_non_exhaustive()
    }
}

impl ZenossHandler {
    fn new(options: &Options, config: &Config) -> Result<ZenossHandler, BuildError> {
        let c: ZenossConfig = enabled_section(config).map_err(|e| error("", e))?;
        let templates = Box::new(Templates::parse(options)?);
        let url = reqwest::Url::parse(&c.url).map_err(|_| error("", "invalid url"))?;
        let severities = c.severity_map.encode().map_err(|e| error("", e))?;
        let or = |own: &str, section: String| {
            if own.is_empty() {
                section
            } else {
                own.to_string()
            }
        };
        // Kapacitor's `Service.Alert`: basic authentication when both are set.
        let authorization = (!c.username.is_empty() && !c.password.is_empty())
            .then(|| basic_auth(&c.username, &c.password));
        // Kapacitor posts with Go's default client: system roots, no TLS options.
        let client = HttpClient::new(&TlsFiles::default()).map_err(|e| error("", e))?;
        Ok(ZenossHandler {
            url,
            authorization,
            action: or(&options.action, c.action),
            method: or(&options.method, c.method),
            event_type: or(&options.event_type, c.event_type),
            tid: if options.tid == 0 { c.tid } else { options.tid },
            collector: c.collector,
            severities,
            templates,
            client,
        })
    }

    /// Kapacitor's `Service.preparePost`: the event with its one data map, keys sorted, as
    /// `json.Marshal` writes it (HTML escaped, no trailing newline).
    fn body(&self, event: &Event) -> String {
        let t = &self.templates;
        let view = View::new(event, &INFO);
        let render =
            |template: &Option<Template>| render_lenient(template.as_ref(), &view, "zenoss");
        let string = |v: &str| {
            let mut json = String::new();
            tick_engine::json::write_string(&mut json, v);
            json
        };
        let mut summary = render(&t.summary);
        if summary.is_empty() {
            summary.clone_from(&event.state.message);
        }
        let mut collector = render(&t.collector);
        if collector.is_empty() {
            collector.clone_from(&self.collector);
        }
        let message = render(&t.message);
        let severity = match event.state.level {
            Level::Ok => &self.severities[0],
            Level::Info => &self.severities[1],
            Level::Warning => &self.severities[2],
            Level::Critical => &self.severities[3],
        };
        let mut data: BTreeMap<String, String> = BTreeMap::new();
        data.insert("summary".into(), string(&cut(&summary, 256)));
        data.insert("device".into(), string(&render(&t.device)));
        data.insert("component".into(), string(&render(&t.component)));
        data.insert("severity".into(), severity.clone());
        data.insert("evclasskey".into(), string(&render(&t.event_class_key)));
        data.insert("evclass".into(), string(&render(&t.event_class)));
        // `collector` and `message` are `omitempty`.
        if !collector.is_empty() {
            data.insert("collector".into(), string(&collector));
        }
        if !message.is_empty() {
            data.insert("message".into(), string(&cut(&message, 4096)));
        }
        // Custom fields win over the standard ones.
        for (k, v) in &t.custom {
            let json = match v {
                Custom::Template(template) => custom_json(&render(template)),
                Custom::Json(json) => json.clone(),
            };
            data.insert(k.clone(), json);
        }
        let mut body = String::with_capacity(512);
        body.push_str("{\"action\":");
        body.push_str(&string(&self.action));
        body.push_str(",\"method\":");
        body.push_str(&string(&self.method));
        body.push_str(",\"data\":[");
        for (i, (k, v)) in data.iter().enumerate() {
            body.push(if i == 0 { '{' } else { ',' });
            body.push_str(&string(k));
            body.push(':');
            body.push_str(v);
        }
        body.push_str("}],\"type\":");
        body.push_str(&string(&self.event_type));
        body.push_str(",\"tid\":");
        body.push_str(&self.tid.to_string());
        body.push('}');
        body
    }
}

impl Deliver for ZenossHandler {
    /// Kapacitor's `Service.Alert`: only 200 is success, else Zenoss's `error`.
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let mut request = Request::post_json(self.url.clone(), self.body(event));
        request.headers.extend(self.authorization.clone());
        self.client
            .deliver(&request, "zenoss", &[200], "Zenoss", "error")
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> Result<ZenossConfig, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        read_section::<ZenossConfig>(&table["zenoss"])
    }

    #[test]
    fn sections_follow_kapacitors_rules() {
        assert_eq!(
            section("[zenoss]\nenabled = true\nurl = \"\"\n").err(),
            Some("must specify events URL".into())
        );
        // The URL is checked even when the service is disabled.
        assert_eq!(
            section("[zenoss]\nurl = \"\"\n").err(),
            Some("invalid url".into())
        );
        assert_eq!(
            section("[zenoss]\nenabled = true\nurl = \"not a url\"\n").err(),
            Some("invalid url".into())
        );
        assert_eq!(
            section("[zenoss]\nenabled = true\nseverity-map = { OK = nan }\n").err(),
            Some("invalid severity mapping: json: unsupported value: NaN".into())
        );
        assert!(section("[zenoss]\nenabled = true\nglobal = true\n").is_ok());
    }

    #[test]
    fn the_severity_map_keeps_the_defaults_of_the_keys_left_out() {
        // Kapacitor's `NewConfig`: Clear, Info, Warning, Critical.
        let c = section("[zenoss]\nenabled = true\n").expect("section");
        assert_eq!(
            c.severity_map.encode(),
            Ok(["\"Clear\"", "\"Info\"", "\"Warning\"", "\"Critical\""].map(String::from))
        );
        // Numbers go through float64, as `Service.toMap`'s JSON round trip takes them.
        let c = section(
            "[zenoss]\nenabled = true\nseverity-map = { ok = 0, Critical = 5, warning = 2.5 }\n",
        )
        .expect("section");
        assert_eq!(
            c.severity_map.encode(),
            Ok(["0", "\"Info\"", "2.5", "5"].map(String::from))
        );
        let c = section(
            "[zenoss]\nenabled = true\n[zenoss.severity-map]\nCritical = 9223372036854775807\n",
        )
        .expect("section");
        assert_eq!(
            c.severity_map.encode().map(|s| s[3].clone()),
            Ok("9223372036854776000".into())
        );
    }

    #[test]
    fn a_cut_inside_a_character_leaves_a_replacement_character_per_byte() {
        assert_eq!(cut("ab€", 4), "ab\u{fffd}\u{fffd}");
        assert_eq!(cut("abc", 2), "ab");
        assert_eq!(cut("abc", 256), "abc");
    }

    #[test]
    fn custom_text_that_is_json_is_sent_as_json_as_kapacitor_does() {
        assert_eq!(
            custom_json("{\"b\": 33, \"a\": [1.5, \"<x>\"]}"),
            "{\"a\":[1.5,\"\\u003cx\\u003e\"],\"b\":33}"
        );
        assert_eq!(custom_json("{not json"), "\"{not json\"");
        assert_eq!(custom_json(" {\"a\":1}"), "\" {\\\"a\\\":1}\"");
        assert_eq!(custom_json("33"), "\"33\"");
    }
}
