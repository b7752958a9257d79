//! `tick fmt`: the canonical TICKscript layout (Kapacitor's `tickfmt` style). Owns layout and
//! comment placement; checks that its output parses to the same program before returning it.
//!
//! Layout: statements separated by a blank line; in a chain every `|` or `@` link starts a line
//! indented four spaces from the statement, every `.` property eight; a call whose arguments
//! spanned several lines keeps one argument per line; a binary operator followed by a line
//! break keeps it. Comments are emitted before the first token that followed them in the
//! source (a comment that ended a line stays at the end of that line), which never moves a
//! token across a comment, so the lexer sees the same tokens (Kapacitor's comment rules: a
//! comment puts the lexer back in operand position, and a following line that starts with `/`
//! continues it; `tick/ast/lex.go` `lexComment`).

use crate::ast::{Call, Expr, Program, Stmt, StringQuote};
use crate::diagnostic::Diagnostic;
use crate::error::SyntaxError;
use crate::span::Span;

const STEP: &str = "    ";

pub(crate) fn format(src: &str) -> Result<String, Vec<Diagnostic>> {
    let (program, diags) = crate::parse(src);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    // Design: never change meaning. Re-parse and compare; refuse rather than corrupt. A `*`
    // statement is printed `(*)` where a bare `*` would continue the statement before it
    // (`4` then `*`), and bare where `(*)` would (`a` then `(*)` is a call): the printer tries
    // the first, then the second.
    let same = |out: &str| {
        let (again, diags2) = crate::parse(out);
        !diags2.iter().any(Diagnostic::is_error) && again.without_spans() == program.without_spans()
    };
    for star_parens in [true, false] {
        let out = print(src, &program, star_parens);
        if same(&out) {
            return Ok(out);
        }
    }
    let end = src.len();
    Err(vec![Diagnostic::error(
        Span::new(end, end),
        SyntaxError::FormatChangesMeaning,
    )])
}

fn print(src: &str, program: &Program, star_parens: bool) -> String {
    let mut p = Printer {
        star_parens,
        src,
        program,
        out: String::with_capacity(src.len() + src.len() / 4),
        next_comment: 0,
        at_line_start: true,
        indent: String::new(),
        last_end: 0,
        after_comment: false,
    };
    for (i, stmt) in program.stmts.iter().enumerate() {
        if i > 0 {
            p.newline("", stmt.span().start);
            p.out.push('\n');
        }
        p.stmt(stmt);
    }
    p.newline("", u32::MAX);
    p.flush_comments(u32::MAX);
    if !p.at_line_start {
        p.out.push('\n');
    }
    p.out
}

struct Printer<'a> {
    /// Whether a `*` statement is printed `(*)` (else bare `*`).
    star_parens: bool,
    src: &'a str,
    program: &'a Program,
    out: String,
    next_comment: usize,
    at_line_start: bool,
    /// Indentation of the current (or next) line.
    indent: String,
    /// Source end of the last token written, to recognise end-of-line comments.
    last_end: u32,
    /// The last thing written was a comment line.
    after_comment: bool,
}

