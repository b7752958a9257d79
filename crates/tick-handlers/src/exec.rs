//! The `exec` handler (Kapacitor's `NewExecHandler`, services/alert/handlers.go at v1.5.7): `.exec('/path/prog', 'arg', ...)` or `kind: exec` with
//! `prog`/`args`. Runs the program once per event with the alert JSON on stdin; its output is
//! reported only when it fails.

use std::process::Stdio;

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::alert_json::alert_json;
use crate::arguments::string_arg;
use crate::error::{BuildError, HandlerError};
use crate::registry::{Deliver, HandlerKind, Services};

/// The `exec` entry of the handler catalogue.
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "exec";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    type Options = Options;
    type Handler = ExecHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        Options::from_use(handler)
    }

    fn build(
        options: Options,
        _topic: &str,
        _services: &Services,
    ) -> Result<ExecHandler, BuildError> {
        ExecHandler::new(options)
    }
}

impl Deliver for ExecHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        ExecHandler::handle(self, event).await
    }
}

/// `.exec(prog, args...)`.
const SPEC: HandlerSpec = HandlerSpec {
    kind: "exec",
    args: &[ArgType::String],
    variadic: Some(ArgType::String),
    properties: &[],
    doc: "Run a program for every alert event, with the event JSON on its standard input.",
};

/// Exec handler options, shared by TICKscript and handler files (`prog`, `args`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The program to run (`.exec(prog, ...)`, `prog:`).
    pub prog: String,
    #[serde(default)]
    /// Its arguments.
    pub args: Vec<String>,
}

impl Options {
    /// Reads `.exec(prog, args...)` from the script.
    pub fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let prog = string_arg("exec", "program", handler.args.first())?;
        let args = handler
            .args
            .iter()
            .skip(1)
            .map(|a| string_arg("exec", "argument", Some(a)))
            .collect::<Result<_, _>>()?;
        Ok(Options { prog, args })
    }
}

/// An exec handler.
#[derive(Debug, Clone)]
pub struct ExecHandler {
    options: Options,
}

impl ExecHandler {
    /// Checks that a program is named (at task start).
    pub fn new(options: Options) -> Result<ExecHandler, BuildError> {
        if options.prog.is_empty() {
            return Err(BuildError::MissingProgram);
        }
        Ok(ExecHandler { options })
    }

    /// Runs the program, writes `JSON\n` to its stdin and waits for it to exit.
    pub async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        let input = alert_json(event)?;
        let failed = |reason: String| HandlerError::ExecFailed {
            reason,
            stdout: String::new(),
            stderr: String::new(),
        };
        let mut child = Command::new(&self.options.prog)
            .args(&self.options.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| failed(format!("cannot start {:?}: {e}", self.options.prog)))?;
        let stdin = child.stdin.take();
        let feed = async {
            if let Some(mut stdin) = stdin {
                // A program that exits without reading its input is not a failure by itself:
                // its exit status decides, so a broken pipe here is ignored.
                let _ = stdin.write_all(input.as_bytes()).await;
            }
        };
        // Feed stdin while collecting the output, so a program that writes a lot before
        // reading cannot deadlock against us.
        let ((), output) = tokio::join!(feed, child.wait_with_output());
        let output =
            output.map_err(|e| failed(format!("waiting for {:?}: {e}", self.options.prog)))?;
        if output.status.success() {
            return Ok(());
        }
        Err(HandlerError::ExecFailed {
            reason: output.status.to_string(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}
