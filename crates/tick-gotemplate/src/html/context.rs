//! Where in an HTML document a template is at a given byte: the parser state, the attribute
//! delimiter, the URL part, the JS slash meaning, the attribute and element kinds (Go's
//! html/template `context`, context.go), and the transitions that move it across literal
//! template text (transition.go, with attr.go's attribute kinds, js.go's `nextJSCtx` and
//! css.go's helpers). Pure functions over bytes; the tree walk lives in `html::escape`.

use std::fmt;

/// The parser state (Go's `state`); the names print as Go's stringer prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Text,
    Tag,
    AttrName,
    AfterName,
    BeforeValue,
    HtmlCmt,
    Rcdata,
    Attr,
    Url,
    Srcset,
    Js,
    JsDqStr,
    JsSqStr,
    JsBqStr,
    JsRegexp,
    JsBlockCmt,
    JsLineCmt,
    Css,
    CssDqStr,
    CssSqStr,
    CssDqUrl,
    CssSqUrl,
    CssUrl,
    CssBlockCmt,
    CssLineCmt,
    /// After `{{break}}` or `{{continue}}`: nothing follows on this path.
    Dead,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Delim {
    #[default]
    None,
    DoubleQuote,
    SingleQuote,
    SpaceOrTagEnd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum UrlPart {
    #[default]
    None,
    PreQuery,
    QueryOrFrag,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum JsCtx {
    #[default]
    Regexp,
    DivOp,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Attr {
    #[default]
    None,
    Script,
    ScriptType,
    Style,
    Url,
    Srcset,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Element {
    #[default]
    None,
    Script,
    Style,
    Textarea,
    Title,
}

/// Go's `context` without its error (errors travel as `Err` here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Context {
    pub(crate) state: State,
    pub(crate) delim: Delim,
    pub(crate) url_part: UrlPart,
    pub(crate) js_ctx: JsCtx,
    pub(crate) attr: Attr,
    pub(crate) element: Element,
}

impl Default for Context {
    fn default() -> Context {
        Context::of(State::Text)
    }
}

impl Context {
    pub(crate) fn of(state: State) -> Context {
        Context {
            state,
            delim: Delim::None,
            url_part: UrlPart::None,
            js_ctx: JsCtx::Regexp,
            attr: Attr::None,
            element: Element::None,
        }
    }

    fn with_element(state: State, element: Element) -> Context {
        Context {
            element,
            ..Context::of(state)
        }
    }
}

impl fmt::Display for Context {
    // Go's `context.String` with a nil error: `{stateTag delimNone ... elementNone <nil>}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Text => "stateText",
            State::Tag => "stateTag",
            State::AttrName => "stateAttrName",
            State::AfterName => "stateAfterName",
            State::BeforeValue => "stateBeforeValue",
            State::HtmlCmt => "stateHTMLCmt",
            State::Rcdata => "stateRCDATA",
            State::Attr => "stateAttr",
            State::Url => "stateURL",
            State::Srcset => "stateSrcset",
            State::Js => "stateJS",
            State::JsDqStr => "stateJSDqStr",
            State::JsSqStr => "stateJSSqStr",
            State::JsBqStr => "stateJSBqStr",
            State::JsRegexp => "stateJSRegexp",
            State::JsBlockCmt => "stateJSBlockCmt",
            State::JsLineCmt => "stateJSLineCmt",
            State::Css => "stateCSS",
            State::CssDqStr => "stateCSSDqStr",
            State::CssSqStr => "stateCSSSqStr",
            State::CssDqUrl => "stateCSSDqURL",
            State::CssSqUrl => "stateCSSSqURL",
            State::CssUrl => "stateCSSURL",
            State::CssBlockCmt => "stateCSSBlockCmt",
            State::CssLineCmt => "stateCSSLineCmt",
            State::Dead => "stateDead",
        };
        let delim = match self.delim {
            Delim::None => "delimNone",
            Delim::DoubleQuote => "delimDoubleQuote",
            Delim::SingleQuote => "delimSingleQuote",
            Delim::SpaceOrTagEnd => "delimSpaceOrTagEnd",
        };
        let url = match self.url_part {
            UrlPart::None => "urlPartNone",
            UrlPart::PreQuery => "urlPartPreQuery",
            UrlPart::QueryOrFrag => "urlPartQueryOrFrag",
            UrlPart::Unknown => "urlPartUnknown",
        };
        let js = match self.js_ctx {
            JsCtx::Regexp => "jsCtxRegexp",
            JsCtx::DivOp => "jsCtxDivOp",
            JsCtx::Unknown => "jsCtxUnknown",
        };
        let attr = match self.attr {
            Attr::None => "attrNone",
            Attr::Script => "attrScript",
            Attr::ScriptType => "attrScriptType",
            Attr::Style => "attrStyle",
            Attr::Url => "attrURL",
            Attr::Srcset => "attrSrcset",
        };
        let element = match self.element {
            Element::None => "elementNone",
            Element::Script => "elementScript",
            Element::Style => "elementStyle",
            Element::Textarea => "elementTextarea",
            Element::Title => "elementTitle",
        };
        write!(f, "{{{state} {delim} {url} {js} {attr} {element} <nil>}}")
    }
}

pub(crate) fn is_comment(s: State) -> bool {
    matches!(
        s,
        State::HtmlCmt
            | State::JsBlockCmt
            | State::JsLineCmt
            | State::CssBlockCmt
            | State::CssLineCmt
    )
}

/// A transition's result: the new context and the bytes consumed, or Go's error text.
pub(crate) type Step = Result<(Context, usize), String>;

/// Go's `transitionFunc[c.state](c, s)`.
pub(crate) fn transition(c: Context, s: &[u8]) -> Step {
    match c.state {
        State::Text => Ok(t_text(c, s)),
        State::Tag => t_tag(c, s),
        State::AttrName => t_attr_name(c, s),
        State::AfterName => Ok(t_after_name(c, s)),
        State::BeforeValue => Ok(t_before_value(c, s)),
        State::HtmlCmt => Ok(t_html_cmt(c, s)),
        State::Rcdata => Ok(t_special_tag_end(c, s)),
        State::Attr | State::Dead => Ok((c, s.len())),
        State::Url | State::Srcset => Ok(t_url(c, s)),
        State::Js => t_js(c, s),
        State::JsDqStr | State::JsSqStr | State::JsBqStr | State::JsRegexp => t_js_delimited(c, s),
        State::JsBlockCmt | State::CssBlockCmt => Ok(t_block_cmt(c, s)),
        State::JsLineCmt | State::CssLineCmt => Ok(t_line_cmt(c, s)),
        State::Css => Ok(t_css(c, s)),
        State::CssDqStr | State::CssSqStr | State::CssDqUrl | State::CssSqUrl | State::CssUrl => {
            t_css_str(c, s)
        }
    }
}

fn find(s: &[u8], needle: &[u8]) -> Option<usize> {
    s.windows(needle.len()).position(|w| w == needle)
}

fn find_any(s: &[u8], set: &[u8]) -> Option<usize> {
    s.iter().position(|b| set.contains(b))
}

fn t_text(c: Context, s: &[u8]) -> (Context, usize) {
    let mut k = 0;
    loop {
        let Some(off) = s[k..].iter().position(|&b| b == b'<') else {
            return (c, s.len());
        };
        let mut i = k + off;
        if i + 1 == s.len() {
            return (c, s.len());
        }
        if s[i..].starts_with(b"<!--") {
            return (Context::of(State::HtmlCmt), i + 4);
        }
        i += 1;
        let mut end = false;
        if s[i] == b'/' {
            if i + 1 == s.len() {
                return (c, s.len());
            }
            end = true;
            i += 1;
        }
        let (j, e) = eat_tag_name(s, i);
        if j != i {
            let e = if end { Element::None } else { e };
            return (Context::with_element(State::Tag, e), j);
        }
        k = j;
    }
}

fn element_content(e: Element) -> State {
    match e {
        Element::None => State::Text,
        Element::Script => State::Js,
        Element::Style => State::Css,
        Element::Textarea | Element::Title => State::Rcdata,
    }
}

fn t_tag(c: Context, s: &[u8]) -> Step {
    let i = eat_white_space(s, 0);
    if i == s.len() {
        return Ok((c, s.len()));
    }
    if s[i] == b'>' {
        return Ok((
            Context::with_element(element_content(c.element), c.element),
            i + 1,
        ));
    }
    let j = eat_attr_name(s, i)?;
    if i == j {
        return Err(format!(
            "expected space, attr name, or end of tag, but got {}",
            go_quote(&s[i..])
        ));
    }
    let name = String::from_utf8_lossy(&s[i..j]).to_lowercase();
    let attr = if c.element == Element::Script && name == "type" {
        Attr::ScriptType
    } else {
        match attr_type(&name) {
            Content::Url => Attr::Url,
            Content::Css => Attr::Style,
            Content::Js => Attr::Script,
            Content::Srcset => Attr::Srcset,
            _ => Attr::None,
        }
    };
    let state = if j == s.len() {
        State::AttrName
    } else {
        State::AfterName
    };
    Ok((
        Context {
            attr,
            ..Context::with_element(state, c.element)
        },
        j,
    ))
}

fn t_attr_name(mut c: Context, s: &[u8]) -> Step {
    let i = eat_attr_name(s, 0)?;
    if i != s.len() {
        c.state = State::AfterName;
    }
    Ok((c, i))
}

fn t_after_name(mut c: Context, s: &[u8]) -> (Context, usize) {
    let i = eat_white_space(s, 0);
    if i == s.len() {
        return (c, s.len());
    }
    if s[i] != b'=' {
        // A valueless attribute, or the end of the tag.
        c.state = State::Tag;
        return (c, i);
    }
    c.state = State::BeforeValue;
    (c, i + 1)
}

pub(crate) fn attr_start_state(a: Attr) -> State {
    match a {
        Attr::None | Attr::ScriptType => State::Attr,
        Attr::Script => State::Js,
        Attr::Style => State::Css,
        Attr::Url => State::Url,
        Attr::Srcset => State::Srcset,
    }
}

fn t_before_value(mut c: Context, s: &[u8]) -> (Context, usize) {
    let mut i = eat_white_space(s, 0);
    if i == s.len() {
        return (c, s.len());
    }
    let delim = match s[i] {
        b'\'' => {
            i += 1;
            Delim::SingleQuote
        }
        b'"' => {
            i += 1;
            Delim::DoubleQuote
        }
        _ => Delim::SpaceOrTagEnd,
    };
    c.state = attr_start_state(c.attr);
    c.delim = delim;
    (c, i)
}

fn t_html_cmt(c: Context, s: &[u8]) -> (Context, usize) {
    match find(s, b"-->") {
        Some(i) => (Context::default(), i + 3),
        None => (c, s.len()),
    }
}

fn end_marker(e: Element) -> &'static [u8] {
    match e {
        Element::Script => b"script",
        Element::Style => b"style",
        Element::Textarea => b"textarea",
        Element::Title => b"title",
        Element::None => b"",
    }
}

