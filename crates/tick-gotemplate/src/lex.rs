//! Template source → tokens, with Go's lexing rules: `{{`/`}}` delimiters, `{{- ` and ` -}}`
//! trim markers, `{{/* comments */}}`, and the tokens inside actions. Token recognisers use nom;
//! the lexer stops at the first error, as Go's does.

use nom::IResult;
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{anychar, char as ch, one_of};
use nom::combinator::{opt, recognize};
use nom::sequence::preceded;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Text(String),
    LeftDelim,
    RightDelim,
    Space,
    /// Identifier or keyword (`if`, `range`, `printf`, ...).
    Ident(String),
    /// `.Name` (without the dot).
    Field(String),
    Dot,
    /// `$` or `$name` (with the `$`).
    Variable(String),
    Bool(bool),
    /// Number or character constant text.
    Number(String),
    CharConst(String),
    /// Quoted string text including quotes.
    Str(String),
    RawStr(String),
    LeftParen,
    RightParen,
    Pipe,
    Declare,
    Assign,
    /// Any other printable ASCII character (`,` in range declarations).
    Char(char),
    Eof,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: usize,
}

/// A lexing error at a byte offset.
#[derive(Clone, Debug)]
pub(crate) struct LexError {
    pub(crate) pos: usize,
    pub(crate) message: String,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// `{{- ` : a dash followed by a space character.
fn has_left_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(char::from(b[1]))
}

/// ` -}}` at the start of `s`: (is a right delimiter, has trim marker).
fn at_right_delim(s: &str) -> (bool, bool) {
    let b = s.as_bytes();
    if b.len() >= 4 && is_space(char::from(b[0])) && b[1] == b'-' && &b[2..4] == b"}}" {
        return (true, true);
    }
    (s.starts_with("}}"), false)
}

fn go_quote_char(c: char) -> String {
    // Go's %#U: U+0023 '#'
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}

/// nom: Go number syntax as the lexer accepts it (validated later by the parser).
fn number(input: &str) -> IResult<&str, &str> {
    recognize((
        opt(one_of("+-")),
        alt((
            recognize((
                tag("0"),
                one_of("xX"),
                take_while(|c: char| c.is_ascii_hexdigit() || c == '_'),
                opt(preceded(
                    ch('.'),
                    take_while(|c: char| c.is_ascii_hexdigit() || c == '_'),
                )),
                opt((
                    one_of("pP"),
                    opt(one_of("+-")),
                    take_while(|c: char| c.is_ascii_digit() || c == '_'),
                )),
            )),
            recognize((
                tag("0"),
                one_of("oO"),
                take_while(|c: char| ('0'..='7').contains(&c) || c == '_'),
            )),
            recognize((
                tag("0"),
                one_of("bB"),
                take_while(|c: char| c == '0' || c == '1' || c == '_'),
            )),
            recognize((
                take_while(|c: char| c.is_ascii_digit() || c == '_'),
                opt(preceded(
                    ch('.'),
                    take_while(|c: char| c.is_ascii_digit() || c == '_'),
                )),
                opt((
                    one_of("eE"),
                    opt(one_of("+-")),
                    take_while(|c: char| c.is_ascii_digit() || c == '_'),
                )),
            )),
        )),
        opt(ch('i')),
    ))
    .parse(input)
}

/// nom: a quoted literal closed by `close`, allowing backslash escapes; no newline inside.
fn quoted(close: char) -> impl Fn(&str) -> IResult<&str, &str> {
    move |input: &str| {
        recognize((
            ch(close),
            nom::multi::many0_count(alt((
                recognize(preceded(ch('\\'), nom::character::complete::none_of("\n"))),
                recognize(nom::character::complete::none_of(if close == '"' {
                    "\"\\\n"
                } else {
                    "'\\\n"
                })),
            ))),
            ch(close),
        ))
        .parse(input)
    }
}

fn raw_string(input: &str) -> IResult<&str, &str> {
    recognize((ch('`'), take_while(|c| c != '`'), ch('`'))).parse(input)
}

fn word(input: &str) -> IResult<&str, &str> {
    take_while1(is_alnum).parse(input)
}

/// Splits `src` into tokens. The last token is `Eof`.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let mut toks = Vec::new();
    let mut pos = 0usize;
    let err = |pos: usize, message: String| LexError { pos, message };
    loop {
        // Text up to the next left delimiter.
        let rest = &src[pos..];
        let Some(x) = rest.find("{{") else {
            if !rest.is_empty() {
                toks.push(Token {
                    tok: Tok::Text(rest.to_owned()),
                    pos,
                });
            }
            toks.push(Token {
                tok: Tok::Eof,
                pos: src.len(),
            });
            return Ok(toks);
        };
        let after = &rest[x + 2..];
        let trim = has_left_trim(after);
        let text = if trim {
            rest[..x].trim_end_matches(is_space)
        } else {
            &rest[..x]
        };
        if !text.is_empty() {
            toks.push(Token {
                tok: Tok::Text(text.to_owned()),
                pos,
            });
        }
        let delim_pos = pos + x;
        pos = delim_pos + 2 + if trim { 2 } else { 0 };
        // Comment.
        if src[pos..].starts_with("/*") {
            let Some(end) = src[pos..].find("*/") else {
                return Err(err(delim_pos, "unclosed comment".into()));
            };
            pos += end + 2;
            let (delim, trim_right) = at_right_delim(&src[pos..]);
            if !delim {
                return Err(err(pos, "comment ends before closing delimiter".into()));
            }
            pos += if trim_right { 4 } else { 2 };
            if trim_right {
                pos = src.len() - src[pos..].trim_start_matches(is_space).len();
            }
            continue;
        }
        toks.push(Token {
            tok: Tok::LeftDelim,
            pos: delim_pos,
        });
        pos = lex_action(src, pos, &mut toks)?;
    }
}

