//! html/template's escaping functions, one per context (Go's html.go, url.go, js.go, css.go):
//! each turns the text of a value into what is safe at its place in the document. None of
//! them sees typed content (`template.HTML` ...) except the trusted JS of a declared function,
//! which the caller handles.

use std::fmt::Write as _;

use super::context::{decode_css, is_css_nmchar, is_css_space, is_js_ident_part};
use crate::gofmt;
use crate::value::Value;

/// What html/template writes in place of an unsafe value.
const FILTER_FAILSAFE: &str = "ZgotmplZ";

/// One command html/template appends to an action's pipeline (`_html_template_*` in Go's
/// escape.go `funcMap`), or a predefined escaper that stands for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Escaper {
    Attr,
    Comment,
    Css,
    CssValueFilter,
    HtmlNameFilter,
    Html,
    JsRegexp,
    JsStr,
    JsVal,
    Nospace,
    Rcdata,
    Srcset,
    /// `urlEscaper`: percent-encodes a query or fragment part.
    Url,
    UrlFilter,
    UrlNormalizer,
    /// `jsValEscaper` given a declared function's `template.JS`: the text as it is.
    TrustedJs,
    /// text/template's `html`, kept where an equivalent escaper was due.
    HtmlFunc,
    /// text/template's `urlquery`, likewise.
    UrlqueryFunc,
}

impl Escaper {
    /// The name Go's `equivEscapers` maps this escaper to (`normalizeEscFn`).
    pub(crate) fn normalized(self) -> Option<Escaper> {
        match self {
            Escaper::Attr | Escaper::Html | Escaper::Rcdata => Some(Escaper::HtmlFunc),
            Escaper::Url | Escaper::UrlNormalizer => Some(Escaper::UrlqueryFunc),
            _ => None,
        }
    }

    /// Go's `redundantFuncs[self][next]`: `next` changes nothing after `self`.
    pub(crate) fn makes_redundant(self, next: Escaper) -> bool {
        match self {
            Escaper::Comment => matches!(next, Escaper::Attr | Escaper::Nospace | Escaper::Html),
            Escaper::Css | Escaper::JsRegexp | Escaper::JsStr => next == Escaper::Attr,
            Escaper::Url => next == Escaper::UrlNormalizer,
            _ => false,
        }
    }

    /// Applies the escaper to a value as the first command after the pipeline.
    pub(crate) fn apply_value(self, v: &Value<'_>, out: &mut String) {
        match self {
            Escaper::JsVal => js_val_escaper(v, out),
            Escaper::TrustedJs => match v {
                Value::Str(s) => out.push_str(s),
                other => gofmt::write_value(out, other),
            },
            Escaper::HtmlFunc | Escaper::UrlqueryFunc => {
                // text/template's evalArgs: a missing value prints as `<no value>`.
                let mut s = String::new();
                gofmt::write_value(&mut s, v);
                self.apply(&s, out);
            }
            _ => match v {
                Value::Str(s) => self.apply(s, out),
                // html/template's stringify skips an untyped nil.
                Value::NoValue => self.apply("", out),
                other => {
                    let mut s = String::new();
                    gofmt::write_value(&mut s, other);
                    self.apply(&s, out);
                }
            },
        }
    }

    /// Applies the escaper to the string an earlier command produced.
    pub(crate) fn apply(self, s: &str, out: &mut String) {
        match self {
            Escaper::Attr | Escaper::Html | Escaper::Rcdata => gofmt::write_html_escaped(out, s),
            Escaper::Nospace => html_nospace_escaper(s, out),
            Escaper::Comment => {}
            Escaper::Css => css_escaper(s, out),
            Escaper::CssValueFilter => css_value_filter(s, out),
            Escaper::HtmlNameFilter => html_name_filter(s, out),
            Escaper::JsRegexp => {
                let start = out.len();
                js_replace(s, JsTable::Regexp, out);
                if out.len() == start {
                    // `/{{.X}}/` must not become a line comment.
                    out.push_str("(?:)");
                }
            }
            Escaper::JsStr => js_replace(s, JsTable::Str, out),
            Escaper::JsVal => js_val_escaper(&Value::str(s), out),
            Escaper::TrustedJs => out.push_str(s),
            Escaper::Srcset => srcset_filter_and_escaper(s, out),
            Escaper::Url => process_url(s, false, out),
            Escaper::UrlNormalizer => process_url(s, true, out),
            Escaper::UrlFilter => {
                if is_safe_url(s) {
                    out.push_str(s);
                } else {
                    out.push('#');
                    out.push_str(FILTER_FAILSAFE);
                }
            }
            Escaper::HtmlFunc => gofmt::write_html_func(out, s),
            Escaper::UrlqueryFunc => gofmt::write_urlquery(out, s),
        }
    }
}

