//! Go html/template's contextual autoescaping (<https://pkg.go.dev/html/template>, Go's
//! html/template/escape.go): one pass over a parsed template works out, for every action,
//! where in the HTML document its output lands (text, a quoted or unquoted attribute, a URL
//! before or after its `?`, a `<script>` body or `on*` handler, a JS string, CSS ...) and gives
//! it the escapers html/template would append to its pipeline; literal text is rewritten as Go
//! rewrites it (HTML comments removed, a stray `<` in text written `&lt;`). The pass runs once,
//! when the template is set to [`crate::Escape::Html`]; rendering only applies each action's
//! escapers. A template html/template refuses (an action in an ambiguous URL, branches that end
//! in different contexts, a template that ends inside a tag ...) fails every render with Go's
//! text, as in Go, where the error surfaces on each `Execute`.

mod context;
mod escapers;

use std::collections::HashMap;

use self::context::{
    Context, Delim, Element, JsCtx, State, UrlPart, attr_start_state, go_quote, is_comment,
    is_js_type, t_special_tag_end, transition,
};
pub(crate) use self::escapers::Escaper;
use crate::ast::{Arg, Branch, Command, Func, List, Node, Pipe};
use crate::builtins::Builtin;
use crate::funcs::FuncSet;

/// Why html/template refuses a template: Go's description and where Go says it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EscapeError {
    pub(crate) at: At,
    pub(crate) message: String,
}

/// Where an [`EscapeError`] is: a node (Go prints its line and column), a line only (an
/// error in text, found again when a range body re-enters), or nowhere (an error in text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum At {
    Node(usize),
    Line(usize),
    Nowhere,
}

type Out = Result<Context, Box<EscapeError>>;

/// Node visits allowed in one pass. Each range body is escaped twice (to check that it can run
/// again), so nested ranges double the work per level; past this the template is refused
/// instead of escaping for ever (Go has no such limit).
const MAX_STEPS: usize = 1 << 20;
const TOO_COMPLEX: &str = "template too complex to escape";

fn error(pos: Option<usize>, message: String) -> Box<EscapeError> {
    let at = pos.map_or(At::Nowhere, At::Node);
    Box::new(EscapeError { at, message })
}

/// Escapes a copy of `root` as html/template does for a template named `name`.
pub(crate) fn escape(root: &List, funcs: &FuncSet) -> Result<List, EscapeError> {
    let mut pass = Pass {
        steps: 0,
        action_edits: Vec::new(),
        text_edits: Vec::new(),
        ranges: Vec::new(),
    };
    let c = pass
        .escape_list(Context::default(), root)
        .map_err(|mut e| {
            if !e.message.starts_with(TOO_COMPLEX) {
                rerun_after_error(root, &mut RangeMarks::default(), &mut e.message);
            }
            *e
        })?;
    if c.state != State::Text {
        return Err(EscapeError {
            at: At::Nowhere,
            message: format!("ends in a non-text context: {c}"),
        });
    }
    let actions: HashMap<usize, Vec<Escaper>> = pass.action_edits.into_iter().collect();
    let texts: HashMap<usize, String> = pass.text_edits.into_iter().collect();
    let mut out = root.clone();
    commit(root, &mut out, &actions, &texts, funcs);
    Ok(out)
}

/// The `{{break}}` and `{{continue}}` seen in one range body.
#[derive(Default)]
struct RangeMarks {
    breaks: bool,
    continues: bool,
}

/// Go retries a template that failed from the failed context (escape.go `computeOutCtx`),
/// and that second pass prefixes the same error once more for every range it reaches whose
/// body ends at a `{{break}}` or `{{continue}}` (`joinRange`). Returns whether `list` stops at
/// one.
fn rerun_after_error(list: &List, marks: &mut RangeMarks, message: &mut String) -> bool {
    for node in list {
        match node {
            Node::Text(_) | Node::Action(..) => {}
            Node::If(b) | Node::With(b) => {
                rerun_after_error(&b.list, marks, message);
                if let Some(e) = &b.else_list {
                    rerun_after_error(e, marks, message);
                }
            }
            Node::Range(r) => {
                let mut inner = RangeMarks::default();
                if rerun_after_error(&r.branch.list, &mut inner, message) {
                    let what = if inner.breaks { "break" } else { "continue" };
                    *message = format!("at range loop {what}: {message}");
                }
            }
            Node::Break(_) => {
                marks.breaks = true;
                return true;
            }
            Node::Continue(_) => {
                marks.continues = true;
                return true;
            }
        }
    }
    false
}

