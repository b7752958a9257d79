//! Command-line surface: one variant per subcommand, each with its own help and example.

use std::ffi::OsString;

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

// One value per process, parsed once: boxing `run`'s many flags would save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Check(cmd::check::Args),
    Fmt(cmd::fmt::Args),
    // Boxed: its many flags make it several times larger than the other commands.
    Run(Box<cmd::run::Args>),
    Test(cmd::test::Args),
    Show(cmd::show::Args),
    ServiceTest(cmd::service_test::Args),
}

/// Rewrites `--http ADDR` to `--http=ADDR` when ADDR is clearly an address (`HOST:PORT`,
/// `:PORT`, no such file), so that the space form does what it says instead of reading the
/// address as a script. `--http` takes its value only with `=` because it may also stand alone
/// before the scripts (`tick run --http cpu.tick`).
pub(crate) fn join_http_address(mut args: Vec<OsString>) -> Vec<OsString> {
    let mut i = 0;
    while i + 1 < args.len() {
        if args[i] == "--" {
            break;
        }
        if args[i] == "--http"
            && let Some(next) = args[i + 1].to_str()
            && looks_like_address(next)
        {
            let joined = format!("--http={next}");
            args.splice(i..i + 2, [OsString::from(joined)]);
        }
        i += 1;
    }
    args
}

/// `HOST:PORT` or `:PORT` with a numeric port, and not the name of an existing file.
fn looks_like_address(s: &str) -> bool {
    let Some((host, port)) = s.rsplit_once(':') else {
        return false;
    };
    !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && !host.contains('/')
        && !std::path::Path::new(s).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(args: &[&str]) -> Vec<String> {
        join_http_address(args.iter().map(OsString::from).collect())
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn an_address_after_http_is_joined_to_it() {
        assert_eq!(
            joined(&["tick", "run", "--http", "127.0.0.1:9092", "a.tick"]),
            ["tick", "run", "--http=127.0.0.1:9092", "a.tick"]
        );
        assert_eq!(
            joined(&["tick", "run", "a.tick", "--http", ":9092"]),
            ["tick", "run", "a.tick", "--http=:9092"]
        );
        assert_eq!(
            joined(&["tick", "run", "--http", "[::1]:9092", "a.tick"]),
            ["tick", "run", "--http=[::1]:9092", "a.tick"]
        );
    }

    #[test]
    fn a_script_after_http_stays_a_script() {
        for args in [
            &["tick", "run", "--http", "a.tick"][..],
            &["tick", "run", "--http", "dir/x:1"][..],
            &["tick", "run", "--http=:1", "b.tick"][..],
            &["tick", "run", "--", "--http", ":1"][..],
        ] {
            assert_eq!(joined(args), args);
        }
    }
}
