//! Go `time.Time` and `time.Duration` text: `Time.String()`, `Time.Format(layout)` with Go's
//! reference-time layouts, RFC3339Nano (JSON) and `Duration.String()`
//! (<https://pkg.go.dev/time#Time.String>, <https://pkg.go.dev/time#Duration.String>).

use std::fmt::Write as _;

use crate::value::GoTime;

/// A civil date and time in the time's own zone.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    yday: u32,
    weekday: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
}

fn civil(t: &GoTime) -> Civil {
    let secs = t.unix_nanos.div_euclid(1_000_000_000) + i64::from(t.offset_secs);
    let nanos = t.unix_nanos.rem_euclid(1_000_000_000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_date(days);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const CUM: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = CUM[(month - 1) as usize] + day + u32::from(leap && month > 2);
    Civil {
        year,
        month,
        day,
        yday,
        weekday: (days + 4).rem_euclid(7) as u32,
        hour: sod / 3600,
        min: sod / 60 % 60,
        sec: sod % 60,
        nanos,
    }
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day), after H. Hinnant's
/// algorithm.
pub fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The two-digit texts `00` to `99`, back to back.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Writes the two low decimal digits of `v` at `b[at..at + 2]`.
pub fn put2(b: &mut [u8], at: usize, v: u32) {
    let i = (v % 100) as usize * 2;
    if let (Some(d), Some(p)) = (b.get_mut(at..at + 2), PAIRS.get(i..i + 2)) {
        d.copy_from_slice(p);
    }
}

/// Writes the date and clock of `b[at..]` as `YYYY-MM-DD?hh:mm:ss` (the byte at `at + 10`,
/// between date and time, is left as it is) for `(year, month, day)` (year 0 to 9999) and
/// `sod` seconds of the day, then `.` and the nanoseconds without trailing zeros unless
/// `nanos` is 0. Returns the end. Shared by Go's `Time.String()` and RFC 3339 in alert JSON.
pub fn put_date_clock(
    b: &mut [u8],
    at: usize,
    (year, month, day): (u32, u32, u32),
    sod: u32,
    nanos: u32,
) -> usize {
    put2(b, at, year / 100);
    put2(b, at + 2, year);
    put2(b, at + 5, month);
    put2(b, at + 8, day);
    put2(b, at + 11, sod / 3600);
    put2(b, at + 14, sod / 60 % 60);
    put2(b, at + 17, sod % 60);
    let mut end = at + 19;
    if nanos == 0 || b.len() < end + 10 {
        return end;
    }
    b[end] = b'.';
    b[end + 1] = b'0' + (nanos / 100_000_000) as u8;
    let r = nanos % 100_000_000;
    put2(b, end + 2, r / 1_000_000);
    put2(b, end + 4, r / 10_000);
    put2(b, end + 6, r / 100);
    put2(b, end + 8, r);
    end += 10;
    // `nanos` is not 0: a digit other than 0 stops this before the dot.
    while b[end - 1] == b'0' {
        end -= 1;
    }
    end
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn pad(out: &mut String, v: i64, width: usize) {
    if width == 4 && (0..10_000).contains(&v) {
        let v = v as u32;
        two(out, v / 100);
        two(out, v % 100);
        return;
    }
    if v < 0 {
        out.push('-');
    }
    let _ = write!(out, "{:0width$}", v.unsigned_abs());
}

fn two(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// Fraction of a second: `digits` places; `trim` drops trailing zeros (and the separator when
/// nothing is left), as Go's `.999` layouts do.
fn fraction(out: &mut String, nanos: u32, sep: char, digits: usize, trim: bool) {
    let mut buf = [0u8; 9];
    let mut n = nanos;
    for i in (0..9).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let mut len = digits.min(9);
    if trim {
        while len > 0 && buf[len - 1] == b'0' {
            len -= 1;
        }
        if len == 0 {
            return;
        }
    }
    out.push(sep);
    for b in &buf[..len] {
        out.push(char::from(*b));
    }
}

/// A numeric zone offset: `-0700` style with optional colons and seconds.
fn offset(out: &mut String, off: i32, colon: bool, minutes: bool, seconds: bool) {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs();
    out.push(sign);
    two(out, a / 3600);
    if minutes {
        if colon {
            out.push(':');
        }
        two(out, a / 60 % 60);
    }
    if seconds {
        if colon {
            out.push(':');
        }
        two(out, a % 60);
    }
}

/// Go `Time.String()`: `2016-06-01 12:00:00.123 +0000 UTC`.
pub fn write_time(out: &mut String, t: &GoTime) {
    let secs = t.unix_nanos.div_euclid(1_000_000_000) + i64::from(t.offset_secs);
    let nanos = t.unix_nanos.rem_euclid(1_000_000_000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_date(days);
    if !(0..10_000).contains(&year) {
        write_time_slow(out, t, &civil(t));
        return;
    }
    // Hot path (every `{{ .Time }}`): assemble in a stack buffer, then append once.
    let mut b = *b"0000-00-00 00:00:00.000000000 +0000 ";
    let mut n = put_date_clock(&mut b, 0, (year as u32, month, day), sod, nanos);
    let off = t.offset_secs;
    let a = off.unsigned_abs();
    b[n] = b' ';
    b[n + 1] = if off < 0 { b'-' } else { b'+' };
    put2(&mut b, n + 2, a / 3600);
    put2(&mut b, n + 4, a / 60 % 60);
    b[n + 6] = b' ';
    n += 7;
    out.push_str(std::str::from_utf8(&b[..n]).unwrap_or_default());
    zone_name(out, t);
}

fn write_time_slow(out: &mut String, t: &GoTime, c: &Civil) {
    pad(out, c.year, 4);
    out.push('-');
    two(out, c.month);
    out.push('-');
    two(out, c.day);
    out.push(' ');
    two(out, c.hour);
    out.push(':');
    two(out, c.min);
    out.push(':');
    two(out, c.sec);
    fraction(out, c.nanos, '.', 9, true);
    out.push(' ');
    offset(out, t.offset_secs, false, true, false);
    out.push(' ');
    zone_name(out, t);
}

fn zone_name(out: &mut String, t: &GoTime) {
    if t.zone.is_empty() {
        // Go prints a nameless zone as its offset.
        offset(out, t.offset_secs, false, true, false);
    } else {
        out.push_str(t.zone);
    }
}

/// RFC 3339 with up to nine fractional digits, trailing zeros trimmed, `Z` for UTC
/// (`2016-06-01T12:00:00.123Z`), as Go's `Time.MarshalJSON` writes it (without quotes).
/// Fails, as Go does, for a year outside 0–9999.
pub fn write_rfc3339_nano(out: &mut String, t: &GoTime) -> Result<(), YearOutOfRange> {
    let c = civil(t);
    if !(0..=9999).contains(&c.year) {
        return Err(YearOutOfRange);
    }
    pad(out, c.year, 4);
    out.push('-');
    two(out, c.month);
    out.push('-');
    two(out, c.day);
    out.push('T');
    two(out, c.hour);
    out.push(':');
    two(out, c.min);
    out.push(':');
    two(out, c.sec);
    fraction(out, c.nanos, '.', 9, true);
    if t.offset_secs == 0 {
        out.push('Z');
    } else {
        offset(out, t.offset_secs, true, true, false);
    }
    Ok(())
}

/// A time whose year is outside 0–9999 cannot be written as RFC 3339 JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearOutOfRange;

impl std::fmt::Display for YearOutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Time.MarshalJSON: year outside of range [0,9999]")
    }
}

impl std::error::Error for YearOutOfRange {}

/// Go `Time.Format(layout)` with the reference time `Mon Jan 2 15:04:05 MST 2006`.
// Long because it is Go's table of layout elements (time/format.go, `nextStdChunk` and
// `Time.AppendFormat`): one arm per element.
pub fn format_time(out: &mut String, t: &GoTime, layout: &str) {
    let c = civil(t);
    let b = layout.as_bytes();
    let mut i = 0;
    let starts = |i: usize, s: &str| b[i..].starts_with(s.as_bytes());
    while i < b.len() {
        let rest_len;
        match b[i] {
            b'J' if starts(i, "January") => {
                out.push_str(MONTHS[(c.month - 1) as usize]);
                rest_len = 7;
            }
            b'J' if starts(i, "Jan") => {
                out.push_str(&MONTHS[(c.month - 1) as usize][..3]);
                rest_len = 3;
            }
            b'M' if starts(i, "Monday") => {
                out.push_str(DAYS[c.weekday as usize]);
                rest_len = 6;
            }
            b'M' if starts(i, "Mon") => {
                out.push_str(&DAYS[c.weekday as usize][..3]);
                rest_len = 3;
            }
            b'M' if starts(i, "MST") => {
                zone_name(out, t);
                rest_len = 3;
            }
            b'0' if starts(i, "002") => {
                let _ = write!(out, "{:03}", c.yday);
                rest_len = 3;
            }
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => {
                match b[i + 1] {
                    b'1' => two(out, c.month),
                    b'2' => two(out, c.day),
                    b'3' => two(out, hour12(c.hour)),
                    b'4' => two(out, c.min),
                    b'5' => two(out, c.sec),
                    _ => two(out, c.year.rem_euclid(100) as u32),
                }
                rest_len = 2;
            }
            b'1' if starts(i, "15") => {
                two(out, c.hour);
                rest_len = 2;
            }
            b'1' => {
                let _ = write!(out, "{}", c.month);
                rest_len = 1;
            }
            b'2' if starts(i, "2006") => {
                pad(out, c.year, 4);
                rest_len = 4;
            }
            b'2' => {
                let _ = write!(out, "{}", c.day);
                rest_len = 1;
            }
            b'_' if starts(i, "_2006") => {
                out.push('_');
                pad(out, c.year, 4);
                rest_len = 5;
            }
            b'_' if starts(i, "__2") => {
                let _ = write!(out, "{:>3}", c.yday);
                rest_len = 3;
            }
            b'_' if starts(i, "_2") => {
                let _ = write!(out, "{:>2}", c.day);
                rest_len = 2;
            }
            b'3' => {
                let _ = write!(out, "{}", hour12(c.hour));
                rest_len = 1;
            }
            b'4' => {
                let _ = write!(out, "{}", c.min);
                rest_len = 1;
            }
            b'5' => {
                let _ = write!(out, "{}", c.sec);
                rest_len = 1;
            }
            b'P' if starts(i, "PM") => {
                out.push_str(if c.hour >= 12 { "PM" } else { "AM" });
                rest_len = 2;
            }
            b'p' if starts(i, "pm") => {
                out.push_str(if c.hour >= 12 { "pm" } else { "am" });
                rest_len = 2;
            }
            b'-' | b'Z' if zone_layout(&b[i + 1..]).is_some() => {
                let (len, colon, minutes, seconds) = zone_layout(&b[i + 1..]).unwrap_or_default();
                if b[i] == b'Z' && t.offset_secs == 0 {
                    out.push('Z');
                } else {
                    offset(out, t.offset_secs, colon, minutes, seconds);
                }
                rest_len = 1 + len;
            }
            b'.' | b',' if i + 1 < b.len() && (b[i + 1] == b'0' || b[i + 1] == b'9') => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == ch {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    out.push(char::from(b[i]));
                    rest_len = 1;
                } else {
                    fraction(out, c.nanos, char::from(b[i]), j - i - 1, ch == b'9');
                    rest_len = j - i;
                }
            }
            _ => {
                // Copy one UTF-8 character literally.
                let ch_len = layout[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&layout[i..i + ch_len]);
                rest_len = ch_len;
            }
        }
        i += rest_len;
    }
}

fn hour12(h: u32) -> u32 {
    match h % 12 {
        0 => 12,
        x => x,
    }
}

/// After a `-` or `Z`: the zone layout forms `070000`, `07:00:00`, `0700`, `07:00`, `07`.
/// Returns (length, colon, minutes, seconds).
fn zone_layout(b: &[u8]) -> Option<(usize, bool, bool, bool)> {
    for (pat, colon, minutes, seconds) in [
        ("070000", false, true, true),
        ("07:00:00", true, true, true),
        ("0700", false, true, false),
        ("07:00", true, true, false),
        ("07", false, false, false),
    ] {
        if b.starts_with(pat.as_bytes()) {
            return Some((pat.len(), colon, minutes, seconds));
        }
    }
    None
}

/// Go `Duration.String()`: `1m30s`, `1.5µs`, `1h0m0s`, `0s`, `-2562047h47m16.854775808s`.
pub fn write_duration(out: &mut String, d: i64) {
    if d == 0 {
        out.push_str("0s");
        return;
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    if neg {
        out.push('-');
    }
    if u < 1_000_000_000 {
        let (unit, scale) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        frac_number(out, u, scale);
        out.push_str(unit);
        return;
    }
    let secs = u / 1_000_000_000;
    let h = secs / 3600;
    let m = secs / 60 % 60;
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if secs >= 60 {
        let _ = write!(out, "{m}m");
    }
    frac_number(out, u % 60_000_000_000, 1_000_000_000);
    out.push('s');
}

/// Writes `v / scale` with the fraction's trailing zeros trimmed.
fn frac_number(out: &mut String, v: u64, scale: u64) {
    let _ = write!(out, "{}", v / scale);
    let mut f = v % scale;
    if f == 0 || scale == 1 {
        return;
    }
    let mut width = scale.ilog10() as usize;
    while f.is_multiple_of(10) {
        f /= 10;
        width -= 1;
    }
    let _ = write!(out, ".{f:0width$}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_buffer_time_string_matches_the_field_by_field_one() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for i in 0..20_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Whole seconds, milliseconds and full nanoseconds over the whole i64 range.
            let ns = match i % 3 {
                0 => (seed as i64) / 1_000_000_000 * 1_000_000_000,
                1 => (seed as i64) / 1_000_000 * 1_000_000,
                _ => seed as i64,
            };
            let offset = [0, 7200, -(5 * 3600 + 1800), 45 * 60, -(14 * 3600)][(i % 5) as usize];
            for zone in ["UTC", ""] {
                let t = GoTime::with_zone(ns, offset, zone);
                let mut fast = String::new();
                write_time(&mut fast, &t);
                let mut slow = String::new();
                write_time_slow(&mut slow, &t, &civil(&t));
                assert_eq!(fast, slow, "{ns} {offset}");
            }
        }
    }
}
