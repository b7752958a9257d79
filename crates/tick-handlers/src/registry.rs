//! The handler catalogue, in one place (STYLE §3): [`specs`] for the TICKscript compiler, the
//! [`Handler`] enum that runs one handler, [`HandlerOptions`] (one serde options type per
//! kind, shared by scripts and handler files) and the [`Services`] handlers are built with.
//! Adding a kind means one module plus one line in each list below.

use serde::de::DeserializeOwned;
use tick_engine::{Event, HandlerSpec, HandlerUse};
use tick_syntax::Span;

use crate::error::{BuildError, HandlerError};
use crate::publish::Republish;
use crate::{exec, log, mqtt, post, publish, tcp};

/// Every handler kind's TICKscript spec, for `Compiler::with_handlers` (STYLE §2).
pub fn specs() -> Vec<HandlerSpec> {
    vec![log::SPEC, tcp::SPEC, exec::SPEC, post::SPEC, mqtt::SPEC]
}

/// What handlers are built with: the MQTT brokers and the topics for `publish`.
#[derive(Default)]
pub struct Services {
    /// The configured MQTT brokers; `None` when no MQTT handler can be built.
    pub mqtt: Option<mqtt::MqttService>,
    /// Where a built [`publish::PublishHandler`] sends events; `None` makes building one an
    /// error. `tick run` leaves it `None`: it registers publish files with the engine's
    /// `Topics::add_publish_handler` instead of building a handler.
    pub republish: Option<Republish>,
}

/// The options of one handler, decoded for its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum HandlerOptions {
    /// `kind: log`, `.log(path)`.
    Log(log::Options),
    /// `kind: tcp`, `.tcp(address)`.
    Tcp(tcp::Options),
    /// `kind: exec`, `.exec(prog, args...)`.
    Exec(exec::Options),
    /// `kind: post`, `.post(url)`.
    Post(post::Options),
    /// `kind: publish` (handler files only).
    Publish(publish::Options),
    /// `kind: mqtt`, `.mqtt(topic)`.
    Mqtt(mqtt::Options),
}

/// Every kind a handler file may name, in catalogue order.
pub(crate) const FILE_KINDS: &[&str] = &["log", "tcp", "exec", "post", "publish", "mqtt"];

/// Decodes a kind's options with `decode` (strict: unknown keys are errors). `None` for an
/// unknown kind. The note is the decoder's remark about accepted-but-questionable input.
pub(crate) fn decode_options<E>(
    kind: &str,
    decode: &impl OptionsDecoder<Error = E>,
) -> Option<Result<(HandlerOptions, Option<String>), E>> {
    fn wrap<O, E>(
        r: Result<(O, Option<String>), E>,
        f: fn(O) -> HandlerOptions,
    ) -> Result<(HandlerOptions, Option<String>), E> {
        r.map(|(o, note)| (f(o), note))
    }
    Some(match kind {
        "log" => wrap(decode.decode(), HandlerOptions::Log),
        "tcp" => wrap(decode.decode(), HandlerOptions::Tcp),
        "exec" => wrap(decode.decode(), HandlerOptions::Exec),
        "post" => wrap(decode.decode(), HandlerOptions::Post),
        "publish" => wrap(decode.decode(), HandlerOptions::Publish),
        "mqtt" => wrap(decode.decode(), HandlerOptions::Mqtt),
        _ => return None,
    })
}

/// Decodes one options type from a handler file's document, with an optional note.
pub(crate) trait OptionsDecoder {
    type Error;
    fn decode<O: DeserializeOwned>(&self) -> Result<(O, Option<String>), Self::Error>;
}

/// One running handler.
#[derive(Debug)]
pub enum Handler {
    /// Appends alert JSON to a file.
    Log(log::LogHandler),
    /// Writes alert JSON to a new TCP connection per event.
    Tcp(tcp::TcpHandler),
    /// Runs a program with alert JSON on its stdin.
    Exec(exec::ExecHandler),
    /// POSTs alert JSON over HTTP.
    Post(post::PostHandler),
    /// Hands events to other topics.
    Publish(publish::PublishHandler),
    /// Queues the alert message on an MQTT broker's outbox.
    Mqtt(mqtt::MqttHandler),
}

impl Handler {
    /// Builds a handler from the script (`.log('/tmp/x').mode(0644)`). Errors are the
    /// task-start errors of spec §6.6.
    pub fn from_use(handler: &HandlerUse, services: &Services) -> Result<Handler, BuildError> {
        let options = match handler.kind.as_str() {
            "log" => HandlerOptions::Log(log::Options::from_use(handler)?),
            "tcp" => HandlerOptions::Tcp(tcp::Options::from_use(handler)?),
            "exec" => HandlerOptions::Exec(exec::Options::from_use(handler)?),
            "post" => HandlerOptions::Post(post::Options::from_use(handler)?),
            "mqtt" => {
                HandlerOptions::Mqtt(mqtt::Options::from_use(handler).map_err(BuildError::Mqtt)?)
            }
            other => return Err(BuildError::UnsupportedKind(other.to_string())),
        };
        Handler::from_options(options, "", services)
    }

