//! Tokens → template tree, following Go's `text/template/parse` rules and messages
//! (`unexpected EOF`, `function "x" not defined`, `undefined variable "$x"`, ...).
//! Variables are resolved to stack slots here, so rendering never looks names up.

use crate::ast::{
    Arg, Branch, Command, Func, List, Node, Number, NumberKind, Pipe, RangeNode, VarRef,
};
use crate::builtins::Builtin;
use crate::error::{ParseError, line_col};
use crate::funcs::FuncSet;
use crate::lex::{Tok, Token, lex};

/// Nesting limit for control structures and parentheses: deeper templates are rejected
/// instead of exhausting the stack.
const MAX_DEPTH: usize = 100;

struct Fail {
    pos: usize,
    message: String,
}

type R<T> = Result<T, Fail>;

struct Parser<'s> {
    toks: Vec<Token>,
    i: usize,
    funcs: &'s FuncSet,
    /// Names of variables in scope; index = slot (slot 0 is `$`).
    vars: Vec<String>,
    range_depth: usize,
    depth: usize,
    src_len: usize,
}

/// Parses `src` into the root list.
pub(crate) fn parse(name: &str, src: &str, funcs: &FuncSet) -> Result<List, ParseError> {
    let mk = |pos: usize, message: String| {
        let (line, _) = line_col(src, pos);
        ParseError {
            name: name.to_owned(),
            span: pos..pos
                + src
                    .get(pos..)
                    .and_then(|r| r.chars().next())
                    .map_or(0, char::len_utf8),
            line,
            message,
        }
    };
    let toks = lex(src).map_err(|e| mk(e.pos, e.message))?;
    let mut p = Parser {
        toks,
        i: 0,
        funcs,
        vars: vec!["$".to_owned()],
        range_depth: 0,
        depth: 0,
        src_len: src.len(),
    };
    p.parse_root().map_err(|f| mk(f.pos, f.message))
}

fn tok_desc(t: &Tok) -> String {
    let q = |s: &str| {
        if s.chars().count() > 10 {
            let short: String = s.chars().take(10).collect();
            format!("{short:?}...")
        } else {
            format!("{s:?}")
        }
    };
    match t {
        Tok::Eof => "EOF".into(),
        Tok::Text(s) => q(s),
        Tok::LeftDelim => q("{{"),
        Tok::RightDelim => q("}}"),
        Tok::Space => q(" "),
        Tok::Ident(s) if is_keyword(s) => format!("<{s}>"),
        Tok::Ident(s) | Tok::Number(s) | Tok::CharConst(s) | Tok::Str(s) | Tok::RawStr(s) => q(s),
        Tok::Field(s) => q(&format!(".{s}")),
        Tok::Dot => "<.>".into(),
        Tok::Variable(s) => q(s),
        Tok::Bool(b) => q(&b.to_string()),
        Tok::LeftParen => q("("),
        Tok::RightParen => q(")"),
        Tok::Pipe => q("|"),
        Tok::Declare => q(":="),
        Tok::Assign => q("="),
        Tok::Char(c) => q(&c.to_string()),
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "block"
            | "break"
            | "continue"
            | "define"
            | "else"
            | "end"
            | "if"
            | "range"
            | "nil"
            | "template"
            | "with"
    )
}

/// What ended an item list.
enum Stop {
    End,
    /// `{{else}}` (`Some(keyword)` for `{{else if ...}}` / `{{else with ...}}`).
    Else(usize, Option<String>),
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn peek_non_space(&mut self) -> Token {
        while self.peek().tok == Tok::Space {
            self.i += 1;
        }
        self.peek().clone()
    }

    fn next_non_space(&mut self) -> Token {
        self.peek_non_space();
        self.next()
    }

    fn fail<T>(&self, pos: usize, message: String) -> R<T> {
        Err(Fail { pos, message })
    }

    fn unexpected<T>(&self, t: &Token, context: &str) -> R<T> {
        self.fail(
            t.pos,
            format!("unexpected {} in {}", tok_desc(&t.tok), context),
        )
    }

    fn parse_root(&mut self) -> R<List> {
        let mut list = Vec::new();
        loop {
            if self.peek().tok == Tok::Eof {
                return Ok(list);
            }
            match self.text_or_action()? {
                Ok(node) => list.push(node),
                Err(Stop::End) => {
                    let pos = self.toks[self.i.saturating_sub(1)].pos;
                    return self.fail(pos, "unexpected {{end}}".into());
                }
                Err(Stop::Else(pos, _)) => return self.fail(pos, "unexpected {{else}}".into()),
            }
        }
    }

