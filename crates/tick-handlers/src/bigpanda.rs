//! The `bigPanda` handler: `.bigPanda().appKey(k).host(h).primaryProperty(p)
//! .secondaryProperty(s).attribute(k, v)` or `kind: bigpanda` (`app-key`, `url`, `host`,
//! `primary-property`, `secondary-property`, `attributes`), delivered to BigPanda's alerts API
//! configured by `[bigpanda]` in `kapacitor.conf`. BigPanda is not in Kapacitor 1.5.7: it came
//! in v1.5.8, and tick follows Kapacitor v1.8.3 (the same as its master):
//! `services/bigpanda/config.go` (the section and its rules), `services/bigpanda/service.go`
//! (`Service.preparePost`, `Service.Alert`, `handler.Handle` and `renderAttributes`: the
//! request; `Service.Test`: the service test) and `pipeline/alert.go` (`BigPandaHandler`: the
//! script's properties).

use std::collections::BTreeMap;

use serde::Deserialize;
use tick_engine::{Event, HandlerSpec, HandlerUse, Level, Literal};
use tick_gotemplate::Template;

use crate::arguments::string_property;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::handler_template::{TEMPLATE_DATA, View, parse_optional, render_lenient};
use crate::http::{HttpClient, Request};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};
use crate::service::{SingleSection, enabled_section, read_section};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "bigPanda",
    args: &[],
    variadic: None,
    properties: &[
        string_property(
            "appKey",
            "The application key; empty means [bigpanda] app-key.",
        ),
        string_property("host", "The object that caused the alert, a Go template."),
        string_property("primaryProperty", "BigPanda's primary property."),
        string_property("secondaryProperty", "BigPanda's secondary property."),
        crate::arguments::key_value_property(
            "attribute",
            "An additional attribute: a key and a Go template, or a number or boolean sent as is.",
        ),
    ],
    doc: "Send the alert to BigPanda. Example: .bigPanda().host('{{ index .Tags \"host\" }}')",
};

/// Kapacitor's `defaultBigPandaAlertApi` and `defaultAutoAttributes`.
const DEFAULT_URL: &str = "https://api.bigpanda.io/data/v2/alerts";
const DEFAULT_AUTO_ATTRIBUTES: &str = "tags,fields";

/// BigPanda handler options, shared by TICKscript and handler files (Kapacitor's
/// `bigpanda.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The application key; `""` is the section's.
    #[serde(default)]
    pub app_key: String,
    /// The alerts API URL; `""` is the section's (handler files only).
    #[serde(default)]
    pub url: String,
    /// Template of the host.
    #[serde(default)]
    pub host: String,
    /// BigPanda's primary property.
    #[serde(default)]
    pub primary_property: String,
    /// BigPanda's secondary property.
    #[serde(default)]
    pub secondary_property: String,
    /// Additional attributes: strings are Go templates, other values are sent as their JSON.
    #[serde(default)]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// The `[bigpanda]` section (Kapacitor's `bigpanda.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BigPandaConfig {
    #[serde(default)]
    enabled: bool,
    /// Read and kept; acting on it is not this handler's (see docs/COMPATIBILITY.md).
    #[serde(default)]
    #[allow(dead_code)]
    global: bool,
    #[serde(default)]
    app_key: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    #[allow(dead_code)]
    state_changes_only: bool,
    #[serde(default)]
    insecure_skip_verify: bool,
    #[serde(default = "default_url")]
    url: String,
    #[serde(default = "default_auto_attributes")]
    auto_attributes: String,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}
fn default_auto_attributes() -> String {
    DEFAULT_AUTO_ATTRIBUTES.to_string()
}

impl SingleSection for BigPandaConfig {
    const NAME: &'static str = "bigpanda";
    const NEEDS: &'static str = "an app-key and a token";
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn validate(&self) -> Result<(), String> {
        if self.enabled && self.url.is_empty() {
            return Err("must specify the BigPanda webhook URL".to_string());
        }
        if self.enabled && self.app_key.is_empty() {
            return Err("must specify BigPanda app-key".to_string());
        }
        if !self.url.is_empty() && reqwest::Url::parse(&self.url).is_err() {
            return Err("invalid url".to_string());
        }
        if self.enabled && self.token.is_empty() {
            return Err("must specify BigPanda token".to_string());
        }
        Ok(())
    }
}

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "bigPanda",
        property,
        message: message.into(),
    }
}