/// Raw text and RCDATA: everything up to the element's end tag.
pub(crate) fn t_special_tag_end(c: Context, s: &[u8]) -> (Context, usize) {
    if c.element != Element::None
        && let Some(i) = index_tag_end(s, end_marker(c.element))
    {
        return (Context::default(), i);
    }
    (c, s.len())
}

/// Where `</tag` followed by a separator starts, case-insensitively.
fn index_tag_end(mut s: &[u8], tag: &[u8]) -> Option<usize> {
    let mut res = 0;
    while !s.is_empty() {
        let i = find(s, b"</")?;
        s = &s[i + 2..];
        if tag.len() <= s.len() && s[..tag.len()].eq_ignore_ascii_case(tag) {
            s = &s[tag.len()..];
            if !s.is_empty() && b"> \t\n\x0c/".contains(&s[0]) {
                return Some(res + i);
            }
            res += tag.len();
        }
        res += i + 2;
    }
    None
}

fn t_url(mut c: Context, s: &[u8]) -> (Context, usize) {
    if find_any(s, b"#?").is_some() {
        c.url_part = UrlPart::QueryOrFrag;
    } else if s.len() != eat_white_space(s, 0) && c.url_part == UrlPart::None {
        c.url_part = UrlPart::PreQuery;
    }
    (c, s.len())
}

