//! The `serviceNow` handler: `.serviceNow().source(s).node(n).type(t).resource(r)
//! .metricName(m).messageKey(k).URL(u)` or `kind: servicenow` (`url`, `source`, `node`, `type`,
//! `resource`, `metricName`, `messageKey`), delivered to ServiceNow's alerts API configured by
//! `[servicenow]` in `kapacitor.conf`. Owns the section's keys and rules (Kapacitor's
//! `servicenow.Config`, `services/servicenow/config.go` at v1.5.7), the request
//! (`Service.preparePost` and `Service.Alert`, `services/servicenow/service.go`: templates,
//! cut lengths, severities, basic authentication) and the service test (`Service.Test`).
//!
//! Quirk: as in Kapacitor 1.5.7, `.username()` and `.password()` (and the handler file's
//! `username` and `password`) are accepted but not used: the section's credentials are sent.

use serde::Deserialize;
use tick_engine::{Event, HandlerSpec, HandlerUse, Level, Literal};
use tick_gotemplate::Template;

use crate::arguments::string_property;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::handler_template::{Shape, View, parse_optional, render_lenient, write_cut_string};
use crate::http::{HttpClient, Request, basic_auth};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind, Services};
use crate::service::{SingleSection, enabled_section, read_section};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "serviceNow",
    args: &[],
    variadic: None,
    properties: &[
        string_property("URL", "The alerts API URL; empty means [servicenow] url."),
        string_property(
            "username",
            "Accepted as by Kapacitor 1.5.7, which sends [servicenow] username instead.",
        ),
        string_property(
            "password",
            "Accepted as by Kapacitor 1.5.7, which sends [servicenow] password instead.",
        ),
        string_property(
            "source",
            "The event source; empty means [servicenow] source.",
        ),
        string_property("node", "The node, a Go template."),
        string_property("type", "The metric type, a Go template."),
        string_property("resource", "The node's resource, a Go template."),
        string_property("metricName", "The metric name, a Go template."),
        string_property(
            "messageKey",
            "The message key, a Go template; empty means the alert id.",
        ),
    ],
    doc: "Send the alert to ServiceNow's alerts API. Example: .serviceNow().node('{{ index .Tags \"host\" }}')",
};

/// ServiceNow handler options, shared by TICKscript and handler files (Kapacitor's
/// `servicenow.HandlerConfig`; its template keys are matched by field name, `metricName` or
/// `metricname`).
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The alerts API URL; `""` is the section's.
    #[serde(default)]
    pub url: String,
    /// Accepted, not used (Kapacitor 1.5.7 sends the section's).
    #[serde(default)]
    pub username: String,
    /// Accepted, not used (Kapacitor 1.5.7 sends the section's).
    #[serde(default)]
    pub password: String,
    /// The event source; `""` is the section's.
    #[serde(default)]
    pub source: String,
    /// Template of the node.
    #[serde(default)]
    pub node: String,
    /// Template of the metric type.
    #[serde(default, rename = "type")]
    pub metric_type: String,
    /// Template of the resource.
    #[serde(default)]
    pub resource: String,
    /// Template of the metric name.
    #[serde(default, rename = "metricName", alias = "metricname")]
    pub metric_name: String,
    /// Template of the message key; `""` is the alert id.
    #[serde(default, rename = "messageKey", alias = "messagekey")]
    pub message_key: String,
}

impl std::fmt::Debug for Options {
    // The password is a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("source", &self.source)
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

/// The `[servicenow]` section (Kapacitor's `servicenow.Config`).
#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ServiceNowConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    url: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// Read and kept; acting on it is not this handler's (see docs/COMPATIBILITY.md).
    #[serde(default)]
    #[allow(dead_code)]
    global: bool,
    #[serde(default)]
    #[allow(dead_code)]
    state_changes_only: bool,
}

impl SingleSection for ServiceNowConfig {
    const NAME: &'static str = "servicenow";
    const NEEDS: &'static str = "a url";
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn validate(&self) -> Result<(), String> {
        if self.enabled && self.url.is_empty() {
            return Err("must specify Alerts URL".to_string());
        }
        if !self.url.is_empty() && reqwest::Url::parse(&self.url).is_err() {
            return Err("invalid url".to_string());
        }
        Ok(())
    }
}

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "serviceNow",
        property,
        message: message.into(),
    }
}

