//! The `pagerDuty2` handler: `.pagerDuty2().routingKey(k).link(href, text)` or
//! `kind: pagerduty2` (`routing-key`, `links`), delivered to PagerDuty's Events API v2
//! configured by `[pagerduty2]` in `kapacitor.conf`. Owns the section's keys and rules
//! (Kapacitor's `pagerduty2.Config`, `services/pagerduty2/config.go` at v1.5.7), the requests
//! (`Service.preparePost`, `Service.sendResolve` and `Service.Alert`,
//! `services/pagerduty2/service.go`: an OK event resolves the incident), the link templates
//! (`handler.Handle`) and the service test.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Level, Literal, PropertySpec};
use tick_gotemplate::{FuncSet, Template};

use crate::alert_json::result_json;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::http::{HttpClient, Request, Retry};
use crate::mqtt::tls::TlsFiles;
use crate::registry::{Deliver, HandlerKind};
use crate::service::kapacitor_url;

const SPEC: HandlerSpec = HandlerSpec {
    kind: "pagerDuty2",
    args: &[],
    variadic: None,
    properties: &[
        PropertySpec {
            name: "routingKey",
            args: &[ArgType::String],
            variadic: None,
            doc: "The integration's routing key; empty means [pagerduty2] routing-key.",
        },
        PropertySpec {
            name: "serviceKey",
            args: &[ArgType::String],
            variadic: None,
            doc: "Another name for routingKey, kept from the Events API v1.",
        },
        PropertySpec {
            name: "link",
            args: &[ArgType::String],
            variadic: Some(ArgType::String),
            doc: "A link shown with the incident: href and optional text, both Go templates.",
        },
    ],
    doc: "Trigger a PagerDuty incident (Events API v2); an OK event resolves it. \
          Example: .pagerDuty2().routingKey('...')",
};

/// Kapacitor's `DefaultPagerDuty2APIURL`.
const DEFAULT_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// One link of a PagerDuty v2 handler: `href` and `text` are Go templates.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The link's URL template.
    pub href: String,
    /// Its text template; the rendered `href` when empty.
    #[serde(default)]
    pub text: String,
}

/// PagerDuty v2 handler options, shared by TICKscript and handler files (`routing-key`,
/// `links`: Kapacitor's `pagerduty2.HandlerConfig`).
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The routing key; `""` is `[pagerduty2] routing-key`.
    #[serde(default)]
    pub routing_key: String,
    /// Links shown with the incident.
    #[serde(default)]
    pub links: Vec<Link>,
}

impl std::fmt::Debug for Options {
    // The routing key is a secret (Kapacitor redacts it).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("routing_key", &"***")
            .field("links", &self.links)
            .finish()
    }
}

/// The `[pagerduty2]` section (Kapacitor's `pagerduty2.Config`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PagerDuty2Config {
    #[serde(default)]
    enabled: bool,
    #[serde(default = "default_url")]
    url: String,
    #[serde(default)]
    routing_key: String,
    #[serde(default)]
    global: bool,
}

fn default_url() -> String {
    DEFAULT_URL.to_string()
}

impl PagerDuty2Config {
    fn read(section: &toml::Value) -> Result<PagerDuty2Config, String> {
        let c: PagerDuty2Config = crate::service::read_table(section)?;
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

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "pagerDuty2",
        property,
        message: message.into(),
    }
}

