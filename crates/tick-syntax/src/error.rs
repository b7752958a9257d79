//! Every message the syntax phase can produce, in one enum. Lexer and parser
//! build a [`SyntaxError`] and wrap it in a [`crate::Diagnostic`] with the span it points at.

/// The kinds of syntax errors and quirk warnings. `Display` is the exact user-facing message:
/// lower-case, no final period, the user's text quoted; Kapacitor's own words where users
/// search for them (`unterminated string`, `unknown state, last char: '_'`, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    /// A character that cannot start a token here (Kapacitor `lex.go` `lexToken`: `_`, `=`, `+`
    /// ... where an operand should start).
    #[error("unknown state, last char: {0:?}")]
    UnknownChar(char),
    /// Same as [`SyntaxError::UnknownChar`], right after a comment that followed an operand:
    /// the comment put the lexer back in operand position (Quirk: Kapacitor's `lex.go`
    /// `lexComment` returns to `lexToken`).
    #[error(
        "unknown state, last char: {0:?}; a comment between an operand and its operator ends the expression, put the operator before the comment"
    )]
    OperatorAfterComment(char),
    /// A string literal with no closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A reference with no closing `"`.
    #[error("unterminated field reference")]
    UnterminatedReference,
    /// A regex literal with no closing `/`.
    #[error("unterminated regex")]
    UnterminatedRegex,
    /// A number with two `.`.
    #[error("multiple decimals in number")]
    MultipleDecimals,
    /// `09`, or an integer above 2^63-1 (Kapacitor `tick/ast/node.go` `newNumber`).
    #[error("illegal number syntax: {0:?}")]
    IllegalNumber(String),
    /// A duration whose digits do not fit in an int64.
    #[error("invalid duration")]
    InvalidDuration,
    /// A duration beyond the int64 range of nanoseconds.
    #[error("overflowed duration {0}: choose a smaller duration or INF")]
    OverflowedDuration(String),
    /// A regex that does not compile.
    #[error("error parsing regexp: {0}")]
    BadRegex(String),
    /// `lambda "x" > 1` or `lambda : ...`.
    #[error("expected ':' right after 'lambda'")]
    LambdaNeedsColon,
    /// The parser wanted something else here.
    #[error("unexpected {found}, expected {expected}")]
    Unexpected {
        /// What was found.
        found: String,
        /// What would have been valid.
        expected: String,
    },
    /// Nesting deeper than the limit.
    #[error(
        "nesting too deep: more than {0} levels of parentheses, calls, operators or chain links"
    )]
    TooDeep(usize),
    /// Warning: a statement with no effect that directly follows a number or duration
    /// (`1h30m`, `1e21`, `1.5s`, `10us`; Quirk: Kapacitor's lexer ends a number or duration
    /// there and `tick/eval.go` `eval` drops the statement that follows).
    #[error(
        "'{stmt}' after '{prev}' is a separate statement and is ignored; Kapacitor reads this as {prev}"
    )]
    SuffixIgnored {
        /// The ignored statement.
        stmt: String,
        /// The number or duration before it.
        prev: String,
    },
    /// Warning: any other statement with no effect (a bare identifier, a literal: Kapacitor's
    /// `tick/eval.go` `eval` never resolves it).
    #[error("'{0}' is a separate statement and is ignored")]
    StatementIgnored(String),
    /// Warning: a line starting with `/` right after a comment is part of the comment
    /// (Quirk of Kapacitor's `tick/ast/lex.go` `lexComment`).
    #[error(
        "this line starts with '/' right after a comment, so it is part of the comment and ignored"
    )]
    CommentSwallowsLine,
    /// `tick fmt` refused because its output would not parse to the same program.
    #[error("cannot format this script without changing its meaning; please report it")]
    FormatChangesMeaning,
}

impl From<SyntaxError> for String {
    fn from(e: SyntaxError) -> String {
        e.to_string()
    }
}