fn t_js(mut c: Context, s: &[u8]) -> Step {
    let Some(mut i) = find_any(s, b"\"`'/") else {
        c.js_ctx = next_js_ctx(s, c.js_ctx);
        return Ok((c, s.len()));
    };
    c.js_ctx = next_js_ctx(&s[..i], c.js_ctx);
    match s[i] {
        b'"' => (c.state, c.js_ctx) = (State::JsDqStr, JsCtx::Regexp),
        b'\'' => (c.state, c.js_ctx) = (State::JsSqStr, JsCtx::Regexp),
        b'`' => (c.state, c.js_ctx) = (State::JsBqStr, JsCtx::Regexp),
        _ => {
            if s.get(i + 1) == Some(&b'/') {
                c.state = State::JsLineCmt;
                i += 1;
            } else if s.get(i + 1) == Some(&b'*') {
                c.state = State::JsBlockCmt;
                i += 1;
            } else {
                match c.js_ctx {
                    JsCtx::Regexp => c.state = State::JsRegexp,
                    JsCtx::DivOp => c.js_ctx = JsCtx::Regexp,
                    JsCtx::Unknown => {
                        let rest = &s[i..];
                        return Err(format!(
                            "'/' could start a division or regexp: {}",
                            go_quote(&rest[..rest.len().min(32)])
                        ));
                    }
                }
            }
        }
    }
    Ok((c, i + 1))
}

