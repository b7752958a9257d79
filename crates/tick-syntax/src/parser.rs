//! The TICKscript parser (Kapacitor's `tick/ast/parser.go`, v1.5.7): tokens → [`ast::Program`].
//! Owns the grammar, operator precedence, error recovery at statement boundaries, the nesting limit
//! and the quirk warnings about statements that are silently ignored. Knows nothing of what a node
//! means.

use crate::ast::{
    self, BinaryOp, Call, ChainOp, Expr, Ident, Reference, Stmt, StringQuote, UnaryOp,
};
use crate::diagnostic::Diagnostic;
use crate::error::SyntaxError;
use crate::lexer::{self, Token, TokenKind};
use crate::literal;
use crate::span::Span;

/// The deepest nesting of parentheses, calls, operators and chain links we accept. Deeper input
/// gets a diagnostic instead of exhausting the stack.
pub const MAX_DEPTH: usize = 256;

/// Marker: parsing this statement failed and a diagnostic was already recorded.
struct Failed;

type PResult<T> = Result<T, Failed>;

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    diags: Vec<Diagnostic>,
    depth: usize,
    /// Index of the first token of the statement being parsed.
    stmt_start: usize,
}

/// Parses a whole script; see [`crate::parse`].
pub(crate) fn parse(src: &str) -> (ast::Program, Vec<Diagnostic>) {
    let lexed = lexer::lex(src);
    let mut p = Parser::new(src, lexed.tokens, lexed.diagnostics);
    let mut stmts = Vec::new();
    while p.peek().kind != TokenKind::Eof {
        let start = p.pos;
        p.stmt_start = start;
        p.depth = 0;
        match p.statement() {
            Ok(stmt) => {
                p.warn_if_ignored(&stmt, start);
                stmts.push(stmt);
            }
            Err(Failed) => p.recover(start),
        }
    }
    let mut diags = p.diags;
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    (
        ast::Program {
            stmts,
            comments: lexed.comments,
        },
        diags,
    )
}

