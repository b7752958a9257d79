//! `tick check FILE...`: reports every syntax error and quirk warning of each script, with the
//! source line and a caret, on stderr. Exit 0 when no file has an error (warnings are printed
//! but do not fail), 2 otherwise. Owns the per-file check and its output; the grammar lives in
//! `tick-syntax`, the meaning of nodes in `tick-engine`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tick_syntax::{Diagnostic, LineIndex};

/// Check TICKscripts for errors without running them.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Check TICKscripts for errors without running them.\n\n\
        Every error and warning is printed to stderr as FILE:LINE:COL with the source line. \
        Warnings point at scripts that Kapacitor accepts but reads differently than it looks \
        (for example `1h30m`, which Kapacitor reads as 1h). Exit status: 0 when no file has \
        an error, 2 otherwise.",
    after_help = "Examples:\n  tick check cpu.tick\n  tick check --config kapacitor.conf tickscripts/*.tick"
)]
pub(crate) struct Args {
    /// TICKscript files to check.
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// kapacitor.conf: also check that every .mqtt() names a configured, enabled broker
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

pub(crate) fn main(args: Args) -> anyhow::Result<ExitCode> {
    let config = match crate::options::load_config(args.config.as_ref()) {
        Ok(c) => c,
        Err(e) => {
            crate::report::stderr(&format!("error: {e:#}\n"));
            return Ok(ExitCode::from(2));
        }
    };
    let mut stderr = std::io::stderr().lock();
    let mut failed = false;
    for path in &args.files {
        let shown = path.display().to_string();
        let src = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                writeln!(stderr, "{shown}: error: cannot read: {e}")?;
                failed = true;
                continue;
            }
        };
        let diags = check_source(path, &src, config.as_ref());
        failed |= diags.iter().any(Diagnostic::is_error);
        let index = LineIndex::new(&src);
        for d in &diags {
            stderr.write_all(tick_syntax::render_with_index(&shown, &src, &index, d).as_bytes())?;
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every diagnostic for one script, sorted by position: syntax first; the semantic pass
/// (catalogue, types, lambdas, templates, handler options) runs only on a script that parsed.
pub(crate) fn check_source(
    path: &Path,
    src: &str,
    config: Option<&tick_handlers::config::Config>,
) -> Vec<Diagnostic> {
    let mut options = tick_engine::CompileOptions::default();
    // With a configuration, `httpPost` endpoints and URLs are checked as `tick run` builds
    // them (nothing is sent).
    if let Some(c) = config {
        options.row_posters = Some(tick_engine::SharedRowPosters(std::sync::Arc::new(
            tick_handlers::NodePosters::new(Some(c), std::time::Duration::from_secs(10)),
        )));
    }
    crate::script::diagnose(&crate::script::task_name(path), src, &options, config).1
}
