//! The alert JSON (Kapacitor's `alert.Data`, from `Event.AlertData` in alert/types.go at v1.5.7) as
//! Go's `json.NewEncoder(w).Encode` writes it (<https://pkg.go.dev/encoding/json>): key order,
//! times, durations, ES6 floats, HTML-escaped strings, the trailing newline. Also the JSON of the
//! details data behind the default `{{ json . }}` details (the `json` function of `newAlertNode`,
//! alert.go). Owns encoding only.

use tick_gotemplate::gofmt;
use tick_lambda::FieldValue;

use crate::event::{Event, Row, RowValue};

/// Why an event could not be encoded; the handler logs `failed to marshal alert data json` and
/// sends nothing (as the handlers of Kapacitor's services/alert/handlers.go at v1.5.7 do, e.g.
/// `logHandler.Handle`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonError {
    /// Go: `json: unsupported value: NaN` (or `+Inf`, `-Inf`).
    #[error("json: unsupported value: {0}")]
    UnsupportedValue(&'static str),
}

/// Encodes the alert data of `event` (Kapacitor `alert.Data`) followed by `\n`, appending to
/// `out`. On error `out` is left as it was.
pub fn encode_event(event: &Event, out: &mut String) -> Result<(), JsonError> {
    if let Some(Some(line)) = event.json.0.get() {
        out.push_str(line);
        return Ok(());
    }
    let start = out.len();
    out.reserve(size_hint(event));
    let r = write_event(event, out);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// The alert JSON line of `event` (with its newline), encoded the first time and kept with the
/// event, so that later [`encode_event`] calls copy it; `None` when it cannot be encoded.
pub fn event_json(event: &Event) -> Option<&str> {
    event
        .json
        .0
        .get_or_init(|| event_to_string(event).ok().map(String::into_boxed_str))
        .as_deref()
}

/// [`encode_event`] into a new string.
pub fn event_to_string(event: &Event) -> Result<String, JsonError> {
    let mut s = String::with_capacity(size_hint(event));
    encode_event(event, &mut s)?;
    Ok(s)
}

/// A generous estimate of the encoded length, so that the output grows at most once.
fn size_hint(event: &Event) -> usize {
    let st = &event.state;
    let mut n = 224 + st.id.len() + st.message.len() + st.details.len();
    if let Some(row) = &event.data.result {
        n += 48 + row.name.len();
        n += row
            .tags
            .iter()
            .map(|(k, v)| k.len() + v.len() + 6)
            .sum::<usize>();
        n += row.columns.iter().map(|c| c.len() + 3).sum::<usize>();
        n += row.values.iter().map(|vs| 2 + 24 * vs.len()).sum::<usize>();
    }
    n + n / 8
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
    // The event time is usually the time of the row's point too: its text is made once.
    let time = TimeText::new(st.time);
    out.push_str(time.quoted());
    out.push_str(",\"duration\":");
    write_int(out, st.duration);
    out.push_str(",\"level\":\"");
    out.push_str(st.level.as_str());
    out.push_str("\",\"data\":{\"series\":");
    match &event.data.result {
        None => out.push_str("null"),
        Some(row) => {
            out.push('[');
            write_row_with(out, row, &time)?;
            out.push(']');
        }
    }
    out.push_str("},\"previousLevel\":\"");
    out.push_str(event.previous_level.as_str());
    out.push_str(if event.data.recoverable {
        "\",\"recoverable\":true}\n"
    } else {
        "\",\"recoverable\":false}\n"
    });
    Ok(())
}

/// One `models.Row`: each key omitted when empty.
pub fn write_row(out: &mut String, row: &Row) -> Result<(), JsonError> {
    let first_time = row.values.first().and_then(|vs| match vs.first() {
        Some(RowValue::Time(t)) => Some(*t),
        _ => None,
    });
    write_row_with(out, row, &TimeText::new(first_time.unwrap_or(0)))
}

/// [`write_row`] with the text of one time already made (`known`), reused for every value at
/// that time.
fn write_row_with(out: &mut String, row: &Row, known: &TimeText) -> Result<(), JsonError> {
    out.push('{');
    let mut first = true;
    let mut key = |out: &mut String, k: &str| {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(k);
    };
    if !row.name.is_empty() {
        key(out, "\"name\":");
        write_string(out, &row.name);
    }
    if !row.tags.is_empty() {
        key(out, "\"tags\":");
        write_string_map(out, &row.tags);
    }
    if !row.columns.is_empty() {
        key(out, "\"columns\":");
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
        key(out, "\"values\":");
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
                    RowValue::Time(t) if *t == known.nanos => out.push_str(known.quoted()),
                    RowValue::Time(t) => out.push_str(TimeText::new(*t).quoted()),
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
        FieldValue::Int(i) | FieldValue::Duration(i) => write_int(out, *i),
        FieldValue::String(s) => write_string(out, s),
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
    Ok(())
}

/// An integer in decimal, without the formatting machinery.
fn write_int(out: &mut String, i: i64) {
    let mut buf = [b'-'; 21];
    let mut at = buf.len();
    let mut v = i.unsigned_abs();
    while v >= 100 {
        at -= 2;
        gofmt::put2(&mut buf, at, (v % 100) as u32);
        v /= 100;
    }
    if v >= 10 {
        at -= 2;
        gofmt::put2(&mut buf, at, v as u32);
    } else {
        at -= 1;
        buf[at] = b'0' + v as u8;
    }
    if i < 0 {
        // `buf` is filled with `-`: the sign is already there.
        at -= 1;
    }
    push_ascii(out, &buf[at..]);
}

/// Appends bytes known to be ASCII digits and punctuation.
fn push_ascii(out: &mut String, bytes: &[u8]) {
    if bytes.len() <= 8 {
        // A few digits: cheaper one by one than checked and copied.
        out.extend(bytes.iter().map(|&b| char::from(b)));
        return;
    }
    // The bytes are ASCII, so the conversion cannot fail; `""` keeps this panic free.
    out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
}

/// A float as Go's `encoding/json` writes it (its float encoder converts as ES6 does,
/// <https://pkg.go.dev/encoding/json>): plain decimal with the shortest round-trip digits when
/// `x == 0` or `1e-6 <= |x| < 1e21`, otherwise the shortest digits in exponent form with an
/// explicit sign and no zero padding (`1e+21`, `1e-7`).
pub fn write_float(out: &mut String, x: f64) -> Result<(), JsonError> {
    if write_short_float(out, x) {
        return Ok(());
    }
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

/// Powers of ten that are exact doubles.
const POW10: [f64; 18] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17,
];

/// The shortest round-trip decimal of `x` when it is found cheaply: `x` a whole number below
/// 2^53, or `x` with `1e-6 <= |x| < 2^52` and a unique shortest decimal of at most 17 fraction
/// digits whose integer scaled by the power of ten stays below 2^53. Returns false, writing
/// nothing, in every other case (zero, NaN, infinities and the rest go the general way).
///
/// Why this is the shortest round-trip text: for `k` fraction digits, the decimal `c / 10^k`
/// (`c < 2^53`, `10^k` exact) reads back as `x` exactly when the correctly rounded quotient
/// `c as f64 / 10^k` equals `x`, which is what is checked. A non-integral `x` below 2^52 has
/// no integral decimal reading back as it, so the shortest text has the fewest fraction digits
/// `k`. At scale `10^k` the decimals reading back as `x` lie within half an ulp of `x`
/// (scaled: `w / 2`, `w = ulp(x) * 10^k`) and the rounded product `x * 10^k` is off by at most
/// `w`, so while `w <= 0.3` the only candidate lies within 0.45 of the product: one of the
/// integers next to it, which are all tried (`n` below is within one of the product's nearest
/// integer). Once `w` is larger, the general path decides.
fn write_short_float(out: &mut String, x: f64) -> bool {
    const TWO_53: f64 = 9_007_199_254_740_992.0;
    let a = x.abs();
    if !(1e-6..TWO_53).contains(&a) {
        return false;
    }
    if a.fract() == 0.0 {
        if x < 0.0 {
            out.push('-');
        }
        write_int(out, a as i64);
        return true;
    }
    if a >= TWO_53 / 2.0 {
        return false;
    }
    let ulp = f64::from_bits(a.to_bits() + 1) - a;
    for (k, &p) in POW10.iter().enumerate().skip(1) {
        if ulp * p > 0.3 {
            return false;
        }
        let y = a * p;
        if y >= TWO_53 / 2.0 {
            return false;
        }
        // Within one of the nearest integer, which is all the candidates below need.
        let n = (y + 0.5) as u64;
        let found = [n, n.wrapping_sub(1), n + 1]
            .into_iter()
            .find(|&c| c != u64::MAX && c as f64 / p == a);
        let Some(c) = found else {
            continue;
        };
        if x < 0.0 {
            out.push('-');
        }
        let scale = 10u64.pow(k as u32);
        write_int(out, (c / scale) as i64);
        let mut frac = [b'0'; 17];
        let mut f = c % scale;
        for slot in frac[..k].iter_mut().rev() {
            *slot = b'0' + (f % 10) as u8;
            f /= 10;
        }
        let mut len = k;
        while len > 0 && frac[len - 1] == b'0' {
            len -= 1;
        }
        if len > 0 {
            out.push('.');
            push_ascii(out, &frac[..len]);
        }
        return true;
    }
    false
}

/// A JSON string with Go's default escaping, HTML escaping included (no Kapacitor handler calls
/// `Encoder.SetEscapeHTML(false)`; <https://pkg.go.dev/encoding/json#Encoder.SetEscapeHTML>).
pub fn write_string(out: &mut String, s: &str) {
    gofmt::write_json_string(out, s);
}

/// A time as a JSON string in RFC3339 with up to nine fractional digits, trailing zeros
/// trimmed, `Z` for UTC (Go `time.RFC3339Nano`).
pub fn write_time(out: &mut String, nanos: i64) {
    out.push_str(TimeText::new(nanos).quoted());
}

/// RFC3339Nano text of `nanos` since the epoch, UTC. Every i64 nanosecond time lies within
/// years 1677–2262, so Go's year 0–9999 limit cannot be reached.
pub fn write_rfc3339_nano(out: &mut String, nanos: i64) {
    let t = TimeText::new(nanos);
    let q = t.quoted();
    out.push_str(&q[1..q.len() - 1]);
}

/// The quoted RFC3339Nano text of one time, made on the stack.
struct TimeText {
    nanos: i64,
    /// `"YYYY-MM-DDThh:mm:ss.fffffffffZ"` at most: 32 bytes.
    buf: [u8; 32],
    len: usize,
}

impl TimeText {
    fn new(nanos: i64) -> TimeText {
        let secs = nanos.div_euclid(1_000_000_000);
        let frac = nanos.rem_euclid(1_000_000_000) as u32;
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        let (y, m, d) = gofmt::civil_date(days);
        // i64 nanoseconds span years 1677–2262: four digits always suffice.
        let y = y.clamp(0, 9999) as u32;
        let mut b = *b"\"0000-00-00T00:00:00.000000000Z\"";
        let len = gofmt::put_date_clock(&mut b, 1, (y, m, d), sod, frac);
        b[len] = b'Z';
        b[len + 1] = b'"';
        TimeText {
            nanos,
            buf: b,
            len: len + 2,
        }
    }

    /// The text with its quotes.
    fn quoted(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("\"\"")
    }
}

/// The escaping html/template applies to the (untrusted) output of `json` in HTML text
/// (html/template escapes every value that is not `template.HTML` in HTML text,
/// <https://pkg.go.dev/html/template>): `"` `'` `+` `<` `>` `&` as entities, NUL as U+FFFD.
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

    /// The general path (Go's rules over Rust's shortest round-trip digits).
    fn general_float(x: f64) -> String {
        let mut s = String::new();
        gofmt::write_json_float(&mut s, x).unwrap();
        s
    }

    #[test]
    fn the_quick_float_path_writes_what_the_general_path_writes() {
        // Decimal-looking values like line protocol carries, whole numbers, tiny and huge
        // ones, and raw bit patterns spread over the whole range.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut checked = 0;
        for _ in 0..200_000 {
            let r = next();
            let digits = (r % 1_000_000_000_000) as f64;
            let scale = POW10[(r >> 40) as usize % 18];
            let candidates = [
                digits / scale,
                -(digits / scale),
                (r >> 11) as f64 / (1u64 << 53) as f64,
                f64::from_bits(r & 0x7fff_ffff_ffff_ffff),
                f64::from_bits(0x3eb0_0000_0000_0000 + (r >> 20)),
                (r % 100_000) as f64 / 10.0,
            ];
            for x in candidates {
                if !x.is_finite() {
                    continue;
                }
                let mut quick = String::new();
                if write_short_float(&mut quick, x) {
                    assert_eq!(quick, general_float(x), "{x:e}");
                    checked += 1;
                }
            }
        }
        // Most decimal-looking values take the quick path.
        assert!(checked > 300_000, "{checked}");
    }

    #[test]
    fn quick_floats_match_known_texts() {
        assert_eq!(float(16.1), "16.1");
        assert_eq!(float(-87.6), "-87.6");
        assert_eq!(float(0.5), "0.5");
        assert_eq!(float(1e-6 * 3.0), "0.000003");
        assert_eq!(float(123456.789), "123456.789");
        assert_eq!(float(4503599627370495.5), "4503599627370495.5");
        assert_eq!(float(9007199254740991.0), "9007199254740991");
        assert_eq!(float(-9007199254740993.0), "-9007199254740992");
    }

    #[test]
    fn integers_are_written_in_full() {
        let int = |i: i64| {
            let mut s = String::new();
            write_int(&mut s, i);
            s
        };
        assert_eq!(int(0), "0");
        assert_eq!(int(7), "7");
        assert_eq!(int(-10), "-10");
        assert_eq!(int(90_000_000_000), "90000000000");
        assert_eq!(int(i64::MIN), "-9223372036854775808");
        assert_eq!(int(i64::MAX), "9223372036854775807");
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
            json: Default::default(),
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
