//! Go `encoding/json` string escaping with HTML escaping on
//! (<https://pkg.go.dev/encoding/json#Marshal>; Kapacitor's handlers never call
//! `SetEscapeHTML(false)`, so `<`, `>`, `&` become `\u003c` ...).

use std::fmt::Write as _;

use super::{UnsupportedValue, write_json_float, write_rfc3339_nano};
use crate::value::Value;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `s` as a JSON string with quotes, as Go's encoder does by default: `<` `>` `&` as
/// `\u003c` `\u003e` `\u0026`, U+2028/U+2029 escaped, `\b` `\f` `\n` `\r` `\t` short forms,
/// other control bytes as `\u00XX`.
pub fn write_json_string(out: &mut String, s: &str) {
    if is_plain(s) {
        // Most strings (ids, tag values, messages) are plain ASCII that needs no escape.
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    out.push('"');
    write_body(out, s);
    out.push('"');
}

/// Bytes written as they are: printable ASCII other than `"` `\\` `<` `>` `&`.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x80 {
        t[b] = !matches!(b as u8, b'"' | b'\\' | b'<' | b'>' | b'&');
        b += 1;
    }
    t
};

/// Whether every byte of `s` is [`PLAIN`]: eight bytes at a time, then the rest one by one.
fn is_plain(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `v` is zero.
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // Non-ASCII bytes, bytes below 0x20, `\`, then `<`/`>` (0x3c/0x3e, which differ in
        // bit 1 only) and `"`/`&` (0x22/0x26, which differ in bit 2 only).
        if w & HIGH != 0
            || w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0
            || has_zero(w ^ (ONES * u64::from(b'\\')))
            || has_zero((w | (ONES * 0x02)) ^ (ONES * u64::from(b'>')))
            || has_zero((w | (ONES * 0x04)) ^ (ONES * u64::from(b'&')))
        {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| PLAIN[usize::from(b)])
}

/// Like [`write_json_string`] for raw bytes: each byte of invalid UTF-8 becomes `\ufffd`.
pub fn write_json_bytes(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        write_body(out, chunk.valid());
        // Go replaces each byte that does not start a valid sequence.
        for _ in chunk.invalid() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
}

fn write_body(out: &mut String, s: &str) {
    if is_plain(s) {
        out.push_str(s);
        return;
    }
    let mut start = 0;
    for (i, ch) in s.char_indices() {
        let esc: Option<&str> = match ch {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '\u{2028}' => Some("\\u2028"),
            '\u{2029}' => Some("\\u2029"),
            _ => None,
        };
        let needs_hex = (ch as u32) < 0x20 || ch == '<' || ch == '>' || ch == '&';
        if esc.is_none() && !needs_hex {
            continue;
        }
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let b = ch as u32 as u8;
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
        start = i + ch.len_utf8();
    }
    out.push_str(&s[start..]);
}

/// Why a value has no JSON form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum JsonValueError {
    /// NaN or ±Inf (`json: unsupported value: NaN`).
    Unsupported(UnsupportedValue),
    /// Nested deeper than [`MAX_JSON_DEPTH`] (Go would recurse on; we stop).
    TooDeep,
}

impl std::fmt::Display for JsonValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonValueError::Unsupported(u) => u.fmt(f),
            JsonValueError::TooDeep => f.write_str("json: nesting too deep"),
        }
    }
}

/// Deepest nesting [`write_json_value`] encodes.
pub const MAX_JSON_DEPTH: usize = 64;

/// Go `encoding/json` of a template value: structs in field order, maps sorted by key, times as
/// RFC3339Nano strings, durations as integer nanoseconds, a missing value as `null`. On error
/// `out` may hold a partial encoding.
pub fn write_json_value(out: &mut String, v: &Value<'_>) -> Result<(), JsonValueError> {
    write_json_at(out, v, 0)
}

fn write_json_at(out: &mut String, v: &Value<'_>, depth: usize) -> Result<(), JsonValueError> {
    if depth > MAX_JSON_DEPTH {
        return Err(JsonValueError::TooDeep);
    }
    match v {
        Value::NoValue => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::GoInt(i) | Value::Duration(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Uint(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) => write_json_float(out, *f).map_err(JsonValueError::Unsupported)?,
        Value::Str(s) => write_json_string(out, s),
        Value::Time(t) => {
            out.push('"');
            // Every i64 nanosecond time lies within years 1677-2262.
            let _ = write_rfc3339_nano(out, t);
            out.push('"');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, val)) in m.entries_sorted().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, k);
                out.push(':');
                write_json_at(out, &val, depth + 1)?;
            }
            out.push('}');
        }
        Value::Object(o) => {
            out.push('{');
            let mut first = true;
            let mut result = Ok(());
            o.for_each_field(&mut |k, val| {
                if result.is_err() {
                    return;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                write_json_string(out, k);
                out.push(':');
                result = write_json_at(out, &val, depth + 1);
            });
            result?;
            out.push('}');
        }
        Value::List(l) => {
            out.push('[');
            for i in 0..l.len() {
                if i > 0 {
                    out.push(',');
                }
                let item = l.get(i).unwrap_or(Value::NoValue);
                write_json_at(out, &item, depth + 1)?;
            }
            out.push(']');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_bytewise(s: &str) -> bool {
        s.bytes()
            .all(|b| (0x20..0x80).contains(&b) && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&'))
    }

    #[test]
    fn the_word_at_a_time_check_agrees_with_the_byte_rule_for_every_character() {
        for c in (0u32..0x300).filter_map(char::from_u32) {
            for at in 0..9 {
                let mut s = "abcdefgh".repeat(2);
                s.insert(at, c);
                assert_eq!(is_plain(&s), plain_bytewise(&s), "{c:?} at {at}");
            }
        }
        assert!(is_plain("cpu:host=host00001 ~}{ 0123456789 ?@[]^_`|"));
        // DEL is written as it is, as Go does; `<` is not.
        assert!(is_plain("0123456\u{7f}89abcdef"));
        assert!(!is_plain("0123456<89abcdef"));
    }

    #[test]
    fn plain_and_escaped_strings_are_written_like_go() {
        let mut out = String::new();
        write_json_string(&mut out, "host=serverA");
        write_json_string(&mut out, "a <b> & \"c\"\n");
        assert_eq!(out, r#""host=serverA""a \u003cb\u003e \u0026 \"c\"\n""#);
    }
}