/// Identifies a node of the original tree by its address (the tree is not moved during the
/// pass), as Go keys its edits by node pointer.
fn node_id(n: &Node) -> usize {
    n as *const Node as usize
}

/// Contexts at the `{{break}}` and `{{continue}}` actions of one range body.
#[derive(Default)]
struct RangeContext {
    breaks: Vec<(Context, usize)>,
    continues: Vec<(Context, usize)>,
}

struct Pass {
    /// Nodes visited so far (see [`MAX_STEPS`]).
    steps: usize,
    /// Escapers for each printing action, in the order found (later passes over a range
    /// body may be undone by truncating).
    action_edits: Vec<(usize, Vec<Escaper>)>,
    /// Rewritten literal text.
    text_edits: Vec<(usize, String)>,
    ranges: Vec<RangeContext>,
}

impl Pass {
    fn escape_list(&mut self, mut c: Context, list: &List) -> Out {
        for node in list {
            c = self.escape(c, node)?;
            if c.state == State::Dead {
                break;
            }
        }
        Ok(c)
    }

    fn escape(&mut self, c: Context, node: &Node) -> Out {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(error(
                None,
                format!("{TOO_COMPLEX} (more than {MAX_STEPS} steps)"),
            ));
        }
        match node {
            Node::Text(s) => self.escape_text(c, node_id(node), s),
            Node::Action(pipe, _) => self.escape_action(c, node_id(node), pipe),
            Node::If(b) => self.escape_branch(c, b, "if"),
            Node::With(b) => self.escape_branch(c, b, "with"),
            Node::Range(r) => self.escape_branch(c, &r.branch, "range"),
            Node::Break(pos) => {
                if let Some(r) = self.ranges.last_mut() {
                    r.breaks.push((c, *pos));
                }
                Ok(Context::of(State::Dead))
            }
            Node::Continue(pos) => {
                if let Some(r) = self.ranges.last_mut() {
                    // Go starts the continue list from the break list (escape.go `escape`).
                    r.continues = r.breaks.clone();
                    r.continues.push((c, *pos));
                }
                Ok(Context::of(State::Dead))
            }
        }
    }

    fn escape_action(&mut self, c: Context, id: usize, pipe: &Pipe) -> Out {
        if !pipe.decl.is_empty() {
            // An assignment prints nothing.
            return Ok(c);
        }
        let mut c = nudge(c);
        let action = || format!("{{{{{pipe}}}}}");
        for (i, cmd) in pipe.cmds.iter().enumerate() {
            if let Some(name) = predefined_escaper(cmd)
                && (i < pipe.cmds.len() - 1
                    || (c.state == State::Attr
                        && c.delim == Delim::SpaceOrTagEnd
                        && name == "html"))
            {
                return Err(error(
                    Some(pipe.pos),
                    format!("predefined escaper {name:?} disallowed in template"),
                ));
            }
        }
        let mut s = Vec::with_capacity(3);
        match c.state {
            State::Url
            | State::CssDqStr
            | State::CssSqStr
            | State::CssDqUrl
            | State::CssSqUrl
            | State::CssUrl => match c.url_part {
                UrlPart::None | UrlPart::PreQuery => {
                    if c.url_part == UrlPart::None {
                        s.push(Escaper::UrlFilter);
                    }
                    if matches!(c.state, State::CssDqStr | State::CssSqStr) {
                        s.push(Escaper::Css);
                    } else {
                        s.push(Escaper::UrlNormalizer);
                    }
                }
                UrlPart::QueryOrFrag => s.push(Escaper::Url),
                UrlPart::Unknown => {
                    return Err(error(
                        Some(pipe.pos),
                        format!("{} appears in an ambiguous context within a URL", action()),
                    ));
                }
            },
            State::Js => {
                s.push(Escaper::JsVal);
                // A slash after a value is a division.
                c.js_ctx = JsCtx::DivOp;
            }
            State::JsDqStr | State::JsSqStr => s.push(Escaper::JsStr),
            State::JsBqStr => {
                return Err(error(
                    Some(pipe.pos),
                    format!("{} appears in a JS template literal", action()),
                ));
            }
            State::JsRegexp => s.push(Escaper::JsRegexp),
            State::Css => s.push(Escaper::CssValueFilter),
            State::Text => s.push(Escaper::Html),
            State::Rcdata => s.push(Escaper::Rcdata),
            State::Attr => {}
            State::AttrName | State::Tag => {
                c.state = State::AttrName;
                s.push(Escaper::HtmlNameFilter);
            }
            State::Srcset => s.push(Escaper::Srcset),
            _ => s.push(Escaper::Comment),
        }
        match c.delim {
            Delim::None => {}
            Delim::SpaceOrTagEnd => s.push(Escaper::Nospace),
            Delim::DoubleQuote | Delim::SingleQuote => s.push(Escaper::Attr),
        }
        self.action_edits.push((id, s));
        Ok(c)
    }

    fn escape_branch(&mut self, c: Context, b: &Branch, name: &str) -> Out {
        let is_range = name == "range";
        if is_range {
            self.ranges.push(RangeContext::default());
        }
        let mut c0 = self.escape_list(c, &b.list);
        if is_range {
            let rc = self.ranges.pop().unwrap_or_default();
            let first = join_range(c0?, &rc)?;
            // The body of a range can run again: it must end where it started.
            self.ranges.push(RangeContext::default());
            let (actions, texts) = (self.action_edits.len(), self.text_edits.len());
            let again = self.escape_list(first, &b.list);
            self.action_edits.truncate(actions);
            self.text_edits.truncate(texts);
            let joined = again.and_then(|c1| join(first, c1, b.pipe.pos, name));
            let rc = self.ranges.pop().unwrap_or_default();
            let joined = joined.map_err(|mut e| {
                if e.message.starts_with(TOO_COMPLEX) {
                    return e;
                }
                e.message = format!("on range loop re-entry: {}", e.message);
                if e.at == At::Nowhere {
                    e.at = At::Line(b.pipe.pos);
                }
                e
            })?;
            c0 = join_range(joined, &rc);
        }
        let c0 = c0?;
        let c1 = match &b.else_list {
            Some(list) => self.escape_list(c, list)?,
            None => c,
        };
        join(c0, c1, b.pipe.pos, name)
    }

    fn escape_text(&mut self, mut c: Context, id: usize, text: &str) -> Out {
        let s = text.as_bytes();
        let (mut written, mut i) = (0, 0);
        let mut b: Vec<u8> = Vec::new();
        while i != s.len() {
            let (c1, nread) = context_after_text(c, &s[i..]).map_err(|m| error(None, m))?;
            let i1 = i + nread;
            if c.state == State::Text || c.state == State::Rcdata {
                let mut end = i1;
                if c1.state != c.state
                    && let Some(j) = (i..end).rev().find(|&j| s[j] == b'<')
                {
                    end = j;
                }
                for j in i..end {
                    if s[j] == b'<' && !starts_with_fold(&s[j..], b"<!DOCTYPE") {
                        b.extend_from_slice(&s[written..j]);
                        b.extend_from_slice(b"&lt;");
                        written = j + 1;
                    }
                }
            } else if is_comment(c.state) && c.delim == Delim::None {
                match c.state {
                    State::JsBlockCmt => {
                        // A comment with a line break (\n, \r, U+2028, U+2029) stands for one.
                        let body = &s[written.min(i1)..i1];
                        let line_break = body.iter().any(|b| matches!(b, b'\n' | b'\r'))
                            || body
                                .windows(3)
                                .any(|w| w == b"\xe2\x80\xa8" || w == b"\xe2\x80\xa9");
                        b.push(if line_break { b'\n' } else { b' ' });
                    }
                    State::CssBlockCmt => b.push(b' '),
                    _ => {}
                }
                written = i1;
            }
            if c.state != c1.state && is_comment(c1.state) && c1.delim == Delim::None {
                // Keep what precedes the comment's opening (`<!--`, `/*` or `//`).
                let opening = if c1.state == State::HtmlCmt { 4 } else { 2 };
                b.extend_from_slice(&s[written..i1 - opening]);
                written = i1;
            }
            if i == i1 && c.state == c1.state {
                return Err(error(
                    None,
                    format!("infinite loop from {c} to {c1} at byte {i}"),
                ));
            }
            c = c1;
            i = i1;
        }
        if written != 0 {
            if !is_comment(c.state) || c.delim != Delim::None {
                b.extend_from_slice(&s[written..]);
            }
            self.text_edits
                .push((id, String::from_utf8_lossy(&b).into_owned()));
        }
        Ok(c)
    }
}

