//! Invariants shared by the syntax tests and the fuzz targets `syntax_parse` and
//! `syntax_fmt_idempotent` (which include this file with `#[path]`).

#![allow(dead_code)]

use tick_syntax::Span;
use tick_syntax::ast::{Expr, Program, Stmt};

/// `syntax_parse`: parsing any text never panics; every span (of the tree and of each
/// diagnostic) is a valid range of the source; rendering a diagnostic never panics.
pub(crate) fn parse_invariants(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let (program, diags) = tick_syntax::parse(src);
    if let Err(e) = check_spans(src, &program) {
        panic!("{e}\nsource: {src:?}");
    }
    for d in &diags {
        assert!(
            d.span.start <= d.span.end && d.span.end as usize <= src.len(),
            "diagnostic span {:?} out of bounds in {src:?}",
            d.span
        );
        let _ = tick_syntax::render("fuzz.tick", src, d);
    }
    let (_, diags) = tick_syntax::parse_expr(src);
    for d in &diags {
        assert!(
            d.span.start <= d.span.end && d.span.end as usize <= src.len(),
            "parse_expr diagnostic span {:?} out of bounds in {src:?}",
            d.span
        );
    }
}

/// `syntax_fmt_idempotent`: a script that parses without errors formats (the formatter never
/// refuses), the result formats to itself, and it parses to the same program.
pub(crate) fn fmt_idempotent(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let (program, diags) = tick_syntax::parse(src);
    if diags.iter().any(|d| d.is_error()) {
        return;
    }
    let once = match tick_syntax::format(src) {
        Ok(s) => s,
        Err(d) => panic!("format refused a valid script: {d:?}\nsource: {src:?}"),
    };
    let (again, _) = tick_syntax::parse(&once);
    assert_eq!(
        again.without_spans(),
        program.without_spans(),
        "meaning changed\nsource: {src:?}\nformatted: {once:?}"
    );
    let twice = tick_syntax::format(&once);
    assert_eq!(
        twice.as_ref().ok(),
        Some(&once),
        "not idempotent\nsource: {src:?}"
    );
}

/// Checks that `span` lies in the source, on char boundaries, and inside `parent`.
fn check_span(src: &str, span: Span, parent: Span, what: &str) -> Result<(), String> {
    let (s, e) = (span.start as usize, span.end as usize);
    if s > e || e > src.len() || !src.is_char_boundary(s) || !src.is_char_boundary(e) {
        return Err(format!(
            "{what} span {span:?} is not a valid range of the source"
        ));
    }
    if span.start < parent.start || span.end > parent.end {
        return Err(format!(
            "{what} span {span:?} is outside its parent {parent:?}"
        ));
    }
    Ok(())
}

fn check_expr(src: &str, e: &Expr, parent: Span) -> Result<(), String> {
    let span = e.span();
    check_span(src, span, parent, "expression")?;
    match e {
        Expr::List { items, .. } => items.iter().try_for_each(|i| check_expr(src, i, span)),
        Expr::Lambda { body, .. } => check_expr(src, body, span),
        Expr::Unary { operand, .. } => check_expr(src, operand, span),
        Expr::Binary { lhs, rhs, .. } => {
            check_expr(src, lhs, span)?;
            check_expr(src, rhs, span)
        }
        Expr::Call(c) => {
            check_span(src, c.name.span, span, "call name")?;
            c.args.iter().try_for_each(|a| check_expr(src, a, span))
        }
        Expr::Chain { left, call, .. } => {
            check_expr(src, left, span)?;
            check_span(src, call.span, span, "link")?;
            call.args
                .iter()
                .try_for_each(|a| check_expr(src, a, call.span))
        }
        _ => Ok(()),
    }
}

/// Every span of a program is a valid range and nested in its parent (shared with the fuzz
/// target's invariant).
pub(crate) fn check_spans(src: &str, p: &Program) -> Result<(), String> {
    let all = Span::new(0, src.len());
    for s in &p.stmts {
        let span = s.span();
        check_span(src, span, all, "statement")?;
        match s {
            Stmt::Dbrp { db, rp, .. } => {
                check_span(src, db.span, span, "db")?;
                check_span(src, rp.span, span, "rp")?;
            }
            Stmt::Var { name, value, .. } => {
                check_span(src, name.span, span, "var name")?;
                check_expr(src, value, span)?;
            }
            Stmt::TypedVar { name, ty, .. } => {
                check_span(src, name.span, span, "var name")?;
                check_span(src, ty.span, span, "type")?;
            }
            Stmt::Expr(e) => check_expr(src, e, span)?,
        }
    }
    for c in &p.comments {
        check_span(src, c.span, all, "comment")?;
    }
    Ok(())
}