fn t_js_delimited(mut c: Context, s: &[u8]) -> Step {
    let specials: &[u8] = match c.state {
        State::JsSqStr => b"\\'",
        State::JsBqStr => b"`\\",
        State::JsRegexp => b"\\/[]",
        _ => b"\\\"",
    };
    let mut k = 0;
    let mut in_charset = false;
    while let Some(off) = find_any(&s[k..], specials) {
        let mut i = k + off;
        match s[i] {
            b'\\' => {
                i += 1;
                if i == s.len() {
                    return Err(format!(
                        "unfinished escape sequence in JS string: {}",
                        go_quote(s)
                    ));
                }
            }
            b'[' => in_charset = true,
            b']' => in_charset = false,
            _ => {
                if !in_charset {
                    c.state = State::Js;
                    c.js_ctx = JsCtx::DivOp;
                    return Ok((c, i + 1));
                }
            }
        }
        k = i + 1;
    }
    if in_charset {
        return Err(format!("unfinished JS regexp charset: {}", go_quote(s)));
    }
    Ok((c, s.len()))
}

fn t_block_cmt(mut c: Context, s: &[u8]) -> (Context, usize) {
    let Some(i) = find(s, b"*/") else {
        return (c, s.len());
    };
    c.state = if c.state == State::JsBlockCmt {
        State::Js
    } else {
        State::Css
    };
    (c, i + 2)
}

fn t_line_cmt(mut c: Context, s: &[u8]) -> (Context, usize) {
    let (end, state) = if c.state == State::JsLineCmt {
        // \n \r U+2028 U+2029 (the last two start with 0xE2 0x80 0xA8/0xA9).
        let pos = (0..s.len()).find(|&i| {
            s[i] == b'\n'
                || s[i] == b'\r'
                || (s[i..].starts_with(b"\xe2\x80\xa8") || s[i..].starts_with(b"\xe2\x80\xa9"))
        });
        (pos, State::Js)
    } else {
        (find_any(s, b"\n\x0c\r"), State::Css)
    };
    match end {
        Some(i) => {
            // The line terminator is not part of the comment.
            c.state = state;
            (c, i)
        }
        None => (c, s.len()),
    }
}

fn t_css(mut c: Context, s: &[u8]) -> (Context, usize) {
    let mut k = 0;
    loop {
        let Some(off) = find_any(&s[k..], b"(\"'/") else {
            return (c, s.len());
        };
        let i = k + off;
        match s[i] {
            b'(' => {
                let p = trim_right(&s[..i], b"\t\n\x0c\r ");
                if ends_with_css_keyword(p, "url") {
                    let rest = trim_left(&s[i + 1..], b"\t\n\x0c\r ");
                    let mut j = s.len() - rest.len();
                    match s.get(j) {
                        Some(b'"') => {
                            c.state = State::CssDqUrl;
                            j += 1;
                        }
                        Some(b'\'') => {
                            c.state = State::CssSqUrl;
                            j += 1;
                        }
                        _ => c.state = State::CssUrl,
                    }
                    return (c, j);
                }
            }
            b'/' => match s.get(i + 1) {
                Some(b'/') => {
                    c.state = State::CssLineCmt;
                    return (c, i + 2);
                }
                Some(b'*') => {
                    c.state = State::CssBlockCmt;
                    return (c, i + 2);
                }
                _ => {}
            },
            b'"' => {
                c.state = State::CssDqStr;
                return (c, i + 1);
            }
            _ => {
                c.state = State::CssSqStr;
                return (c, i + 1);
            }
        }
        k = i + 1;
    }
}

