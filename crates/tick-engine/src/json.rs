//! The alert JSON (spec §5.5) as Go's `json.NewEncoder(w).Encode` writes it: key order, times,
//! durations, ES6 floats, HTML-escaped strings, the trailing newline. Also the JSON of the
//! details data behind the default `{{ json . }}` details (§5.6). Owns encoding only.

use std::fmt::Write as _;

use tick_gotemplate::gofmt;
use tick_lambda::FieldValue;

use crate::event::{Event, Row, RowValue};

/// Why an event could not be encoded; the handler logs `failed to marshal alert data json`
/// and sends nothing (spec §5.5).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonError {
    /// Go: `json: unsupported value: NaN` (or `+Inf`, `-Inf`).
    #[error("json: unsupported value: {0}")]
    UnsupportedValue(&'static str),
}

/// Encodes the alert data of `event` (Kapacitor `alert.Data`) followed by `\n`, appending to
/// `out`. On error `out` is left as it was.
pub fn encode_event(event: &Event, out: &mut String) -> Result<(), JsonError> {
    let start = out.len();
    let r = write_event(event, out);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// [`encode_event`] into a new string.
pub fn event_to_string(event: &Event) -> Result<String, JsonError> {
    let mut s = String::with_capacity(256);
    encode_event(event, &mut s)?;
    Ok(s)
}

fn write_event(event: &Event, out: &mut String) -> Result<(), JsonError> {
    let st = &event.state;
    out.push_str("{\"id\":");
    write_string(out, &st.id);
    out.push_str(",\"message\":");
    write_string(out, &st.message);
    out.push_str(",\"details\":");
    write_string(out, &st.details);
    out.push_str(",\"time\":");
    write_time(out, st.time);
    out.push_str(",\"duration\":");
    let _ = write!(out, "{}", st.duration);
    out.push_str(",\"level\":\"");
    out.push_str(st.level.as_str());
    out.push_str("\",\"data\":{\"series\":");
    match &event.data.result {
        None => out.push_str("null"),
        Some(row) => {
            out.push('[');
            write_row(out, row)?;
            out.push(']');
        }
    }
    out.push_str("},\"previousLevel\":\"");
    out.push_str(event.previous_level.as_str());
    out.push_str("\",\"recoverable\":");
    out.push_str(if event.data.recoverable {
        "true"
    } else {
        "false"
    });
    out.push_str("}\n");
    Ok(())
}

/// One `models.Row`: each key omitted when empty.
pub fn write_row(out: &mut String, row: &Row) -> Result<(), JsonError> {
    out.push('{');
    let mut first = true;
    let mut key = |out: &mut String, k: &str| {
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(k);
        out.push_str("\":");
    };
    if !row.name.is_empty() {
        key(out, "name");
        write_string(out, &row.name);
    }
    if !row.tags.is_empty() {
        key(out, "tags");
        write_string_map(out, &row.tags);
    }
    if !row.columns.is_empty() {
        key(out, "columns");
        out.push('[');
        for (i, c) in row.columns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(out, c);
        }
        out.push(']');
    }
    if !row.values.is_empty() {
        key(out, "values");
        out.push('[');
        for (i, vs) in row.values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            for (j, v) in vs.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                match v {
                    RowValue::Time(t) => write_time(out, *t),
                    RowValue::Field(f) => write_field(out, f)?,
                    RowValue::Tag(Some(s)) => write_string(out, s),
                    RowValue::Tag(None) => out.push_str("null"),
                }
            }
            out.push(']');
        }
        out.push(']');
    }
    out.push('}');
    Ok(())
}

/// A JSON object of string values; `pairs` must be sorted by key (Go sorts map keys bytewise).
pub fn write_string_map(out: &mut String, pairs: &[(String, String)]) {
    out.push('{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, k);
        out.push(':');
        write_string(out, v);
    }
    out.push('}');
}

