//! Parse and execution errors with Go's wording (`text/template` and its `parse` package, e.g.
//! `template: message:1:3: executing "message" at <...>: ...`). Owns the message texts.

use std::fmt;
use std::ops::Range;

/// A template that could not be parsed. `Display` gives Go's text:
/// `template: message:1: unclosed action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Template name (`id`, `message`, `details`, `topic`).
    pub name: String,
    /// Byte range in the template source the error points at (start = where Go's lexer or
    /// parser stopped); re-base it into the `.tick` file.
    pub span: Range<usize>,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// The message alone, without the `template: name:line:` prefix.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template: {}:{}: {}", self.name, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A template that failed while rendering. `Display` gives Go's text:
/// `template: message:1:3: executing "message" at <gt (index .Fields "v") 80>: error calling gt: incompatible types for comparison`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecError {
    /// Template name.
    pub name: String,
    /// Byte offset in the template source of the node that failed.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// Go's column: the 0-based byte offset within the line.
    pub col: usize,
    /// The failing node, printed back as template text (`gt (index .Fields "v") 80`).
    pub context: String,
    /// The message alone (`error calling gt: incompatible types for comparison`).
    pub message: String,
    /// html/template refused the template before running it: `message` is then Go's whole
    /// text (`html/template:details:1:5: ...`, with less of the position when Go gives less),
    /// and every render of the template fails so.
    pub escape: bool,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.escape {
            return f.write_str(&self.message);
        }
        write!(
            f,
            "template: {}:{}:{}: executing \"{}\" at <{}>: {}",
            self.name, self.line, self.col, self.name, self.context, self.message
        )
    }
}

impl std::error::Error for ExecError {}

/// Line (1-based) and Go column (0-based byte offset in the line) of `offset` in `src`.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset.min(src.len())).unwrap_or(src);
    let line = 1 + before.bytes().filter(|b| *b == b'\n').count();
    let col = match before.rfind('\n') {
        Some(nl) => offset - (nl + 1),
        None => offset,
    };
    (line, col)
}
