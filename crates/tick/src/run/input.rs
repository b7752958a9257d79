//! Where `tick run` reads points from: stdin, `--input FILE`, or with `--http` the HTTP server
//! (`http.rs`), which then also carries `--input` and, with `--clock wall`, the clock. Owns
//! choosing and opening the source; does not own reading it (`pipeline.rs`).

use std::io::Read;

use anyhow::Context as _;

use super::Exit;
use super::pipeline::Source;
use super::plan::Plan;
use crate::cmd::run::Clock;
use crate::http::Ingest;
use crate::report;

/// Opens the input and, with `--http`, starts the server (with Kapacitor's API showing `api`):
/// the pipeline thread's source, and the server to stop at the end.
pub(crate) fn open(
    plan: &Plan,
    api: Option<std::sync::Arc<crate::api::ApiInfo>>,
    runtime: &tokio::runtime::Runtime,
) -> Result<(Source, Option<Ingest>), Exit> {
    let input: Box<dyn Read + Send> = match &plan.input {
        Some(path) if path.as_os_str() != "-" => Box::new(
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
        ),
        _ => Box::new(std::io::stdin()),
    };
    let Some(http) = &plan.http else {
        return Ok((Source::Reader(input), None));
    };
    let mut ingest = match Ingest::start(
        &http.addr,
        plan.config.as_ref().map(|c| &c.http),
        http.limits,
        api.unwrap_or_default(),
        runtime.handle(),
    ) {
        Ok(ingest) => ingest,
        Err(e) => {
            report::stderr(&format!("error: {e:#}\n"));
            return Err(Exit::Status(2));
        }
    };
    // With --http, stdin is read only when asked for (--input - or --input FILE).
    if plan.input.is_some() {
        ingest.read(input, plan.precision)?;
    }
    if plan.clock == Clock::Wall {
        ingest.tick_wall_clock(runtime.handle());
    }
    let source = match ingest.receiver() {
        Some(rx) => Source::Http(rx),
        None => Source::Reader(Box::new(std::io::empty())),
    };
    Ok((source, Some(ingest)))
}