/// The `bigPanda` entry of the handler catalogue (`kind: bigpanda` in handler files).
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "bigPanda";
    const FILE_NAME: &'static str = "bigpanda";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("bigpanda");
    type Options = Options;
    type Handler = BigPandaHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            match (p.name.as_str(), p.args.as_slice()) {
                ("attribute", [Literal::String(k), v]) => {
                    o.attributes
                        .insert(k.clone(), crate::arguments::literal_json(v));
                }
                ("appKey", [Literal::String(v)]) => o.app_key = v.clone(),
                ("host", [Literal::String(v)]) => o.host = v.clone(),
                ("primaryProperty", [Literal::String(v)]) => o.primary_property = v.clone(),
                ("secondaryProperty", [Literal::String(v)]) => o.secondary_property = v.clone(),
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        read_section::<BigPandaConfig>(section).map(drop)
    }

    crate::registry::built_from_config!(BigPandaHandler::new);

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        Attributes::parse(&options)?;
        match config {
            Some(config) => BigPandaHandler::new(options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, _options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions` and `Service.Test` (v1.8.3): app key "012345", "test
        // bigpanda message", CRITICAL, data named "testBigPanda" without tags or fields, now,
        // no id, details or attributes.
        let result = async {
            let handler =
                BigPandaHandler::new(Options::default(), config).map_err(|e| e.to_string())?;
            let now = crate::service::unix_now_secs();
            let mut body = BTreeMap::new();
            let mut put = |k: &str, v: &str| {
                let mut json = String::new();
                tick_engine::json::write_string(&mut json, v);
                body.insert(k.to_string(), json);
            };
            put("app_key", "012345");
            put("description", "test bigpanda message");
            put("status", "critical");
            put("task", ":testBigPanda");
            body.insert("timestamp".to_string(), now.to_string());
            handler.send(&body).await.map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// The host and attribute templates, parsed once (Kapacitor parses them at every alert).
#[derive(Debug)]
struct Attributes {
    host: Option<Template>,
    /// Each attribute: its template, or the JSON text of a value that is not a string.
    others: Vec<(String, Result<Option<Template>, String>)>,
}

impl Attributes {
    fn parse(o: &Options) -> Result<Attributes, BuildError> {
        let host = parse_optional("bigPanda", "host", "host", &o.host)?;
        let mut others = Vec::with_capacity(o.attributes.len());
        for (k, v) in &o.attributes {
            let value = match v {
                serde_json::Value::String(s) => Ok(parse_optional("bigPanda", "attribute", k, s)?),
                other => Err(other.to_string()),
            };
            others.push((k.clone(), value));
        }
        Ok(Attributes { host, others })
    }
}

/// Sends alerts to BigPanda.
pub struct BigPandaHandler {
    url: reqwest::Url,
    authorization: String,
    app_key: String,
    primary_property: String,
    secondary_property: String,
    auto_tags: bool,
    auto_fields: bool,
    attributes: Attributes,
    client: HttpClient,
}

impl std::fmt::Debug for BigPandaHandler {
    // The authorization header holds the token: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BigPandaHandler").finish_non_exhaustive()
    }
}

/// Go's `html.UnescapeString` for what html/template writes (`&amp;`, `&lt;`, `&gt;`,
/// `&quot;`, `&apos;` and numeric references): the details are HTML-escaped text.
fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let n = name.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl BigPandaHandler {
    fn new(options: Options, config: &Config) -> Result<BigPandaHandler, BuildError> {
        let c: BigPandaConfig = enabled_section(config).map_err(|e| error("", e))?;
        let attributes = Attributes::parse(&options)?;
        let url = if options.url.is_empty() {
            &c.url
        } else {
            &options.url
        };
        let url = reqwest::Url::parse(url).map_err(|_| error("", "invalid url"))?;
        let auto = c.auto_attributes.to_lowercase();
        let client = HttpClient::new(&TlsFiles {
            insecure_skip_verify: c.insecure_skip_verify,
            ..TlsFiles::default()
        })
        .map_err(|e| error("", e))?;
        Ok(BigPandaHandler {
            url,
            authorization: format!("Bearer {}", c.token),
            app_key: if options.app_key.is_empty() {
                c.app_key
            } else {
                options.app_key
            },
            primary_property: options.primary_property,
            secondary_property: options.secondary_property,
            auto_tags: auto.contains("tags"),
            auto_fields: auto.contains("fields"),
            attributes,
            client,
        })
    }

    /// Kapacitor's `Service.preparePost` and `Service.Alert`: the map's keys sorted, HTML
    /// escaped, compact (no trailing newline), with the token as a bearer; only 201 is
    /// success, else BigPanda's `error`. `body` holds each value's JSON text.
    async fn send(&self, body: &BTreeMap<String, String>) -> Result<(), HandlerError> {
        let mut text = String::with_capacity(512);
        for (i, (k, v)) in body.iter().enumerate() {
            text.push(if i == 0 { '{' } else { ',' });
            tick_engine::json::write_string(&mut text, k);
            text.push(':');
            text.push_str(v);
        }
        text.push('}');
        let mut request = Request::post_json(self.url.clone(), text);
        request
            .headers
            .insert(0, ("Authorization".to_string(), self.authorization.clone()));
        self.client
            .deliver(&request, "bigPanda", &[201], "BigPanda", "error")
            .await
    }
}

impl Deliver for BigPandaHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let mut body = BTreeMap::new();
        let string = |v: &str| {
            let mut json = String::new();
            tick_engine::json::write_string(&mut json, v);
            json
        };
        let s = &event.state;
        if !s.message.is_empty() {
            body.insert("description".to_string(), string(&s.message));
        }
        // Details that are JSON (the default details) are left out.
        if !s.details.is_empty() {
            let details = html_unescape(&s.details);
            if !details.starts_with('{') {
                body.insert("details".to_string(), string(&details));
            }
        }
        if !s.id.is_empty() {
            body.insert("check".to_string(), string(&s.id));
        }
        body.insert(
            "task".to_string(),
            string(&format!("{}:{}", event.data.task_name, event.data.name)),
        );
        // Go's `Time.Unix`: whole seconds, rounded down.
        body.insert(
            "timestamp".to_string(),
            s.time.div_euclid(1_000_000_000).to_string(),
        );
        let status = match s.level {
            Level::Ok | Level::Info => "ok",
            Level::Warning => "warning",
            Level::Critical => "critical",
        };
        body.insert("status".to_string(), string(status));
        if !self.primary_property.is_empty() {
            body.insert(
                "primary_property".to_string(),
                string(&self.primary_property),
            );
        }
        if !self.secondary_property.is_empty() {
            body.insert(
                "secondary_property".to_string(),
                string(&self.secondary_property),
            );
        }
        body.insert("app_key".to_string(), string(&self.app_key));
        if self.auto_tags {
            for (k, v) in &event.data.tags {
                body.insert(k.clone(), string(v));
            }
        }
        if self.auto_fields {
            for (k, v) in &event.data.fields {
                let text = match v {
                    tick_engine::FieldValue::String(s) => s.clone(),
                    other => {
                        let mut json = String::new();
                        tick_engine::json::write_field(&mut json, other)
                            .map_err(|e| HandlerError::Marshal(e.to_string()))?;
                        json
                    }
                };
                body.insert(k.clone(), string(&text));
            }
        }
        // The attributes, `host` always among them, win over tags and fields.
        let data = View::new(event, &TEMPLATE_DATA);
        let a = &self.attributes;
        body.insert(
            "host".to_string(),
            string(&render_lenient(a.host.as_ref(), &data, "bigPanda")),
        );
        for (k, v) in &a.others {
            let text = match v {
                Ok(t) => render_lenient(t.as_ref(), &data, "bigPanda"),
                Err(json) => json.clone(),
            };
            body.insert(k.clone(), string(&text));
        }
        self.send(&body).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_follow_kapacitors_rules() {
        let check = |text: &str| {
            let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
            Kind::check_section(&table["bigpanda"])
        };
        assert_eq!(
            check("[bigpanda]\nenabled = true\ntoken = \"t\"\n"),
            Err("must specify BigPanda app-key".into())
        );
        assert_eq!(
            check("[bigpanda]\nenabled = true\napp-key = \"k\"\n"),
            Err("must specify BigPanda token".into())
        );
        assert_eq!(
            check("[bigpanda]\nenabled = true\napp-key = \"k\"\ntoken = \"t\"\nurl = \"\"\n"),
            Err("must specify the BigPanda webhook URL".into())
        );
        assert_eq!(
            check("[bigpanda]\nenabled = true\napp-key = \"k\"\ntoken = \"t\"\n"),
            Ok(())
        );
    }

    #[test]
    fn details_are_unescaped_as_go_html_does() {
        assert_eq!(
            html_unescape("a &lt;b&gt; &amp;amp; &#34;q&#34; &#x27;s&#39; &nbsp; & x"),
            "a <b> &amp; \"q\" 's' &nbsp; & x"
        );
    }
}