fn starts_with_fold(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The name of a predefined escaper (`html`, `urlquery`) a command calls, if any.
fn predefined_escaper(cmd: &Command) -> Option<&str> {
    match cmd.args.first() {
        Some(Arg::Func(_, f)) if matches!(f.name(), "html" | "urlquery") => Some(f.name()),
        _ => None,
    }
}

/// The characters that end an attribute value of each delimiter.
fn delim_ends(d: Delim) -> &'static [u8] {
    match d {
        Delim::DoubleQuote => b"\"",
        Delim::SingleQuote => b"'",
        Delim::SpaceOrTagEnd => b" \t\n\x0c\r>",
        Delim::None => b"",
    }
}

/// Go's `contextAfterText`: consumes some of `s` from context `c`.
fn context_after_text(c: Context, s: &[u8]) -> Result<(Context, usize), String> {
    if c.delim == Delim::None {
        let (c1, i) = t_special_tag_end(c, s);
        if i == 0 {
            // An end tag (`</script>`) follows at once.
            return Ok((c1, 0));
        }
        return transition(c, &s[..i]);
    }
    let ends = delim_ends(c.delim);
    let i = s.iter().position(|b| ends.contains(b)).unwrap_or(s.len());
    if c.delim == Delim::SpaceOrTagEnd
        && let Some(j) = s[..i].iter().position(|b| b"\"'<=`".contains(b))
    {
        return Err(format!(
            "{} in unquoted attr: {}",
            go_quote(&s[j..j + 1]),
            go_quote(&s[..i])
        ));
    }
    if i == s.len() {
        // Still inside the attribute: its value is read with entities decoded, so that
        // `onclick="alert(&quot;Hi!&quot;)"` is seen as JS with a string in it.
        let text = String::from_utf8_lossy(s);
        let decoded = htmlize::unescape(text.as_ref());
        let mut u = decoded.as_bytes();
        let mut c = c;
        while !u.is_empty() {
            let (c1, i1) = transition(c, u)?;
            c = c1;
            u = &u[i1..];
        }
        return Ok((c, s.len()));
    }
    let mut element = c.element;
    // A non-JS `type` on `<script>` makes its body plain text.
    if c.state == State::Attr
        && c.element == Element::Script
        && c.attr == context::Attr::ScriptType
        && !is_js_type(&String::from_utf8_lossy(&s[..i]))
    {
        element = Element::None;
    }
    let consumed = if c.delim == Delim::SpaceOrTagEnd {
        i
    } else {
        i + 1
    };
    // Leaving the attribute keeps only the element.
    Ok((
        Context {
            element,
            ..Context::of(State::Tag)
        },
        consumed,
    ))
}