/// html.go `htmlNospaceEscaper` for plain text: also white space, `=` and `` ` ``, and
/// Unicode noncharacters as numeric references.
fn html_nospace_escaper(s: &str, out: &mut String) {
    for ch in s.chars() {
        let repl = match ch {
            '\0' => "&#xfffd;",
            '\t' => "&#9;",
            '\n' => "&#10;",
            '\x0b' => "&#11;",
            '\x0c' => "&#12;",
            '\r' => "&#13;",
            ' ' => "&#32;",
            '"' => "&#34;",
            '&' => "&amp;",
            '\'' => "&#39;",
            '+' => "&#43;",
            '<' => "&lt;",
            '=' => "&#61;",
            '>' => "&gt;",
            '`' => "&#96;",
            c if ('\u{fdd0}'..='\u{fdef}').contains(&c)
                || ('\u{fff0}'..='\u{ffff}').contains(&c) =>
            {
                let _ = write!(out, "&#x{:x};", c as u32);
                continue;
            }
            c => {
                out.push(c);
                continue;
            }
        };
        out.push_str(repl);
    }
}

/// html.go `htmlNameFilter`: an action in attribute-name position must print a plain,
/// harmless attribute name.
fn html_name_filter(s: &str, out: &mut String) {
    if s.is_empty() {
        out.push_str(FILTER_FAILSAFE);
        return;
    }
    let s = s.to_lowercase();
    if super::context::attr_type(&s) != super::context::Content::Plain
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        out.push_str(FILTER_FAILSAFE);
        return;
    }
    out.push_str(&s);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JsTable {
    Str,
    Regexp,
}

/// js.go `replace` with `jsStrReplacementTable` or `jsRegexpReplacementTable` (control
/// characters from `lowUnicodeReplacementTable` first).
fn js_replace(s: &str, table: JsTable, out: &mut String) {
    for ch in s.chars() {
        let repl = match ch {
            '\t' => "\\t",
            '\n' => "\\n",
            '\x0c' => "\\f",
            '\r' => "\\r",
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
                continue;
            }
            '"' => "\\u0022",
            '&' => "\\u0026",
            '\'' => "\\u0027",
            '+' => "\\u002b",
            '/' => "\\/",
            '<' => "\\u003c",
            '>' => "\\u003e",
            '\\' => "\\\\",
            '`' if table == JsTable::Str => "\\u0060",
            '$' | '(' | ')' | '*' | '-' | '.' | '?' | '[' | ']' | '^' | '{' | '|' | '}'
                if table == JsTable::Regexp =>
            {
                out.push('\\');
                out.push(ch);
                continue;
            }
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            c => {
                out.push(c);
                continue;
            }
        };
        out.push_str(repl);
    }
}

/// js.go `jsValEscaper`: the value as a JS expression (its JSON, strings quoted with HTML
/// specials escaped), padded with spaces when it could run into a keyword.
fn js_val_escaper(v: &Value<'_>, out: &mut String) {
    let mut b = String::new();
    let result = match v {
        // fmt.Stringer values are marshalled as their text.
        Value::Duration(d) => {
            let mut s = String::new();
            gofmt::write_duration(&mut s, *d);
            gofmt::write_json_string(&mut b, &s);
            Ok(())
        }
        Value::Object(o) => {
            let mut s = String::new();
            if o.write_string(&mut s) {
                gofmt::write_json_string(&mut b, &s);
                Ok(())
            } else {
                gofmt::write_json_value(&mut b, v)
            }
        }
        other => gofmt::write_json_value(&mut b, other),
    };
    if let Err(e) = result {
        // A space first, so that `x/{{y}}` does not open a line comment.
        let msg = e.to_string().replace("*/", "* /");
        let _ = write!(out, " /* {msg} */null ");
        return;
    }
    let bytes = b.as_bytes();
    let pad = bytes.first().is_some_and(|&c| is_js_ident_part(c))
        || bytes.last().is_some_and(|&c| is_js_ident_part(c));
    if pad {
        out.push(' ');
        out.push_str(&b);
        out.push(' ');
    } else {
        out.push_str(&b);
    }
}

