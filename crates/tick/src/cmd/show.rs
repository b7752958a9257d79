//! `tick show`: prints a script's pipeline as a Graphviz DOT graph, like Kapacitor's
//! `kapacitor show` does for a defined task — without a server.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::{report, script};

#[derive(Debug, clap::Args)]
#[command(
    about = "Print a script's pipeline as a Graphviz DOT graph",
    after_help = "Example:\n  tick show cpu.tick | dot -Tsvg > cpu.svg"
)]
pub(crate) struct Args {
    /// The TICKscript file
    #[arg(value_name = "SCRIPT")]
    script: PathBuf,
}

pub(crate) fn main(args: Args) -> anyhow::Result<ExitCode> {
    let opts = tick_engine::CompileOptions::default();
    let Some(tasks) = script::load_all(std::slice::from_ref(&args.script), None, &opts, None)?
    else {
        return Ok(ExitCode::from(2));
    };
    for t in &tasks {
        // Kapacitor's `Pipeline.Dot` (pipeline/pipeline.go at v1.5.7) ends with the closing
        // brace; `kapacitor show` (doShow in cmd/kapacitor/main.go) prints it with a newline.
        report::stdout(&format!("{}\n", t.task.to_dot()));
    }
    Ok(ExitCode::SUCCESS)
}