/// The `serviceNow` entry of the handler catalogue (`kind: servicenow` in handler files).
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "serviceNow";
    const FILE_NAME: &'static str = "servicenow";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("servicenow");
    type Options = Options;
    type Handler = ServiceNowHandler;

    /// Kapacitor v1.5.7 alert.go `newAlertNode`: a global `[servicenow]` serves every alert
    /// node, and with `state-changes-only` makes it stateChangesOnly.
    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::service::global_keys(section)
    }

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            let [Literal::String(v)] = p.args.as_slice() else {
                continue;
            };
            let field = match p.name.as_str() {
                "URL" => &mut o.url,
                "username" => &mut o.username,
                "password" => &mut o.password,
                "source" => &mut o.source,
                "node" => &mut o.node,
                "type" => &mut o.metric_type,
                "resource" => &mut o.resource,
                "metricName" => &mut o.metric_name,
                "messageKey" => &mut o.message_key,
                _ => continue,
            };
            *field = v.clone();
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        read_section::<ServiceNowConfig>(section).map(drop)
    }

    fn build(
        options: Options,
        _topic: &str,
        services: &Services,
    ) -> Result<ServiceNowHandler, BuildError> {
        ServiceNowHandler::new(&options, &services.config)
    }

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        Templates::parse(&options)?;
        match config {
            Some(config) => ServiceNowHandler::new(&options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, _options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions` and `Service.Test`: alert id "id", source "Kapacitor",
        // CRITICAL, "test servicenow alert", no templates; to the section's URL.
        let result = async {
            let options = Options {
                source: "Kapacitor".to_string(),
                ..Options::default()
            };
            let handler = ServiceNowHandler::new(&options, config).map_err(|e| e.to_string())?;
            let alert = Alert {
                source: &handler.source,
                message_key: "id".to_string(),
                severity: severity(Level::Critical),
                description: "test servicenow alert",
                ..Alert::default()
            };
            handler.send(&alert).await.map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// The handler's templates, parsed once (Kapacitor parses them at every alert, so a bad one
/// fails each alert there; tick refuses to start).
#[derive(Debug)]
struct Templates {
    node: Option<Template>,
    metric_type: Option<Template>,
    resource: Option<Template>,
    metric_name: Option<Template>,
    message_key: Option<Template>,
}

impl Templates {
    fn parse(o: &Options) -> Result<Templates, BuildError> {
        Ok(Templates {
            node: parse_optional("serviceNow", "node", "node", &o.node)?,
            metric_type: parse_optional("serviceNow", "type", "type", &o.metric_type)?,
            resource: parse_optional("serviceNow", "resource", "resource", &o.resource)?,
            metric_name: parse_optional("serviceNow", "metricName", "metricName", &o.metric_name)?,
            message_key: parse_optional("serviceNow", "messageKey", "messageKey", &o.message_key)?,
        })
    }
}

/// Kapacitor's `dataInfo`: what the templates see.
const DATA_INFO: Shape = Shape {
    type_name: "*servicenow.dataInfo",
    fields: &["ID", "Name", "TaskName", "Fields", "Tags"],
};

/// Kapacitor's severities: 1 (CRITICAL), 4 (WARNING), 5 (OK and INFO).
fn severity(level: Level) -> &'static str {
    match level {
        Level::Ok | Level::Info => "5",
        Level::Warning => "4",
        Level::Critical => "1",
    }
}

/// Kapacitor's `Alert`, before its fields are cut.
#[derive(Default)]
struct Alert<'a> {
    source: &'a str,
    node: String,
    metric_type: String,
    resource: String,
    metric_name: String,
    message_key: String,
    severity: &'static str,
    description: &'a str,
}

impl Alert<'_> {
    /// `json.Marshal` of the struct: fields in order, each cut to its length (100 bytes,
    /// 1024 for the message key, 4000 for the description), no trailing newline.
    fn body(&self) -> String {
        let mut b = String::with_capacity(256 + 2 * self.description.len());
        for (i, (key, value, max)) in [
            ("source", self.source, 100),
            ("node", &self.node, 100),
            ("type", &self.metric_type, 100),
            ("resource", &self.resource, 100),
            ("metric_name", &self.metric_name, 100),
            ("message_key", &self.message_key, 1024),
            ("severity", self.severity, 100),
            ("description", self.description, 4000),
        ]
        .into_iter()
        .enumerate()
        {
            b.push(if i == 0 { '{' } else { ',' });
            b.push('"');
            b.push_str(key);
            b.push_str("\":");
            write_cut_string(&mut b, value, max);
        }
        b.push('}');
        b
    }
}

/// Sends alerts to ServiceNow.
pub struct ServiceNowHandler {
    url: reqwest::Url,
    source: String,
    authorization: Option<(String, String)>,
    templates: Templates,
    client: HttpClient,
}

impl std::fmt::Debug for ServiceNowHandler {
    // The authorization header holds the password: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceNowHandler").finish_non_exhaustive()
    }
}

impl ServiceNowHandler {
    fn new(options: &Options, config: &Config) -> Result<ServiceNowHandler, BuildError> {
        let c: ServiceNowConfig = enabled_section(config).map_err(|e| error("", e))?;
        let templates = Templates::parse(options)?;
        let url = if options.url.is_empty() {
            &c.url
        } else {
            &options.url
        };
        let url = reqwest::Url::parse(url).map_err(|_| error("URL", "invalid url"))?;
        let source = if options.source.is_empty() {
            c.source.clone()
        } else {
            options.source.clone()
        };
        // Kapacitor's `Service.Alert`: basic authentication when both are set.
        let authorization = (!c.username.is_empty() && !c.password.is_empty())
            .then(|| basic_auth(&c.username, &c.password));
        // Kapacitor posts with Go's default client: system roots, no TLS options.
        let client = HttpClient::new(&TlsFiles::default()).map_err(|e| error("", e))?;
        Ok(ServiceNowHandler {
            url,
            source,
            authorization,
            templates,
            client,
        })
    }

    /// Kapacitor's `Service.Alert`: only 201 is success, else ServiceNow's `error`.
    async fn send(&self, alert: &Alert<'_>) -> Result<(), HandlerError> {
        let mut request = Request::post_json(self.url.clone(), alert.body());
        request.headers.extend(self.authorization.clone());
        self.client
            .deliver(&request, "serviceNow", &[201], "ServiceNow", "error")
            .await
    }
}

impl Deliver for ServiceNowHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let t = &self.templates;
        let data = View::new(event, &DATA_INFO);
        let render =
            |template: &Option<Template>| render_lenient(template.as_ref(), &data, "serviceNow");
        let mut message_key = render(&t.message_key);
        if message_key.is_empty() {
            message_key.clone_from(&event.state.id);
        }
        let alert = Alert {
            source: &self.source,
            node: render(&t.node),
            metric_type: render(&t.metric_type),
            resource: render(&t.resource),
            metric_name: render(&t.metric_name),
            message_key,
            severity: severity(event.state.level),
            description: &event.state.message,
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
            Kind::check_section(&table["servicenow"])
        };
        assert_eq!(
            check("[servicenow]\nenabled = true\n"),
            Err("must specify Alerts URL".into())
        );
        assert_eq!(
            check(
                "[servicenow]\nenabled = true\nurl = \"https://x.service-now.com/api/now/v1/table/em_alert\"\nglobal = true\nstate-changes-only = true\n"
            ),
            Ok(())
        );
    }

    #[test]
    fn fields_are_cut_to_kapacitors_lengths() {
        let long = "x".repeat(5000);
        let alert = Alert {
            source: &long,
            message_key: long.clone(),
            severity: "1",
            description: &long,
            ..Alert::default()
        };
        let body: serde_json::Value = serde_json::from_str(&alert.body()).expect("json");
        assert_eq!(body["source"].as_str().map(str::len), Some(100));
        assert_eq!(body["message_key"].as_str().map(str::len), Some(1024));
        assert_eq!(body["description"].as_str().map(str::len), Some(4000));
    }
}