fn t_css_str(mut c: Context, s: &[u8]) -> Step {
    let end_and_esc: &[u8] = match c.state {
        State::CssDqStr | State::CssDqUrl => b"\\\"",
        State::CssSqStr | State::CssSqUrl => b"\\'",
        // Unquoted URLs end with white space or a close parenthesis.
        _ => b"\\\t\n\x0c\r )",
    };
    let mut k = 0;
    loop {
        let Some(off) = find_any(&s[k..], end_and_esc) else {
            let (c, n) = t_url(c, &decode_css(&s[k..]));
            return Ok((c, k + n));
        };
        let mut i = k + off;
        if s[i] == b'\\' {
            i += 1;
            if i == s.len() {
                return Err(format!(
                    "unfinished escape sequence in CSS string: {}",
                    go_quote(s)
                ));
            }
        } else {
            c.state = State::Css;
            return Ok((c, i + 1));
        }
        c = t_url(c, &decode_css(&s[..i + 1])).0;
        k = i + 1;
    }
}

fn trim_right<'s>(s: &'s [u8], set: &[u8]) -> &'s [u8] {
    let n = s
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(0, |p| p + 1);
    &s[..n]
}

fn trim_left<'s>(s: &'s [u8], set: &[u8]) -> &'s [u8] {
    let n = s.iter().position(|b| !set.contains(b)).unwrap_or(s.len());
    &s[n..]
}

/// The end of the attribute name starting at `i`; quotes or `<` in it are an error.
fn eat_attr_name(s: &[u8], i: usize) -> Result<usize, String> {
    for (j, &b) in s.iter().enumerate().skip(i) {
        match b {
            b' ' | b'\t' | b'\n' | b'\x0c' | b'\r' | b'=' | b'>' => return Ok(j),
            b'\'' | b'"' | b'<' => {
                return Err(format!(
                    "{} in attribute name: {}",
                    go_quote(&s[j..j + 1]),
                    go_quote(&s[..s.len().min(32)])
                ));
            }
            _ => {}
        }
    }
    Ok(s.len())
}

fn eat_tag_name(s: &[u8], i: usize) -> (usize, Element) {
    if i == s.len() || !s[i].is_ascii_alphabetic() {
        return (i, Element::None);
    }
    let mut j = i + 1;
    while j < s.len() {
        let x = s[j];
        if x.is_ascii_alphanumeric() {
            j += 1;
            continue;
        }
        // "x-y" or "x:y", but not "x-", "-y" or "x--y".
        if (x == b':' || x == b'-') && j + 1 < s.len() && s[j + 1].is_ascii_alphanumeric() {
            j += 2;
            continue;
        }
        break;
    }
    let name = &s[i..j];
    let e = if name.eq_ignore_ascii_case(b"script") {
        Element::Script
    } else if name.eq_ignore_ascii_case(b"style") {
        Element::Style
    } else if name.eq_ignore_ascii_case(b"textarea") {
        Element::Textarea
    } else if name.eq_ignore_ascii_case(b"title") {
        Element::Title
    } else {
        Element::None
    };
    (j, e)
}

pub(crate) fn eat_white_space(s: &[u8], i: usize) -> usize {
    s.iter()
        .skip(i)
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r'))
        .map_or(s.len(), |p| i + p)
}

/// Go's `%q` of bytes (printable runes as they are, the rest escaped).
pub(crate) fn go_quote(s: &[u8]) -> String {
    let text = String::from_utf8_lossy(s);
    let mut out = String::with_capacity(text.len() + 2);
    crate::gofmt::write_go_quoted(&mut out, &text);
    out
}

/// The kind of content an attribute holds (Go's attr.go `attrType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    Plain,
    Unsafe,
    Url,
    Css,
    Js,
    Html,
    Srcset,
}

pub(crate) fn attr_type(name: &str) -> Content {
    let name = if let Some(rest) = name.strip_prefix("data-") {
        rest
    } else if let Some((prefix, short)) = name.split_once(':') {
        if prefix == "xmlns" {
            return Content::Url;
        }
        short
    } else {
        name
    };
    if let Some(t) = known_attr(name) {
        return t;
    }
    if name.starts_with("on") {
        return Content::Js;
    }
    if name.contains("src") || name.contains("uri") || name.contains("url") {
        return Content::Url;
    }
    Content::Plain
}