/// url.go `isSafeURL`: no scheme, or http, https or mailto.
fn is_safe_url(s: &str) -> bool {
    match s.split_once(':') {
        Some((protocol, _)) if !protocol.contains('/') => {
            protocol.eq_ignore_ascii_case("http")
                || protocol.eq_ignore_ascii_case("https")
                || protocol.eq_ignore_ascii_case("mailto")
        }
        _ => true,
    }
}

/// url.go `processURLOnto`: percent-encodes what is not allowed in a URL (`norm`: keep
/// reserved characters and existing `%XX` escapes, for a whole URL or its path).
fn process_url(s: &str, norm: bool, out: &mut String) {
    let bytes = s.as_bytes();
    let mut written = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let keep = match c {
            b'!' | b'#' | b'$' | b'&' | b'*' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?'
            | b'@' | b'[' | b']' => norm,
            b'-' | b'.' | b'_' | b'~' => true,
            b'%' => {
                norm && i + 2 < bytes.len()
                    && bytes[i + 1].is_ascii_hexdigit()
                    && bytes[i + 2].is_ascii_hexdigit()
            }
            c => c.is_ascii_alphanumeric(),
        };
        if keep {
            continue;
        }
        // Every byte of a non-ASCII character is encoded, so `written` is mid-character only
        // when nothing lies between it and `i`.
        if written < i {
            out.push_str(&s[written..i]);
        }
        let _ = write!(out, "%{c:02x}");
        written = i + 1;
    }
    out.push_str(&s[written..]);
}

/// url.go `srcsetFilterAndEscaper` for plain text: each comma-separated candidate's URL must
/// be safe and its metadata plain, else the candidate becomes `#ZgotmplZ`.
fn srcset_filter_and_escaper(s: &str, out: &mut String) {
    let mut written = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b',' {
            filter_srcset_element(s, written, i, out);
            out.push(',');
            written = i + 1;
        }
    }
    filter_srcset_element(s, written, s.len(), out);
}

fn is_html_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn filter_srcset_element(s: &str, left: usize, right: usize, out: &mut String) {
    let b = s.as_bytes();
    let mut start = left;
    while start < right && is_html_space(b[start]) {
        start += 1;
    }
    let end = (start..right)
        .find(|&i| is_html_space(b[i]))
        .unwrap_or(right);
    let url = &s[start..end];
    if is_safe_url(url)
        && b[end..right]
            .iter()
            .all(|&c| is_html_space(c) || c.is_ascii_alphanumeric())
    {
        out.push_str(&s[left..start]);
        process_url(url, true, out);
        out.push_str(&s[end..right]);
        return;
    }
    out.push('#');
    out.push_str(FILTER_FAILSAFE);
}

/// css.go `cssEscaper`: hex escapes for CSS specials, a space after one when a hex digit or
/// space follows (or at the end).
fn css_escaper(s: &str, out: &mut String) {
    for (i, ch) in s.char_indices() {
        let repl = match ch {
            '\0' => "\\0",
            '\t' => "\\9",
            '\n' => "\\a",
            '\x0c' => "\\c",
            '\r' => "\\d",
            '"' => "\\22",
            '&' => "\\26",
            '\'' => "\\27",
            '(' => "\\28",
            ')' => "\\29",
            '+' => "\\2b",
            '/' => "\\2f",
            ':' => "\\3a",
            ';' => "\\3b",
            '<' => "\\3c",
            '>' => "\\3e",
            '\\' => "\\\\",
            '{' => "\\7b",
            '}' => "\\7d",
            c => {
                out.push(c);
                continue;
            }
        };
        out.push_str(repl);
        let next = s.as_bytes().get(i + ch.len_utf8());
        if repl != "\\\\" && next.is_none_or(|&n| n.is_ascii_hexdigit() || is_css_space(n)) {
            out.push(' ');
        }
    }
}