/// Parses a lambda body (a primary expression without `lambda:`); see [`crate::parse_expr`].
pub(crate) fn parse_expr(src: &str) -> (Option<Expr>, Vec<Diagnostic>) {
    let lexed = lexer::lex(src);
    let mut p = Parser::new(src, lexed.tokens, lexed.diagnostics);
    p.stmt_start = usize::MAX;
    let expr = p.primary_expr().ok().and_then(|e| {
        let t = p.peek();
        match t.kind {
            TokenKind::Eof => Some(e),
            TokenKind::Error => None,
            _ => {
                p.unexpected(t, "an operator or the end of the expression");
                None
            }
        }
    });
    let mut diags = p.diags;
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    let failed = diags.iter().any(Diagnostic::is_error);
    (if failed { None } else { expr }, diags)
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, tokens: Vec<Token>, diags: Vec<Diagnostic>) -> Parser<'a> {
        Parser {
            src,
            tokens,
            pos: 0,
            diags,
            depth: 0,
            stmt_start: 0,
        }
    }

    fn peek(&self) -> Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> Token {
        let i = (self.pos + n).min(self.tokens.len().saturating_sub(1));
        self.tokens.get(i).copied().unwrap_or(Token {
            kind: TokenKind::Eof,
            span: Span::default(),
        })
    }

    fn next(&mut self) -> Token {
        let t = self.peek();
        if t.kind != TokenKind::Eof {
            self.pos += 1;
        }
        t
    }

    fn text(&self, span: Span) -> &'a str {
        self.src.get(span.range()).unwrap_or("")
    }

    /// Enters one nesting level; fails with a diagnostic beyond [`MAX_DEPTH`].
    fn enter(&mut self, at: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.diags
                .push(Diagnostic::error(at, SyntaxError::TooDeep(MAX_DEPTH)));
            return Err(Failed);
        }
        Ok(())
    }

    /// Describes a token for "unexpected ..." the way Kapacitor names it, with the user's text.
    fn describe(&self, t: Token) -> String {
        let text = self.text(t.span);
        match t.kind {
            TokenKind::Eof => "EOF".to_string(),
            TokenKind::Ident => format!("identifier '{text}'"),
            TokenKind::Number => format!("number '{text}'"),
            TokenKind::Duration => format!("duration '{text}'"),
            TokenKind::Str => "string".to_string(),
            TokenKind::Reference => format!("reference {}", truncate(text, 40)),
            TokenKind::Regex => "regex".to_string(),
            TokenKind::Lambda => "'lambda:'".to_string(),
            _ => format!("'{text}'"),
        }
    }

    fn unexpected(&mut self, t: Token, expected: &str) -> Failed {
        // A lexer error was already reported where it happened.
        if t.kind != TokenKind::Error {
            let found = self.describe(t);
            self.diags.push(Diagnostic::error(
                t.span,
                SyntaxError::Unexpected {
                    found,
                    expected: expected.to_string(),
                },
            ));
        }
        Failed
    }

    fn expect(&mut self, kind: TokenKind, expected: &str) -> PResult<Token> {
        let t = self.peek();
        if t.kind == kind {
            self.pos += 1;
            Ok(t)
        } else {
            Err(self.unexpected(t, expected))
        }
    }

    fn ident(&mut self, expected: &str) -> PResult<Ident> {
        let t = self.expect(TokenKind::Ident, expected)?;
        Ok(Ident {
            name: self.text(t.span).to_string(),
            span: t.span,
        })
    }

    /// Skips to the next likely statement start: `var`, `dbrp`, or an identifier that is the
    /// first thing on its line. Always moves past at least one token.
    fn recover(&mut self, start: usize) {
        if self.pos == start {
            self.next();
        }
        loop {
            let t = self.peek();
            match t.kind {
                TokenKind::Eof | TokenKind::Var | TokenKind::Dbrp => return,
                TokenKind::Ident if self.starts_line(t.span) => return,
                _ => {
                    self.next();
                }
            }
        }
    }

    fn starts_line(&self, span: Span) -> bool {
        // Walk back over blanks only, so this stays cheap on very long lines.
        let before = self.src.get(..span.start as usize).unwrap_or("");
        for c in before.chars().rev() {
            if c == '\n' {
                return true;
            }
            if !c.is_whitespace() {
                return false;
            }
        }
        true
    }

    fn statement(&mut self) -> PResult<Stmt> {
        let t = self.peek();
        match t.kind {
            TokenKind::Var => {
                self.next();
                let name = self.ident("identifier")?;
                if self.peek().kind == TokenKind::Assign {
                    self.next();
                    let value = self.expression()?;
                    let span = t.span.to(value.span());
                    Ok(Stmt::Var { name, value, span })
                } else {
                    let ty = self.ident("'=' or a type name")?;
                    let span = t.span.to(ty.span);
                    Ok(Stmt::TypedVar { name, ty, span })
                }
            }
            TokenKind::Dbrp => {
                self.next();
                let db = self.reference("a database reference like \"telegraf\"")?;
                self.expect(TokenKind::Dot, "'.'")?;
                let rp = self.reference("a retention policy reference like \"autogen\"")?;
                let span = t.span.to(rp.span);
                Ok(Stmt::Dbrp { db, rp, span })
            }
            _ => Ok(Stmt::Expr(self.expression()?)),
        }
    }

    fn reference(&mut self, expected: &str) -> PResult<Reference> {
        let t = self.expect(TokenKind::Reference, expected)?;
        Ok(Reference {
            name: literal::reference(self.text(t.span)),
            span: t.span,
        })
    }

    /// An expression (Kapacitor `parser.go` `expression`): a chain, a lambda, a string list or a
    /// primary expression.
    fn expression(&mut self) -> PResult<Expr> {
        let t = self.peek();
        self.enter(t.span)?;
        let r = self.expression_inner(t);
        self.depth -= 1;
        r
    }

    fn expression_inner(&mut self, t: Token) -> PResult<Expr> {
        match t.kind {
            TokenKind::Ident => {
                let next = self.peek_at(1).kind;
                if next == TokenKind::LParen {
                    let call = self.call(false)?;
                    if matches!(
                        self.peek().kind,
                        TokenKind::Dot | TokenKind::Pipe | TokenKind::At
                    ) {
                        self.chain(Expr::Call(call))
                    } else {
                        self.binary(Expr::Call(call), 0)
                    }
                } else if matches!(next, TokenKind::Dot | TokenKind::Pipe | TokenKind::At) {
                    let id = self.ident("identifier")?;
                    self.chain(Expr::Ident(id))
                } else {
                    self.primary_expr()
                }
            }
            TokenKind::Lambda => self.lambda(),
            TokenKind::LBracket => self.list(),
            _ => self.primary_expr(),
        }
    }

    /// Links `|call`, `.call`, `.ident`, `@call`, left-associative.
    fn chain(&mut self, mut lhs: Expr) -> PResult<Expr> {
        let saved = self.depth;
        let r = loop {
            let t = self.peek();
            let op = match t.kind {
                TokenKind::Pipe => ChainOp::Pipe,
                TokenKind::Dot => ChainOp::Dot,
                TokenKind::At => ChainOp::At,
                _ => break Ok(lhs),
            };
            if let Err(f) = self.enter(t.span) {
                break Err(f);
            }
            self.next();
            let name_tok = self.peek();
            if name_tok.kind != TokenKind::Ident {
                break Err(self.unexpected(name_tok, "a node or property name"));
            }
            // As in Kapacitor, only `|` demands parentheses; `.x` and `@x` without them read.
            let property_read = op != ChainOp::Pipe && self.peek_at(1).kind != TokenKind::LParen;
            let call = if property_read {
                let name = match self.ident("identifier") {
                    Ok(n) => n,
                    Err(f) => break Err(f),
                };
                Call {
                    span: name.span,
                    name,
                    args: Vec::new(),
                }
            } else {
                match self.call(false) {
                    Ok(c) => c,
                    Err(f) => break Err(f),
                }
            };
            let span = lhs.span().to(call.span);
            lhs = Expr::Chain {
                op,
                left: Box::new(lhs),
                call,
                property_read,
                span,
            };
        };
        self.depth = saved;
        r
    }

    /// `name(args)`. Inside a lambda (`in_lambda`) arguments are primary expressions, elsewhere
    /// full expressions (lambdas, lists, chains).
    fn call(&mut self, in_lambda: bool) -> PResult<Call> {
        let name = self.ident("identifier")?;
        self.expect(TokenKind::LParen, "'('")?;
        let mut args = Vec::new();
        loop {
            if self.peek().kind == TokenKind::RParen {
                break;
            }
            let arg = if in_lambda {
                self.primary_expr()?
            } else {
                self.expression()?
            };
            args.push(arg);
            if self.peek().kind == TokenKind::Comma {
                self.next();
            } else {
                break;
            }
        }
        let t = self.peek();
        if t.kind != TokenKind::RParen {
            let expected = if args.is_empty() { "')'" } else { "',' or ')'" };
            return Err(self.unexpected(t, expected));
        }
        self.next();
        let span = name.span.to(t.span);
        Ok(Call { name, args, span })
    }

    /// `[item, ...]` where items are strings, identifiers or `*`.
    fn list(&mut self) -> PResult<Expr> {
        let open = self.next();
        let mut items = Vec::new();
        loop {
            let t = self.peek();
            match t.kind {
                TokenKind::RBracket => break,
                TokenKind::Ident => {
                    let id = self.ident("identifier")?;
                    items.push(Expr::Ident(id));
                }
                TokenKind::Str => {
                    self.next();
                    items.push(self.string(t));
                }
                TokenKind::Star => {
                    self.next();
                    items.push(Expr::Star { span: t.span });
                }
                _ => return Err(self.unexpected(t, "identifier, string or '*'")),
            }
            if self.peek().kind == TokenKind::Comma {
                self.next();
            } else {
                break;
            }
        }
        let close = self.expect(TokenKind::RBracket, "',' or ']'")?;
        Ok(Expr::List {
            items,
            span: open.span.to(close.span),
        })
    }

    fn lambda(&mut self) -> PResult<Expr> {
        let kw = self.next();
        let body = self.primary_expr()?;
        let span = kw.span.to(body.span());
        Ok(Expr::Lambda {
            body: Box::new(body),
            span,
        })
    }

    /// `Primary { BinaryOp Primary }` with the precedence of [`BinaryOp::precedence`] (Kapacitor
    /// `parser.go` `precedence`).
    fn primary_expr(&mut self) -> PResult<Expr> {
        let lhs = self.primary()?;
        self.binary(lhs, 0)
    }

    /// Precedence climbing over binary operators, left-associative.
    fn binary(&mut self, mut lhs: Expr, min: u8) -> PResult<Expr> {
        let saved = self.depth;
        let r = loop {
            let TokenKind::Op(op) = self.peek().kind else {
                break Ok(lhs);
            };
            let prec = op.precedence();
            if prec < min {
                break Ok(lhs);
            }
            let op_tok = self.next();
            if let Err(f) = self.enter(op_tok.span) {
                break Err(f);
            }
            let mut rhs = match self.primary() {
                Ok(r) => r,
                Err(f) => break Err(f),
            };
            while let TokenKind::Op(next) = self.peek().kind {
                let next_prec = next.precedence();
                if next_prec <= prec {
                    break;
                }
                rhs = match self.binary(rhs, next_prec) {
                    Ok(r) => r,
                    Err(f) => {
                        self.depth = saved;
                        return Err(f);
                    }
                };
            }
            let span = lhs.span().to(rhs.span());
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                parenthesised: false,
                span,
            };
        };
        self.depth = saved;
        r
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.peek();
        self.enter(t.span)?;
        let r = self.primary_inner(t);
        self.depth -= 1;
        r
    }

    // Long because it is one match over the token that starts an operand, an arm per kind,
    // as Kapacitor's `primary` (tick/ast/parser.go at v1.5.7) is one switch.
    fn primary_inner(&mut self, t: Token) -> PResult<Expr> {
        match t.kind {
            TokenKind::LParen => {
                self.next();
                let mut e = self.primary_expr()?;
                let close = self.expect(TokenKind::RParen, "an operator or ')'")?;
                if let Expr::Binary {
                    parenthesised,
                    span,
                    ..
                } = &mut e
                {
                    *parenthesised = true;
                    *span = t.span.to(close.span);
                }
                Ok(e)
            }
            TokenKind::Number => {
                self.next();
                Ok(match literal::number(self.text(t.span)) {
                    Ok(literal::Number::Int(value)) => Expr::Int {
                        value,
                        span: t.span,
                    },
                    Ok(literal::Number::Float(value)) => Expr::Float {
                        value,
                        span: t.span,
                    },
                    Err(e) => {
                        // Keep parsing: the error is recorded and the value is never used.
                        self.diags.push(Diagnostic::error(t.span, e));
                        Expr::Int {
                            value: 0,
                            span: t.span,
                        }
                    }
                })
            }
            TokenKind::Duration => {
                self.next();
                let text = self.text(t.span);
                let nanos = literal::duration(text).unwrap_or_else(|e| {
                    self.diags.push(Diagnostic::error(t.span, e));
                    0
                });
                Ok(Expr::Duration {
                    nanos,
                    literal: text.to_string(),
                    span: t.span,
                })
            }
            TokenKind::Str => {
                self.next();
                Ok(self.string(t))
            }
            TokenKind::True | TokenKind::False => {
                self.next();
                Ok(Expr::Bool {
                    value: t.kind == TokenKind::True,
                    span: t.span,
                })
            }
            TokenKind::Regex => {
                self.next();
                let pattern = literal::regex(self.text(t.span));
                // Checked for syntax only: compiling (and resolving Unicode classes) is the
                // engine's job and costs far more.
                if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(&pattern) {
                    self.diags.push(Diagnostic::error(
                        t.span,
                        SyntaxError::BadRegex(regex_message(&e)),
                    ));
                }
                Ok(Expr::Regex {
                    pattern,
                    span: t.span,
                })
            }
            TokenKind::Star => {
                self.next();
                Ok(Expr::Star { span: t.span })
            }
            TokenKind::Reference => {
                self.next();
                Ok(Expr::Reference(Reference {
                    name: literal::reference(self.text(t.span)),
                    span: t.span,
                }))
            }
            TokenKind::Ident => {
                if self.peek_at(1).kind == TokenKind::LParen {
                    return Ok(Expr::Call(self.call(true)?));
                }
                let id = self.ident("identifier")?;
                if id.name == "lambda"
                    && self.pos - 1 != self.stmt_start
                    && self.starts_operand(self.peek().kind)
                {
                    let at = id.span.end as usize;
                    self.diags.push(Diagnostic::error(
                        Span::new(at, at + 1),
                        SyntaxError::LambdaNeedsColon,
                    ));
                    return Err(Failed);
                }
                Ok(Expr::Ident(id))
            }
            TokenKind::Op(BinaryOp::Sub) | TokenKind::Not => {
                self.next();
                let operand = self.primary()?;
                let op = if t.kind == TokenKind::Not {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
                };
                let span = t.span.to(operand.span());
                Ok(Expr::Unary {
                    op,
                    operand: Box::new(operand),
                    span,
                })
            }
            _ => Err(self.unexpected(t, "an expression")),
        }
    }

    fn starts_operand(&self, kind: TokenKind) -> bool {
        matches!(
            kind,
            TokenKind::Reference
                | TokenKind::Number
                | TokenKind::Str
                | TokenKind::Duration
                | TokenKind::Ident
                | TokenKind::True
                | TokenKind::False
                | TokenKind::Regex
                | TokenKind::Star
                | TokenKind::Not
        )
    }

    fn string(&self, t: Token) -> Expr {
        let (value, triple) = literal::string(self.text(t.span));
        let quote = if triple {
            StringQuote::Triple
        } else {
            StringQuote::Single
        };
        Expr::String {
            value,
            quote,
            span: t.span,
        }
    }

    /// Quirk warnings (Kapacitor `tick/eval.go` `eval`): a top-level statement that is not a chain
    /// or call is evaluated and thrown away. Right after a number or duration it is usually a unit
    /// suffix the user meant to belong to that literal (`1h30m`, `1e21`, `1.5s`, `10us`).
    fn warn_if_ignored(&mut self, stmt: &Stmt, first: usize) {
        let Stmt::Expr(e) = stmt else { return };
        if matches!(e, Expr::Chain { .. } | Expr::Call(_)) {
            return;
        }
        let text = truncate(self.text(e.span()), 40);
        let prev = first
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .copied();
        let message = match prev {
            Some(p)
                if matches!(p.kind, TokenKind::Number | TokenKind::Duration)
                    && !self
                        .text(Span {
                            start: p.span.end,
                            end: e.span().start,
                        })
                        .contains('\n') =>
            {
                SyntaxError::SuffixIgnored {
                    stmt: text,
                    prev: self.text(p.span).to_string(),
                }
            }
            _ => SyntaxError::StatementIgnored(text),
        };
        self.diags.push(Diagnostic::warning(e.span(), message));
    }
}

