//! One module per subcommand; `run` dispatches to them.

pub(crate) mod check;
pub(crate) mod fmt;
pub(crate) mod run;
pub(crate) mod service_test;
pub(crate) mod show;
pub(crate) mod test;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::main(args),
        Command::Fmt(args) => fmt::main(args),
        Command::Run(args) => run::main(*args),
        Command::Test(args) => test::main(args),
        Command::Show(args) => show::main(args),
        Command::ServiceTest(args) => service_test::main(args),
    }
}
