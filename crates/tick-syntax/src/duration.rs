//! Duration text → nanoseconds: the one parser for every duration tick reads from a script or
//! a file, in the two syntaxes Kapacitor reads. Owns the units, signs and overflow of both;
//! does not own what a caller says about a bad duration (each phase words its own message).
//!
//! - [`DurationSyntax::Influxql`]: duration literals in scripts (`tick/ast/node.go`, `newDur`,
//!   at Kapacitor v1.5.7) and the `duration()` lambda function on a string
//!   (`tick/stateful/functions.go`, `duration.Call`), both `influxql.ParseDuration`
//!   (`vendor/github.com/influxdata/influxdb/influxql/parser.go`): an optional `-`, then one
//!   or more `<digits><unit>` with units `ns u µ ms s m h d w`, integer arithmetic.
//! - [`DurationSyntax::Go`]: durations in topic handler files, which Kapacitor decodes with Go's
//!   `time.ParseDuration` (<https://pkg.go.dev/time#ParseDuration>): an optional `-` or `+`,
//!   then one or more `<decimal><unit>` with units `ns us µs μs ms s m h`; a bare `0` is allowed.

/// Which duration grammar a text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationSyntax {
    /// InfluxQL's, as in TICKscript: `-1h30m`, `10u`, `2w`.
    Influxql,
    /// Go's `time.ParseDuration`: `1m30s`, `1.5h`, `250ms`.
    Go,
}

/// Why a duration text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// Not a duration in the syntax asked for (also: a number part too long for an `i64`).
    Invalid,
    /// A duration that does not fit in `i64` nanoseconds.
    Overflow,
}

/// Parses `text` in `syntax` into nanoseconds.
pub fn parse_duration(text: &str, syntax: DurationSyntax) -> Result<i64, DurationError> {
    match syntax {
        DurationSyntax::Influxql => influxql(text),
        DurationSyntax::Go => go(text),
    }
}

fn influxql(s: &str) -> Result<i64, DurationError> {
    use DurationError::{Invalid, Overflow};
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    // influxql.ParseDuration: "Return an error if the string is blank or one character".
    if s.chars().count() < 2 || rest.is_empty() {
        return Err(Invalid);
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(Invalid);
        }
        let n: i64 = rest[..digits].parse().map_err(|_| Invalid)?;
        rest = &rest[digits..];
        let (scale, len): (i64, usize) = if rest.starts_with("ns") {
            (1, 2)
        } else if rest.starts_with("ms") {
            (1_000_000, 2)
        } else if rest.starts_with('u') {
            (1_000, 1)
        } else if rest.starts_with('µ') {
            (1_000, 'µ'.len_utf8())
        } else if rest.starts_with('s') {
            (1_000_000_000, 1)
        } else if rest.starts_with('m') {
            (60_000_000_000, 1)
        } else if rest.starts_with('h') {
            (3_600_000_000_000, 1)
        } else if rest.starts_with('d') {
            (86_400_000_000_000, 1)
        } else if rest.starts_with('w') {
            (604_800_000_000_000, 1)
        } else {
            return Err(Invalid);
        };
        let part = n.checked_mul(scale).ok_or(Overflow)?;
        total = total.checked_add(part).ok_or(Overflow)?;
        rest = &rest[len..];
    }
    Ok(if neg { -total } else { total })
}

fn go(s: &str) -> Result<i64, DurationError> {
    use DurationError::{Invalid, Overflow};
    let (negative, mut rest) = match s.as_bytes().first() {
        None => return Err(Invalid),
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        Some(_) => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(Invalid);
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..num_end];
        if number.is_empty() || number == "." {
            return Err(Invalid);
        }
        let value: f64 = number.parse().map_err(|_| Invalid)?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale: f64 = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(Invalid),
        };
        rest = &rest[unit_end..];
        total += value * scale;
    }
    if total > i64::MAX as f64 {
        return Err(Overflow);
    }
    let n = total.round() as i64;
    Ok(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::DurationError::{Invalid, Overflow};
    use super::DurationSyntax::{Go, Influxql};
    use super::*;

    #[test]
    fn influxql_durations_are_nanoseconds() {
        let d = |s| parse_duration(s, Influxql);
        assert_eq!(d("10u"), Ok(10_000));
        assert_eq!(d("10µ"), Ok(10_000));
        assert_eq!(d("10ms"), Ok(10_000_000));
        assert_eq!(d("10s"), Ok(10_000_000_000));
        assert_eq!(d("5m"), Ok(300_000_000_000));
        assert_eq!(d("1h"), Ok(3_600_000_000_000));
        assert_eq!(d("1d"), Ok(86_400_000_000_000));
        assert_eq!(d("1w"), Ok(604_800_000_000_000));
        assert_eq!(d("5ns"), Ok(5));
    }

    #[test]
    fn influxql_durations_take_several_parts_and_a_minus() {
        let d = |s| parse_duration(s, Influxql);
        assert_eq!(d("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(d("-1m30s"), Ok(-90_000_000_000));
        assert_eq!(d("1m0s"), Ok(60_000_000_000));
    }

    #[test]
    fn influxql_durations_refuse_bare_numbers_units_and_fractions() {
        for bad in ["", "5", "-", "-5", "m", "90", "abc", "1.5h", "5x", "5m3"] {
            assert_eq!(parse_duration(bad, Influxql), Err(Invalid), "{bad:?}");
        }
    }

    #[test]
    fn influxql_overflow_is_told_apart_from_a_number_too_long() {
        assert_eq!(parse_duration("300000w", Influxql), Err(Overflow));
        assert_eq!(parse_duration("9223372037s", Influxql), Err(Overflow));
        assert_eq!(
            parse_duration("99999999999999999999s", Influxql),
            Err(Invalid)
        );
    }

    #[test]
    fn go_durations_parse_like_time_parse_duration() {
        let d = |s| parse_duration(s, Go).ok();
        assert_eq!(d("10s"), Some(10_000_000_000));
        assert_eq!(d("1m30s"), Some(90_000_000_000));
        assert_eq!(d("1.5h"), Some(5_400_000_000_000));
        assert_eq!(d("-250ms"), Some(-250_000_000));
        assert_eq!(d("+2us"), Some(2_000));
        assert_eq!(d("3µs"), Some(3_000));
        assert_eq!(d("3μs"), Some(3_000));
        assert_eq!(d("0"), Some(0));
        assert_eq!(d("10"), None);
        assert_eq!(d("10x"), None);
        assert_eq!(d("1d"), None);
        assert_eq!(d(""), None);
        assert_eq!(parse_duration("3000000h", Go), Err(Overflow));
    }
}
