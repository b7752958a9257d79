//! The handler error kinds, one enum per phase (docs/ARCHITECTURE.md, "Where the rules come from"): [`BuildError`] when a handler is
//! built from a script or a handler file, [`HandlerError`] when one event is delivered, and
//! [`HandlerFileError`] when a topic handler file is read. Owns the messages, nothing else.

use std::path::PathBuf;

/// A handler cannot be built (task start or handler file load). Messages follow Kapacitor's handlers in services/alert/handlers.go at v1.5.7.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// `.log('rel/path')` (Kapacitor's handlers in services/alert/handlers.go at v1.5.7).
    #[error("failed to create log alert handler: log path must be absolute: {0} is not absolute")]
    LogPathNotAbsolute(String),
    /// `.mode(0444)`; the mode is shown like Go's `FileMode.String()` (`-r--r--r--`).
    #[error("failed to create log alert handler: invalid file mode {0}, must be user writable")]
    LogModeNotWritable(String),
    /// A mode that is not a permission mode at all (negative, or above `0o7777`).
    #[error(
        "failed to create log alert handler: invalid file mode {0:#o}, must be between 0 and 0o7777"
    )]
    LogModeOutOfRange(i64),
    /// `.header('Authenticate', ..)` (Kapacitor's handlers in services/alert/handlers.go at v1.5.7).
    #[error("invalid post: cannot set 'authenticate' header")]
    AuthenticateHeader,
    /// A header name or value that cannot be sent (CR, LF, NUL, or a bad name).
    #[error("invalid post: invalid header {0:?}")]
    InvalidHeader(String),
    /// The post URL is not a usable `http://` URL.
    #[error("invalid post: invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `.endpoint('name')` names no `[[httppost]]` endpoint of the configuration (and no URL
    /// was given instead).
    #[error(
        "invalid post: no [[httppost]] endpoint {0:?} in the configuration: add a [[httppost]] section with endpoint = {0:?} and a url to the file given with --config"
    )]
    UnknownEndpoint(String),
    /// The `[[httppost]]` endpoint's configuration cannot be used (a template that does not
    /// parse, a template file that cannot be read).
    #[error("invalid post: [[httppost]] endpoint {endpoint:?}: {message}")]
    Endpoint {
        /// The endpoint.
        endpoint: String,
        /// What is wrong.
        message: String,
    },
    /// Neither a URL nor an endpoint.
    #[error("invalid post: either URL or endpoint must be non-empty")]
    MissingUrl,
    /// `.exec()` or `prog:` empty.
    #[error("invalid exec: a program is required")]
    MissingProgram,
    /// `.tcp('')` or `address:` empty.
    #[error("invalid tcp: an address is required")]
    MissingAddress,
    /// A publish handler without topics, or one naming its own topic.
    #[error("invalid publish: {0}")]
    InvalidPublish(String),
    /// Republishing needs the engine's topics, which the caller did not provide.
    #[error("publish handlers are not supported yet: the engine's topics are not available")]
    PublishNotSupported,
    /// `kind: nosuch` (Kapacitor's `HandlerSpec`, services/alert/dao.go, and `createHandlerFromSpec`, services/alert/service.go at v1.5.7) or a TICKscript handler this crate does not know.
    #[error("failed to create handler: unsupported action kind {0:?}")]
    UnsupportedKind(String),
    /// An argument that does not have the type the handler spec declares (the engine
    /// checks types first, so this means the spec and the builder disagree).
    #[error("invalid {kind}: {what} must be {expected}")]
    BadArgument {
        /// The handler kind (`log`, `tcp`, ...).
        kind: &'static str,
        /// The argument or property.
        what: String,
        /// The type it must have (`a string`).
        expected: &'static str,
    },
    /// The MQTT handler's own build error, as text.
    #[error("{0}")]
    Mqtt(String),
    /// A handler use refused with a whole message of its kind's own (`.snmpTrap()`'s, worded
    /// as Kapacitor words it), pointing at the part of the script at fault: the handler call or
    /// one of its repeated properties (`.data(...)`); `span` is `None` for handler files.
    #[error("{message}")]
    Refused {
        /// What is wrong.
        message: String,
        /// The call or property at fault, in a script.
        span: Option<tick_syntax::Span>,
    },
    /// A handler property or configuration setting that cannot be used; `property` names
    /// the TICKscript property the span of a `tick check` diagnostic points at.
    #[error("invalid {kind}: {message}")]
    Property {
        /// The handler kind (`slack`, ...).
        kind: &'static str,
        /// The property at fault (`channel`), or "" for the handler call itself.
        property: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// One event could not be delivered by one handler. Logged and counted by the dispatcher;
/// never stops the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// NaN or ±Inf in the data, or a time outside years 0–9999 (Kapacitor's `Event.AlertData`, alert/types.go at v1.5.7).
    #[error("failed to marshal alert data json: {0}")]
    Marshal(String),
    /// The log handler's file could not be opened or created.
    #[error("failed to open log file {path}: {source}")]
    LogOpen {
        /// The log file.
        path: String,
        /// Why it could not be opened.
        source: std::io::Error,
    },
    /// The log handler's file could not be written.
    #[error("failed to write log file {path}: {source}")]
    LogWrite {
        /// The log file.
        path: String,
        /// Why it could not be written.
        source: std::io::Error,
    },
    /// Dial failure (Kapacitor's handlers in services/alert/handlers.go at v1.5.7): the event is dropped.
    #[error("tcp handler failed to connect to {address}: {source}")]
    TcpConnect {
        /// The `host:port` dialled.
        address: String,
        /// Why the dial failed.
        source: std::io::Error,
    },
    /// The connection was made but the event could not be written.
    #[error("tcp handler failed to write to {address}: {source}")]
    TcpWrite {
        /// The `host:port` written to.
        address: String,
        /// Why the write failed.
        source: std::io::Error,
    },
    /// The program could not be started, or exited unsuccessfully; output is kept for the log.
    #[error("exec command failed: {reason}; stdout: {stdout:?}; stderr: {stderr:?}")]
    ExecFailed {
        /// Why it failed (not started, exit status, signal).
        reason: String,
        /// What the program wrote on stdout.
        stdout: String,
        /// What the program wrote on stderr.
        stderr: String,
    },
    /// The POST request could not be sent or its response not read.
    #[error("failed to POST alert data: {0}")]
    Post(String),
    /// The handler took longer than its deadline for one event (`tick run --handler-timeout`).
    #[error(
        "gave up after {0:?}: the handler did not finish the event in time (--handler-timeout)"
    )]
    TimedOut(std::time::Duration),
    /// A 2xx status was not returned; the body is included with `captureResponse`.
    #[error("POST returned non 2xx status code: {0}")]
    PostStatus(String),
    /// The publish handler could not hand the event to a topic.
    #[error("failed to publish event to topic {topic:?}: {reason}")]
    Publish {
        /// The topic that refused the event.
        topic: String,
        /// Why it refused it.
        reason: String,
    },
    /// The MQTT handler's own delivery error, as text.
    #[error("{0}")]
    Mqtt(String),
    /// A service (Slack, ...) could not be reached, or refused the alert; the message is the
    /// service's answer, never its URL or token.
    #[error("failed to send event to {kind}: {message}")]
    Service {
        /// The handler kind (`slack`, ...).
        kind: &'static str,
        /// What went wrong, with the service's answer.
        message: String,
    },
}