    /// Items until `{{end}}` or `{{else}}`.
    fn item_list(&mut self) -> R<(List, Stop)> {
        let mut list = Vec::new();
        while self.peek_non_space().tok != Tok::Eof {
            match self.text_or_action()? {
                Ok(node) => list.push(node),
                Err(stop) => return Ok((list, stop)),
            }
        }
        self.fail(self.src_len, "unexpected EOF".into())
    }

    fn text_or_action(&mut self) -> R<Result<Node, Stop>> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Text(s) => Ok(Ok(Node::Text(s))),
            Tok::LeftDelim => self.action(),
            _ => self.unexpected(&t, "input"),
        }
    }

    fn action(&mut self) -> R<Result<Node, Stop>> {
        let t = self.next_non_space();
        if let Tok::Ident(word) = &t.tok {
            match word.as_str() {
                "if" | "with" | "range" => return self.control(word.clone(), t.pos).map(Ok),
                "end" => {
                    self.expect_right_delim("end")?;
                    return Ok(Err(Stop::End));
                }
                "else" => {
                    let peek = self.peek_non_space();
                    if let Tok::Ident(kw) = &peek.tok
                        && (kw == "if" || kw == "with")
                    {
                        let kw = kw.clone();
                        self.next();
                        return Ok(Err(Stop::Else(peek.pos, Some(kw))));
                    }
                    let d = self.expect_right_delim("else")?;
                    return Ok(Err(Stop::Else(d, None)));
                }
                "break" | "continue" => {
                    let tok = self.next_non_space();
                    if tok.tok != Tok::RightDelim {
                        return self.unexpected(&tok, &format!("{{{{{word}}}}}"));
                    }
                    if self.range_depth == 0 {
                        return self.fail(t.pos, format!("{{{{{word}}}}} outside {{{{range}}}}"));
                    }
                    return Ok(Ok(if word == "break" {
                        Node::Break(t.pos)
                    } else {
                        Node::Continue(t.pos)
                    }));
                }
                "define" | "template" | "block" => {
                    return self.fail(t.pos, format!("{{{{{word}}}}} is not supported"));
                }
                _ => {}
            }
        }
        self.i -= 1;
        let pipe = self.pipeline("command", true)?;
        Ok(Ok(Node::Action(pipe, Vec::new())))
    }

    fn expect_right_delim(&mut self, context: &str) -> R<usize> {
        let t = self.next_non_space();
        if t.tok != Tok::RightDelim {
            return self.unexpected(&t, context);
        }
        Ok(t.pos)
    }

    fn enter(&mut self, pos: usize) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail(
                pos,
                format!("template nested too deeply (more than {MAX_DEPTH} levels)"),
            );
        }
        Ok(())
    }

    fn control(&mut self, context: String, pos: usize) -> R<Node> {
        self.enter(pos)?;
        let vars_before = self.vars.len();
        let pipe = self.pipeline(&context, true)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, stop) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let else_list = match stop {
            Stop::End => None,
            Stop::Else(epos, Some(kw)) if kw == context && context != "range" => {
                Some(vec![self.control(kw, epos)?])
            }
            Stop::Else(epos, Some(_)) => {
                return self.fail(epos, "expected end; found {{else}}".into());
            }
            Stop::Else(_, None) => {
                let (l, stop) = self.item_list()?;
                if let Stop::Else(epos, _) = stop {
                    return self.fail(epos, "expected end; found {{else}}".into());
                }
                Some(l)
            }
        };
        self.vars.truncate(vars_before);
        self.depth -= 1;
        let branch = Branch {
            pipe,
            list,
            else_list,
            vars_before,
        };
        Ok(match context.as_str() {
            "if" => Node::If(branch),
            "with" => Node::With(branch),
            _ => Node::Range(Box::new(RangeNode { branch })),
        })
    }

    fn use_var(&self, pos: usize, name: &str) -> R<VarRef> {
        match self.vars.iter().rposition(|v| v == name) {
            Some(slot) => Ok(VarRef {
                name: name.to_owned(),
                slot,
            }),
            None => self.fail(pos, format!("undefined variable {name:?}")),
        }
    }

    /// A pipeline up to `}}` (`delim`) or `)`.
    fn pipeline(&mut self, context: &str, delim: bool) -> R<Pipe> {
        let start = self.peek_non_space().pos;
        let mut decl = Vec::new();
        let mut is_assign = false;
        // Declarations: `$x :=`, `$x =`, `$k, $v :=` / `$k, $v =` (range only).
        let mut names: Vec<(usize, String)> = Vec::new();
        loop {
            let v = self.peek_non_space();
            let Tok::Variable(name) = &v.tok else { break };
            let save = self.i;
            self.next();
            let next = self.peek_non_space();
            match next.tok {
                Tok::Assign | Tok::Declare => {
                    is_assign = next.tok == Tok::Assign;
                    self.next();
                    names.push((v.pos, name.clone()));
                    break;
                }
                Tok::Char(',') if context == "range" && names.is_empty() => {
                    self.next();
                    names.push((v.pos, name.clone()));
                    let p = self.peek_non_space();
                    if !matches!(p.tok, Tok::Variable(_)) {
                        return self.fail(p.pos, "range can only initialize variables".into());
                    }
                }
                Tok::Char(',') => {
                    return self.fail(v.pos, format!("too many declarations in {context}"));
                }
                _ if names.is_empty() => {
                    self.i = save;
                    break;
                }
                _ => return self.unexpected(&next, context),
            }
        }
        for (pos, name) in names {
            if is_assign {
                decl.push(self.use_var(pos, &name)?);
            } else {
                decl.push(VarRef {
                    name: name.clone(),
                    slot: self.vars.len(),
                });
                self.vars.push(name);
            }
        }
        let mut cmds = Vec::new();
        loop {
            let t = self.next_non_space();
            match t.tok {
                Tok::RightDelim if delim => break,
                Tok::RightParen if !delim => break,
                Tok::Bool(_)
                | Tok::CharConst(_)
                | Tok::Dot
                | Tok::Field(_)
                | Tok::Ident(_)
                | Tok::Number(_)
                | Tok::RawStr(_)
                | Tok::Str(_)
                | Tok::Variable(_)
                | Tok::LeftParen => {
                    self.i -= 1;
                    cmds.push(self.command()?);
                }
                _ => return self.unexpected(&t, context),
            }
        }
        if cmds.is_empty() {
            return self.fail(start, format!("missing value for {context}"));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(..) | Arg::Str(..))
            ) {
                return self.fail(
                    c.pos,
                    format!("non executable command in pipeline stage {}", i + 1),
                );
            }
        }
        Ok(Pipe {
            pos: start,
            decl,
            is_assign,
            cmds,
        })
    }

    fn command(&mut self) -> R<Command> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(a) = self.operand()? {
                args.push(a);
            }
            let t = self.next();
            match t.tok {
                Tok::Space => continue,
                Tok::RightDelim | Tok::RightParen => self.i -= 1,
                Tok::Pipe => {}
                _ => return self.unexpected(&t, "operand"),
            }
            break;
        }
        if args.is_empty() {
            return self.fail(pos, "empty command".into());
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> R<Option<Arg>> {
        let Some(term) = self.term()? else {
            return Ok(None);
        };
        let Tok::Field(_) = self.peek().tok else {
            return Ok(Some(term));
        };
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while let Tok::Field(f) = &self.peek().tok {
            fields.push(f.clone());
            self.next();
        }
        Ok(Some(match term {
            Arg::Field(_, mut first) => {
                first.extend(fields);
                Arg::Field(chain_pos, first)
            }
            Arg::Variable(_, v, mut first) => {
                first.extend(fields);
                Arg::Variable(chain_pos, v, first)
            }
            Arg::Bool(..) | Arg::Str(..) | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                return self.fail(
                    chain_pos,
                    format!("unexpected . after term {:?}", term.to_string()),
                );
            }
            other => Arg::Chain(chain_pos, Box::new(other), fields),
        }))
    }

    fn term(&mut self) -> R<Option<Arg>> {
        let t = self.next_non_space();
        let pos = t.pos;
        Ok(Some(match t.tok {
            Tok::Ident(name) => match name.as_str() {
                "nil" => Arg::Nil(pos),
                _ if self.funcs.contains(&name) => Arg::Func(pos, Func::Custom(name)),
                _ => match Builtin::lookup(&name) {
                    Some(b) => Arg::Func(pos, Func::Builtin(b, name)),
                    None if is_keyword(&name) => {
                        self.i -= 1;
                        return Ok(None);
                    }
                    None => return self.fail(pos, format!("function {name:?} not defined")),
                },
            },
            Tok::Dot => Arg::Dot(pos),
            Tok::Variable(name) => Arg::Variable(pos, self.use_var(pos, &name)?, Vec::new()),
            Tok::Field(name) => Arg::Field(pos, vec![name]),
            Tok::Bool(b) => Arg::Bool(pos, b),
            Tok::Number(text) => {
                Arg::Number(pos, number(&text).map_err(|m| Fail { pos, message: m })?)
            }
            Tok::CharConst(text) => {
                let c = unquote_char(&text).ok_or_else(|| Fail {
                    pos,
                    message: format!("malformed character constant: {text}"),
                })?;
                Arg::Number(
                    pos,
                    Number {
                        text,
                        kind: NumberKind::Int(i64::from(u32::from(c))),
                    },
                )
            }
            Tok::LeftParen => {
                self.enter(pos)?;
                let p = self.pipeline("parenthesized pipeline", false)?;
                self.depth -= 1;
                Arg::Pipe(p.pos, Box::new(p))
            }
            Tok::Str(text) => {
                let s = unquote(&text[1..text.len() - 1], '"').ok_or_else(|| Fail {
                    pos,
                    message: "invalid syntax".into(),
                })?;
                Arg::Str(pos, text, s)
            }
            Tok::RawStr(text) => {
                let s = text[1..text.len() - 1].replace('\r', "");
                Arg::Str(pos, text, s)
            }
            _ => {
                self.i -= 1;
                return Ok(None);
            }
        }))
    }
}

