//! The context-sensitive TICKscript lexer (Kapacitor's `tick/ast/lex.go`, v1.5.7). Owns turning
//! text into spanned tokens and merged comments; decodes no literal values (that is the parser's
//! job).
//!
//! Like Kapacitor's lexer it has two states. In *operand position* `-` is minus, `/` starts a
//! regex and `*` is the star; in *after-operand position* `+ - * / %` and comparisons are binary
//! operators. The state is decided by the lexer alone, never by the parser, so the token stream
//! is exactly the one Kapacitor sees. After an error the lexer reports it and carries on, so
//! every error in a file can be reported.

use nom::IResult;
use nom::Parser as _;
use nom::bytes::complete::take_while;
use nom::character::complete::satisfy;
use nom::combinator::recognize;
use nom::sequence::pair;

use crate::ast::{BinaryOp, Comment};
use crate::diagnostic::Diagnostic;
use crate::error::SyntaxError;
use crate::span::Span;

/// What a token is. Operators carry their [`BinaryOp`]; `-` is always `Op(Sub)` and the
/// parser decides between unary and binary minus by position, as Kapacitor's does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Eof,
    Var,
    Dbrp,
    Assign,
    Dot,
    Pipe,
    At,
    Ident,
    Reference,
    /// `lambda:` (the span covers the colon).
    Lambda,
    Number,
    Str,
    Duration,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Not,
    True,
    False,
    Regex,
    Star,
    Op(BinaryOp),
    /// A lexer error, already reported as a diagnostic.
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) span: Span,
}

/// The lexer's output: significant tokens (ending with `Eof`), comments, and diagnostics.
pub(crate) struct Lexed {
    pub(crate) tokens: Vec<Token>,
    pub(crate) comments: Vec<Comment>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Operand,
    AfterOperand,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    out: Lexed,
    /// Set when a comment followed an operand; used only to explain the resulting error.
    comment_after_operand: bool,
}

/// Whitespace as Go's `unicode.IsSpace` sees it (close enough: Rust's `White_Space`).
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// An identifier: a letter, then letters, digits or `_` (Kapacitor `lex.go` `lexIdentOrKeyword`,
/// `isValidIdent`): `_a` cannot start one.
fn ident(input: &str) -> IResult<&str, &str> {
    recognize(pair(
        satisfy(char::is_alphabetic),
        take_while(is_ident_continue),
    ))
    .parse(input)
}

fn is_duration_unit(c: char) -> bool {
    matches!(c, 'u' | 'µ' | 's' | 'm' | 'h' | 'd' | 'w')
}

