//! The handler catalogue, in one place: the [`HandlerKind`] trait every handler module
//! implements, and the one list ([`handlers!`] below) that turns those modules into [`specs`]
//! for the TICKscript compiler, the [`Handler`] enum that runs one handler, [`HandlerOptions`]
//! (one serde options type per kind, shared by scripts and handler files) and the checks of
//! [`check_use`]. Adding a kind means one module that implements [`HandlerKind`] and one line in
//! that list; nothing here knows what a kind does.

use std::time::Duration;

use serde::de::DeserializeOwned;
use tick_engine::{Event, HandlerSpec, HandlerUse};
use tick_syntax::{Diagnostic, Span};

use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::publish::Republish;
use crate::{
    alerta, bigpanda, discord, email, exec, log, mqtt, opsgenie, opsgenie2, pagerduty, pagerduty2,
    post, publish, pushover, sensu, servicenow, slack, snmptrap, tcp, teams, telegram, unsupported,
    victorops, zenoss,
};

/// One handler kind, implemented by a marker type in the kind's own module (`log::Kind`):
/// its TICKscript spec, its options (one serde type, shared by the script and by topic
/// handler files), how the script's properties become those options, its checks and how a
/// running handler is built from them.
pub(crate) trait HandlerKind {
    /// The name scripts use (`.log()`, `.victorOps()`).
    const NAME: &'static str;
    /// The name handler files (`kind: victorops`) and `tick service-test` use: Kapacitor's
    /// lower-case service name, the script's name unless it differs.
    const FILE_NAME: &'static str = Self::NAME;
    /// What the alert node accepts; `None` for kinds only handler files name (`publish`).
    const SPEC: Option<HandlerSpec>;
    /// Options decoded strictly (unknown keys are errors) from a handler file's `options`.
    type Options: DeserializeOwned;
    /// The running handler.
    type Handler: Deliver;

    /// Reads the options from the script (`.log('/tmp/x').mode(0644)`).
    fn from_use(handler: &HandlerUse) -> Result<Self::Options, BuildError>;

    /// Builds the handler; `topic` is the topic a handler file subscribes it to ("" for a
    /// script's handler). Errors are task-start errors.
    fn build(
        options: Self::Options,
        topic: &str,
        services: &Services,
    ) -> Result<Self::Handler, BuildError>;

    /// The `kapacitor.conf` section of the kind's service (`slack` for `[[slack]]`), if any.
    const SECTION: Option<&'static str> = None;

    /// Checks the section's TOML when the configuration is loaded (Kapacitor's
    /// `Configs.Validate`); the message names the rule it breaks.
    fn check_section(_section: &toml::Value) -> Result<(), String> {
        Ok(())
    }

    /// What the section asks of every alert node (Kapacitor's `Service.Global` and
    /// `Service.StateChangesOnly`, used by `newAlertNode` in alert.go at v1.5.7): a handler of
    /// this kind with default options on every alert without one, and `.stateChangesOnly()`.
    /// `section` is the kind's `SECTION`, already checked by `check_section`; most kinds
    /// answer with [`crate::service::global_keys`]. The default: nothing.
    fn global(_section: &toml::Value) -> Global {
        Global::default()
    }

    /// `tick service-test NAME`: sends the service's test alert (Kapacitor's `Service.Test`)
    /// with `options` (decoded like a handler file's, so every key may be left out); `None`
    /// when the kind has no service to test.
    async fn service_test(_config: &Config, _options: Self::Options) -> Option<Result<(), String>> {
        None
    }

    /// What a script's use does that Kapacitor accepts at start but that fails at every alert
    /// (a Telegram parse mode it does not know, an SNMP OID it cannot encode): warnings for
    /// `tick check` and task start, `(span, message)`. The handler is still built, and each
    /// alert then fails with Kapacitor's message, as there. The default: none.
    fn warnings(_handler: &HandlerUse) -> Vec<(Span, String)> {
        Vec::new()
    }

    /// Checks a script's use without building anything that does IO, for `tick check` and
    /// task start; `config` is the `--config` file when one was given. The default reads the
    /// options and builds the handler without services, which suits every kind whose `build`
    /// does no IO and needs no service.
    fn check(handler: &HandlerUse, _config: Option<&Config>) -> Result<(), BuildError> {
        let options = Self::from_use(handler)?;
        Self::build(options, "", &Services::default()).map(drop)
    }
}

