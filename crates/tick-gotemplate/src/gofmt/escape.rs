//! The escaping built-ins `html`, `js`, `urlquery` and html/template's HTML-text escaper
//! (<https://pkg.go.dev/text/template#hdr-Functions>, <https://pkg.go.dev/html/template>).

use std::fmt::Write as _;

/// text/template's `html`: `<` `>` `&` `'` `"` and NUL (to U+FFFD); `+` is kept.
pub fn write_html_func(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// html/template's escaper for HTML text: as [`write_html_func`] plus `+` → `&#43;`.
pub fn write_html_escaped(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'\'' => "&#39;",
            b'"' => "&#34;",
            b'+' => "&#43;",
            0 => "\u{fffd}",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(rep);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// text/template's `js`.
pub fn write_js(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 || !is_printable(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// An approximation of Go's `unicode.IsPrint` for the `js` function.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || u == 0xA0
        || u == 0xAD
        || (0x2000..=0x200F).contains(&u)
        || (0x2028..=0x202F).contains(&u)
        || (0x205F..=0x206F).contains(&u)
        || u == 0x3000
        || u == 0xFEFF
        || (0xFFF9..=0xFFFB).contains(&u)
        || (0xE000..=0xF8FF).contains(&u)
        || u >= 0xF0000)
}

/// text/template's `urlquery`: form encoding (`a b/c` → `a+b%2Fc`).
pub fn write_urlquery(out: &mut String, s: &str) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}