/// Lexes a whole script.
pub(crate) fn lex(src: &str) -> Lexed {
    let mut lx = Lexer {
        src,
        pos: 0,
        out: Lexed {
            tokens: Vec::new(),
            comments: Vec::new(),
            diagnostics: Vec::new(),
        },
        comment_after_operand: false,
    };
    lx.run();
    lx.out
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        // Fast path: most TICKscript is ASCII.
        match self.src.as_bytes().get(self.pos) {
            Some(&b) if b < 0x80 => Some(b as char),
            Some(_) => self.rest().chars().next(),
            None => None,
        }
    }

    fn peek2(&self) -> Option<char> {
        let first = self.peek()?;
        let at = self.pos + first.len_utf8();
        match self.src.as_bytes().get(at) {
            Some(&b) if b < 0x80 => Some(b as char),
            Some(_) => self.src.get(at..).and_then(|r| r.chars().next()),
            None => None,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn emit(&mut self, kind: TokenKind, start: usize) {
        self.out.tokens.push(Token {
            kind,
            span: Span::new(start, self.pos),
        });
    }

    fn error(&mut self, span: Span, e: SyntaxError) {
        self.out.diagnostics.push(Diagnostic::error(span, e));
        self.out.tokens.push(Token {
            kind: TokenKind::Error,
            span,
        });
    }

    fn skip_spaces(&mut self) {
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    fn run(&mut self) {
        let mut state = State::Operand;
        loop {
            state = match state {
                State::AfterOperand => self.after_operand(),
                State::Operand => match self.operand() {
                    Some(s) => s,
                    None => break,
                },
            };
        }
        // The end-of-input token sits right after the last significant token, so that
        // "unexpected EOF" points at the end of what was written.
        let end = self.out.tokens.last().map_or(0, |t| t.span.end as usize);
        self.out.tokens.push(Token {
            kind: TokenKind::Eof,
            span: Span::new(end, end),
        });
    }

    /// After an operand: skip blanks, then lex a binary operator or assignment if one is here.
    fn after_operand(&mut self) -> State {
        self.skip_spaces();
        let start = self.pos;
        let op = |o| TokenKind::Op(o);
        match self.peek() {
            Some('+') => self.simple(op(BinaryOp::Add)),
            Some('-') => self.simple(op(BinaryOp::Sub)),
            Some('*') => self.simple(op(BinaryOp::Mul)),
            Some('%') => self.simple(op(BinaryOp::Mod)),
            Some('/') => {
                if self.peek2() == Some('/') {
                    self.comment(true);
                } else {
                    self.simple(op(BinaryOp::Div));
                }
            }
            Some('!') => {
                self.bump();
                match self.peek() {
                    Some('=') => {
                        self.bump();
                        self.emit(op(BinaryOp::NotEq), start);
                    }
                    Some('~') => {
                        self.bump();
                        self.emit(op(BinaryOp::RegexNotMatch), start);
                        self.regex_after_match();
                    }
                    _ => self.emit(TokenKind::Not, start),
                }
            }
            Some(c @ ('<' | '>')) => {
                self.bump();
                let eq = self.peek() == Some('=');
                if eq {
                    self.bump();
                }
                let o = match (c, eq) {
                    ('<', false) => BinaryOp::Less,
                    ('<', true) => BinaryOp::LessEq,
                    (_, false) => BinaryOp::Greater,
                    (_, true) => BinaryOp::GreaterEq,
                };
                self.emit(op(o), start);
            }
            Some('=') => {
                self.bump();
                match self.peek() {
                    Some('~') => {
                        self.bump();
                        self.emit(op(BinaryOp::RegexMatch), start);
                        self.regex_after_match();
                    }
                    Some('=') => {
                        self.bump();
                        self.emit(op(BinaryOp::Eq), start);
                    }
                    _ => {
                        self.emit(TokenKind::Assign, start);
                        self.regex_after_match();
                    }
                }
            }
            _ => {}
        }
        State::Operand
    }

    /// After `=`, `=~` and `!~` the lexer skips blanks and lexes a regex if `/` follows, even
    /// `//` (which elsewhere would start a comment).
    fn regex_after_match(&mut self) {
        self.skip_spaces();
        if self.peek() == Some('/') {
            self.regex();
        }
    }

    fn simple(&mut self, kind: TokenKind) {
        let start = self.pos;
        self.bump();
        self.emit(kind, start);
    }

    /// In operand position: lex one token, or skip blanks. `None` at the end of input.
    fn operand(&mut self) -> Option<State> {
        let start = self.pos;
        let c = self.peek()?;
        let next = match c {
            '-' => {
                self.simple(TokenKind::Op(BinaryOp::Sub));
                State::Operand
            }
            '!' => {
                self.simple(TokenKind::Not);
                State::Operand
            }
            '.' | '0'..='9' => self.number_or_dot(),
            '"' => self.reference(),
            '\'' => self.string(),
            '(' => self.punct(TokenKind::LParen, State::Operand),
            ')' => self.punct(TokenKind::RParen, State::AfterOperand),
            '[' => self.punct(TokenKind::LBracket, State::Operand),
            ']' => self.punct(TokenKind::RBracket, State::Operand),
            '|' => self.punct(TokenKind::Pipe, State::Operand),
            '@' => self.punct(TokenKind::At, State::Operand),
            ',' => self.punct(TokenKind::Comma, State::Operand),
            '*' => self.punct(TokenKind::Star, State::Operand),
            '/' => {
                if self.peek2() == Some('/') {
                    self.comment(false);
                } else {
                    self.regex();
                }
                State::Operand
            }
            c if is_space(c) => {
                self.bump();
                State::Operand
            }
            c if c.is_alphabetic() => self.ident_or_keyword(),
            c => {
                self.bump();
                let span = Span::new(start, self.pos);
                let after_lambda = self.out.tokens.last().is_some_and(|t| {
                    t.kind == TokenKind::Ident && self.src.get(t.span.range()) == Some("lambda")
                });
                if c == ':' && after_lambda {
                    let at = self
                        .out
                        .tokens
                        .last()
                        .map_or(start, |t| t.span.end as usize);
                    self.error(Span::new(at, at + 1), SyntaxError::LambdaNeedsColon);
                } else if self.comment_after_operand && "+=<>%".contains(c) {
                    self.error(span, SyntaxError::OperatorAfterComment(c));
                } else {
                    self.error(span, SyntaxError::UnknownChar(c));
                }
                State::Operand
            }
        };
        if !matches!(c, '/') && !is_space(c) {
            self.comment_after_operand = false;
        }
        Some(next)
    }

    fn punct(&mut self, kind: TokenKind, next: State) -> State {
        self.simple(kind);
        next
    }

    fn ident_or_keyword(&mut self) -> State {
        let start = self.pos;
        let Ok((_, word)) = ident(self.rest()) else {
            // Unreachable: the caller saw a letter. Skip it to stay safe.
            self.bump();
            return State::Operand;
        };
        self.pos += word.len();
        let kind = match word {
            "var" => TokenKind::Var,
            "dbrp" => TokenKind::Dbrp,
            "TRUE" => TokenKind::True,
            "FALSE" => TokenKind::False,
            "AND" => TokenKind::Op(BinaryOp::And),
            "OR" => TokenKind::Op(BinaryOp::Or),
            // `lambda` is a keyword only when `:` follows at once (Kapacitor `lexIdentOrKeyword`);
            // otherwise it is an ordinary identifier.
            "lambda" if self.peek() == Some(':') => {
                self.bump();
                TokenKind::Lambda
            }
            _ => TokenKind::Ident,
        };
        self.emit(kind, start);
        State::AfterOperand
    }

    /// Number, duration, or the property dot (Kapacitor `lex.go` `lexNumberOrDurationOrDot`):
    /// one integer and one unit, no sign, no exponent.
    fn number_or_dot(&mut self) -> State {
        let start = self.pos;
        let mut found_decimal = false;
        let mut first = true;
        loop {
            match self.peek() {
                Some('.') => {
                    if first && !self.peek2().is_some_and(|c| c.is_ascii_digit()) {
                        self.bump();
                        self.emit(TokenKind::Dot, start);
                        return State::Operand;
                    }
                    if found_decimal {
                        // Report it and skip the rest of the malformed number.
                        self.bump();
                        while self.peek().is_some_and(|c| c == '.' || c.is_ascii_digit()) {
                            self.bump();
                        }
                        self.error(Span::new(start, self.pos), SyntaxError::MultipleDecimals);
                        return State::AfterOperand;
                    }
                    found_decimal = true;
                    self.bump();
                }
                Some(c) if c.is_ascii_digit() => {
                    self.bump();
                }
                Some(c) if !found_decimal && is_duration_unit(c) => {
                    self.bump();
                    if c == 'm' && self.peek() == Some('s') {
                        self.bump();
                    }
                    self.emit(TokenKind::Duration, start);
                    return State::AfterOperand;
                }
                _ => {
                    self.emit(TokenKind::Number, start);
                    return State::AfterOperand;
                }
            }
            first = false;
        }
    }

    /// `"..."` with `\"` as the only escape.
    fn reference(&mut self) -> State {
        let start = self.pos;
        self.bump();
        loop {
            match self.bump() {
                Some('\\') => {
                    if self.peek() == Some('"') {
                        self.bump();
                    }
                }
                Some('"') => {
                    self.emit(TokenKind::Reference, start);
                    return State::AfterOperand;
                }
                Some(_) => {}
                None => {
                    self.error(
                        Span::new(start, start + 1),
                        SyntaxError::UnterminatedReference,
                    );
                    return State::Operand;
                }
            }
        }
    }

    /// `'...'` (only `\'` escapes) or `'''...'''` (no escapes), as Kapacitor's `lex.go`
    /// `lexSingleOrTripleString`.
    fn string(&mut self) -> State {
        let start = self.pos;
        self.bump();
        let triple = if self.peek() == Some('\'') {
            self.bump();
            if self.peek() != Some('\'') {
                // `''`: the empty string.
                self.emit(TokenKind::Str, start);
                return State::AfterOperand;
            }
            self.bump();
            true
        } else {
            false
        };
        let total = if triple { 3 } else { 1 };
        let mut count = total;
        loop {
            match self.bump() {
                Some('\\') if !triple => {
                    if self.peek() == Some('\'') {
                        self.bump();
                    }
                    count = total;
                }
                Some('\'') => {
                    count -= 1;
                    if count == 0 {
                        self.emit(TokenKind::Str, start);
                        return State::AfterOperand;
                    }
                }
                Some(_) => count = total,
                None => {
                    self.error(Span::new(start, start + 1), SyntaxError::UnterminatedString);
                    return State::Operand;
                }
            }
        }
    }

    /// `/.../` where `\/` does not end the regex. Always leaves the lexer in operand position.
    fn regex(&mut self) {
        let start = self.pos;
        self.bump();
        loop {
            match self.bump() {
                Some('\\') => {
                    if self.peek() == Some('/') {
                        self.bump();
                    }
                }
                Some('/') => {
                    self.emit(TokenKind::Regex, start);
                    return;
                }
                Some(_) => {}
                None => {
                    self.error(Span::new(start, start + 1), SyntaxError::UnterminatedRegex);
                    return;
                }
            }
        }
    }

    /// `// ...` to the end of the line, continued on following lines whose first non-blank
    /// character is `/` (Quirk of Kapacitor's `lex.go` `lexComment`: even a single `/`, which
    /// swallows that line).
    fn comment(&mut self, after_operand: bool) {
        let start = self.pos;
        let mut lines = Vec::new();
        let mut line_start = self.pos;
        let mut end;
        loop {
            // Consume to the end of this line.
            while let Some(c) = self.peek() {
                if c == '\n' {
                    break;
                }
                self.bump();
            }
            end = self.pos;
            lines.push(comment_line(self.src.get(line_start..end).unwrap_or("")));
            if self.peek().is_none() {
                break;
            }
            // At '\n': look past blanks (not newlines) on the next line for a '/'.
            let save = self.pos;
            self.bump();
            while self.peek().is_some_and(|c| c != '\n' && is_space(c)) {
                self.bump();
            }
            if self.peek() == Some('/') {
                line_start = self.pos;
                if self.peek2() != Some('/') {
                    let line_end = self
                        .rest()
                        .find('\n')
                        .map_or(self.src.len(), |i| self.pos + i);
                    self.out.diagnostics.push(Diagnostic::warning(
                        Span::new(self.pos, line_end),
                        SyntaxError::CommentSwallowsLine,
                    ));
                }
                continue;
            }
            self.pos = save;
            break;
        }
        self.out.comments.push(Comment {
            lines,
            span: Span::new(start, end),
        });
        self.comment_after_operand = after_operand || self.comment_after_operand;
    }
}

/// One comment line as Kapacitor keeps it: trimmed, without `//`, without one leading space.
fn comment_line(raw: &str) -> String {
    let t = raw.trim();
    let t = t.strip_prefix("//").unwrap_or(t);
    let t = t.strip_prefix(' ').unwrap_or(t);
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src).tokens.iter().map(|t| t.kind).collect()
    }

    use BinaryOp::*;
    use TokenKind::*;

    #[test]
    fn minus_after_operand_is_binary_and_in_operand_position_is_unary_token_too() {
        assert_eq!(kinds("\"a\" -1"), vec![Reference, Op(Sub), Number, Eof]);
        assert_eq!(kinds("- 2"), vec![Op(Sub), Number, Eof]);
    }

    #[test]
    fn every_operator_and_punctuation_token() {
        assert_eq!(
            kinds("a + b - c * d / e % f == g != h < i <= j > k >= l =~ m !~ n AND o OR p"),
            vec![
                Ident,
                Op(Add),
                Ident,
                Op(Sub),
                Ident,
                Op(Mul),
                Ident,
                Op(Div),
                Ident,
                Op(Mod),
                Ident,
                Op(Eq),
                Ident,
                Op(NotEq),
                Ident,
                Op(Less),
                Ident,
                Op(LessEq),
                Ident,
                Op(Greater),
                Ident,
                Op(GreaterEq),
                Ident,
                Op(RegexMatch),
                Ident,
                Op(RegexNotMatch),
                Ident,
                Op(And),
                Ident,
                Op(Or),
                Ident,
                Eof
            ]
        );
        assert_eq!(
            kinds("x|f(1, [a])@u().p = !y"),
            vec![
                Ident, Pipe, Ident, LParen, Number, Comma, LBracket, Ident, RBracket, RParen, At,
                Ident, LParen, RParen, Dot, Ident, Assign, Not, Ident, Eof
            ]
        );
        assert_eq!(
            kinds("dbrp \"db\".\"rp\""),
            vec![Dbrp, Reference, Dot, Reference, Eof]
        );
    }

    #[test]
    fn identifiers_may_be_unicode_letters_and_spans_are_bytes() {
        let l = lex("var é_1 = 1");
        assert_eq!(l.tokens[1].kind, Ident);
        assert_eq!(l.tokens[1].span, Span::new(4, 8));
        assert!(l.diagnostics.is_empty());
    }

    #[test]
    fn slash_is_regex_in_operand_position_and_division_after_operand() {
        assert_eq!(kinds("(/a/)"), vec![LParen, Regex, RParen, Eof]);
        assert_eq!(kinds("a / b"), vec![Ident, Op(Div), Ident, Eof]);
        assert_eq!(
            kinds("\"a\" =~ /x/"),
            vec![Reference, Op(RegexMatch), Regex, Eof]
        );
        assert_eq!(
            kinds("\"a\" !~ /x/"),
            vec![Reference, Op(RegexNotMatch), Regex, Eof]
        );
        assert_eq!(kinds("var r = /x/"), vec![Var, Ident, Assign, Regex, Eof]);
    }

    #[test]
    fn empty_regex_after_match_operator_is_not_a_comment() {
        assert_eq!(
            kinds("\"a\" =~ //"),
            vec![Reference, Op(RegexMatch), Regex, Eof]
        );
    }

    #[test]
    fn star_in_operand_position_and_multiply_after_operand() {
        assert_eq!(kinds("groupBy(*)"), vec![Ident, LParen, Star, RParen, Eof]);
        assert_eq!(kinds("2 * 3"), vec![Number, Op(Mul), Number, Eof]);
    }

    #[test]
    fn keywords_after_them_are_after_operand_so_slash_divides() {
        assert_eq!(
            kinds("TRUE AND /x/"),
            vec![True, Op(And), Op(Div), Ident, Op(Div), Eof]
        );
    }

    #[test]
    fn lambda_is_a_keyword_only_with_colon_attached() {
        assert_eq!(kinds("lambda: 1"), vec![Lambda, Number, Eof]);
        assert_eq!(kinds("lambda"), vec![Ident, Eof]);
        let l = lex("lambda : 1");
        assert_eq!(
            l.diagnostics[0].message,
            "expected ':' right after 'lambda'"
        );
        assert_eq!(l.diagnostics[0].span, Span::new(6, 7));
    }

    #[test]
    fn lower_case_and_or_true_are_identifiers() {
        assert_eq!(
            kinds("and or true false"),
            vec![Ident, Ident, Ident, Ident, Eof]
        );
    }

    #[test]
    fn numbers_durations_and_dots() {
        assert_eq!(kinds("1. .5 00.5"), vec![Number, Number, Number, Eof]);
        assert_eq!(
            kinds("5m 10ms 3µ 1w"),
            vec![Duration, Duration, Duration, Duration, Eof]
        );
        assert_eq!(kinds("1e21"), vec![Number, Ident, Eof]);
        assert_eq!(kinds("1.5s"), vec![Number, Ident, Eof]);
        assert_eq!(kinds("10us"), vec![Duration, Ident, Eof]);
        assert_eq!(kinds("1h30m"), vec![Duration, Duration, Eof]);
        assert_eq!(kinds("a.b"), vec![Ident, Dot, Ident, Eof]);
        let l = lex("1.2.3");
        assert_eq!(l.diagnostics[0].message, "multiple decimals in number");
    }

    #[test]
    fn string_forms() {
        let l = lex("'' '''''' 'a\\'b' '''it's'''");
        assert_eq!(l.tokens.iter().filter(|t| t.kind == Str).count(), 4);
        assert!(l.diagnostics.is_empty());
        let l = lex("var s = 'a\\\\'");
        assert_eq!(l.diagnostics[0].message, "unterminated string");
        assert_eq!(l.diagnostics[0].span, Span::new(8, 9));
        let l = lex("var s = '''abc''");
        assert_eq!(l.diagnostics[0].message, "unterminated string");
    }

    #[test]
    fn unterminated_reference_and_regex_point_at_their_start() {
        let l = lex("x \"abc");
        assert_eq!(l.diagnostics[0].message, "unterminated field reference");
        assert_eq!(l.diagnostics[0].span, Span::new(2, 3));
        let l = lex("\"a\" =~ /abc");
        assert_eq!(l.diagnostics[0].message, "unterminated regex");
        assert_eq!(l.diagnostics[0].span, Span::new(7, 8));
    }

    #[test]
    fn unknown_characters_use_kapacitors_words() {
        let l = lex("var _a = 1");
        assert_eq!(l.diagnostics[0].message, "unknown state, last char: '_'");
        assert_eq!(l.diagnostics[0].span, Span::new(4, 5));
        let l = lex("var y = = 2");
        assert_eq!(l.diagnostics[0].message, "unknown state, last char: '='");
        assert_eq!(l.diagnostics[0].span, Span::new(8, 9));
    }

    #[test]
    fn comment_lines_merge_and_leave_operand_position() {
        let l = lex("// a\n   // b\nx");
        assert_eq!(l.comments.len(), 1);
        assert_eq!(l.comments[0].lines, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(l.comments[0].span, Span::new(0, 12));
        let l = lex("\"a\" // c\n+ 1");
        assert_eq!(
            l.diagnostics[0].message,
            "unknown state, last char: '+'; a comment between an operand and its operator ends the expression, put the operator before the comment"
        );
        assert_eq!(
            kinds("\"a\" // c\n- 1"),
            vec![Reference, Op(Sub), Number, Eof]
        );
    }

    #[test]
    fn comment_continuation_swallows_a_slash_line_with_a_warning() {
        let l = lex("\"a\" // c\n  / 2\n");
        assert_eq!(kinds("\"a\" // c\n  / 2\n"), vec![Reference, Eof]);
        assert_eq!(
            l.comments[0].lines,
            vec!["c".to_string(), "/ 2".to_string()]
        );
        assert_eq!(
            l.diagnostics[0].message,
            "this line starts with '/' right after a comment, so it is part of the comment and ignored"
        );
        assert_eq!(l.diagnostics[0].span, Span::new(11, 14));
    }

    #[test]
    fn blank_line_ends_a_comment() {
        let l = lex("// a\n\n// b\n");
        assert_eq!(l.comments.len(), 2);
    }

    #[test]
    fn eof_token_sits_after_the_last_token() {
        let l = lex("var e = \n\n");
        assert_eq!(l.tokens.last().map(|t| t.span), Some(Span::new(7, 7)));
    }
}
