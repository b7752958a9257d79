//! `tick fmt FILE...`: prints each script in the canonical layout (Kapacitor's `tickfmt`
//! style), or rewrites it with `--write`, or with `--check` only says which files would change.
//! Owns the command's IO and exit codes; the layout lives in `tick_syntax::format`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use tick_syntax::LineIndex;

/// Format TICKscripts in the canonical layout.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Format TICKscripts in the canonical layout: one statement per paragraph, \
        `|` links indented four spaces and `.` properties eight, comments kept. Formatting never \
        changes what a script means.\n\n\
        Exit status: 0 ok; 1 with --check when a file would change; 2 when a script does not parse.",
    after_help = "Examples:\n  tick fmt cpu.tick              print the formatted script\n  \
        tick fmt -w tickscripts/*.tick rewrite files in place\n  \
        tick fmt --check *.tick        fail if any file is not formatted"
)]
pub(crate) struct Args {
    /// TICKscript files to format.
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// Rewrite the files in place instead of printing them.
    #[arg(short, long, conflicts_with = "check")]
    pub(crate) write: bool,
    /// Print nothing but the names of files that would change; exit 1 if any would.
    #[arg(long)]
    pub(crate) check: bool,
}

pub(crate) fn main(args: Args) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let mut invalid = false;
    let mut would_change = false;
    for path in &args.files {
        let shown = path.display().to_string();
        let src = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                writeln!(stderr, "{shown}: error: cannot read: {e}")?;
                invalid = true;
                continue;
            }
        };
        let formatted = match tick_syntax::format(&src) {
            Ok(f) => f,
            Err(diags) => {
                let index = LineIndex::new(&src);
                for d in &diags {
                    stderr.write_all(
                        tick_syntax::render_with_index(&shown, &src, &index, d).as_bytes(),
                    )?;
                }
                invalid = true;
                continue;
            }
        };
        if args.check {
            if formatted != src {
                writeln!(stderr, "would reformat {shown}")?;
                would_change = true;
            }
        } else if args.write {
            if formatted != src {
                std::fs::write(path, &formatted)
                    .map_err(|e| anyhow::anyhow!("writing {shown}: {e}"))?;
            }
        } else {
            stdout.write_all(formatted.as_bytes())?;
        }
    }
    Ok(if invalid {
        ExitCode::from(2)
    } else if would_change {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
