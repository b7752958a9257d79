//! TICKscript text → syntax tree with spans, the formatter, and diagnostics (spec §1–2).
//! Knows grammar only: what a node or property means lives in `tick-engine`.

pub mod ast;
pub mod diagnostic;
pub mod span;

pub use diagnostic::{Diagnostic, Severity};
pub use span::Span;

/// Parses a whole script. Returns what it could parse plus every diagnostic (errors and
/// quirk warnings); the program is usable only when no diagnostic is an error.
pub fn parse(src: &str) -> (ast::Program, Vec<Diagnostic>) {
    let _ = src;
    (
        ast::Program::default(),
        vec![Diagnostic::error(Span::default(), "parser not written yet")],
    )
}
