//! TICKscript text → syntax tree with spans, the formatter, and diagnostics. The grammar is
//! Kapacitor's (`tick/ast/lex.go` and `tick/ast/parser.go` at v1.5.7); differences are listed in
//! `docs/COMPATIBILITY.md`.
//! Knows grammar only: what a node or property means lives in `tick-engine`.
//!
//! Entry points: [`parse`] for a script, [`parse_expr`] for a lambda body, [`format()`] for
//! `tick fmt`, and [`render`] to print a [`Diagnostic`] with its source line.

#![warn(missing_docs)]

pub mod ast;
pub mod diagnostic;
pub mod dump;
pub mod duration;
mod error;
mod format;
mod lexer;
mod literal;
mod parser;
pub mod span;

pub use diagnostic::{Diagnostic, Severity, render, render_with_index};
pub use error::SyntaxError;
pub use parser::MAX_DEPTH;
pub use span::{LineIndex, Span};

/// Parses a whole script. Returns what it could parse plus every diagnostic (errors and
/// quirk warnings), sorted by position; the program is usable only when no diagnostic is an
/// error. After an error, parsing resumes at the next statement (`var`, `dbrp`, or an
/// identifier at the start of a line), so every broken statement is reported.
pub fn parse(src: &str) -> (ast::Program, Vec<Diagnostic>) {
    parser::parse(src)
}

/// Parses a lambda *body*: a primary expression without the `lambda:` keyword, as in a topic
/// handler's `match` (Kapacitor `services/alert/handlers.go` `newMatchHandler` parses it with
/// `ast.ParseLambda`) or a vars file's lambda value. `None` when there is an error.
pub fn parse_expr(src: &str) -> (Option<ast::Expr>, Vec<Diagnostic>) {
    parser::parse_expr(src)
}

/// Formats a script in the canonical layout of Kapacitor's `tickfmt`: one statement per
/// paragraph, `|` links indented four spaces, `.` properties eight, comments kept. Idempotent,
/// and never changes meaning: the output parses to the same program (checked before returning).
/// Errors when the script does not parse.
pub fn format(src: &str) -> Result<String, Vec<Diagnostic>> {
    format::format(src)
}