/// The `pagerDuty2` entry of the handler catalogue (`kind: pagerduty2` in handler files).
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "pagerDuty2";
    const FILE_NAME: &'static str = "pagerduty2";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("pagerduty2");
    type Options = Options;
    type Handler = PagerDuty2Handler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let mut o = Options::default();
        for p in &handler.properties {
            match (p.name.as_str(), p.args.as_slice()) {
                ("routingKey" | "serviceKey", [Literal::String(k)]) => o.routing_key = k.clone(),
                ("link", [Literal::String(href), rest @ ..]) => {
                    let text = match rest.first() {
                        Some(Literal::String(t)) => t.clone(),
                        _ => String::new(),
                    };
                    o.links.push(Link {
                        href: href.clone(),
                        text,
                    });
                }
                _ => {}
            }
        }
        Ok(o)
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        PagerDuty2Config::read(section).map(drop)
    }

    /// `pagerduty2` has `global` but no `state-changes-only` (Kapacitor's `Config`,
    /// services/pagerduty2/config.go at v1.5.7).
    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::registry::Global {
            state_changes_only: false,
            ..crate::service::global_keys(section)
        }
    }
    crate::registry::built_from_config!(PagerDuty2Handler::new);

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        // The link templates parse without a configuration.
        parse_links(&options.links)?;
        match config {
            Some(config) => PagerDuty2Handler::new(options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, _options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: "testAlertID", "test pagerduty2 message", CRITICAL at
        // 2014-11-12T11:45:26.371Z, task-less data named "testPagerDuty2", two links; sent with
        // the configured routing key.
        let result = async {
            let handler =
                PagerDuty2Handler::new(Options::default(), config).map_err(|e| e.to_string())?;
            let links = [
                ("https://example.com/a".to_string(), "a".to_string()),
                ("https://example.com/b".to_string(), "b".to_string()),
            ];
            let body = handler.trigger_body(
                &links,
                "testAlertID",
                "test pagerduty2 message",
                "critical",
                1_415_792_726_371_000_000,
                "",
                "unknown",
                "{\"series\":null}",
            );
            handler.send(body).await.map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// A link whose templates are parsed once.
#[derive(Debug, Clone)]
struct LinkTemplate {
    href: Template,
    text: Option<Template>,
}

fn parse_links(links: &[Link]) -> Result<Vec<LinkTemplate>, BuildError> {
    links
        .iter()
        .map(|l| {
            let href = Template::parse("href", &l.href, &FuncSet::new())
                .map_err(|e| error("link", e.to_string()))?;
            let text = if l.text.is_empty() {
                None
            } else {
                Some(
                    Template::parse("text", &l.text, &FuncSet::new())
                        .map_err(|e| error("link", e.to_string()))?,
                )
            };
            Ok(LinkTemplate { href, text })
        })
        .collect()
}

/// Sends alerts to PagerDuty's Events API v2.
pub struct PagerDuty2Handler {
    url: reqwest::Url,
    routing_key: String,
    links: Vec<LinkTemplate>,
    client_url: String,
    client: HttpClient,
}

impl std::fmt::Debug for PagerDuty2Handler {
    // The routing key is a secret: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagerDuty2Handler")
            .field("links", &self.links.len())
            .finish_non_exhaustive()
    }
}

impl PagerDuty2Handler {
    fn new(options: Options, config: &Config) -> Result<PagerDuty2Handler, BuildError> {
        let c = match config.services.get("pagerduty2") {
            Some(s) => PagerDuty2Config::read(s).map_err(|e| error("", e))?,
            None => {
                return Err(error(
                    "",
                    "service is not enabled: add a [pagerduty2] section with enabled = true and \
                     a routing-key to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("", "service is not enabled"));
        }
        let url = reqwest::Url::parse(&c.url).map_err(|_| error("", "invalid URL"))?;
        let routing_key = if options.routing_key.is_empty() {
            c.routing_key
        } else {
            options.routing_key
        };
        let links = parse_links(&options.links)?;
        let client = HttpClient::new(&TlsFiles::default()).map_err(|e| error("", e))?;
        Ok(PagerDuty2Handler {
            url,
            routing_key,
            links,
            client_url: kapacitor_url(config),
            client,
        })
    }

    /// Kapacitor's `AlertPayload`, in its field order, as Go's encoder writes it (HTML
    /// escaped, trailing newline; no links is `null`, as are the images it never sets).
    #[allow(clippy::too_many_arguments)]
    fn trigger_body(
        &self,
        links: &[(String, String)],
        id: &str,
        summary: &str,
        severity: &str,
        time: i64,
        class: &str,
        source: &str,
        result: &str,
    ) -> String {
        use tick_engine::json::write_string;
        let mut b = String::with_capacity(512 + result.len());
        b.push_str("{\"routing_key\":");
        write_string(&mut b, &self.routing_key);
        b.push_str(",\"event_action\":\"trigger\",\"dedup_key\":");
        write_string(&mut b, id);
        b.push_str(",\"payload\":{\"summary\":");
        write_string(&mut b, summary);
        b.push_str(",\"source\":");
        write_string(&mut b, source);
        b.push_str(",\"severity\":\"");
        b.push_str(severity);
        b.push_str("\",\"timestamp\":\"");
        b.push_str(&timestamp(time));
        b.push_str("\",\"class\":");
        write_string(&mut b, class);
        b.push_str(",\"component\":\"\",\"group\":\"\",\"custom_details\":{\"result\":");
        b.push_str(result);
        b.push_str("}},\"images\":null,\"links\":");
        if links.is_empty() {
            b.push_str("null");
        } else {
            b.push('[');
            for (i, (href, text)) in links.iter().enumerate() {
                if i > 0 {
                    b.push(',');
                }
                b.push_str("{\"href\":");
                write_string(&mut b, href);
                b.push_str(",\"text\":");
                write_string(&mut b, text);
                b.push('}');
            }
            b.push(']');
        }
        b.push_str(",\"client\":\"kapacitor\",\"client_url\":");
        write_string(&mut b, &self.client_url);
        b.push_str("}\n");
        b
    }

    /// Kapacitor's `Service.sendResolve` body.
    fn resolve_body(&self, id: &str) -> String {
        let mut b = String::from("{\"routing_key\":");
        tick_engine::json::write_string(&mut b, &self.routing_key);
        b.push_str(",\"dedup_key\":");
        tick_engine::json::write_string(&mut b, id);
        b.push_str(",\"event_action\":\"resolve\"}\n");
        b
    }

    /// Kapacitor's `Service.Alert`: JSON with PagerDuty's v2 `Accept`; 200 and 202 are success,
    /// anything else is an error with PagerDuty's status, message and errors.
    async fn send(&self, body: String) -> Result<(), HandlerError> {
        let request = Request {
            method: reqwest::Method::POST,
            url: self.url.clone(),
            headers: vec![
                ("Content-Type".to_string(), "application/json".to_string()),
                (
                    "Accept".to_string(),
                    "application/vnd.pagerduty+json;version=2".to_string(),
                ),
            ],
            body: body.into_bytes(),
        };
        let answer = self
            .client
            .send_retrying(&request, None, Retry::SERVICE)
            .await
            .map_err(|e| HandlerError::Service {
                kind: "pagerDuty2",
                message: e.to_string(),
            })?;
        if answer.status == 200 || answer.status == 202 {
            return Ok(());
        }
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct PagerDutyAnswer {
            status: String,
            message: String,
            errors: Vec<String>,
        }
        let a = serde_json::from_slice::<PagerDutyAnswer>(&answer.body).unwrap_or_else(|_| {
            PagerDutyAnswer {
                message: format!(
                    "failed to understand PagerDuty2 response. code: {} content: {}",
                    answer.status,
                    String::from_utf8_lossy(&answer.body)
                ),
                ..PagerDutyAnswer::default()
            }
        });
        Err(HandlerError::Service {
            kind: "pagerDuty2",
            message: format!(
                "Status: {}, Message: {} Errors: [{}]",
                a.status,
                a.message,
                a.errors.join(" ")
            ),
        })
    }
}

/// Go's `2006-01-02T15:04:05.000000000Z07:00` of a UTC time: nine fractional digits, `Z`.
fn timestamp(nanos: i64) -> String {
    let mut rfc = String::new();
    tick_engine::json::write_rfc3339_nano(&mut rfc, nanos);
    // RFC3339Nano trims trailing zeros; this layout keeps all nine digits.
    let text = rfc.trim_matches('"').trim_end_matches('Z');
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    format!("{whole}.{frac:0<9}Z")
}

impl Deliver for PagerDuty2Handler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let severity = match event.state.level {
            Level::Warning => "warning",
            Level::Critical => "critical",
            Level::Info => "info",
            _ => return self.send(self.resolve_body(&event.state.id)).await,
        };
        let data = event.handler_data();
        let mut links = Vec::with_capacity(self.links.len());
        for l in &self.links {
            let mut href = String::new();
            l.href
                .render(&data, &mut href)
                .map_err(|e| HandlerError::Service {
                    kind: "pagerDuty2",
                    message: format!("failed to handle event: {e}"),
                })?;
            let text = match &l.text {
                Some(t) => {
                    let mut text = String::new();
                    t.render(&data, &mut text)
                        .map_err(|e| HandlerError::Service {
                            kind: "pagerDuty2",
                            message: format!("failed to handle event: {e}"),
                        })?;
                    text
                }
                None => href.clone(),
            };
            links.push((href, text));
        }
        let source = event
            .data
            .tags
            .iter()
            .find(|(k, _)| k == "host")
            .map_or("unknown", |(_, v)| v.as_str());
        let result = result_json(event)?;
        let body = self.trigger_body(
            &links,
            &event.state.id,
            &event.state.message,
            severity,
            event.state.time,
            &event.data.task_name,
            source,
            &result,
        );
        self.send(body).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_nine_fractional_digits() {
        assert_eq!(timestamp(1_000_000_000), "1970-01-01T00:00:01.000000000Z");
        assert_eq!(
            timestamp(1_415_792_726_371_000_000),
            "2014-11-12T11:45:26.371000000Z"
        );
    }
}
