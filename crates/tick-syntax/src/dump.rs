//! A compact, deterministic text dump of the syntax tree, one node per line, for snapshot
//! tests and for reading what the parser made of a script.
//!
//! Each line is a node indented two spaces per level under its parent, ending with its byte
//! span `@start..end`. For `var x = stream|from().measurement('cpu')`:
//!
//! ```text
//! Var @0..40
//!   Ident x @4..5
//!   Chain @8..40
//!     Ident stream @8..14
//!     |from @15..21
//!     .measurement @22..40
//!       String "cpu" @34..39
//! ```
//!
//! * A chain is flattened: its head, then one line per link in source order — `|node`,
//!   `.property`, `@udf`, or `.name read` for a property read without parentheses — with the
//!   link's arguments under it. A link's span is its call's (name to closing `)`); the chain
//!   line carries the whole chain's span. A nested chain whose own span is not "head start to
//!   call end" is flagged with `!chain-span a..b`.
//! * Literals show their decoded value: `Int 420`, `Float 0.5` (shortest form that reads back
//!   the same), `Duration 5m = 300000000000ns`, `String "it's"` (Rust escapes; `'''` marks a
//!   triple-quoted string), `Regex /a\d/` (pattern as stored, control characters escaped),
//!   `Bool true`, `Star`.
//! * Operators are written as in TICKscript: `Binary AND`, `Binary =~`, `Unary !`; `(parens)`
//!   marks a binary expression that was written in parentheses.
//! * Statements are `Dbrp`, `Var`, `TypedVar` and `ExprStmt`; after them, each merged comment
//!   as `Comment @a..b` with its lines (without `//`) under it.

use std::fmt::Write as _;

use crate::ast::{Call, Comment, Expr, Program, Stmt, StringQuote};
use crate::span::Span;

/// Dumps a whole program: every statement in source order, then every comment.
///
/// Recursion follows the tree's nesting, which the parser bounds by [`crate::MAX_DEPTH`];
/// chains are walked without recursion, so long pipelines are fine.
pub fn program(program: &Program) -> String {
    let mut out = Dumper::default();
    for stmt in &program.stmts {
        out.stmt(stmt);
    }
    for comment in &program.comments {
        out.comment(comment);
    }
    out.text
}

/// Dumps one expression (as returned by [`crate::parse_expr`]), starting at indentation 0.
pub fn expr(expr: &Expr) -> String {
    let mut out = Dumper::default();
    out.expr(expr, 0);
    out.text
}

#[derive(Default)]
struct Dumper {
    text: String,
}

