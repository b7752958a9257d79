//! The `log` handler (Kapacitor's `NewLogHandler`, services/alert/handlers.go at v1.5.7): `.log('/abs/path').mode(0644)` or `kind: log` with
//! `path`/`mode`. Appends one alert JSON line per event, opening and closing the file each time.
//! Owns path and mode validation; the JSON comes from the shared alert encoder.

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, PropertySpec};

use crate::arguments::{int_arg, string_arg};
use crate::error::{BuildError, HandlerError};
use crate::registry::{Deliver, HandlerKind, Services};

/// The `log` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "log";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    type Options = Options;
    type Handler = LogHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        Options::from_use(handler)
    }

    fn build(
        options: Options,
        _topic: &str,
        _services: &Services,
    ) -> Result<LogHandler, BuildError> {
        LogHandler::new(options)
    }
}

impl Deliver for LogHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        LogHandler::handle(self, event).await
    }

    fn idle(&mut self) {
        LogHandler::idle(self);
    }
}

/// `.log(path)` with `.mode(int)`.
const SPEC: HandlerSpec = HandlerSpec {
    kind: "log",
    args: &[ArgType::String],
    variadic: None,
    properties: &[PropertySpec {
        name: "mode",
        args: &[ArgType::Int],
        variadic: None,
        doc: "File mode used when the log file is created; default 0600. Must be user writable.",
    }],
    doc: "Append every alert event as one JSON line to the file at this absolute path.",
};

/// The mode a log file is created with when none is given (Kapacitor's `NewLogHandler`, services/alert/handlers.go at v1.5.7).
pub(crate) const DEFAULT_MODE: u32 = 0o600;

/// Log handler options, shared by TICKscript and handler files (`path`, `mode`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The absolute path of the file each event is appended to.
    pub path: String,
    /// Unix permission bits; YAML `0644` is octal (YAML 1.1).
    #[serde(default = "default_mode")]
    pub mode: i64,
}

fn default_mode() -> i64 {
    i64::from(DEFAULT_MODE)
}

impl Options {
    /// Reads `.log(path)` and `.mode(m)` from the script.
    pub fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let path = string_arg("log", "path", handler.args.first())?;
        let mode = match handler.property("mode") {
            Some(args) => int_arg("log", "mode", args.first())?,
            None => default_mode(),
        };
        Ok(Options { path, mode })
    }
}

/// A validated log handler.
#[derive(Debug)]
pub struct LogHandler {
    path: String,
    mode: u32,
    /// Open while events keep coming; closed whenever the queue runs empty (see `idle`).
    file: Option<std::fs::File>,
    /// The JSON line being written, kept between events so that its memory is reused.
    line: String,
}

impl LogHandler {
    /// Checks the path is absolute and the mode user-writable (both at task start, Kapacitor's `NewLogHandler`, services/alert/handlers.go at v1.5.7).
    pub fn new(options: Options) -> Result<LogHandler, BuildError> {
        if !std::path::Path::new(&options.path).is_absolute() {
            return Err(BuildError::LogPathNotAbsolute(options.path));
        }
        let mode = u32::try_from(options.mode)
            .ok()
            .filter(|m| *m <= 0o7777)
            .ok_or(BuildError::LogModeOutOfRange(options.mode))?;
        if mode & 0o200 == 0 {
            return Err(BuildError::LogModeNotWritable(go_mode_string(mode)));
        }
        Ok(LogHandler {
            path: options.path,
            mode: mode & 0o777,
            file: None,
            line: String::new(),
        })
    }

    /// The file this handler appends to.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Appends the event's JSON line. Nothing is written when the event cannot be encoded.
    ///
    /// Kapacitor opens and closes the file for every event; we keep it open while events are
    /// queued and close it as soon as the queue runs empty ([`LogHandler::idle`]), which writes
    /// the same bytes, keeps up with bursts, and still lets log rotation take effect between
    /// bursts.
    pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        self.line.clear();
        tick_engine::json::encode_event(event, &mut self.line)
            .map_err(|e| HandlerError::Marshal(e.to_string()))?;
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                let file = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .mode(self.mode)
                    .open(&self.path)
                    .map_err(|source| HandlerError::LogOpen {
                        path: self.path.clone(),
                        source,
                    })?;
                self.file.insert(file)
            }
        };
        let written = file.write_all(self.line.as_bytes());
        written.map_err(|source| {
            self.file = None;
            HandlerError::LogWrite {
                path: self.path.clone(),
                source,
            }
        })
    }

    /// The queue is empty: close the file until the next event.
    pub fn idle(&mut self) {
        self.file = None;
        // A burst of unusually long lines should not keep its memory for ever.
        if self.line.capacity() > 1 << 16 {
            self.line = String::new();
        }
    }
}

/// Go's `os.FileMode.String()` for plain permission bits: `0444` → `-r--r--r--`.
fn go_mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push('-');
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        s.push(if mode & (1 << (8 - i)) != 0 { c } else { '-' });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mode_string_matches_go_file_mode_format() {
        assert_eq!(go_mode_string(0o444), "-r--r--r--");
        assert_eq!(go_mode_string(0o755), "-rwxr-xr-x");
        assert_eq!(go_mode_string(0o000), "----------");
    }
}