/// Go's number constant rules: ints (decimal, `0x`, `0o`, `0b`, leading-0 octal, `_`) are
/// `int`; text with `.`, `e`, `E` is a float.
fn number(text: &str) -> Result<Number, String> {
    let mk = |kind| {
        Ok(Number {
            text: text.to_owned(),
            kind,
        })
    };
    if text.ends_with('i') {
        return Err(format!("complex numbers are not supported: {text:?}"));
    }
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let is_hex = lower.starts_with("0x");
    if is_hex && (lower.contains('.') || lower.contains('p')) {
        return Err(format!("hexadecimal floats are not supported: {text:?}"));
    }
    if let Some(u) = parse_uint(body) {
        let v = if neg { -(u as i128) } else { u as i128 };
        return match i64::try_from(v) {
            Ok(i) => mk(NumberKind::Int(i)),
            Err(_) if !neg && u <= u128::from(u64::MAX) => mk(NumberKind::Overflow),
            Err(_) => Err(format!("integer overflow: {text:?}")),
        };
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    if !is_hex
        && !body.starts_with('_')
        && !body.ends_with('_')
        && let Ok(f) = clean.parse::<f64>()
        && clean.bytes().any(|b| b.is_ascii_digit())
    {
        if !body.contains(['.', 'e', 'E']) {
            return Err(format!("integer overflow: {text:?}"));
        }
        let f = if neg { -f } else { f };
        if f.is_infinite() {
            return Err(format!("illegal number syntax: {text:?}"));
        }
        return mk(NumberKind::Float(f));
    }
    Err(format!("illegal number syntax: {text:?}"))
}

/// Go `strconv.ParseUint(s, 0, 64)`-like, returning a wide value so overflow can be classified.
fn parse_uint(s: &str) -> Option<u128> {
    let lower = s.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_owned(), true)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_owned(), true)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_owned(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_owned(), true)
    } else {
        (10, lower, false)
    };
    // Underscores only between digits, or right after a base prefix.
    let b = digits.as_bytes();
    if b.is_empty() || b.last() == Some(&b'_') || (!prefixed && b.first() == Some(&b'_')) {
        return None;
    }
    if digits.contains("__") {
        return None;
    }
    let mut v: u128 = 0;
    for c in digits.chars().filter(|c| *c != '_') {
        let d = c.to_digit(radix)?;
        v = v
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(d))?;
        if v > u128::from(u64::MAX) * 2 {
            return Some(v);
        }
    }
    Some(v)
}