/// Go's `attrTypeMap`.
fn known_attr(name: &str) -> Option<Content> {
    use Content::{Css, Html, Plain, Srcset, Unsafe, Url};
    Some(match name {
        "accept" | "alt" | "autocomplete" | "autofocus" | "autoplay" | "border" | "checked"
        | "class" | "cols" | "colspan" | "contenteditable" | "contextmenu" | "controls"
        | "coords" | "datetime" | "default" | "dir" | "dirname" | "disabled" | "draggable"
        | "dropzone" | "for" | "formtarget" | "headers" | "height" | "hidden" | "high"
        | "hreflang" | "id" | "ismap" | "kind" | "label" | "lang" | "list" | "loop" | "low"
        | "max" | "maxlength" | "media" | "mediagroup" | "min" | "multiple" | "name" | "open"
        | "optimum" | "placeholder" | "preload" | "pubdate" | "radiogroup" | "readonly"
        | "required" | "reversed" | "rows" | "rowspan" | "spellcheck" | "scope" | "scoped"
        | "seamless" | "selected" | "shape" | "size" | "sizes" | "span" | "srclang" | "start"
        | "step" | "tabindex" | "target" | "title" | "width" | "wrap" => Plain,
        "accept-charset" | "async" | "challenge" | "charset" | "content" | "crossorigin"
        | "defer" | "enctype" | "form" | "formenctype" | "formmethod" | "formnovalidate"
        | "http-equiv" | "keytype" | "language" | "method" | "novalidate" | "pattern" | "rel"
        | "sandbox" | "type" | "value" => Unsafe,
        "action" | "archive" | "background" | "cite" | "classid" | "codebase" | "data"
        | "formaction" | "href" | "icon" | "longdesc" | "manifest" | "poster" | "profile"
        | "src" | "usemap" | "xmlns" => Url,
        "srcdoc" => Html,
        "srcset" => Srcset,
        "style" => Css,
        _ => return None,
    })
}

/// Whether a `/` after `s` (no strings, comments or regexps in it) starts a regexp
/// (Go's js.go `nextJSCtx`).
pub(crate) fn next_js_ctx(s: &[u8], preceding: JsCtx) -> JsCtx {
    let s = trim_js_space(s);
    let Some(&c) = s.last() else {
        return preceding;
    };
    let n = s.len();
    match c {
        b'+' | b'-' => {
            let mut start = n - 1;
            while start > 0 && s[start - 1] == c {
                start -= 1;
            }
            // "---" is "-- -": an odd run ends in a prefix or infix operator.
            if (n - start) & 1 == 1 {
                JsCtx::Regexp
            } else {
                JsCtx::DivOp
            }
        }
        b'.' => {
            if n != 1 && s[n - 2].is_ascii_digit() {
                JsCtx::DivOp
            } else {
                JsCtx::Regexp
            }
        }
        b',' | b'<' | b'>' | b'=' | b'*' | b'%' | b'&' | b'|' | b'^' | b'?' | b'!' | b'~'
        | b'(' | b'[' | b':' | b';' | b'{' | b'}' => JsCtx::Regexp,
        _ => {
            let mut j = n;
            while j > 0 && is_js_ident_part(s[j - 1]) {
                j -= 1;
            }
            let word: &[u8] = &s[j..];
            if matches!(
                word,
                b"break"
                    | b"case"
                    | b"continue"
                    | b"delete"
                    | b"do"
                    | b"else"
                    | b"finally"
                    | b"in"
                    | b"instanceof"
                    | b"return"
                    | b"throw"
                    | b"try"
                    | b"typeof"
                    | b"void"
            ) {
                JsCtx::Regexp
            } else {
                JsCtx::DivOp
            }
        }
    }
}

/// `bytes.TrimRight(s, "\t\n\f\r \u2028\u2029")`.
fn trim_js_space(mut s: &[u8]) -> &[u8] {
    loop {
        match s {
            [rest @ .., b'\t' | b'\n' | b'\x0c' | b'\r' | b' '] => s = rest,
            [rest @ .., 0xe2, 0x80, 0xa8 | 0xa9] => s = rest,
            _ => return s,
        }
    }
}