/// Lexes inside an action starting at `pos`; returns the position after the right delimiter
/// (and after trimmed whitespace).
// Long because it is Go's `lexInsideAction` (text/template/parse/lex.go): one loop over the
// next character, an arm per token kind, kept whole to read side by side with Go's.
fn lex_action(src: &str, mut pos: usize, toks: &mut Vec<Token>) -> Result<usize, LexError> {
    let mut paren_depth = 0i32;
    let err = |pos: usize, message: String| LexError { pos, message };
    loop {
        let rest = &src[pos..];
        let (delim, trim) = at_right_delim(rest);
        if delim {
            if paren_depth != 0 {
                return Err(err(pos, "unclosed left paren".into()));
            }
            let dpos = pos + if trim { 2 } else { 0 };
            toks.push(Token {
                tok: Tok::RightDelim,
                pos: dpos,
            });
            pos = dpos + 2;
            if trim {
                pos = src.len() - src[pos..].trim_start_matches(is_space).len();
            }
            return Ok(pos);
        }
        let Some(c) = rest.chars().next() else {
            return Err(err(pos, "unclosed action".into()));
        };
        let start = pos;
        let mut push = |tok: Tok| toks.push(Token { tok, pos: start });
        if is_space(c) {
            // Spaces, stopping before a trim-marked right delimiter.
            let n = rest.len() - rest.trim_start_matches(is_space).len();
            let spaces = &rest[..n];
            let after = &rest[n..];
            if after.starts_with("-}}") {
                // The last space belongs to the trim marker.
                if n > 1 {
                    push(Tok::Space);
                }
                pos += n - 1;
            } else {
                let _ = spaces;
                push(Tok::Space);
                pos += n;
            }
            continue;
        }
        match c {
            '=' => {
                push(Tok::Assign);
                pos += 1;
            }
            ':' => {
                if rest.starts_with(":=") {
                    push(Tok::Declare);
                    pos += 2;
                } else {
                    return Err(err(pos, "expected :=".into()));
                }
            }
            '|' => {
                push(Tok::Pipe);
                pos += 1;
            }
            '"' => match quoted('"')(rest) {
                Ok((_, s)) => {
                    push(Tok::Str(s.to_owned()));
                    pos += s.len();
                }
                Err(_) => return Err(err(pos, "unterminated quoted string".into())),
            },
            '\'' => match quoted('\'')(rest) {
                Ok((_, s)) => {
                    push(Tok::CharConst(s.to_owned()));
                    pos += s.len();
                }
                Err(_) => return Err(err(pos, "unterminated character constant".into())),
            },
            '`' => match raw_string(rest) {
                Ok((_, s)) => {
                    push(Tok::RawStr(s.to_owned()));
                    pos += s.len();
                }
                Err(_) => return Err(err(pos, "unterminated raw quoted string".into())),
            },
            '$' => {
                let name = word(&rest[1..]).map(|(_, w)| w).unwrap_or("");
                let end = pos + 1 + name.len();
                check_terminator(src, end)?;
                push(Tok::Variable(format!("${name}")));
                pos = end;
            }
            '.' if !rest[1..].starts_with(|d: char| d.is_ascii_digit()) => {
                let name = word(&rest[1..]).map(|(_, w)| w).unwrap_or("");
                let end = pos + 1 + name.len();
                check_terminator(src, end)?;
                if name.is_empty() {
                    push(Tok::Dot);
                } else {
                    push(Tok::Field(name.to_owned()));
                }
                pos = end;
            }
            '.' | '+' | '-' | '0'..='9' => {
                let len = number(rest).map_or(0, |(_, s)| s.len());
                let after = &rest[len..];
                let next = after.chars().next();
                if len == 0 || next.is_some_and(is_alnum) {
                    let bad_end = len + next.map_or(0, char::len_utf8);
                    let bad_end = if next.is_some_and(is_alnum) {
                        bad_end
                    } else {
                        len.max(1)
                    };
                    return Err(err(
                        pos,
                        format!("bad number syntax: {:?}", &rest[..bad_end.min(rest.len())]),
                    ));
                }
                push(Tok::Number(rest[..len].to_owned()));
                pos += len;
            }
            '(' => {
                push(Tok::LeftParen);
                paren_depth += 1;
                pos += 1;
            }
            ')' => {
                push(Tok::RightParen);
                paren_depth -= 1;
                pos += 1;
                if paren_depth < 0 {
                    return Err(err(start, "unexpected right paren".into()));
                }
            }
            c if is_alnum(c) => {
                let w = word(rest).map(|(_, w)| w).unwrap_or("");
                let end = pos + w.len();
                check_terminator(src, end)?;
                push(match w {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    _ => Tok::Ident(w.to_owned()),
                });
                pos = end;
            }
            c if c.is_ascii() && !c.is_ascii_control() => {
                push(Tok::Char(c));
                pos += 1;
            }
            c => {
                return Err(err(
                    pos,
                    format!("unrecognized character in action: {}", go_quote_char(c)),
                ));
            }
        }
    }
}

fn at_terminator(s: &str) -> bool {
    match s.chars().next() {
        None => true,
        Some(c) if is_space(c) => true,
        Some('.' | ',' | '|' | ':' | ')' | '(') => true,
        Some(_) => s.starts_with("}}"),
    }
}

fn check_terminator(src: &str, end: usize) -> Result<(), LexError> {
    let s = &src[end..];
    if at_terminator(s) {
        return Ok(());
    }
    let c = anychar::<&str, nom::error::Error<&str>>(s).map_or(' ', |(_, c)| c);
    Err(LexError {
        pos: end,
        message: format!("bad character {}", go_quote_char(c)),
    })
}