impl Printer<'_> {
    /// Ends the line (keeping an end-of-line comment on it) and sets the next line's indent.
    /// `next` is the source offset of the next token to be written.
    fn newline(&mut self, indent: &str, next: u32) {
        // Set first: continuation lines of an end-of-line comment take the next line's indent.
        self.indent.clear();
        self.indent.push_str(indent);
        self.trailing_comments(next);
        if !self.at_line_start {
            self.end_line();
        }
    }

    /// Ends the current line without trailing blanks.
    fn end_line(&mut self) {
        let kept = self.out.trim_end_matches(' ').len();
        self.out.truncate(kept);
        self.out.push('\n');
        self.at_line_start = true;
    }

    /// Writes `text`, the token found at source offset `pos`, after any comment before it.
    fn write(&mut self, pos: u32, text: &str) {
        self.flush_comments(pos);
        // Quirk (Kapacitor `lex.go` `lexComment`): a line starting with '/' right after a comment
        // line continues the comment. A blank line ends a comment, so keep one before a regex on
        // the next line.
        if self.after_comment
            && self.at_line_start
            && text.starts_with('/')
            && !self.out.ends_with("\n\n")
        {
            self.out.push('\n');
        }
        self.after_comment = false;
        if self.at_line_start {
            self.out.push_str(&self.indent);
            self.at_line_start = false;
        }
        self.out.push_str(text);
    }

    /// Like [`Printer::write`], for a token ending at source offset `end`.
    fn token(&mut self, span: Span, text: &str) {
        self.write(span.start, text);
        self.last_end = self.last_end.max(span.end);
    }

    /// Comments that in the source sat on the same line after the last token written, before
    /// the next token.
    fn trailing_comments(&mut self, next: u32) {
        if self.at_line_start {
            return;
        }
        while let Some(c) = self.program.comments.get(self.next_comment) {
            let gap = self
                .src
                .get(self.last_end as usize..c.span.start as usize)
                .unwrap_or("\n");
            if c.span.start >= next || c.span.start < self.last_end || gap.contains('\n') {
                return;
            }
            self.comment(self.next_comment, true);
        }
    }

    fn flush_comments(&mut self, before: u32) {
        while let Some(c) = self.program.comments.get(self.next_comment) {
            if c.span.start >= before {
                return;
            }
            let (start, end) = (c.span.start, c.span.end);
            // Keep one blank line before and after a comment where the source had one.
            if self.blank_line_between(self.last_end, start) && !self.out.is_empty() {
                self.blank_line();
            }
            // A comment that followed code on its source line stays at the end of the line.
            let trailing = !self.at_line_start
                && start >= self.last_end
                && !self
                    .src
                    .get(self.last_end as usize..start as usize)
                    .unwrap_or("\n")
                    .contains('\n');
            self.comment(self.next_comment, trailing);
            let next = self
                .program
                .comments
                .get(self.next_comment)
                .map_or(before, |n| n.span.start.min(before));
            if next != u32::MAX && self.blank_line_between(end, next) {
                self.blank_line();
            }
        }
    }

    fn blank_line_between(&self, from: u32, to: u32) -> bool {
        from < to
            && self.src.get(from as usize..to as usize).is_some_and(|gap| {
                let mut lines = gap.split('\n');
                lines.next();
                // A line strictly between the two, holding only blanks.
                let mut inner: Vec<&str> = lines.collect();
                inner.pop();
                inner.iter().any(|l| l.trim().is_empty())
            })
    }

    /// Ends the current line and leaves one empty line, unless there already is one.
    fn blank_line(&mut self) {
        if !self.at_line_start {
            self.out.push('\n');
            self.at_line_start = true;
        }
        if !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn comment(&mut self, i: usize, trailing: bool) {
        self.next_comment += 1;
        let Some(c) = self.program.comments.get(i) else {
            return;
        };
        for (n, line) in c.lines.iter().enumerate() {
            if n == 0 && trailing {
                let kept = self.out.trim_end_matches(' ').len();
                self.out.truncate(kept);
                self.out.push(' ');
            } else {
                if !self.at_line_start {
                    self.end_line();
                }
                self.out.push_str(&self.indent);
            }
            self.out.push_str("//");
            if !line.is_empty() {
                self.out.push(' ');
                self.out.push_str(line);
            }
            self.at_line_start = false;
        }
        self.out.push('\n');
        self.at_line_start = true;
        self.after_comment = true;
        self.last_end = self.last_end.max(c.span.end);
    }

    fn src_text(&self, span: Span) -> &str {
        self.src.get(span.range()).unwrap_or("")
    }

    fn has_newline(&self, from: u32, to: u32) -> bool {
        from < to
            && self
                .src
                .get(from as usize..to as usize)
                .is_some_and(|s| s.contains('\n'))
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Dbrp { db, rp, span } => {
                self.token(
                    Span::new(span.start as usize, span.start as usize + 4),
                    "dbrp ",
                );
                self.token(db.span, &quote_reference(&db.name));
                self.token(Span::new(db.span.end as usize, db.span.end as usize), ".");
                self.token(rp.span, &quote_reference(&rp.name));
            }
            Stmt::Var { name, value, span } => {
                self.token(
                    Span::new(span.start as usize, span.start as usize + 3),
                    "var ",
                );
                self.token(name.span, &name.name);
                self.token(
                    Span::new(name.span.end as usize, name.span.end as usize),
                    " = ",
                );
                self.expr(value, "");
            }
            Stmt::TypedVar { name, ty, span } => {
                self.token(
                    Span::new(span.start as usize, span.start as usize + 3),
                    "var ",
                );
                self.token(name.span, &name.name);
                self.write(name.span.end, " ");
                self.token(ty.span, &ty.name);
            }
            // Kapacitor's tickfmt always prints `*`, which after a number does not parse
            // again (see `format`).
            Stmt::Expr(Expr::Star { span }) if self.star_parens => self.token(*span, "(*)"),
            Stmt::Expr(e) => self.expr(e, ""),
        }
    }

    fn expr(&mut self, e: &Expr, indent: &str) {
        match e {
            Expr::Ident(i) => self.token(i.span, &i.name),
            Expr::Reference(r) => self.token(r.span, &quote_reference(&r.name)),
            // Integers keep their source text so `0644` stays octal; floats are written the
            // way tickfmt writes them (`1.` → `1.0`, `.5` → `0.5`).
            Expr::Int { span, .. } if !self.src_text(*span).is_empty() => {
                let text = self.src_text(*span).to_string();
                self.token(*span, &text);
            }
            Expr::Int { value, span } => self.token(*span, &value.to_string()),
            Expr::Float { value, span } => self.token(*span, &format_float(*value)),
            Expr::Duration { literal, span, .. } => self.token(*span, literal),
            Expr::String { value, quote, span } => self.token(*span, &quote_string(value, quote)),
            Expr::Bool { value, span } => self.token(*span, if *value { "TRUE" } else { "FALSE" }),
            Expr::Regex { pattern, span } => self.token(*span, &quote_regex(pattern)),
            Expr::Star { span } => self.token(*span, "*"),
            Expr::List { items, span } => {
                self.write(span.start, "[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.write(item.span().start.min(span.end), ", ");
                        // The comma's own position is unknown; comments before the item are
                        // flushed by the item itself.
                    }
                    self.expr(item, indent);
                }
                self.token(
                    Span::new(span.end.saturating_sub(1) as usize, span.end as usize),
                    "]",
                );
            }
            Expr::Lambda { body, span } => {
                self.token(
                    Span::new(span.start as usize, span.start as usize + 7),
                    "lambda: ",
                );
                self.expr(body, indent);
            }
            Expr::Unary { op, operand, span } => {
                self.token(
                    Span::new(span.start as usize, span.start as usize + 1),
                    op.as_str(),
                );
                self.expr(operand, indent);
            }
            Expr::Binary {
                op,
                lhs,
                rhs,
                parenthesised,
                span,
            } => {
                let inner = if *parenthesised {
                    self.token(Span::new(span.start as usize, span.start as usize + 1), "(");
                    format!("{indent}{STEP}")
                } else {
                    indent.to_string()
                };
                self.expr(lhs, &inner);
                let lhs_end = lhs.span().end;
                self.write(lhs_end, " ");
                self.write(lhs_end, op.as_str());
                if self.has_newline(lhs_end, rhs.span().start) {
                    self.newline(&inner, rhs.span().start);
                } else {
                    self.write(lhs_end, " ");
                }
                self.expr(rhs, &inner);
                if *parenthesised {
                    self.token(
                        Span::new(span.end.saturating_sub(1) as usize, span.end as usize),
                        ")",
                    );
                }
            }
            Expr::Call(c) => self.call(c, indent),
            Expr::Chain {
                op,
                left,
                call,
                property_read,
                ..
            } => {
                self.expr(left, indent);
                let link = if matches!(op, crate::ast::ChainOp::Dot) {
                    format!("{indent}{STEP}{STEP}")
                } else {
                    format!("{indent}{STEP}")
                };
                self.newline(&link, call.name.span.start);
                self.write(call.name.span.start, op.as_str());
                if *property_read {
                    self.token(call.name.span, &call.name.name);
                } else {
                    self.call(call, &link);
                }
            }
        }
    }

    fn call(&mut self, c: &Call, indent: &str) {
        self.token(c.name.span, &c.name.name);
        self.write(c.name.span.end, "(");
        let multi = c
            .args
            .last()
            .is_some_and(|a| self.has_newline(c.name.span.start, a.span().start));
        let arg_indent = format!("{indent}{STEP}");
        for (i, arg) in c.args.iter().enumerate() {
            if i > 0 {
                let prev_end = c.args.get(i - 1).map_or(0, |a| a.span().end);
                self.write(prev_end, if multi { "," } else { ", " });
            }
            if multi {
                self.newline(&arg_indent, arg.span().start);
            }
            self.expr(arg, &arg_indent);
        }
        if multi {
            self.newline(indent, c.span.end.saturating_sub(1));
        }
        self.token(
            Span::new(c.span.end.saturating_sub(1) as usize, c.span.end as usize),
            ")",
        );
    }
}