/// What a service section's `global` and `state-changes-only` keys ask of every alert node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Global {
    /// Every alert node without a handler of the kind gets one with default options.
    pub(crate) handler: bool,
    /// Every alert node is `.stateChangesOnly()`.
    pub(crate) state_changes_only: bool,
}

/// What the configuration's global services add to every alert node, for
/// `tick_engine::CompileOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Globals {
    /// The script names of the kinds every alert node gets (`slack`, `pagerDuty2`).
    pub handlers: Vec<String>,
    /// Every alert node is `.stateChangesOnly()`.
    pub state_changes_only: bool,
}

/// What a running handler does with events, called from its own queue's task.
pub(crate) trait Deliver: std::fmt::Debug + Send {
    /// Delivers one event. Errors are per event: the caller logs and counts them.
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError>;

    /// The handler's own per-event timeout, where the script or file set one.
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// Called when the handler's queue has run empty: a handler may release what it keeps
    /// open between events of a burst.
    fn idle(&mut self) {}
}

/// What handlers are built with: the configuration, the MQTT brokers and the topics for
/// `publish`.
#[derive(Default)]
pub struct Services {
    /// The configured MQTT brokers; `None` when no MQTT handler can be built.
    pub mqtt: Option<mqtt::MqttService>,
    /// Where a built [`publish::PublishHandler`] sends events; `None` makes building one an
    /// error. `tick run` leaves it `None`: it registers publish files with the engine's
    /// `Topics::add_publish_handler` instead of building a handler.
    pub republish: Option<Republish>,
    /// The `--config` file, whose service sections (`[[slack]]`, ...) handlers are built from.
    pub config: Config,
}

/// Decodes one options type from a handler file's document, with an optional note.
pub(crate) trait OptionsDecoder {
    type Error;
    fn decode<O: DeserializeOwned>(&self) -> Result<(O, Option<String>), Self::Error>;
}

/// Generates the catalogue from the one list of kinds below: each entry is the variant name
/// used in [`Handler`] and [`HandlerOptions`], the kind's [`HandlerKind`] type, and its
/// public options and handler types (the compiler checks they are the kind's own).
/// The `build` (and, with `check`, the `check`) of a service kind whose handler is made from
/// its options and the `--config` file alone by `$new(options, &Config)`: built at start with
/// the configuration, checked against it when `tick check --config` has one.
macro_rules! built_from_config {
    ($new:path) => {
        fn build(
            options: Self::Options,
            _topic: &str,
            services: &$crate::registry::Services,
        ) -> Result<Self::Handler, $crate::error::BuildError> {
            $new(options, &services.config)
        }
    };
    ($new:path, check) => {
        $crate::registry::built_from_config!($new);

        fn check(
            handler: &tick_engine::HandlerUse,
            config: Option<&$crate::config::Config>,
        ) -> Result<(), $crate::error::BuildError> {
            match config {
                Some(config) => $new(Self::from_use(handler)?, config).map(drop),
                None => Ok(()),
            }
        }
    };
}
pub(crate) use built_from_config;