pub(crate) fn is_js_ident_part(b: u8) -> bool {
    b == b'$' || b == b'_' || b.is_ascii_alphanumeric()
}

/// Whether a `type` attribute of `<script>` names JavaScript (Go's js.go `isJSType`).
pub(crate) fn is_js_type(mime: &str) -> bool {
    let mime = mime.split(';').next().unwrap_or("");
    matches!(
        mime.to_lowercase()
            .trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']),
        "application/ecmascript"
            | "application/javascript"
            | "application/json"
            | "application/ld+json"
            | "application/x-ecmascript"
            | "application/x-javascript"
            | "module"
            | "text/ecmascript"
            | "text/javascript"
            | "text/javascript1.0"
            | "text/javascript1.1"
            | "text/javascript1.2"
            | "text/javascript1.3"
            | "text/javascript1.4"
            | "text/javascript1.5"
            | "text/jscript"
            | "text/livescript"
            | "text/x-ecmascript"
            | "text/x-javascript"
    )
}

/// Whether `b` ends with the CSS keyword `kw` (case-insensitively, not inside a longer name).
pub(crate) fn ends_with_css_keyword(b: &[u8], kw: &str) -> bool {
    if b.len() < kw.len() {
        return false;
    }
    let i = b.len() - kw.len();
    if i != 0 {
        let before = String::from_utf8_lossy(&b[..i]);
        if before.chars().next_back().is_some_and(is_css_nmchar) {
            return false;
        }
    }
    b[i..].eq_ignore_ascii_case(kw.as_bytes())
}

pub(crate) fn is_css_nmchar(r: char) -> bool {
    let r = r as u32;
    (u32::from(b'a')..=u32::from(b'z')).contains(&r)
        || (u32::from(b'A')..=u32::from(b'Z')).contains(&r)
        || (u32::from(b'0')..=u32::from(b'9')).contains(&r)
        || r == u32::from(b'-')
        || r == u32::from(b'_')
        || (0x80..=0xd7ff).contains(&r)
        || (0xe000..=0xfffd).contains(&r)
        || (0x10000..=0x10ffff).contains(&r)
}

/// Decodes CSS escapes (`\26`, `\"`), as Go's css.go `decodeCSS`.
pub(crate) fn decode_css(s: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(s.len());
    let mut s = s;
    while !s.is_empty() {
        let i = s.iter().position(|&x| x == b'\\').unwrap_or(s.len());
        b.extend_from_slice(&s[..i]);
        s = &s[i..];
        if s.len() < 2 {
            break;
        }
        if s[1].is_ascii_hexdigit() {
            let mut j = 2;
            while j < s.len() && j < 7 && s[j].is_ascii_hexdigit() {
                j += 1;
            }
            let mut r = hex_decode(&s[1..j]);
            if r > 0x10ffff {
                r /= 16;
                j -= 1;
            }
            // Go encodes surrogates and other invalid runes as U+FFFD.
            let ch = char::from_u32(r).unwrap_or('\u{fffd}');
            let mut buf = [0u8; 4];
            b.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            s = skip_css_space(&s[j..]);
        } else {
            let n = utf8_len(&s[1..]);
            b.extend_from_slice(&s[1..1 + n]);
            s = &s[1 + n..];
        }
    }
    b
}

/// Length of the first UTF-8 sequence of `s` (1 for a bad byte), as `utf8.DecodeRune` steps.
fn utf8_len(s: &[u8]) -> usize {
    let want = match s.first() {
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xf0 => 4,
        Some(b) if *b >= 0xe0 => 3,
        Some(b) if *b >= 0xc0 => 2,
        _ => 1,
    };
    if s.len() >= want && std::str::from_utf8(&s[..want]).is_ok() {
        want
    } else {
        1.min(s.len())
    }
}

fn hex_decode(s: &[u8]) -> u32 {
    s.iter().fold(0u32, |n, &c| {
        (n << 4) | char::from(c).to_digit(16).unwrap_or(0)
    })
}

fn skip_css_space(c: &[u8]) -> &[u8] {
    match c {
        [b'\r', b'\n', rest @ ..] => rest,
        [b'\t' | b'\n' | b'\x0c' | b' ' | b'\r', rest @ ..] => rest,
        _ => c,
    }
}

pub(crate) fn is_css_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}
