//! Command-line surface: one variant per subcommand, each with its own help and example.

use clap::{Parser, Subcommand};

use crate::cmd;

#[derive(Debug, Parser)]
#[command(
    name = "tick",
    version,
    about = "Run, check and format Kapacitor TICKscripts without a server",
    long_about = "Run, check and format Kapacitor TICKscripts without a server.\n\n\
        tick reads InfluxDB line protocol, evaluates TICKscript pipelines with Kapacitor's \
        semantics, and publishes alerts to MQTT brokers configured as in kapacitor.conf.",
    after_help = "Example:\n  tick run cpu.tick --config kapacitor.conf < points.lp"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Check(cmd::check::Args),
    Fmt(cmd::fmt::Args),
    Run(cmd::run::Args),
    Test(cmd::test::Args),
    Show(cmd::show::Args),
    ServiceTest(cmd::service_test::Args),
}