/// css.go `cssValueFilter`: a CSS value without strings, comments, brackets or
/// `expression`/`mozbinding`, else `ZgotmplZ`.
fn css_value_filter(s: &str, out: &mut String) {
    let b = decode_css(s.as_bytes());
    let mut id = Vec::with_capacity(64);
    for (i, &c) in b.iter().enumerate() {
        match c {
            0 | b'"' | b'\'' | b'(' | b')' | b'/' | b';' | b'@' | b'[' | b'\\' | b']' | b'`'
            | b'{' | b'}' => {
                out.push_str(FILTER_FAILSAFE);
                return;
            }
            // `--` ends an HTML comment; a single `-` is not part of the name checked below.
            b'-' => {
                if i != 0 && b[i - 1] == b'-' {
                    out.push_str(FILTER_FAILSAFE);
                    return;
                }
            }
            _ => {
                if c < 0x80 && is_css_nmchar(char::from(c)) {
                    id.push(c.to_ascii_lowercase());
                }
            }
        }
    }
    let contains = |needle: &[u8]| id.windows(needle.len()).any(|w| w == needle);
    if contains(b"expression") || contains(b"mozbinding") {
        out.push_str(FILTER_FAILSAFE);
        return;
    }
    out.push_str(&String::from_utf8_lossy(&b));
}

#[cfg(test)]
mod tests {
    //! Expected outputs from Go's own tests of these functions (html/template's html_test.go,
    //! js_test.go, url_test.go and css_test.go at Go 1.19), unless a test says otherwise.

    use super::*;

    fn esc(e: Escaper, s: &str) -> String {
        let mut out = String::new();
        e.apply(s, &mut out);
        out
    }

    fn val(e: Escaper, v: Value<'_>) -> String {
        let mut out = String::new();
        e.apply_value(&v, &mut out);
        out
    }