/// Decodes Go escapes inside a quoted literal body.
fn unquote(body: &str, quote: char) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            if c == quote || c == '\n' {
                return None;
            }
            out.push(c);
            continue;
        }
        let e = it.next()?;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '\'' | '"' if e == quote => out.push(e),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v = 0u32;
                for _ in 0..n {
                    v = v * 16 + it.next()?.to_digit(16)?;
                }
                if e == 'x' {
                    // A byte; only ASCII bytes keep the string valid UTF-8.
                    out.push(if v < 0x80 {
                        char::from_u32(v)?
                    } else {
                        '\u{fffd}'
                    });
                } else {
                    out.push(char::from_u32(v)?);
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    v = v * 8 + it.next()?.to_digit(8)?;
                }
                if v > 255 {
                    return None;
                }
                out.push(if v < 0x80 {
                    char::from_u32(v)?
                } else {
                    '\u{fffd}'
                });
            }
            _ => return None,
        }
    }
    Some(out)
}

fn unquote_char(text: &str) -> Option<char> {
    let body = text.strip_prefix('\'')?.strip_suffix('\'')?;
    // `\xNN` and `\NNN` are byte values, used as runes.
    if let Some(hex) = body.strip_prefix("\\x") {
        if hex.len() != 2 {
            return None;
        }
        return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
    }
    if body.len() == 4
        && body.starts_with('\\')
        && body[1..].bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return u32::from_str_radix(&body[1..], 8)
            .ok()
            .filter(|v| *v < 256)
            .and_then(char::from_u32);
    }
    let s = unquote(body, '\'')?;
    let mut chars = s.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    Some(c)
}