fn quote_reference(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    s.push('"');
    for c in name.chars() {
        if c == '"' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

fn quote_string(value: &str, quote: &StringQuote) -> String {
    match quote {
        StringQuote::Triple => format!("'''{value}'''"),
        StringQuote::Single => {
            let mut s = String::with_capacity(value.len() + 2);
            s.push('\'');
            for c in value.chars() {
                if c == '\'' {
                    s.push('\\');
                }
                s.push(c);
            }
            s.push('\'');
            s
        }
    }
}

fn quote_regex(pattern: &str) -> String {
    let mut s = String::with_capacity(pattern.len() + 2);
    s.push('/');
    for c in pattern.chars() {
        if c == '/' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('/');
    s
}

fn format_float(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        match format(src) {
            Ok(s) => s,
            Err(d) => panic!("format failed: {d:?}"),
        }
    }

    #[test]
    fn the_canonical_example_gets_tickfmt_layout() {
        let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"usage_idle\" < 10).message('{{ .Time }}: CPU usage over 90%').mqtt('alerts').qos(2)";
        assert_eq!(
            fmt(src),
            "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" < 10)\n        .message('{{ .Time }}: CPU usage over 90%')\n        .mqtt('alerts')\n        .qos(2)\n"
        );
    }

    #[test]
    fn statements_are_separated_by_a_blank_line() {
        assert_eq!(fmt("var a = 1 var b = 'x'"), "var a = 1\n\nvar b = 'x'\n");
        assert_eq!(
            fmt("dbrp \"telegraf\".\"autogen\"\nvar x float"),
            "dbrp \"telegraf\".\"autogen\"\n\nvar x float\n"
        );
    }

    #[test]
    fn a_star_statement_keeps_its_parentheses() {
        // Found by the syntax_fmt_idempotent fuzz target (fuzz/regressions/syntax/).
        assert_eq!(fmt("var x = 4(*)"), "var x = 4\n\n(*)\n");
        assert_eq!(fmt("(*)"), "(*)\n");
        // After an identifier, `(*)` would call it: the bare form keeps the meaning (found by
        // the round-trip property test).
        assert_eq!(
            fmt("var v = a // note\n  * \"a\""),
            "var v = a // note\n\n*\n\n\"a\"\n"
        );
    }

    #[test]
    fn the_ignored_half_of_1h30m_becomes_its_own_statement() {
        assert_eq!(fmt("var d = 1h30m"), "var d = 1h\n\n30m\n");
    }

    #[test]
    fn comments_are_kept_above_the_next_token_or_at_line_end() {
        let src =
            "// header\nvar a = 1 // one\n\n// the pipeline\nstream\n  // source\n  |from()\n";
        assert_eq!(
            fmt(src),
            "// header\nvar a = 1 // one\n\n// the pipeline\nstream\n    // source\n    |from()\n"
        );
    }

    #[test]
    fn literals_keep_their_spelling_and_escapes() {
        assert_eq!(fmt("var m = 0644"), "var m = 0644\n");
        assert_eq!(fmt("var f = 1. + .5 + 00.25"), "var f = 1.0 + 0.5 + 0.25\n");
        assert_eq!(fmt("var s = 'it\\'s'"), "var s = 'it\\'s'\n");
        assert_eq!(fmt("var r = /a\\/b/"), "var r = /a\\/b/\n");
        assert_eq!(fmt("var t = '''it's'''"), "var t = '''it's'''\n");
        assert_eq!(fmt("var f = \"a \\\"q\\\"\""), "var f = \"a \\\"q\\\"\"\n");
    }

    #[test]
    fn parentheses_on_binaries_are_kept_and_others_dropped() {
        assert_eq!(fmt("var x = (1+2)*3"), "var x = (1 + 2) * 3\n");
        assert_eq!(fmt("var x = -(\"a\")"), "var x = -\"a\"\n");
    }

    #[test]
    fn multi_line_arguments_stay_one_per_line() {
        let src = "stream|eval(lambda: 1,\n lambda: 2).as('a','b')";
        assert_eq!(
            fmt(src),
            "stream\n    |eval(\n        lambda: 1,\n        lambda: 2\n    )\n        .as('a', 'b')\n"
        );
    }

    #[test]
    fn formatting_is_idempotent_on_a_commented_script() {
        let src = "// a\nstream\n|from() // trailing\n.where(lambda: \"a\" > 1 AND // why\n \"b\" < 2)\n// end\n";
        let once = fmt(src);
        assert_eq!(fmt(&once), once);
    }

    #[test]
    fn a_comment_inside_an_expression_stays_at_the_end_of_its_line() {
        assert_eq!(
            fmt("stream|where(lambda: // why\n\"x\" > 1)"),
            "stream\n    |where(lambda: // why\n    \"x\" > 1)\n"
        );
        assert_eq!(
            fmt("var x = (1 + // c\n\n 2)"),
            "var x = (1 + // c\n    2)\n"
        );
    }

    #[test]
    fn comments_on_both_sides_of_an_operator_format_idempotently() {
        // Found by the round-trip property test.
        let once = fmt("var va = !f(!\"a\" // note\n  AND // note\n  \"a\")\n");
        assert_eq!(
            once,
            "var va = !f(!\"a\" AND // note\n    // note\n    \"a\")\n"
        );
        assert_eq!(fmt(&once), once);
    }

    #[test]
    fn a_regex_after_a_comment_keeps_the_blank_line_that_ends_the_comment() {
        // Found by the syntax_fmt_idempotent fuzz target: without the blank line the regex
        // line would continue the comment (Kapacitor `lex.go` `lexComment`).
        assert_eq!(fmt("/a/ AND // c\n\n/b/\n"), "/a/ AND // c\n\n/b/\n");
        assert_eq!(
            fmt("var x = \"a\" =~ /x/ OR // c\n\n  /b/\n"),
            "var x = \"a\" =~ /x/ OR // c\n\n/b/\n"
        );
    }

    #[test]
    fn scripts_with_errors_are_not_formatted() {
        assert!(format("var = 1").is_err());
    }
}