/// The context after the empty transitions an action takes (`<a href=` followed by an
/// action is an unquoted URL value).
fn nudge(mut c: Context) -> Context {
    match c.state {
        State::Tag => c.state = State::AttrName,
        State::BeforeValue => {
            c.state = attr_start_state(c.attr);
            c.delim = Delim::SpaceOrTagEnd;
            c.attr = context::Attr::None;
        }
        State::AfterName => {
            c.state = State::AttrName;
            c.attr = context::Attr::None;
        }
        _ => {}
    }
    c
}

/// The context after a branch whose two ways end in `a` and `b` (Go's `join`).
fn join(a: Context, b: Context, pos: usize, name: &str) -> Out {
    if a.state == State::Dead {
        return Ok(b);
    }
    if b.state == State::Dead || a == b {
        return Ok(a);
    }
    let mut c = a;
    c.url_part = b.url_part;
    if c == b {
        c.url_part = UrlPart::Unknown;
        return Ok(c);
    }
    let mut c = a;
    c.js_ctx = b.js_ctx;
    if c == b {
        c.js_ctx = JsCtx::Unknown;
        return Ok(c);
    }
    // A nudged context joins an unnudged one: `<p title={{if .C}}{{.}}{{end}}`.
    let (na, nb) = (nudge(a), nudge(b));
    if (na != a || nb != b)
        && let Ok(e) = join(na, nb, pos, name)
    {
        return Ok(e);
    }
    Err(error(
        Some(pos),
        format!("{{{{{name}}}}} branches end in different contexts: {a}, {b}"),
    ))
}

/// Joins the contexts at the body's `{{break}}`s and `{{continue}}`s into `c0`.
fn join_range(mut c0: Context, rc: &RangeContext) -> Out {
    for (what, list) in [("break", &rc.breaks), ("continue", &rc.continues)] {
        for &(c, pos) in list.iter() {
            c0 = join(c0, c, pos, "range").map_err(|mut e| {
                e.message = format!("at range loop {what}: {}", e.message);
                e
            })?;
        }
    }
    Ok(c0)
}