    #[test]
    fn html_nospace_escaper_escapes_spaces_and_quotes_in_unquoted_attributes() {
        // TestHTMLNospaceEscaper.
        let input = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\
            \x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f \
            !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`\
            abcdefghijklmnopqrstuvwxyz{|}~\x7f\u{00A0}\u{0100}\u{2028}\u{2029}\u{feff}\u{fdec}\u{1D11E}";
        let want = "&#xfffd;\x01\x02\x03\x04\x05\x06\x07\x08&#9;&#10;&#11;&#12;&#13;\x0e\x0f\
            \x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f&#32;\
            !&#34;#$%&amp;&#39;()*&#43;,-./0123456789:;&lt;&#61;&gt;?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_&#96;\
            abcdefghijklmnopqrstuvwxyz{|}~\x7f\u{00A0}\u{0100}\u{2028}\u{2029}\u{feff}&#xfdec;\u{1D11E}";
        assert_eq!(esc(Escaper::Nospace, input), want);
    }

    #[test]
    fn js_val_escaper_writes_json_padded_against_keywords() {
        // TestJSValEscaper, for the kinds of value a template sees; NaN and the duration were
        // checked with html/template of Go 1.19.
        let cases: Vec<(Value<'_>, &str)> = vec![
            (Value::Int(42), " 42 "),
            (Value::Uint(42), " 42 "),
            (Value::Int(-42), " -42 "),
            (Value::Uint(1 << 53), " 9007199254740992 "),
            (Value::Uint((1 << 53) + 1), " 9007199254740993 "),
            (Value::Float(1.0), " 1 "),
            (Value::Float(-1.0), " -1 "),
            (Value::Float(0.5), " 0.5 "),
            (Value::Float(-0.5), " -0.5 "),
            (Value::Float(0.0), " 0 "),
            (Value::Float(-0.0), " -0 "),
            (Value::str(""), r#""""#),
            (Value::str("foo"), r#""foo""#),
            (Value::str("\r\n\u{2028}\u{2029}"), r#""\r\n\u2028\u2029""#),
            (Value::str("\t\x0b"), r#""\t\u000b""#),
            (Value::str("<!--"), r#""\u003c!--""#),
            (Value::str("-->"), r#""--\u003e""#),
            (Value::str("<![CDATA["), r#""\u003c![CDATA[""#),
            (Value::str("]]>"), r#""]]\u003e""#),
            (Value::str("</script"), r#""\u003c/script""#),
            (Value::str("\u{1D11E}"), "\"\u{1D11E}\""),
            (Value::NoValue, " null "),
            (Value::Bool(true), " true "),
            (
                Value::Float(f64::NAN),
                " /* json: unsupported value: NaN */null ",
            ),
            (Value::Duration(90_000_000_000), r#""1m30s""#),
        ];
        for (v, want) in cases {
            let got = val(Escaper::JsVal, v.clone());
            assert_eq!(got, want, "{v:?}");
        }
    }

    #[test]
    fn js_str_escaper_escapes_quotes_html_and_controls() {
        // TestJSStrEscaper.
        for (input, want) in [
            ("", ""),
            ("foo", "foo"),
            ("\u{0000}", "\\u0000"),
            ("\t", "\\t"),
            ("\n", "\\n"),
            ("\r", "\\r"),
            ("\u{2028}", "\\u2028"),
            ("\u{2029}", "\\u2029"),
            ("\\", "\\\\"),
            ("\\n", "\\\\n"),
            ("foo\r\nbar", "foo\\r\\nbar"),
            ("\"", "\\u0022"),
            ("'", "\\u0027"),
            ("&amp;", "\\u0026amp;"),
            ("</script>", "\\u003c\\/script\\u003e"),
            ("<![CDATA[", "\\u003c![CDATA["),
            ("]]>", "]]\\u003e"),
            ("<!--", "\\u003c!--"),
            ("-->", "--\\u003e"),
            (
                "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
                "\\u002bADw-script\\u002bAD4-alert(1)\\u002bADw-\\/script\\u002bAD4-",
            ),
            ("`", "\\u0060"),
        ] {
            assert_eq!(esc(Escaper::JsStr, input), want, "{input:?}");
        }
    }

    #[test]
    fn js_regexp_escaper_escapes_regexp_specials() {
        // TestJSRegexpEscaper.
        for (input, want) in [
            ("", "(?:)"),
            ("foo", "foo"),
            ("\u{0000}", "\\u0000"),
            ("\t", "\\t"),
            ("\n", "\\n"),
            ("\r", "\\r"),
            ("\u{2028}", "\\u2028"),
            ("\u{2029}", "\\u2029"),
            ("\\", "\\\\"),
            ("\\n", "\\\\n"),
            ("foo\r\nbar", "foo\\r\\nbar"),
            ("\"", "\\u0022"),
            ("'", "\\u0027"),
            ("&amp;", "\\u0026amp;"),
            ("</script>", "\\u003c\\/script\\u003e"),
            ("<![CDATA[", "\\u003c!\\[CDATA\\["),
            ("]]>", "\\]\\]\\u003e"),
            ("<!--", "\\u003c!\\-\\-"),
            ("-->", "\\-\\-\\u003e"),
            ("*", "\\*"),
            ("+", "\\u002b"),
            ("?", "\\?"),
            ("[](){}", "\\[\\]\\(\\)\\{\\}"),
            ("$foo|x.y", "\\$foo\\|x\\.y"),
            ("x^y", "x\\^y"),
        ] {
            assert_eq!(esc(Escaper::JsRegexp, input), want, "{input:?}");
        }
    }

    #[test]
    fn url_normalizer_and_escaper_percent_encode() {
        // TestURLNormalizer and TestURLFilters ("urlEscaper" / "urlNormalizer" rows).
        for (input, want) in [
            ("", ""),
            (
                "http://example.com:80/foo/bar?q=foo%20&bar=x+y#frag",
                "http://example.com:80/foo/bar?q=foo%20&bar=x+y#frag",
            ),
            (" ", "%20"),
            ("%7c", "%7c"),
            ("%7C", "%7C"),
            ("%2", "%252"),
            ("%", "%25"),
            ("%z", "%25z"),
            ("/foo|bar/%5c\u{1234}", "/foo%7cbar/%5c%e1%88%b4"),
        ] {
            assert_eq!(esc(Escaper::UrlNormalizer, input), want, "{input:?}");
        }
        let all = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\
            \x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f \
            !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`\
            abcdefghijklmnopqrstuvwxyz{|}~\x7f\u{00A0}\u{0100}\u{2028}\u{2029}\u{feff}\u{1D11E}";
        assert_eq!(
            esc(Escaper::Url, all),
            "%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f\
             %10%11%12%13%14%15%16%17%18%19%1a%1b%1c%1d%1e%1f\
             %20%21%22%23%24%25%26%27%28%29%2a%2b%2c-.%2f\
             0123456789%3a%3b%3c%3d%3e%3f\
             %40ABCDEFGHIJKLMNO\
             PQRSTUVWXYZ%5b%5c%5d%5e_\
             %60abcdefghijklmno\
             pqrstuvwxyz%7b%7c%7d~%7f\
             %c2%a0%c4%80%e2%80%a8%e2%80%a9%ef%bb%bf%f0%9d%84%9e"
        );
        assert_eq!(
            esc(Escaper::UrlNormalizer, all),
            "%00%01%02%03%04%05%06%07%08%09%0a%0b%0c%0d%0e%0f\
             %10%11%12%13%14%15%16%17%18%19%1a%1b%1c%1d%1e%1f\
             %20!%22#$%25&%27%28%29*+,-./\
             0123456789:;%3c=%3e?\
             @ABCDEFGHIJKLMNO\
             PQRSTUVWXYZ[%5c]%5e_\
             %60abcdefghijklmno\
             pqrstuvwxyz%7b%7c%7d~%7f\
             %c2%a0%c4%80%e2%80%a8%e2%80%a9%ef%bb%bf%f0%9d%84%9e"
        );
    }

    #[test]
    fn url_filter_lets_only_http_https_and_mailto_schemes_through() {
        // Checked with html/template of Go 1.19 (`<a href="{{"javascript:alert(1)"}}">` ...).
        for (input, want) in [
            ("javascript:alert(1)", "#ZgotmplZ"),
            ("JavaScript:alert(1)", "#ZgotmplZ"),
            ("data:text/html,x", "#ZgotmplZ"),
            ("http://x/y", "http://x/y"),
            ("HTTPS://x", "HTTPS://x"),
            ("mailto:a@b", "mailto:a@b"),
            ("/a:b", "/a:b"),
            ("a b", "a b"),
        ] {
            assert_eq!(esc(Escaper::UrlFilter, input), want, "{input:?}");
        }
    }

    #[test]
    fn srcset_filter_checks_every_candidate() {
        // TestSrcsetFilter.
        for (input, want) in [
            ("http://example.com/img.png", "http://example.com/img.png"),
            (" /img.png 200w", " /img.png 200w"),
            ("javascript:alert(1) 200w", "#ZgotmplZ"),
            ("foo.png, bar.png", "foo.png, bar.png"),
            ("javascript:alert(1), /foo.png", "#ZgotmplZ, /foo.png"),
            ("/bogus#, javascript:alert(1)", "/bogus#,#ZgotmplZ"),
        ] {
            assert_eq!(esc(Escaper::Srcset, input), want, "{input:?}");
        }
    }

    #[test]
    fn css_escaper_and_value_filter() {
        // TestCSSEscaper and TestCSSValueFilter.
        let input = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\
            \x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f \
            !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`\
            abcdefghijklmnopqrstuvwxyz{|}~\x7f\u{00A0}\u{0100}\u{2028}\u{2029}\u{feff}\u{1D11E}";
        let want = "\\0\x01\x02\x03\x04\x05\x06\x07\
            \x08\\9 \\a\x0b\\c \\d\x0E\x0F\
            \x10\x11\x12\x13\x14\x15\x16\x17\
            \x18\x19\x1a\x1b\x1c\x1d\x1e\x1f \
            !\\22#$%\\26\\27\\28\\29*\\2b,-.\\2f \
            0123456789\\3a\\3b\\3c=\\3e?\
            @ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`\
            abcdefghijklmnopqrstuvwxyz\\7b|\\7d~\u{007f}\
            \u{00A0}\u{0100}\u{2028}\u{2029}\u{feff}\u{1D11E}";
        assert_eq!(esc(Escaper::Css, input), want);
        assert_eq!(String::from_utf8_lossy(&decode_css(want.as_bytes())), input);
        for (input, want) in [
            ("", ""),
            ("foo", "foo"),
            ("0", "0"),
            ("0px", "0px"),
            ("-5px", "-5px"),
            ("1.25in", "1.25in"),
            ("+.33em", "+.33em"),
            ("100%", "100%"),
            ("12.5%", "12.5%"),
            (".foo", ".foo"),
            ("#bar", "#bar"),
            ("corner-radius", "corner-radius"),
            ("-moz-corner-radius", "-moz-corner-radius"),
            ("#000", "#000"),
            ("#48f", "#48f"),
            ("#123456", "#123456"),
            ("U+00-FF, U+980-9FF", "U+00-FF, U+980-9FF"),
            ("color: red", "color: red"),
            ("<!--", "ZgotmplZ"),
            ("-->", "ZgotmplZ"),
            ("<![CDATA[", "ZgotmplZ"),
            ("]]>", "ZgotmplZ"),
            ("</style", "ZgotmplZ"),
            ("\"", "ZgotmplZ"),
            ("'", "ZgotmplZ"),
            ("`", "ZgotmplZ"),
            ("\x00", "ZgotmplZ"),
            ("/* foo */", "ZgotmplZ"),
            ("//", "ZgotmplZ"),
            ("[href=~", "ZgotmplZ"),
            ("expression(alert(1337))", "ZgotmplZ"),
            ("-expression(alert(1337))", "ZgotmplZ"),
            ("expression", "ZgotmplZ"),
            ("Expression", "ZgotmplZ"),
            ("EXPRESSION", "ZgotmplZ"),
            ("-moz-binding", "ZgotmplZ"),
            ("-expr\x00ession(alert(1337))", "ZgotmplZ"),
            ("-expr\\0ession(alert(1337))", "ZgotmplZ"),
            ("-express\\69on(alert(1337))", "ZgotmplZ"),
            ("-express\\69 on(alert(1337))", "ZgotmplZ"),
            ("-exp\\72 ession(alert(1337))", "ZgotmplZ"),
            ("-exp\\52 ession(alert(1337))", "ZgotmplZ"),
            ("-exp\\000052 ession(alert(1337))", "ZgotmplZ"),
            ("-expre\\0000073sion", "-expre\x073sion"),
            ("@import url evil.css", "ZgotmplZ"),
        ] {
            assert_eq!(esc(Escaper::CssValueFilter, input), want, "{input:?}");
        }
    }

    #[test]
    fn html_name_filter_allows_only_plain_attribute_names() {
        // Checked with html/template of Go 1.19 (`<b {{"onclick"}}>` ...).
        for (input, want) in [
            ("title", "title"),
            ("Title", "title"),
            ("onclick", "ZgotmplZ"),
            ("href", "ZgotmplZ"),
            ("style", "ZgotmplZ"),
            ("", "ZgotmplZ"),
            ("a b", "ZgotmplZ"),
        ] {
            assert_eq!(esc(Escaper::HtmlNameFilter, input), want, "{input:?}");
        }
    }

    #[test]
    fn a_missing_value_is_empty_for_html_template_escapers_and_no_value_for_the_builtins() {
        assert_eq!(val(Escaper::Attr, Value::NoValue), "");
        assert_eq!(val(Escaper::UrlFilter, Value::NoValue), "");
        assert_eq!(val(Escaper::HtmlFunc, Value::NoValue), "&lt;no value&gt;");
        assert_eq!(val(Escaper::Html, Value::Float(1.5)), "1.5");
        assert_eq!(
            val(Escaper::JsVal, Value::Duration(90_000_000_000)),
            r#""1m30s""#
        );
    }
}
