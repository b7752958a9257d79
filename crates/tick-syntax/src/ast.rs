//! The TICKscript syntax tree (spec §2.1). Owns the shape of a parsed script and its spans;
//! knows nothing of what a node or property means (that is `tick-engine`'s catalogue).

use crate::span::Span;

/// A whole script: its statements in source order, and every comment (kept for `tick fmt`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub stmts: Vec<Stmt>,
    pub comments: Vec<Comment>,
}

/// A run of `//` comment lines merged into one (spec §1.1). `text` holds each line without `//`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub lines: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `dbrp "db"."rp"`
    Dbrp { db: Reference, rp: Reference, span: Span },
    /// `var name = expr`
    Var { name: Ident, value: Expr, span: Span },
    /// `var name type` (template tasks)
    TypedVar { name: Ident, ty: Ident, span: Span },
    /// Any other expression statement: a chain such as `stream|from()...`, or a lone
    /// identifier / literal (Quirk, spec §1.2/§1.7: evaluated and thrown away).
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `"name"`: a field or tag reference; `name` is unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChainOp {
    /// `|name(...)`: creates a child node.
    Pipe,
    /// `.name(...)` or `.name`: sets (or reads) a property.
    Dot,
    /// `@name(...)`: a UDF.
    At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    RegexMatch,
    RegexNotMatch,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `!`
    Not,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringQuote {
    /// `'...'`
    Single,
    /// `'''...'''`
    Triple,
}

/// A call `name(args)`: a node (`|from()`), a property (`.crit(...)`), a UDF (`@x()`), or a
/// function inside a lambda (`sigma("v")`, kind `Global`).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: Ident,
    pub args: Vec<Expr>,
    /// Span of the whole call, from the name to the closing `)`.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Ident(Ident),
    Reference(Reference),
    /// Integer literal, already decoded (octal when it starts with `0`, spec §1.3).
    Int { value: i64, span: Span },
    Float { value: f64, span: Span },
    /// Duration literal in nanoseconds; `literal` is the source text (`5m`).
    Duration { nanos: i64, literal: String, span: Span },
    /// String literal, unescaped.
    String { value: String, quote: StringQuote, span: Span },
    Bool { value: bool, span: Span },
    /// Regex literal: `pattern` has `\/` already turned into `/`; it compiles with the `regex` crate.
    Regex { pattern: String, span: Span },
    Star { span: Span },
    /// `[a, 'b', *]`
    List { items: Vec<Expr>, span: Span },
    /// `lambda: expr`
    Lambda { body: Box<Expr>, span: Span },
    Unary { op: UnaryOp, operand: Box<Expr>, span: Span },
    Binary { op: BinaryOp, lhs: Box<Expr>, rhs: Box<Expr>, parenthesised: bool, span: Span },
    /// A global call: `name(args)` as a chain head or inside a lambda.
    Call(Call),
    /// `left|call`, `left.call`, `left@call`. For a property read `.x` (no parentheses)
    /// `call.args` is empty and `property_read` is true.
    Chain { op: ChainOp, left: Box<Expr>, call: Call, property_read: bool, span: Span },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Ident(i) => i.span,
            Expr::Reference(r) => r.span,
            Expr::Call(c) => c.span,
            Expr::Int { span, .. }
            | Expr::Float { span, .. }
            | Expr::Duration { span, .. }
            | Expr::String { span, .. }
            | Expr::Bool { span, .. }
            | Expr::Regex { span, .. }
            | Expr::Star { span }
            | Expr::List { span, .. }
            | Expr::Lambda { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Chain { span, .. } => *span,
        }
    }
}

impl Stmt {
    pub fn span(&self) -> Span {
        match self {
            Stmt::Dbrp { span, .. } | Stmt::Var { span, .. } | Stmt::TypedVar { span, .. } => *span,
            Stmt::Expr(e) => e.span(),
        }
    }
}
