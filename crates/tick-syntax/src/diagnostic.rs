//! Diagnostics: an error or warning with a span, and the one renderer that prints them as
//! `FILE:LINE:COL: error: MESSAGE`, the source line and a caret (one format for
//! every phase, tested byte for byte; see `docs/ARCHITECTURE.md`, "Cross-cutting concerns").

use crate::span::{LineIndex, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// How serious a diagnostic is.
pub enum Severity {
    /// The script is invalid.
    Error,
    /// The script runs, but probably not as meant.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// One message about a script, with the span it points at.
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What it points at.
    pub span: Span,
    /// The message.
    pub message: String,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            span,
            message: message.into(),
        }
    }
    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            span,
            message: message.into(),
        }
    }
    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders one diagnostic as `PATH:LINE:COL: error: MESSAGE`, then the source line and carets
/// under the span, each line ending in `\n`:
///
/// ```text
/// cpu.tick:5:17: error: expected ':' right after 'lambda'
///   5 |     .crit(lambda "usage_idle" < 10)
///     |                 ^
/// ```
///
/// Columns count chars. Tabs in the shown line become four spaces and the carets follow them.
/// A span over several lines is underlined to the end of its first line.
pub fn render(path: &str, src: &str, d: &Diagnostic) -> String {
    render_with_index(path, src, &LineIndex::new(src), d)
}

/// [`render`] with a prebuilt [`LineIndex`], for printing many diagnostics of one file.
pub fn render_with_index(path: &str, src: &str, index: &LineIndex, d: &Diagnostic) -> String {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let (line, col) = index.line_col(src, d.span.start as usize);
    let text = index.line_text(src, line);
    let mut shown = String::new();
    let mut pad = 0;
    let mut carets = 0;
    let span_chars = {
        let end = (d.span.end as usize)
            .min(src.len())
            .max(d.span.start as usize);
        src.get(d.span.start as usize..end)
            .map_or(0, |s| s.chars().take_while(|c| *c != '\n').count())
    };
    for (i, c) in text.chars().enumerate() {
        let width = if c == '\t' { 4 } else { 1 };
        if c == '\t' {
            shown.push_str("    ");
        } else {
            shown.push(c);
        }
        if i + 1 < col {
            pad += width;
        } else if i + 1 < col + span_chars {
            carets += width;
        }
    }
    let carets = carets.max(1);
    let num = line.to_string();
    let gutter = " ".repeat(num.len());
    format!(
        "{path}:{line}:{col}: {severity}: {msg}\n  {num} | {shown}\n  {gutter} | {spaces}{marks}\n",
        msg = d.message,
        spaces = " ".repeat(pad),
        marks = "^".repeat(carets),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_example_from_the_style_guide_byte_for_byte() {
        let src = "stream\n  |from()\n    .measurement('cpu')\n  |alert()\n    .crit(lambda \"usage_idle\" < 10)\n";
        let start = src.find("lambda").unwrap_or(0) + 6;
        let d = Diagnostic::error(
            Span::new(start, start + 1),
            "expected ':' right after 'lambda'",
        );
        assert_eq!(
            render("cpu.tick", src, &d),
            "cpu.tick:5:17: error: expected ':' right after 'lambda'\n  5 |     .crit(lambda \"usage_idle\" < 10)\n    |                 ^\n"
        );
    }

    #[test]
    fn warnings_say_warning_and_carets_cover_the_span() {
        let src = "var d = 1h30m\n";
        let d = Diagnostic::warning(Span::new(10, 13), "w");
        assert_eq!(
            render("a.tick", src, &d),
            "a.tick:1:11: warning: w\n  1 | var d = 1h30m\n    |           ^^^\n"
        );
    }

    #[test]
    fn tabs_are_expanded_and_carets_follow_them() {
        let src = "\tvar x = ?\n";
        let d = Diagnostic::error(Span::new(9, 10), "e");
        assert_eq!(
            render("t.tick", src, &d),
            "t.tick:1:10: error: e\n  1 |     var x = ?\n    |             ^\n"
        );
    }

    #[test]
    fn an_empty_span_at_the_end_gets_one_caret_after_the_text() {
        let src = "var e = ";
        let d = Diagnostic::error(Span::new(8, 8), "e");
        assert_eq!(
            render("e.tick", src, &d),
            "e.tick:1:9: error: e\n  1 | var e = \n    |         ^\n"
        );
    }

    #[test]
    fn wide_line_numbers_widen_the_gutter() {
        let src = "\n".repeat(11) + "x";
        let d = Diagnostic::error(Span::new(11, 12), "e");
        assert_eq!(
            render("w.tick", &src, &d),
            "w.tick:12:1: error: e\n  12 | x\n     | ^\n"
        );
    }
}
