//! The MQTT alert handler (Kapacitor's services/mqtt at v1.5.7): `.mqtt('topic')` in TICKscript and `kind: mqtt` in topic
//! handler files, delivered to brokers configured by `[[mqtt]]` in `kapacitor.conf`.
//!
//! Owns the handler catalogue entry (`SPEC`), option decoding ([`Options`]), build-time
//! checks ([`validate`]), the per-broker connections with their own outbox ([`MqttService`],
//! in `delivery.rs`) and the per-use handler ([`MqttHandler`]). Configuration parsing is
//! `crate::config`'s.
//!
//! Delivery guarantees (docs/ARCHITECTURE.md, "Delivered means acknowledged", the rumqttc gaps in docs/ARCHITECTURE.md, "Dependencies, and why"): a QoS 1/2 alert counts
//! as delivered only on its PUBACK/PUBCOMP. Every unacknowledged alert is kept, in order, and
//! re-published after a reconnect, so nothing is lost. With QoS 2 a broker hands a message to
//! subscribers only when it receives our PUBREL, so an alert is delivered exactly once unless
//! the link breaks after our PUBREL and before the broker's PUBCOMP. Sessions are clean (as in
//! Kapacitor), so the broker cannot be asked whether it got that PUBREL: such alerts are sent
//! again and may arrive twice. Pipelining makes this window as large as the in-flight QoS 2
//! alerts (measured: 173 of 15,000 after a mosquitto SIGTERM restart under full load); they are
//! counted as `possible_duplicates` in the [`DrainReport`]. With the tick extension
//! `persistent-session = true` and a broker that keeps sessions across restarts (mosquitto
//! `persistence true`), the session is resumed instead: PUBREL is sent again for those alerts,
//! and QoS 2 arrives exactly once (see `delivery.rs`).

pub(crate) mod delivery;
mod errors;
mod handler;
mod options;
mod outbox;
pub(crate) mod tls;
mod topic;

pub use delivery::{BrokerReport, DrainReport, MqttService, MqttSettings, ServiceError};
pub use handler::MqttHandler;
pub use options::{Options, Qos};
pub use tls::install_crypto_provider;

use tick_engine::{ArgType, HandlerSpec, HandlerUse, Literal, PropertySpec};
use tick_syntax::Span;

use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::registry::{Deliver, HandlerKind, Services};

/// The `mqtt` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "mqtt";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    type Options = Options;
    type Handler = MqttHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        Options::from_use(handler).map_err(BuildError::Mqtt)
    }

    fn build(
        options: Options,
        _topic: &str,
        services: &Services,
    ) -> Result<MqttHandler, BuildError> {
        let service = services
            .mqtt
            .as_ref()
            .ok_or_else(|| BuildError::Mqtt("no MQTT broker is configured".to_string()))?;
        MqttHandler::new(options, service)
    }

    /// MQTT uses are checked by [`validate`], with the configuration when there is one.
    fn check(_handler: &HandlerUse, _config: Option<&Config>) -> Result<(), BuildError> {
        Ok(())
    }
}

impl Deliver for MqttHandler {
    async fn handle(&mut self, event: &tick_engine::Event) -> Result<(), HandlerError> {
        MqttHandler::handle(self, event).await
    }
}

/// `.mqtt('topic')` and its properties (Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7).
const SPEC: HandlerSpec = HandlerSpec {
    kind: "mqtt",
    args: &[ArgType::String],
    variadic: None,
    properties: &[
        PropertySpec {
            name: "brokerName",
            args: &[ArgType::String],
            variadic: None,
            doc: "Name of the [[mqtt]] broker to publish to; empty means the default broker.",
        },
        PropertySpec {
            name: "topic",
            args: &[ArgType::String],
            variadic: None,
            doc: "MQTT topic, a Go template rendered per event (overrides the .mqtt() argument).",
        },
        PropertySpec {
            name: "qos",
            args: &[ArgType::Int],
            variadic: None,
            doc: "Quality of service: 0 (at most once), 1 (at least once) or 2 (exactly once).",
        },
        PropertySpec {
            name: "retained",
            args: &[ArgType::Bool],
            variadic: None,
            doc: "Ask the broker to keep the last message for later subscribers.",
        },
    ],
    doc: "Publish the alert message to an MQTT topic. Example: .mqtt('alerts/{{ .Name }}').qos(1)",
};

/// The span of the last setting of property `name`, else of the handler call.
fn property_span(u: &HandlerUse, name: &str) -> Span {
    u.properties
        .iter()
        .rev()
        .find(|p| p.name == name)
        .map_or(u.span, |p| p.span)
}

/// The checks of [`validate`] that need no configuration: QoS outside 0–2 and a topic
/// template that does not parse. `tick check` without `--config` runs only these.
pub fn validate_options(u: &HandlerUse) -> Vec<(Span, String)> {
    let mut problems = Vec::new();
    if let Some([Literal::Int(q)]) = u.property("qos")
        && !(0..=2).contains(q)
    {
        problems.push((property_span(u, "qos"), options::qos_range_message(*q)));
    }
    let opts = Options::from_use_lenient(u);
    if let Err(e) = topic::TopicTemplate::parse(&opts.topic) {
        problems.push((property_span(u, "topic"), e));
    }
    problems
}

/// Checks one `.mqtt()` use against the configuration, for `tick check` and task start:
/// QoS outside 0–2 (Deviation from Kapacitor, which sends a malformed packet), a topic template
/// that does not parse, and a broker that is unknown or disabled (Kapacitor only notices at
/// the first event). Returns every problem with the span it points at.
pub fn validate(u: &HandlerUse, cfg: &Config) -> Vec<(Span, String)> {
    let mut problems = validate_options(u);
    let span_of = |name: &str| property_span(u, name);
    let opts = Options::from_use_lenient(u);
    if let Err(e) = cfg.mqtt_broker(&opts.broker_name) {
        let message = if cfg.mqtt.iter().all(|m| !m.enabled) && opts.broker_name.is_empty() {
            "no MQTT broker is configured: add an [[mqtt]] section with enabled = true and a url \
             to the file given with --config"
                .to_owned()
        } else if cfg
            .mqtt
            .iter()
            .any(|m| m.name == opts.broker_name && !m.enabled)
        {
            format!("{e}: the broker is disabled (enabled = false)")
        } else {
            e
        };
        problems.push((span_of("brokerName"), message));
    }
    problems
}