/// A field value: floats ES6-style, ints in full, durations as integer nanoseconds.
pub fn write_field(out: &mut String, v: &FieldValue) -> Result<(), JsonError> {
    match v {
        FieldValue::Float(f) => write_float(out, *f)?,
        FieldValue::Int(i) | FieldValue::Duration(i) => {
            let _ = write!(out, "{i}");
        }
        FieldValue::String(s) => write_string(out, s),
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
    Ok(())
}

/// A float as Go's `encoding/json` writes it (spec §5.5): plain decimal with the shortest
/// round-trip digits when `x == 0` or `1e-6 <= |x| < 1e21`, otherwise the shortest digits in
/// exponent form with an explicit sign and no zero padding (`1e+21`, `1e-7`).
pub fn write_float(out: &mut String, x: f64) -> Result<(), JsonError> {
    gofmt::write_json_float(out, x).map_err(|_| {
        JsonError::UnsupportedValue(if x.is_nan() {
            "NaN"
        } else if x > 0.0 {
            "+Inf"
        } else {
            "-Inf"
        })
    })
}

/// A JSON string with Go's default escaping, HTML escaping included (spec §5.5).
pub fn write_string(out: &mut String, s: &str) {
    gofmt::write_json_string(out, s);
}

/// A time as a JSON string in RFC3339 with up to nine fractional digits, trailing zeros
/// trimmed, `Z` for UTC (Go `time.RFC3339Nano`).
pub fn write_time(out: &mut String, nanos: i64) {
    out.push('"');
    write_rfc3339_nano(out, nanos);
    out.push('"');
}

/// RFC3339Nano text of `nanos` since the epoch, UTC. Every i64 nanosecond time lies within
/// years 1677–2262, so Go's year 0–9999 limit cannot be reached.
pub fn write_rfc3339_nano(out: &mut String, nanos: i64) {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if (0..=9999).contains(&y) {
        // The common case without the formatting machinery (every event JSON has two times).
        push_padded(out, y as u64, 4);
        out.push('-');
        push_padded(out, u64::from(m), 2);
        out.push('-');
        push_padded(out, u64::from(d), 2);
        out.push('T');
        push_padded(out, (sod / 3600) as u64, 2);
        out.push(':');
        push_padded(out, (sod / 60 % 60) as u64, 2);
        out.push(':');
        push_padded(out, (sod % 60) as u64, 2);
    } else {
        let _ = write!(
            out,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        );
    }
    if frac != 0 {
        out.push('.');
        push_padded(out, frac as u64, 9);
        let trimmed = out.trim_end_matches('0').len();
        out.truncate(trimmed);
    }
    out.push('Z');
}

/// Appends `v` in decimal, zero-padded to `width` digits (`v` must fit in `width`, at most 20).
fn push_padded(out: &mut String, mut v: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let width = width.min(digits.len());
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    for &b in &digits[..width] {
        out.push(char::from(b));
    }
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The escaping html/template applies to the (untrusted) output of `json` in HTML text
/// (spec §5.6): `"` `'` `+` `<` `>` `&` as entities, NUL as U+FFFD.
pub fn html_escape(out: &mut String, s: &str) {
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "&#34;",
            b'\'' => "&#39;",
            b'+' => "&#43;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            0 => "\u{fffd}",
            _ => continue,
        };
        // Every escaped byte is ASCII, so the slices stay on char boundaries.
        out.push_str(&s[plain..i]);
        out.push_str(esc);
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::event::{EventData, EventState, Level};

    fn float(x: f64) -> String {
        let mut s = String::new();
        write_float(&mut s, x).unwrap();
        s
    }

    fn string(x: &str) -> String {
        let mut s = String::new();
        write_string(&mut s, x);
        s
    }

    fn time(n: i64) -> String {
        let mut s = String::new();
        write_rfc3339_nano(&mut s, n);
        s
    }

    #[test]
    fn floats_follow_the_es6_number_rules() {
        assert_eq!(float(42.0), "42");
        assert_eq!(float(-0.0), "-0");
        assert_eq!(float(0.0), "0");
        assert_eq!(float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(float(1e6), "1000000");
        assert_eq!(float(12345678.9), "12345678.9");
        assert_eq!(float(1e20), "100000000000000000000");
        assert_eq!(float(1e21), "1e+21");
        assert_eq!(float(1e-5), "0.00001");
        assert_eq!(float(1e-6), "0.000001");
        assert_eq!(float(1e-7), "1e-7");
        assert_eq!(float(2.5e-10), "2.5e-10");
        assert_eq!(float(5e-324), "5e-324");
        assert_eq!(float(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(float(-3.5), "-3.5");
    }

    #[test]
    fn nan_and_infinities_cannot_be_encoded() {
        let mut s = String::new();
        assert_eq!(
            write_float(&mut s, f64::NAN),
            Err(JsonError::UnsupportedValue("NaN"))
        );
        let e = write_float(&mut s, f64::INFINITY).unwrap_err();
        assert_eq!(e.to_string(), "json: unsupported value: +Inf");
        assert_eq!(s, "");
    }

    #[test]
    fn strings_are_html_escaped_like_go() {
        assert_eq!(string("<a&b>"), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(string("q\"b\\s/"), r#""q\"b\\s/""#);
        assert_eq!(
            string("\n\r\t\u{8}\u{c}\u{1}\u{1f}"),
            r#""\n\r\t\b\f\u0001\u001f""#
        );
        assert_eq!(
            string("\u{2028}\u{2029}\u{7f}é€"),
            "\"\\u2028\\u2029\u{7f}é€\""
        );
    }

    #[test]
    fn times_are_rfc3339_nano_with_trailing_zeros_trimmed() {
        let base = 1_464_782_400_000_000_000; // 2016-06-01T12:00:00Z
        assert_eq!(time(base), "2016-06-01T12:00:00Z");
        assert_eq!(time(base + 120_000_000), "2016-06-01T12:00:00.12Z");
        assert_eq!(time(base + 123_456_789), "2016-06-01T12:00:00.123456789Z");
        assert_eq!(time(0), "1970-01-01T00:00:00Z");
        assert_eq!(time(-1), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(time(951_782_400_000_000_000), "2000-02-29T00:00:00Z");
    }

    pub(crate) fn sample_event() -> Event {
        let t = 1_464_782_400_123_000_000;
        Event {
            topic: Arc::from("main:cpu:alert2"),
            state: EventState {
                id: "cpu:nil".into(),
                message: "cpu:nil is CRITICAL".into(),
                details: "...".into(),
                time: t,
                duration: 90_000_000_000,
                level: Level::Critical,
            },
            data: EventData {
                name: "cpu".into(),
                task_name: "cpu".into(),
                category: String::new(),
                group: String::new(),
                tags: vec![("host".into(), "a".into())],
                fields: vec![("value".into(), FieldValue::Float(42.0))],
                recoverable: true,
                result: Some(Row {
                    name: "cpu".into(),
                    tags: vec![("host".into(), "a".into())],
                    columns: vec!["time".into(), "value".into()],
                    values: vec![vec![
                        RowValue::Time(t),
                        RowValue::Field(FieldValue::Float(42.0)),
                    ]],
                }),
            },
            previous_level: Level::Ok,
        }
    }

    #[test]
    fn event_json_matches_the_documented_example_byte_for_byte() {
        let expected = concat!(
            r#"{"id":"cpu:nil","message":"cpu:nil is CRITICAL","details":"...","#,
            r#""time":"2016-06-01T12:00:00.123Z","duration":90000000000,"level":"CRITICAL","#,
            r#""data":{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","value"],"#,
            r#""values":[["2016-06-01T12:00:00.123Z",42]]}]},"previousLevel":"OK","recoverable":true}"#,
            "\n"
        );
        assert_eq!(event_to_string(&sample_event()).unwrap(), expected);
    }

    #[test]
    fn a_row_without_tags_has_no_tags_key_and_no_row_gives_null_series() {
        let mut e = sample_event();
        if let Some(r) = e.data.result.as_mut() {
            r.tags.clear();
        }
        let s = event_to_string(&e).unwrap();
        assert!(s.contains(r#"{"series":[{"name":"cpu","columns":["time","value"],"values""#));
        e.data.result = None;
        let s = event_to_string(&e).unwrap();
        assert!(
            s.contains(r#","data":{"series":null},"previousLevel""#),
            "{s}"
        );
    }

    #[test]
    fn a_nan_field_fails_the_whole_encode() {
        let mut e = sample_event();
        if let Some(r) = e.data.result.as_mut() {
            r.values[0][1] = RowValue::Field(FieldValue::Float(f64::NAN));
        }
        let mut out = String::from("kept");
        assert_eq!(
            encode_event(&e, &mut out),
            Err(JsonError::UnsupportedValue("NaN"))
        );
        assert_eq!(out, "kept");
    }

    #[test]
    fn details_text_is_escaped_again_inside_the_event_json() {
        let mut e = sample_event();
        e.state.details = "{&#34;Name&#34;:&#34;cpu&#34;}\n".into();
        let s = event_to_string(&e).unwrap();
        assert!(s.contains(r#""details":"{\u0026#34;Name\u0026#34;:\u0026#34;cpu\u0026#34;}\n","#));
    }

    #[test]
    fn html_escape_matches_html_template_text_context() {
        let mut s = String::new();
        html_escape(&mut s, "\"'+<>&\0x");
        assert_eq!(s, "&#34;&#39;&#43;&lt;&gt;&amp;\u{fffd}x");
    }
}
