//! Go's text renderings that lambda results and messages depend on: `%v` of values, influxql
//! duration literals, `strconv.Quote`. Float and `time.Duration` formatting come from
//! `tick_gotemplate::gofmt`, the one place that reproduces Go's number formatting.

use chrono::TimeZone;

use crate::value::V;

/// `strconv.FormatFloat(x, 'f', -1, 64)`: shortest round-trip digits, never an exponent.
pub(crate) fn float_f(x: f64) -> String {
    let mut out = String::new();
    tick_gotemplate::gofmt::write_decimal_float(&mut out, x);
    out
}

/// Go's `%v` of a float64 (`1e6` → `1e+06`), as templates print it.
pub(crate) fn float_v(x: f64) -> String {
    let mut out = String::new();
    tick_gotemplate::gofmt::write_float(&mut out, x);
    out
}

/// Go's `time.Duration.String()`: `1h0m0s`, `1.5s`, `500ms`, `0s`.
pub(crate) fn duration_go(d: i64) -> String {
    let mut out = String::new();
    tick_gotemplate::gofmt::write_duration(&mut out, d);
    out
}

/// influxql `FormatDuration`: the largest unit that divides the value exactly.
pub(crate) fn duration_influx(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    const UNITS: [(i64, &str); 7] = [
        (604_800_000_000_000, "w"),
        (86_400_000_000_000, "d"),
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "u"),
    ];
    for (n, unit) in UNITS {
        if d % n == 0 {
            return format!("{}{unit}", d / n);
        }
    }
    format!("{d}ns")
}

/// Go's `strconv.Quote`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `time.Time.String()` in `tz`: `2021-03-14 15:09:26.5 +0000 UTC`.
pub(crate) fn time_v(ns: i64, tz: chrono_tz::Tz) -> String {
    let t = tz.timestamp_nanos(ns);
    let mut out = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let sub = t.timestamp_subsec_nanos() as u64;
    if sub != 0 {
        // `.123` etc.: nine digits with the trailing zeros trimmed.
        let digits = format!("{sub:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push_str(&t.format(" %z %Z").to_string());
    out
}

/// Go's `%v` of a lambda value (used to print call arguments in signature errors).
pub(crate) fn value_v(v: &V<'_>, tz: chrono_tz::Tz) -> String {
    match v {
        V::Float(x) => float_v(*x),
        V::Int(i) => i.to_string(),
        V::Str(s) => s.to_string(),
        V::Bool(b) => b.to_string(),
        V::Dur(d) => duration_go(*d),
        V::Time(t) => time_v(*t, tz),
        V::Regex(r) => r.as_str().to_string(),
        V::Missing => "<nil>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_v_switches_to_exponent_from_one_million() {
        assert_eq!(float_v(2.0), "2");
        assert_eq!(float_v(123456.0), "123456");
        assert_eq!(float_v(1e6), "1e+06");
        assert_eq!(float_v(1.5e-7), "1.5e-07");
        assert_eq!(float_v(0.0001), "0.0001");
        assert_eq!(float_v(-2.5), "-2.5");
    }

    #[test]
    fn go_duration_string_matches_time_package() {
        assert_eq!(duration_go(300_000_000_000), "5m0s");
        assert_eq!(duration_go(3_600_000_000_000), "1h0m0s");
        assert_eq!(duration_go(1_500_000_000), "1.5s");
        assert_eq!(duration_go(1_000_000_000), "1s");
        assert_eq!(duration_go(500_000_000), "500ms");
        assert_eq!(duration_go(1_500), "1.5µs");
        assert_eq!(duration_go(100), "100ns");
        assert_eq!(duration_go(-90_000_000_000), "-1m30s");
        assert_eq!(duration_go(0), "0s");
        assert_eq!(duration_go(i64::MIN), "-2562047h47m16.854775808s");
    }

    #[test]
    fn influxql_duration_uses_largest_exact_unit() {
        assert_eq!(duration_influx(0), "0s");
        assert_eq!(duration_influx(1_500_000_000), "1500ms");
        assert_eq!(duration_influx(36 * 3_600_000_000_000), "36h");
        assert_eq!(duration_influx(14 * 86_400_000_000_000), "2w");
        assert_eq!(duration_influx(1_000), "1u");
        assert_eq!(duration_influx(-90_000_000_000), "-90s");
        assert_eq!(duration_influx(90_000_000_000), "90s");
        assert_eq!(duration_influx(3_600_000_000_000), "1h");
        assert_eq!(duration_influx(7), "7ns");
    }

    #[test]
    fn quote_escapes_like_go() {
        assert_eq!(quote("yes"), "\"yes\"");
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(quote("\u{1}"), "\"\\x01\"");
        assert_eq!(quote("é"), "\"é\"");
    }

    #[test]
    fn time_string_matches_go_layout() {
        assert_eq!(
            time_v(1_615_734_566_000_000_000, chrono_tz::UTC),
            "2021-03-14 15:09:26 +0000 UTC"
        );
        assert_eq!(
            time_v(1_615_734_566_500_000_000, chrono_tz::UTC),
            "2021-03-14 15:09:26.5 +0000 UTC"
        );
    }
}
