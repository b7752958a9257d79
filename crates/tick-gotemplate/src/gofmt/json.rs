//! Go `encoding/json` string escaping with HTML escaping on (spec §5.5).

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `s` as a JSON string with quotes, as Go's encoder does by default: `<` `>` `&` as
/// `\u003c` `\u003e` `\u0026`, U+2028/U+2029 escaped, `\b` `\f` `\n` `\r` `\t` short forms,
/// other control bytes as `\u00XX`.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    write_body(out, s);
    out.push('"');
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
    // Most strings (ids, tag values, messages) are plain ASCII that needs no escape.
    let plain =
        |b: &u8| (0x20..0x80).contains(b) && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&');
    if s.as_bytes().iter().all(plain) {
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
