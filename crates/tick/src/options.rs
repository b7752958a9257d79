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
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (e.g. 30s, 500ms, 2m)"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "invalid duration unit in {s:?} (use ms, s, m or h)"
            ));
        }
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("invalid duration {s:?}: {e}"))
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
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}
