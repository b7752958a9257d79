//! Option values shared by the commands: durations (`--drain-timeout`, `[http]
//! shutdown-timeout`), `--precision`, `--tz` as compile options, `--config` loading, and the
//! system time that `--clock wall` reads. Owns no command; each command decides what to do with an error.

use std::path::PathBuf;
use std::time::Duration;

use tick_handlers::config::Config;

use crate::report;

/// Parses `500ms`, `30s`, `2m`, `1h` (a plain number is seconds).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    // A plain number is seconds (`--drain-timeout 30`); anything else is Go's syntax, the
    // one kapacitor.conf durations use.
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| format!("invalid duration {s:?} (e.g. 30s, 500ms, 2m)"));
    }
    let ns = tick_syntax::duration::parse_duration(s, tick_syntax::duration::DurationSyntax::Go)
        .map_err(|_| format!("invalid duration {s:?} (e.g. 30s, 500ms, 2m)"))?;
    u64::try_from(ns)
        .map(Duration::from_nanos)
        .map_err(|_| format!("invalid duration {s:?}: it may not be negative"))
}

/// `--precision` of `run` and `test`: an unknown name is a usage error (exit 2).
pub(crate) fn parse_precision(s: &str) -> Result<tick_lineproto::Precision, String> {
    tick_lineproto::Precision::parse(s).map_err(|e| e.to_string())
}

/// Parses `--tz` (default UTC, whatever the host zone) into lambda compile options.
pub(crate) fn compile_options(tz: Option<&str>) -> anyhow::Result<tick_engine::CompileOptions> {
    let mut opts = tick_engine::CompileOptions::default();
    if let Some(zone) = tz {
        opts.lambda.tz = zone.parse().map_err(|_| {
            anyhow::anyhow!("unknown time zone {zone:?} (use an IANA name such as Europe/Berlin)")
        })?;
    }
    Ok(opts)
}

/// Loads `--config`, printing its warnings.
pub(crate) fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Option<Config>> {
    let Some(path) = path else { return Ok(None) };
    let (config, warnings) = Config::load(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    for w in warnings {
        report::stderr(&format!("{}: warning: {w}\n", path.display()));
    }
    Ok(Some(config))
}

/// The system time in ns since the epoch (`--clock wall`).
pub(crate) fn wall_now() -> i64 {
    tick_lineproto::system_now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_go_durations_or_plain_seconds() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h2m3s"), Ok(Duration::from_secs(3723)));
        assert_eq!(
            parse_duration("5parsecs"),
            Err("invalid duration \"5parsecs\" (e.g. 30s, 500ms, 2m)".to_string())
        );
        assert_eq!(
            parse_duration("-1s"),
            Err("invalid duration \"-1s\": it may not be negative".to_string())
        );
    }
}
