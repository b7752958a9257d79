//! The `tick` binary: parses the command line and hands each subcommand to `cmd/<name>.rs`.
//! Owns exit codes (0 ok, 1 a check failed, 2 invalid script/config/usage); no engine logic here.

mod api;
mod cli;
mod cmd;
mod http;
mod logging;
mod options;
mod report;
mod run;
mod script;
mod stats;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: every point allocates its tag and field sets, and
/// glibc's malloc/free cost about a fifth of a read-only run (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_from(cli::join_http_address(std::env::args_os().collect()));
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(2)
        }
    }
}