macro_rules! handlers {
    ($( $(#[$doc:meta])* $variant:ident => $kind:ty, $options:ty, $handler:ty; )*) => {
        /// The options of one handler, decoded for its kind.
        #[derive(Debug, Clone, PartialEq)]
        pub enum HandlerOptions {
            $( $(#[$doc])* $variant($options), )*
        }

        /// One running handler.
        #[derive(Debug)]
        pub enum Handler {
            $( $(#[$doc])* $variant($handler), )*
        }

        /// Every handler kind's TICKscript spec, for `Compiler::with_handlers`.
        pub fn specs() -> Vec<HandlerSpec> {
            [$( <$kind as HandlerKind>::SPEC, )*].into_iter().flatten().collect()
        }

        /// Every kind a handler file may name, in catalogue order.
        pub(crate) const FILE_KINDS: &[&str] = &[$( <$kind as HandlerKind>::FILE_NAME, )*];

        /// Decodes a kind's options with `decode` (strict: unknown keys are errors). `None`
        /// for an unknown kind. The note is the decoder's remark about accepted-but-questionable
        /// input.
        pub(crate) fn decode_options<E>(
            kind: &str,
            decode: &impl OptionsDecoder<Error = E>,
        ) -> Option<Result<(HandlerOptions, Option<String>), E>> {
            $(
                if kind == <$kind as HandlerKind>::FILE_NAME {
                    return Some(decode.decode().map(|(o, note)| (HandlerOptions::$variant(o), note)));
                }
            )*
            None
        }

        /// The check of the service section `name` (`slack`), when a kind reads that section.
        pub(crate) fn section_check(name: &str) -> Option<fn(&toml::Value) -> Result<(), String>> {
            $(
                if <$kind as HandlerKind>::SECTION == Some(name) {
                    return Some(<$kind as HandlerKind>::check_section);
                }
            )*
            None
        }

        /// What the services of `config` with `global = true` add to every alert node.
        pub fn globals(config: &Config) -> Globals {
            let mut globals = Globals::default();
            $(
                if let (Some(spec), Some(section)) = (
                    <$kind as HandlerKind>::SPEC,
                    <$kind as HandlerKind>::SECTION.and_then(|s| config.services.get(s)),
                ) {
                    let g = <$kind as HandlerKind>::global(section);
                    if g.handler {
                        globals.handlers.push(spec.kind.to_string());
                    }
                    globals.state_changes_only |= g.state_changes_only;
                }
            )*
            globals
        }

        /// Every `kapacitor.conf` section a kind reads, in catalogue order.
        pub(crate) fn sections() -> Vec<&'static str> {
            [$( <$kind as HandlerKind>::SECTION, )*].into_iter().flatten().collect()
        }

        /// The services `tick service-test` can test through [`service_test`]: every kind with
        /// a `kapacitor.conf` section of its own, in catalogue order.
        pub fn service_names() -> Vec<&'static str> {
            [$( (<$kind as HandlerKind>::FILE_NAME, <$kind as HandlerKind>::SECTION), )*]
                .into_iter()
                .filter_map(|(name, section)| section.map(|_| name))
                .collect()
        }

        /// `tick service-test NAME`: the kind's test alert with `options` (a JSON object with
        /// the kind's handler-file options; `None` for the defaults). `Err` names what failed.
        pub async fn service_test(
            name: &str,
            config: &Config,
            options: Option<&str>,
        ) -> Result<(), String> {
            $(
                if name == <$kind as HandlerKind>::FILE_NAME {
                    let options = serde_json::from_str(options.unwrap_or("{}"))
                        .map_err(|e| format!("invalid options: {e}"))?;
                    return <$kind as HandlerKind>::service_test(config, options)
                        .await
                        .unwrap_or_else(|| Err(format!("{name} has no service to test")));
                }
            )*
            Err(format!("unknown service {name:?}"))
        }

        /// A script's use as options of its kind.
        fn options_from_use(handler: &HandlerUse) -> Result<HandlerOptions, BuildError> {
            let kind = handler.kind.as_str();
            $(
                if kind == <$kind as HandlerKind>::NAME && <$kind as HandlerKind>::SPEC.is_some() {
                    return <$kind as HandlerKind>::from_use(handler).map(HandlerOptions::$variant);
                }
            )*
            Err(BuildError::UnsupportedKind(kind.to_string()))
        }

        /// The kind's checks of a script's use.
        fn check_kind(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
            let kind = handler.kind.as_str();
            $(
                if kind == <$kind as HandlerKind>::NAME && <$kind as HandlerKind>::SPEC.is_some() {
                    return <$kind as HandlerKind>::check(handler, config);
                }
            )*
            Err(BuildError::UnsupportedKind(kind.to_string()))
        }

        /// The kind's warnings about a script's use.
        fn kind_warnings(handler: &HandlerUse) -> Vec<(Span, String)> {
            let kind = handler.kind.as_str();
            $(
                if kind == <$kind as HandlerKind>::NAME && <$kind as HandlerKind>::SPEC.is_some() {
                    return <$kind as HandlerKind>::warnings(handler);
                }
            )*
            Vec::new()
        }

        impl Handler {
            /// Builds a handler from decoded options; `topic` is the topic it subscribes to
            /// (only `publish` uses it, to refuse publishing to itself).
            pub fn from_options(
                options: HandlerOptions,
                topic: &str,
                services: &Services,
            ) -> Result<Handler, BuildError> {
                Ok(match options {
                    $( HandlerOptions::$variant(o) =>
                        Handler::$variant(<$kind as HandlerKind>::build(o, topic, services)?), )*
                })
            }

            /// The handler kind as scripts and files name it (`log`, `mqtt`, ...).
            pub fn kind(&self) -> &'static str {
                match self {
                    $( Handler::$variant(_) => <$kind as HandlerKind>::NAME, )*
                }
            }

            /// Delivers one event. Errors are per event: the caller logs and counts them.
            pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
                match self {
                    $( Handler::$variant(h) => Deliver::handle(h, event).await, )*
                }
            }

            /// The handler's own per-event timeout, where the script or file set one (`post`'s
            /// `.timeout()`).
            pub fn timeout(&self) -> Option<Duration> {
                match self {
                    $( Handler::$variant(h) => Deliver::timeout(h), )*
                }
            }

            /// Called when the handler's queue has run empty: a handler may release what it
            /// keeps open between events of a burst (the log handler closes its file).
            pub fn idle(&mut self) {
                match self {
                    $( Handler::$variant(h) => Deliver::idle(h), )*
                }
            }
        }
    };
}

handlers! {
    /// `kind: log`, `.log(path)`: appends alert JSON to a file.
    Log => log::Kind, log::Options, log::LogHandler;
    /// `kind: tcp`, `.tcp(address)`: writes alert JSON to a new TCP connection per event.
    Tcp => tcp::Kind, tcp::Options, tcp::TcpHandler;
    /// `kind: exec`, `.exec(prog, args...)`: runs a program with alert JSON on its stdin.
    Exec => exec::Kind, exec::Options, exec::ExecHandler;
    /// `kind: post`, `.post(url)`: POSTs alert JSON over HTTP.
    Post => post::Kind, post::Options, post::PostHandler;
    /// `kind: publish` (handler files only): hands events to other topics.
    Publish => publish::Kind, publish::Options, publish::PublishHandler;
    /// `kind: mqtt`, `.mqtt(topic)`: queues the alert message on an MQTT broker's outbox.
    Mqtt => mqtt::Kind, mqtt::Options, mqtt::MqttHandler;
    /// `kind: slack`, `.slack()`: posts the alert message to a Slack workspace's webhook.
    Slack => slack::Kind, slack::Options, slack::SlackHandler;
    /// `kind: teams`, `.teams()`: posts a message card to a Microsoft Teams channel's webhook.
    Teams => teams::Kind, teams::Options, teams::TeamsHandler;
    /// `kind: victorops`, `.victorOps()`: sends the alert to VictorOps' REST endpoint.
    VictorOps => victorops::Kind, victorops::Options, victorops::VictorOpsHandler;
    /// `kind: pagerduty`, `.pagerDuty()`: triggers and resolves incidents (Events API v1).
    PagerDuty => pagerduty::Kind, pagerduty::Options, pagerduty::PagerDutyHandler;
    /// `kind: pagerduty2`, `.pagerDuty2()`: triggers and resolves PagerDuty incidents.
    PagerDuty2 => pagerduty2::Kind, pagerduty2::Options, pagerduty2::PagerDuty2Handler;
    /// `kind: discord`, `.discord()`: posts the alert as an embed to a Discord webhook.
    Discord => discord::Kind, discord::Options, discord::DiscordHandler;
    /// `kind: telegram`, `.telegram()`: sends the alert message to a Telegram chat.
    Telegram => telegram::Kind, telegram::Options, telegram::TelegramHandler;
    /// `kind: opsgenie`, `.opsGenie()`: creates OpsGenie alerts (v1 API), noted on recovery.
    OpsGenie => opsgenie::Kind, opsgenie::Options, opsgenie::OpsGenieHandler;
    /// `kind: opsgenie2`, `.opsGenie2()`: creates OpsGenie alerts, noted or closed on recovery.
    OpsGenie2 => opsgenie2::Kind, opsgenie2::Options, opsgenie2::OpsGenie2Handler;
    /// `kind: pushover`, `.pushover()`: sends the alert message to Pushover.
    Pushover => pushover::Kind, pushover::Options, pushover::PushoverHandler;
    /// `kind: sensu`, `.sensu()`: sends a check result to a Sensu client socket over TCP.
    Sensu => sensu::Kind, sensu::Options, sensu::SensuHandler;
    /// `kind: alerta`, `.alerta()`: sends the alert to Alerta's API.
    Alerta => alerta::Kind, alerta::Options, alerta::AlertaHandler;
    /// `kind: servicenow`, `.serviceNow()`: sends the alert to ServiceNow's alerts API.
    ServiceNow => servicenow::Kind, servicenow::Options, servicenow::ServiceNowHandler;
    /// `kind: bigpanda`, `.bigPanda()`: sends the alert to BigPanda's alerts API.
    BigPanda => bigpanda::Kind, bigpanda::Options, bigpanda::BigPandaHandler;
    /// `kind: snmptrap`, `.snmpTrap(trapOid)`: sends an SNMPv2c trap over UDP.
    SnmpTrap => snmptrap::Kind, snmptrap::Options, snmptrap::SnmpTrapHandler;
    /// `kind: smtp`, `.email(to...)`: emails the alert through the `[smtp]` server.
    Email => email::Kind, email::Options, email::EmailHandler;
    /// `kind: zenoss`, `.zenoss()`: sends the alert as an event to Zenoss's JSON router.
    Zenoss => zenoss::Kind, zenoss::Options, zenoss::ZenossHandler;
    /// `.kafka()`: refused, with the reason.
    Kafka => unsupported::kafka::Kind, unsupported::Options, unsupported::UnsupportedHandler;
    /// `.hipChat()`: refused, with the reason.
    HipChat => unsupported::hipchat::Kind, unsupported::Options, unsupported::UnsupportedHandler;
    /// `.talk()`: refused, with the reason.
    Talk => unsupported::talk::Kind, unsupported::Options, unsupported::UnsupportedHandler;
}

impl Handler {
    /// Builds a handler from the script (`.log('/tmp/x').mode(0644)`). Errors are task-start
    /// errors.
    pub fn from_use(handler: &HandlerUse, services: &Services) -> Result<Handler, BuildError> {
        Handler::from_options(options_from_use(handler)?, "", services)
    }
}

/// Checks a script's handler use without building anything that does IO, for `tick check`
/// and task start: every problem with the span it points at (the property's span when a
/// property is at fault, else the handler call's). MQTT uses are checked by
/// `mqtt::validate`, which needs the configuration, so they give nothing here.
pub fn check_use(handler: &HandlerUse) -> Vec<Diagnostic> {
    check_use_with_config(handler, None)
}

/// [`check_use`] with the `--config` file, when one was given: a service handler's workspace
/// or account must then exist and be enabled (`.slack().workspace('ops')`).
pub fn check_use_with_config(handler: &HandlerUse, config: Option<&Config>) -> Vec<Diagnostic> {
    let span_of = |name: &str| {
        handler
            .properties
            .iter()
            .rev()
            .find(|p| p.name == name)
            .map_or(handler.span, |p| p.span)
    };
    let mut found: Vec<Diagnostic> = kind_warnings(handler)
        .into_iter()
        .map(|(span, message)| Diagnostic::warning(span, message))
        .collect();
    match check_kind(handler, config) {
        Ok(()) => found,
        Err(e) => {
            let span = match &e {
                BuildError::LogModeNotWritable(_) | BuildError::LogModeOutOfRange(_) => {
                    span_of("mode")
                }
                BuildError::AuthenticateHeader | BuildError::InvalidHeader(_) => span_of("header"),
                BuildError::UnknownEndpoint(_) | BuildError::Endpoint { .. } => span_of("endpoint"),
                BuildError::Property { property, .. } => span_of(property),
                BuildError::Refused {
                    span: Some(span), ..
                } => *span,
                _ => handler.span,
            };
            found.push(Diagnostic::error(span, e.to_string()));
            found
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_every_script_handler_once() {
        let kinds: Vec<&str> = specs().iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                "log",
                "tcp",
                "exec",
                "post",
                "mqtt",
                "slack",
                "teams",
                "victorOps",
                "pagerDuty",
                "pagerDuty2",
                "discord",
                "telegram",
                "opsGenie",
                "opsGenie2",
                "pushover",
                "sensu",
                "alerta",
                "serviceNow",
                "bigPanda",
                "snmpTrap",
                "email",
                "zenoss",
                "kafka",
                "hipChat",
                "talk"
            ]
        );
        assert_eq!(
            FILE_KINDS,
            [
                "log",
                "tcp",
                "exec",
                "post",
                "publish",
                "mqtt",
                "slack",
                "teams",
                "victorops",
                "pagerduty",
                "pagerduty2",
                "discord",
                "telegram",
                "opsgenie",
                "opsgenie2",
                "pushover",
                "sensu",
                "alerta",
                "servicenow",
                "bigpanda",
                "snmptrap",
                "smtp",
                "zenoss",
                "kafka",
                "hipchat",
                "talk"
            ]
        );
    }
}