fn truncate(s: &str, max: usize) -> String {
    let first_line = s.lines().next().unwrap_or("");
    if first_line.chars().count() > max || first_line.len() < s.len() {
        let cut: String = first_line.chars().take(max).collect();
        format!("{cut}...")
    } else {
        first_line.to_string()
    }
}

/// The one-line reason from a regex syntax error (its `Display` spans several lines).
fn regex_message(e: &regex_syntax::ast::Error) -> String {
    let full = e.to_string();
    full.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: ").map(str::to_string))
        .unwrap_or_else(|| full.lines().last().unwrap_or("").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::LineIndex;

    /// Diagnostics as `LINE:COL: severity: message`.
    fn diags(src: &str) -> Vec<String> {
        let (_, d) = parse(src);
        let idx = LineIndex::new(src);
        d.iter()
            .map(|d| {
                let (l, c) = idx.line_col(src, d.span.start as usize);
                let sev = if d.is_error() { "error" } else { "warning" };
                format!("{l}:{c}: {sev}: {}", d.message)
            })
            .collect()
    }

    /// The value of `var x = ...` with spans stripped.
    fn value(src: &str) -> Expr {
        let (p, d) = parse(src);
        assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
        match p.stmts.first().map(Stmt::without_spans) {
            Some(Stmt::Var { value, .. }) => value,
            other => panic!("not a var: {other:?}"),
        }
    }

    /// A lambda body as compact text with explicit grouping, e.g. `(1 + (2 * 3))`.
    fn shape(e: &Expr) -> String {
        match e {
            Expr::Binary { op, lhs, rhs, .. } => {
                format!("({} {} {})", shape(lhs), op.as_str(), shape(rhs))
            }
            Expr::Unary { op, operand, .. } => format!("{}{}", op.as_str(), shape(operand)),
            Expr::Int { value, .. } => value.to_string(),
            Expr::Reference(r) => format!("\"{}\"", r.name),
            Expr::Bool { value, .. } => if *value { "TRUE" } else { "FALSE" }.to_string(),
            Expr::Ident(i) => i.name.clone(),
            Expr::Lambda { body, .. } => shape(body),
            other => format!("{other:?}"),
        }
    }

    fn lambda_shape(body: &str) -> String {
        shape(&value(&format!("var x = lambda: {body}")))
    }

    const Z: Span = Span { start: 0, end: 0 };

    #[test]
    fn integer_literals_decode_octal_and_decimal() {
        assert_eq!(value("var x = 010"), Expr::Int { value: 8, span: Z });
        assert_eq!(
            value("var x = 0644"),
            Expr::Int {
                value: 420,
                span: Z
            }
        );
        assert_eq!(value("var x = 42"), Expr::Int { value: 42, span: Z });
    }

    #[test]
    fn float_literals() {
        assert_eq!(
            value("var x = 1."),
            Expr::Float {
                value: 1.0,
                span: Z
            }
        );
        assert_eq!(
            value("var x = .5"),
            Expr::Float {
                value: 0.5,
                span: Z
            }
        );
    }

    #[test]
    fn duration_literals_are_nanoseconds_with_their_text() {
        assert_eq!(
            value("var x = 90s"),
            Expr::Duration {
                nanos: 90_000_000_000,
                literal: "90s".into(),
                span: Z
            }
        );
        assert_eq!(
            value("var x = 10ms"),
            Expr::Duration {
                nanos: 10_000_000,
                literal: "10ms".into(),
                span: Z
            }
        );
        assert_eq!(
            value("var x = 2w"),
            Expr::Duration {
                nanos: 1_209_600_000_000_000,
                literal: "2w".into(),
                span: Z
            }
        );
    }

    #[test]
    fn strings_references_regexes_bools_stars_and_lists() {
        assert_eq!(
            value("var x = 'a\\'b\\n'"),
            Expr::String {
                value: "a'b\\n".into(),
                quote: StringQuote::Single,
                span: Z
            }
        );
        assert_eq!(
            value("var x = '''x\ny'''"),
            Expr::String {
                value: "x\ny".into(),
                quote: StringQuote::Triple,
                span: Z
            }
        );
        assert_eq!(
            value("var x = \"host \\\"a\\\"\""),
            Expr::Reference(Reference {
                name: "host \"a\"".into(),
                span: Z
            })
        );
        assert_eq!(
            value("var x = /a\\/b\\d/"),
            Expr::Regex {
                pattern: "a/b\\d".into(),
                span: Z
            }
        );
        assert_eq!(
            value("var x = TRUE"),
            Expr::Bool {
                value: true,
                span: Z
            }
        );
        assert_eq!(
            value("var x = FALSE"),
            Expr::Bool {
                value: false,
                span: Z
            }
        );
        assert_eq!(
            value("var x = ['host', dc, *]"),
            Expr::List {
                items: vec![
                    Expr::String {
                        value: "host".into(),
                        quote: StringQuote::Single,
                        span: Z
                    },
                    Expr::Ident(Ident {
                        name: "dc".into(),
                        span: Z
                    }),
                    Expr::Star { span: Z },
                ],
                span: Z
            }
        );
    }

    #[test]
    fn precedence_follows_the_spec_table() {
        assert_eq!(
            lambda_shape("1 + 2 * 3 - 4 / 2"),
            "((1 + (2 * 3)) - (4 / 2))"
        );
        assert_eq!(lambda_shape("2 - 3 - 4"), "((2 - 3) - 4)");
        assert_eq!(lambda_shape("8 / 2 / 2"), "((8 / 2) / 2)");
        assert_eq!(lambda_shape("7 % 4 * 2"), "((7 % 4) * 2)");
        assert_eq!(
            lambda_shape("TRUE OR FALSE AND FALSE"),
            "(TRUE OR (FALSE AND FALSE))"
        );
        assert_eq!(lambda_shape("1 < 2 == TRUE"), "((1 < 2) == TRUE)");
        assert_eq!(lambda_shape("TRUE == 1 < 2"), "(TRUE == (1 < 2))");
        assert_eq!(lambda_shape("\"a\" + 1 >= 2"), "((\"a\" + 1) >= 2)");
        assert_eq!(
            lambda_shape("\"a\" =~ b AND \"c\" !~ d"),
            "((\"a\" =~ b) AND (\"c\" !~ d))"
        );
        assert_eq!(
            lambda_shape("\"a\" != 1 OR \"b\" <= 2"),
            "((\"a\" != 1) OR (\"b\" <= 2))"
        );
        assert_eq!(
            lambda_shape("\"a\" > 1 AND \"b\" < 2"),
            "((\"a\" > 1) AND (\"b\" < 2))"
        );
    }

    #[test]
    fn unary_binds_tighter_than_any_binary_operator() {
        assert_eq!(lambda_shape("-\"a\" * 2"), "(-\"a\" * 2)");
        assert_eq!(lambda_shape("!\"a\" AND \"b\""), "(!\"a\" AND \"b\")");
        assert_eq!(lambda_shape("- 2 + 3"), "(-2 + 3)");
        assert_eq!(lambda_shape("2 - -3"), "(2 - -3)");
        assert_eq!(lambda_shape("--1"), "--1");
        assert_eq!(lambda_shape("\"a\" -1"), "(\"a\" - 1)");
    }

    #[test]
    fn parentheses_group_and_are_remembered() {
        assert_eq!(lambda_shape("(1 + 2) * 3"), "((1 + 2) * 3)");
        let e = value("var x = (1 + 2)");
        assert!(matches!(
            e,
            Expr::Binary {
                parenthesised: true,
                ..
            }
        ));
    }

    #[test]
    fn chains_links_and_property_reads() {
        let (p, d) = parse("stream|from().measurement('cpu')@udf().x");
        assert!(d.is_empty(), "{d:?}");
        let Some(Stmt::Expr(Expr::Chain {
            op: ChainOp::Dot,
            call,
            property_read: true,
            left,
            ..
        })) = p.stmts.first()
        else {
            panic!("{p:?}")
        };
        assert_eq!(call.name.name, "x");
        let Expr::Chain {
            op: ChainOp::At,
            call,
            left,
            ..
        } = left.as_ref()
        else {
            panic!()
        };
        assert_eq!(call.name.name, "udf");
        let Expr::Chain {
            op: ChainOp::Dot,
            call,
            left,
            property_read: false,
            ..
        } = left.as_ref()
        else {
            panic!()
        };
        assert_eq!(call.name.name, "measurement");
        assert_eq!(call.args.len(), 1);
        let Expr::Chain {
            op: ChainOp::Pipe,
            call,
            left,
            ..
        } = left.as_ref()
        else {
            panic!()
        };
        assert_eq!(call.name.name, "from");
        assert!(matches!(left.as_ref(), Expr::Ident(i) if i.name == "stream"));
    }

    #[test]
    fn only_pipe_links_require_parentheses() {
        let (p, d) = parse("x@y");
        assert!(d.is_empty(), "{d:?}");
        assert!(matches!(
            &p.stmts[0],
            Stmt::Expr(Expr::Chain {
                op: ChainOp::At,
                property_read: true,
                ..
            })
        ));
        assert_eq!(
            diags("x|y"),
            vec!["1:4: error: unexpected EOF, expected '('"]
        );
    }

    #[test]
    fn statements_need_no_separator_and_dbrp_and_typed_vars_parse() {
        let (p, d) = parse("var a = 1 var b = 2\ndbrp \"telegraf\".\"autogen\"\nvar t float");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(p.stmts.len(), 4);
        assert!(
            matches!(&p.stmts[2], Stmt::Dbrp { db, rp, .. } if db.name == "telegraf" && rp.name == "autogen")
        );
        assert!(
            matches!(&p.stmts[3], Stmt::TypedVar { name, ty, .. } if name.name == "t" && ty.name == "float")
        );
    }

    #[test]
    fn global_calls_in_lambdas_take_expressions() {
        let e = value("var x = lambda: sigma(\"v\" * 2) > 3");
        assert!(shape(&e).starts_with("(Call"));
        let Expr::Lambda { body, .. } = e else {
            panic!()
        };
        let Expr::Binary { lhs, .. } = *body else {
            panic!()
        };
        let Expr::Call(c) = *lhs else { panic!() };
        assert_eq!(c.name.name, "sigma");
        assert_eq!(shape(&c.args[0]), "(\"v\" * 2)");
    }

    #[test]
    fn lambda_without_colon_is_reported_after_the_word() {
        let src = "stream\n  |from()\n    .measurement('cpu')\n  |alert()\n    .crit(lambda \"usage_idle\" < 10)\n";
        assert_eq!(
            diags(src),
            vec!["5:17: error: expected ':' right after 'lambda'"]
        );
        assert_eq!(
            diags("stream|where(lambda : TRUE)"),
            vec!["1:20: error: expected ':' right after 'lambda'"]
        );
    }

    #[test]
    fn parse_errors_name_what_was_found_and_expected() {
        assert_eq!(
            diags("var e = "),
            vec!["1:8: error: unexpected EOF, expected an expression"]
        );
        assert_eq!(
            diags("var a = [1, 2]"),
            vec!["1:10: error: unexpected number '1', expected identifier, string or '*'"]
        );
        assert_eq!(
            diags("stream|from().measurement('m')|where(lambda: (\"a\" > 1)"),
            vec!["1:55: error: unexpected EOF, expected ',' or ')'"]
        );
        assert_eq!(
            diags("stream|window"),
            vec!["1:14: error: unexpected EOF, expected '('"]
        );
        assert_eq!(
            diags("var = 1"),
            vec!["1:5: error: unexpected '=', expected identifier"]
        );
        assert_eq!(
            diags("stream|from()|eval(lambda: string(1h + 1ns))"),
            vec!["1:41: error: unexpected identifier 'ns', expected ',' or ')'"]
        );
    }

    #[test]
    fn lexer_errors_keep_kapacitors_words_and_point_at_the_token_start() {
        assert_eq!(
            diags("var s = 'unterminated"),
            vec!["1:9: error: unterminated string"]
        );
        assert_eq!(
            diags("stream|from().measurement('m')|where(lambda: \"a\" =~ /abc)"),
            vec!["1:53: error: unterminated regex"]
        );
        assert_eq!(
            diags("var x = 1\nvar y = = 2"),
            vec!["2:9: error: unknown state, last char: '='"]
        );
        assert_eq!(
            diags("var _a = 1"),
            vec!["1:5: error: unknown state, last char: '_'"]
        );
        assert_eq!(
            diags("var n = 1.2.3"),
            vec!["1:9: error: multiple decimals in number"]
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // Kapacitor says "line 2 char 10" (bytes); we count the 'é' as one column.
        assert_eq!(
            diags("var s = 'é'\nvar é = ]"),
            vec!["2:9: error: unexpected ']', expected an expression"]
        );
    }

    #[test]
    fn literal_errors_point_at_the_literal() {
        assert_eq!(
            diags("var x = 09"),
            vec!["1:9: error: illegal number syntax: \"09\""]
        );
        assert_eq!(
            diags("var x = 9223372036854775808"),
            vec!["1:9: error: illegal number syntax: \"9223372036854775808\""]
        );
        assert_eq!(
            diags("var d = 300000w"),
            vec!["1:9: error: overflowed duration 300000w: choose a smaller duration or INF"]
        );
        assert_eq!(
            diags("var d = 99999999999999999999s"),
            vec!["1:9: error: invalid duration"]
        );
        let d = diags("var r = /[/");
        assert_eq!(d.len(), 1);
        assert!(
            d[0].starts_with("1:9: error: error parsing regexp: "),
            "{d:?}"
        );
    }

    #[test]
    fn every_broken_statement_is_reported() {
        let src = "var a = \nvar b = 09\nstream|from(\nvar c = 1\n";
        assert_eq!(
            diags(src),
            vec![
                "2:1: error: unexpected 'var', expected an expression",
                "2:9: error: illegal number syntax: \"09\"",
                "4:1: error: unexpected 'var', expected an expression",
            ]
        );
    }

    #[test]
    fn quirk_1h30m_warns_that_30m_is_ignored() {
        assert_eq!(
            diags("var d = 1h30m"),
            vec![
                "1:11: warning: '30m' after '1h' is a separate statement and is ignored; Kapacitor reads this as 1h"
            ]
        );
        let (p, _) = parse("var d = 1h30m");
        assert!(matches!(
            &p.stmts[0],
            Stmt::Var {
                value: Expr::Duration {
                    nanos: 3_600_000_000_000,
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn quirk_suffixes_after_numbers_warn() {
        assert_eq!(
            diags("var x = 1e21"),
            vec![
                "1:10: warning: 'e21' after '1' is a separate statement and is ignored; Kapacitor reads this as 1"
            ]
        );
        assert_eq!(
            diags("var x = 1.5s"),
            vec![
                "1:12: warning: 's' after '1.5' is a separate statement and is ignored; Kapacitor reads this as 1.5"
            ]
        );
        assert_eq!(
            diags("var x = 10us"),
            vec![
                "1:12: warning: 's' after '10u' is a separate statement and is ignored; Kapacitor reads this as 10u"
            ]
        );
    }

    #[test]
    fn bare_identifier_statements_warn() {
        assert_eq!(
            diags("foo\n"),
            vec!["1:1: warning: 'foo' is a separate statement and is ignored"]
        );
    }

    #[test]
    fn comment_continuation_swallowing_a_division_warns() {
        assert_eq!(
            diags("var x = \"a\" // c\n  / 2\n"),
            vec![
                "2:3: warning: this line starts with '/' right after a comment, so it is part of the comment and ignored"
            ]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("var x = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
        let d = diags(&deep);
        // Level 1 is the `var` value, level 2 the first '(' at column 9, so the 256th '('
        // (column 264) is level 257.
        assert_eq!(
            d.first().map(String::as_str),
            Some(
                "1:264: error: nesting too deep: more than 256 levels of parentheses, calls, operators or chain links"
            )
        );
        let long_sum = format!("var x = 1{}", " + 1".repeat(100_000));
        assert!(diags(&long_sum)[0].contains("nesting too deep"));
        let long_chain = format!("stream{}", "|f()".repeat(100_000));
        assert!(diags(&long_chain)[0].contains("nesting too deep"));
        let unary = format!("var x = {}1", "-".repeat(100_000));
        assert!(diags(&unary)[0].contains("nesting too deep"));
    }

    #[test]
    fn parse_expr_reads_a_lambda_body() {
        let (e, d) = parse_expr("\"cpu\" > 80 AND \"host\" == 'web'");
        assert!(d.is_empty());
        assert_eq!(e.map(|e| shape(&e.without_spans())), Some("((\"cpu\" > 80) AND (\"host\" == String { value: \"web\", quote: Single, span: Span { start: 0, end: 0 } }))".to_string()));
        let (e, d) = parse_expr("\"a\" > ");
        assert!(e.is_none());
        assert_eq!(d[0].message, "unexpected EOF, expected an expression");
        let (e, d) = parse_expr("\"a\" > 1 2");
        assert!(e.is_none());
        assert_eq!(
            d[0].message,
            "unexpected number '2', expected an operator or the end of the expression"
        );
    }
}