/// Applies the edits to the copy `out` of `orig` (the same shape, node for node).
fn commit(
    orig: &List,
    out: &mut List,
    actions: &HashMap<usize, Vec<Escaper>>,
    texts: &HashMap<usize, String>,
    funcs: &FuncSet,
) {
    for (o, n) in orig.iter().zip(out.iter_mut()) {
        let id = node_id(o);
        match n {
            Node::Text(s) => {
                if let Some(t) = texts.get(&id) {
                    s.clone_from(t);
                }
            }
            Node::Action(pipe, chain) => {
                if let Some(s) = actions.get(&id) {
                    *chain = ensure_pipeline_contains(pipe, s, funcs);
                }
            }
            Node::If(b) | Node::With(b) => {
                let (Node::If(ob) | Node::With(ob)) = o else {
                    continue;
                };
                commit_branch(ob, b, actions, texts, funcs);
            }
            Node::Range(r) => {
                let Node::Range(or) = o else {
                    continue;
                };
                commit_branch(&or.branch, &mut r.branch, actions, texts, funcs);
            }
            Node::Break(_) | Node::Continue(_) => {}
        }
    }
}

fn commit_branch(
    orig: &Branch,
    out: &mut Branch,
    actions: &HashMap<usize, Vec<Escaper>>,
    texts: &HashMap<usize, String>,
    funcs: &FuncSet,
) {
    commit(&orig.list, &mut out.list, actions, texts, funcs);
    if let (Some(o), Some(n)) = (&orig.else_list, &mut out.else_list) {
        commit(o, n, actions, texts, funcs);
    }
}

/// Go's `ensurePipelineContains`: the escapers that follow the pipeline, merged with a final
/// `html` or `urlquery` the pipeline already has. `{{ html x y }}` becomes
/// `{{ _eval_args_ x y | html }}`; a final predefined escaper equivalent to one of `s` takes
/// that escaper's place (so `{{ .X | html }}` in text is escaped once, by `html`). A declared
/// function returning `template.JS` (Kapacitor's `json`) is written into JS as it is.
fn ensure_pipeline_contains(pipe: &mut Pipe, s: &[Escaper], funcs: &FuncSet) -> Vec<Escaper> {
    let mut s = s.to_vec();
    if s.is_empty() {
        return s;
    }
    let predefined = pipe.cmds.last().and_then(|c| match predefined_escaper(c) {
        Some("html") => Some(Escaper::HtmlFunc),
        Some(_) => Some(Escaper::UrlqueryFunc),
        None => None,
    });
    if let Some(esc) = predefined {
        let pos = pipe.pos;
        if pipe.cmds.len() == 1 && pipe.cmds[0].args.len() > 1 {
            // `esc a b` → `_eval_args_ a b | esc`.
            let first = &mut pipe.cmds[0];
            let name = first.args[0].to_string();
            first.args[0] = Arg::Func(
                first.args[0].pos(),
                Func::Builtin(Builtin::EvalArgs, "_eval_args_".to_owned()),
            );
            let builtin = if esc == Escaper::HtmlFunc {
                Builtin::Html
            } else {
                Builtin::Urlquery
            };
            pipe.cmds.push(Command {
                pos,
                args: vec![Arg::Func(pos, Func::Builtin(builtin, name))],
            });
        }
        let mut dup = false;
        for e in s.iter_mut() {
            if e.normalized() == Some(esc) {
                *e = esc;
                dup = true;
            }
        }
        if dup {
            if pipe.cmds.len() == 1 {
                // `{{ html }}` alone: the escapers get the empty string.
                pipe.cmds[0].args.truncate(1);
                pipe.cmds[0].args[0] = Arg::Func(
                    pipe.pos,
                    Func::Builtin(Builtin::EvalArgs, "_eval_args_".to_owned()),
                );
            } else {
                pipe.cmds.pop();
            }
        }
    }
    let mut chain: Vec<Escaper> = Vec::with_capacity(s.len());
    for e in s {
        if chain.last().is_some_and(|last| last.makes_redundant(e)) {
            continue;
        }
        chain.push(e);
    }
    let trusted_js = matches!(
        pipe.cmds.last().and_then(|c| c.args.first()),
        Some(Arg::Func(_, Func::Custom(name))) if funcs.returns_js(name)
    );
    if trusted_js && chain.first() == Some(&Escaper::JsVal) {
        chain[0] = Escaper::TrustedJs;
    }
    chain
}

#[cfg(test)]
mod tests;