    /// Builds a handler from decoded options; `topic` is the topic it subscribes to (only
    /// `publish` uses it, to refuse publishing to itself).
    pub fn from_options(
        options: HandlerOptions,
        topic: &str,
        services: &Services,
    ) -> Result<Handler, BuildError> {
        Ok(match options {
            HandlerOptions::Log(o) => Handler::Log(log::LogHandler::new(o)?),
            HandlerOptions::Tcp(o) => Handler::Tcp(tcp::TcpHandler::new(o)?),
            HandlerOptions::Exec(o) => Handler::Exec(exec::ExecHandler::new(o)?),
            HandlerOptions::Post(o) => Handler::Post(post::PostHandler::new(o)?),
            HandlerOptions::Publish(o) => Handler::Publish(publish::PublishHandler::new(
                o,
                topic,
                services.republish.as_ref(),
            )?),
            HandlerOptions::Mqtt(o) => {
                let service = services
                    .mqtt
                    .as_ref()
                    .ok_or_else(|| BuildError::Mqtt("no MQTT broker is configured".to_string()))?;
                Handler::Mqtt(mqtt::MqttHandler::new(o, service)?)
            }
        })
    }

    /// The handler kind as scripts and files name it (`log`, `mqtt`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Handler::Log(_) => "log",
            Handler::Tcp(_) => "tcp",
            Handler::Exec(_) => "exec",
            Handler::Post(_) => "post",
            Handler::Publish(_) => "publish",
            Handler::Mqtt(_) => "mqtt",
        }
    }

    /// Delivers one event. Errors are per event: the caller logs and counts them.
    pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        match self {
            Handler::Log(h) => h.handle(event).await,
            Handler::Tcp(h) => h.handle(event).await,
            Handler::Exec(h) => h.handle(event).await,
            Handler::Post(h) => h.handle(event).await,
            Handler::Publish(h) => h.handle(event).await,
            Handler::Mqtt(h) => h.handle(event).await,
        }
    }

    /// The handler's own per-event timeout, where the script or file set one (`post`'s
    /// `.timeout()`).
    pub fn timeout(&self) -> Option<std::time::Duration> {
        match self {
            Handler::Post(h) => h.timeout(),
            _ => None,
        }
    }

    /// Called when the handler's queue has run empty: a handler may release what it keeps
    /// open between events of a burst (the log handler closes its file).
    pub fn idle(&mut self) {
        if let Handler::Log(h) = self {
            h.idle();
        }
    }
}

/// Checks a script's handler use without building anything that does IO, for `tick check`
/// and task start: every problem with the span it points at (the property's span when a
/// property is at fault, else the handler call's). MQTT uses are checked by
/// `mqtt::validate`, which needs the configuration, so they give nothing here.
pub fn check_use(handler: &HandlerUse) -> Vec<(Span, String)> {
    let span_of = |name: &str| {
        handler
            .properties
            .iter()
            .rev()
            .find(|p| p.name == name)
            .map_or(handler.span, |p| p.span)
    };
    let result = match handler.kind.as_str() {
        "log" => log::Options::from_use(handler)
            .and_then(log::LogHandler::new)
            .map(drop),
        "tcp" => tcp::Options::from_use(handler)
            .and_then(tcp::TcpHandler::new)
            .map(drop),
        "exec" => exec::Options::from_use(handler)
            .and_then(exec::ExecHandler::new)
            .map(drop),
        "post" => post::Options::from_use(handler)
            .and_then(post::PostHandler::new)
            .map(drop),
        "mqtt" => Ok(()),
        other => Err(BuildError::UnsupportedKind(other.to_string())),
    };
    match result {
        Ok(()) => Vec::new(),
        Err(e) => {
            let span = match &e {
                BuildError::LogModeNotWritable(_) | BuildError::LogModeOutOfRange(_) => {
                    span_of("mode")
                }
                BuildError::AuthenticateHeader | BuildError::InvalidHeader(_) => span_of("header"),
                BuildError::EndpointNotSupported(_) => span_of("endpoint"),
                _ => handler.span,
            };
            vec![(span, e.to_string())]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_every_script_handler_once() {
        let kinds: Vec<&str> = specs().iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["log", "tcp", "exec", "post", "mqtt"]);
    }
}