/// A topic handler file (Kapacitor's `HandlerSpec`, services/alert/dao.go, and `createHandlerFromSpec`, services/alert/service.go at v1.5.7) could not be loaded. Every message names the file, the
/// field when there is one, and the reason.
#[derive(Debug, thiserror::Error)]
pub enum HandlerFileError {
    /// The file or directory could not be read.
    #[error("{path}: cannot read handler file: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A file named directly whose extension says neither YAML nor JSON.
    #[error("{path}: handler files must end in .yaml, .yml or .json")]
    UnknownExtension {
        /// The file.
        path: PathBuf,
    },
    /// YAML or JSON syntax, a missing field, a wrong type or an unknown key.
    #[error("{path}: {field}: {reason}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// The field at fault (`options.url`), or where the syntax error is.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// `topic`, `id` or `kind` fails validation (the messages of Kapacitor's `HandlerSpec.Validate`, services/alert/dao.go at v1.5.7).
    #[error("{path}: {field}: invalid handler spec: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// `topic`, `id` or `kind`.
        field: &'static str,
        /// Kapacitor's reason.
        reason: String,
    },
    /// `kind: nosuch`.
    #[error("{path}: kind: failed to create handler: unsupported action kind {kind:?}")]
    UnsupportedKind {
        /// The file.
        path: PathBuf,
        /// The kind it names.
        kind: String,
    },
    /// Options decoded but the handler cannot be built from them.
    #[error("{path}: options: {source}")]
    Build {
        /// The file.
        path: PathBuf,
        /// Why the handler cannot be built.
        source: BuildError,
    },
}

/// An error's text followed by each cause that adds something (`error sending request:
/// connection refused`).
pub(crate) fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}