impl Dumper {
    fn line(&mut self, depth: usize, label: &str, span: Span) {
        for _ in 0..depth {
            self.text.push_str("  ");
        }
        // Writing to a String cannot fail.
        let _ = writeln!(self.text, "{label} @{}..{}", span.start, span.end);
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Dbrp { db, rp, span } => {
                self.line(0, "Dbrp", *span);
                self.line(1, &format!("Reference {:?}", db.name), db.span);
                self.line(1, &format!("Reference {:?}", rp.name), rp.span);
            }
            Stmt::Var { name, value, span } => {
                self.line(0, "Var", *span);
                self.line(1, &format!("Ident {}", name.name), name.span);
                self.expr(value, 1);
            }
            Stmt::TypedVar { name, ty, span } => {
                self.line(0, "TypedVar", *span);
                self.line(1, &format!("Ident {}", name.name), name.span);
                self.line(1, &format!("Type {}", ty.name), ty.span);
            }
            Stmt::Expr(e) => {
                self.line(0, "ExprStmt", e.span());
                self.expr(e, 1);
            }
        }
    }

    fn comment(&mut self, comment: &Comment) {
        self.line(0, "Comment", comment.span);
        for line in &comment.lines {
            let _ = writeln!(self.text, "  {line:?}");
        }
    }

    fn expr(&mut self, expr: &Expr, depth: usize) {
        match expr {
            Expr::Ident(i) => self.line(depth, &format!("Ident {}", i.name), i.span),
            Expr::Reference(r) => self.line(depth, &format!("Reference {:?}", r.name), r.span),
            Expr::Int { value, span } => self.line(depth, &format!("Int {value}"), *span),
            Expr::Float { value, span } => self.line(depth, &format!("Float {value:?}"), *span),
            Expr::Duration {
                nanos,
                literal,
                span,
            } => self.line(depth, &format!("Duration {literal} = {nanos}ns"), *span),
            Expr::String { value, quote, span } => {
                let label = match quote {
                    StringQuote::Single => format!("String {value:?}"),
                    StringQuote::Triple => format!("String ''' {value:?}"),
                };
                self.line(depth, &label, *span);
            }
            Expr::Bool { value, span } => self.line(depth, &format!("Bool {value}"), *span),
            Expr::Regex { pattern, span } => {
                let shown = escape_controls(pattern);
                self.line(depth, &format!("Regex /{shown}/"), *span);
            }
            Expr::Star { span } => self.line(depth, "Star", *span),
            Expr::List { items, span } => {
                self.line(depth, "List", *span);
                for item in items {
                    self.expr(item, depth + 1);
                }
            }
            Expr::Lambda { body, span } => {
                self.line(depth, "Lambda", *span);
                self.expr(body, depth + 1);
            }
            Expr::Unary { op, operand, span } => {
                self.line(depth, &format!("Unary {}", op.as_str()), *span);
                self.expr(operand, depth + 1);
            }
            Expr::Binary {
                op,
                lhs,
                rhs,
                parenthesised,
                span,
            } => {
                let parens = if *parenthesised { " (parens)" } else { "" };
                self.line(depth, &format!("Binary {}{parens}", op.as_str()), *span);
                self.expr(lhs, depth + 1);
                self.expr(rhs, depth + 1);
            }
            Expr::Call(call) => self.call(&format!("Call {}", call.name.name), call, depth),
            Expr::Chain { .. } => self.chain(expr, depth),
        }
    }

    fn call(&mut self, label: &str, call: &Call, depth: usize) {
        self.line(depth, label, call.span);
        for arg in &call.args {
            self.expr(arg, depth + 1);
        }
    }

    /// A chain is nested to the left (`((head|a).b)|c`): collect the links from the outside
    /// in, then print the head and the links in source order.
    fn chain(&mut self, outer: &Expr, depth: usize) {
        let mut links = Vec::new();
        let mut cur = outer;
        while let Expr::Chain {
            op,
            left,
            call,
            property_read,
            span,
        } = cur
        {
            links.push((*op, call, *property_read, *span));
            cur = left;
        }
        let head = cur;
        self.line(depth, "Chain", outer.span());
        self.expr(head, depth + 1);
        let start = head.span().start;
        for (op, call, property_read, span) in links.into_iter().rev() {
            let mut label = format!("{}{}", op.as_str(), call.name.name);
            if property_read {
                label.push_str(" read");
            }
            if span
                != (Span {
                    start,
                    end: call.span.end,
                })
            {
                let _ = write!(label, " !chain-span {}..{}", span.start, span.end);
            }
            self.call(&label, call, depth + 1);
        }
    }
}

/// Escapes control characters only (as `\n`, `\u{1b}`), so a pattern stays readable.
fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn dumps_a_chain_flattened_with_spans_of_each_link() {
        let src = "var x = stream|from().measurement('cpu')";
        let (program, diags) = crate::parse(src);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            super::program(&program),
            [
                "Var @0..40",
                "  Ident x @4..5",
                "  Chain @8..40",
                "    Ident stream @8..14",
                "    |from @15..21",
                "    .measurement @22..40",
                "      String \"cpu\" @34..39",
                "",
            ]
            .join("\n")
        );
    }

    #[test]
    fn dumps_a_property_read_with_the_span_of_its_name() {
        let (program, diags) = crate::parse("var y = s.x");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            super::program(&program),
            [
                "Var @0..11",
                "  Ident y @4..5",
                "  Chain @8..11",
                "    Ident s @8..9",
                "    .x read @10..11",
                "",
            ]
            .join("\n")
        );
    }

    #[test]
    fn dumps_operators_as_written_and_marks_parentheses() {
        let (expr, diags) = crate::parse_expr("(\"a\" + 1) * -x");
        assert!(diags.is_empty(), "{diags:?}");
        let expr = expr.expect("parses");
        assert_eq!(
            super::expr(&expr),
            [
                "Binary * @0..14",
                "  Binary + (parens) @0..9",
                "    Reference \"a\" @1..4",
                "    Int 1 @7..8",
                "  Unary - @12..14",
                "    Ident x @13..14",
                "",
            ]
            .join("\n")
        );
    }
}
