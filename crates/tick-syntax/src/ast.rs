//! The TICKscript syntax tree (the node kinds of Kapacitor's `tick/ast/node.go`, v1.5.7). Owns the
//! shape of a parsed script and its spans; knows nothing of what a node or property means (that is
//! `tick-engine`'s catalogue).

use crate::span::Span;

/// A whole script: its statements in source order, and every comment (kept for `tick fmt`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// The statements, in source order.
    pub stmts: Vec<Stmt>,
    /// Every comment, in source order.
    pub comments: Vec<Comment>,
}

/// A run of `//` comment lines merged into one (Kapacitor `tick/ast/lex.go` `lexComment`). `text`
/// holds each line without `//`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// Each line's text, without `//`.
    pub lines: Vec<String>,
    /// Where it is in the script.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
/// One statement of a script.
pub enum Stmt {
    /// `dbrp "db"."rp"`
    Dbrp {
        /// The database.
        db: Reference,
        /// The retention policy.
        rp: Reference,
        /// Where it is in the script.
        span: Span,
    },
    /// `var name = expr`
    Var {
        /// The variable's name.
        name: Ident,
        /// Its value.
        value: Expr,
        /// Where it is in the script.
        span: Span,
    },
    /// `var name type` (template tasks)
    TypedVar {
        /// The name.
        name: Ident,
        /// The type name.
        ty: Ident,
        /// Where it is in the script.
        span: Span,
    },
    /// Any other expression statement: a chain such as `stream|from()...`, or a lone
    /// identifier / literal (Quirk: Kapacitor's `tick/eval.go` `eval` evaluates it and pops the
    /// unused result, so `var d = 1h30m` is `1h` followed by an ignored `30m`).
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
/// An identifier: a variable, node, property or function name.
pub struct Ident {
    /// The name as written.
    pub name: String,
    /// Where it is in the script.
    pub span: Span,
}

/// `"name"`: a field or tag reference; `name` is unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The name, unescaped.
    pub name: String,
    /// Where it is in the script.
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// How a call hangs off the expression before it.
pub enum ChainOp {
    /// `|name(...)`: creates a child node.
    Pipe,
    /// `.name(...)` or `.name`: sets (or reads) a property.
    Dot,
    /// `@name(...)`: a UDF.
    At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// A binary operator.
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Less,
    /// `<=`
    LessEq,
    /// `>`
    Greater,
    /// `>=`
    GreaterEq,
    /// `=~`
    RegexMatch,
    /// `!~`
    RegexNotMatch,
    /// `AND`
    And,
    /// `OR`
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// A unary operator.
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `!`
    Not,
}

#[derive(Debug, Clone, PartialEq)]
/// How a string literal was quoted (kept for `tick fmt`).
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
    /// The called name.
    pub name: Ident,
    /// The arguments, in order.
    pub args: Vec<Expr>,
    /// Span of the whole call, from the name to the closing `)`.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
/// An expression.
pub enum Expr {
    /// An identifier (a variable, or a word such as `TRUE` inside a lambda).
    Ident(Ident),
    /// A field or tag reference `"name"`.
    Reference(Reference),
    /// Integer literal, already decoded (octal when it starts with `0`, as
    /// Kapacitor's `tick/ast/node.go` `newNumber` does: `0644` is 420).
    Int {
        /// The value.
        value: i64,
        /// Where it is in the script.
        span: Span,
    },
    /// Float literal.
    Float {
        /// The value.
        value: f64,
        /// Where it is in the script.
        span: Span,
    },
    /// Duration literal in nanoseconds; `literal` is the source text (`5m`).
    Duration {
        /// The duration in nanoseconds.
        nanos: i64,
        /// The source text.
        literal: String,
        /// Where it is in the script.
        span: Span,
    },
    /// String literal, unescaped.
    String {
        /// The value, unescaped.
        value: String,
        /// How it was quoted.
        quote: StringQuote,
        /// Where it is in the script.
        span: Span,
    },
    /// `TRUE` or `FALSE`.
    Bool {
        /// The value.
        value: bool,
        /// Where it is in the script.
        span: Span,
    },
    /// Regex literal: `pattern` has `\/` already turned into `/`; it compiles with the `regex` crate.
    Regex {
        /// The pattern.
        pattern: String,
        /// Where it is in the script.
        span: Span,
    },
    /// `*` (all tags in `groupBy(*)`).
    Star {
        /// Where it is in the script.
        span: Span,
    },
    /// `[a, 'b', *]`
    List {
        /// The items, in order.
        items: Vec<Expr>,
        /// Where it is in the script.
        span: Span,
    },
    /// `lambda: expr`
    Lambda {
        /// The lambda's expression.
        body: Box<Expr>,
        /// Where it is in the script.
        span: Span,
    },
    /// `-x` or `!x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// What it applies to.
        operand: Box<Expr>,
        /// Where it is in the script.
        span: Span,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
        /// Whether the source wrapped it in parentheses (kept for `tick fmt`).
        parenthesised: bool,
        /// Where it is in the script.
        span: Span,
    },
    /// A global call: `name(args)` as a chain head or inside a lambda.
    Call(Call),
    /// `left|call`, `left.call`, `left@call`. For a property read `.x` (no parentheses)
    /// `call.args` is empty and `property_read` is true.
    Chain {
        /// `|`, `.` or `@`.
        op: ChainOp,
        /// The expression it hangs off.
        left: Box<Expr>,
        /// The call.
        call: Call,
        /// A `.x` read without parentheses.
        property_read: bool,
        /// Where it is in the script.
        span: Span,
    },
}

impl Expr {
    /// Where the expression is in the script.
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
    /// Where the statement is in the script.
    pub fn span(&self) -> Span {
        match self {
            Stmt::Dbrp { span, .. } | Stmt::Var { span, .. } | Stmt::TypedVar { span, .. } => *span,
            Stmt::Expr(e) => e.span(),
        }
    }
}

impl Program {
    /// A copy with every span zeroed and comments dropped: two programs are the same script
    /// when their `without_spans()` are equal (used to prove `tick fmt` keeps meaning).
    pub fn without_spans(&self) -> Program {
        Program {
            stmts: self.stmts.iter().map(Stmt::without_spans).collect(),
            comments: Vec::new(),
        }
    }
}

impl Stmt {
    /// A copy with every span zeroed.
    pub fn without_spans(&self) -> Stmt {
        let z = Span::default();
        match self {
            Stmt::Dbrp { db, rp, .. } => Stmt::Dbrp {
                db: db.without_span(),
                rp: rp.without_span(),
                span: z,
            },
            Stmt::Var { name, value, .. } => Stmt::Var {
                name: name.without_span(),
                value: value.without_spans(),
                span: z,
            },
            Stmt::TypedVar { name, ty, .. } => Stmt::TypedVar {
                name: name.without_span(),
                ty: ty.without_span(),
                span: z,
            },
            Stmt::Expr(e) => Stmt::Expr(e.without_spans()),
        }
    }
}

impl Ident {
    fn without_span(&self) -> Ident {
        Ident {
            name: self.name.clone(),
            span: Span::default(),
        }
    }
}

impl Reference {
    fn without_span(&self) -> Reference {
        Reference {
            name: self.name.clone(),
            span: Span::default(),
        }
    }
}

impl Call {
    fn without_spans(&self) -> Call {
        Call {
            name: self.name.without_span(),
            args: self.args.iter().map(Expr::without_spans).collect(),
            span: Span::default(),
        }
    }
}

impl Expr {
    /// A copy with every span zeroed (recursion depth is bounded by the parser's nesting limit).
    pub fn without_spans(&self) -> Expr {
        let z = Span::default();
        match self {
            Expr::Ident(i) => Expr::Ident(i.without_span()),
            Expr::Reference(r) => Expr::Reference(r.without_span()),
            Expr::Int { value, .. } => Expr::Int {
                value: *value,
                span: z,
            },
            Expr::Float { value, .. } => Expr::Float {
                value: *value,
                span: z,
            },
            Expr::Duration { nanos, literal, .. } => Expr::Duration {
                nanos: *nanos,
                literal: literal.clone(),
                span: z,
            },
            Expr::String { value, quote, .. } => Expr::String {
                value: value.clone(),
                quote: quote.clone(),
                span: z,
            },
            Expr::Bool { value, .. } => Expr::Bool {
                value: *value,
                span: z,
            },
            Expr::Regex { pattern, .. } => Expr::Regex {
                pattern: pattern.clone(),
                span: z,
            },
            Expr::Star { .. } => Expr::Star { span: z },
            Expr::List { items, .. } => Expr::List {
                items: items.iter().map(Expr::without_spans).collect(),
                span: z,
            },
            Expr::Lambda { body, .. } => Expr::Lambda {
                body: Box::new(body.without_spans()),
                span: z,
            },
            Expr::Unary { op, operand, .. } => Expr::Unary {
                op: *op,
                operand: Box::new(operand.without_spans()),
                span: z,
            },
            Expr::Binary {
                op,
                lhs,
                rhs,
                parenthesised,
                ..
            } => Expr::Binary {
                op: *op,
                lhs: Box::new(lhs.without_spans()),
                rhs: Box::new(rhs.without_spans()),
                parenthesised: *parenthesised,
                span: z,
            },
            Expr::Call(c) => Expr::Call(c.without_spans()),
            Expr::Chain {
                op,
                left,
                call,
                property_read,
                ..
            } => Expr::Chain {
                op: *op,
                left: Box::new(left.without_spans()),
                call: call.without_spans(),
                property_read: *property_read,
                span: z,
            },
        }
    }
}

impl BinaryOp {
    /// The operator as written in TICKscript.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Less => "<",
            BinaryOp::LessEq => "<=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterEq => ">=",
            BinaryOp::RegexMatch => "=~",
            BinaryOp::RegexNotMatch => "!~",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
        }
    }

    /// Binding strength (the `precedence` table of Kapacitor's `tick/ast/parser.go`):
    /// `OR` 0, `AND` 1, equality 2, ordering 3, `+ -` 4, `* / %` 5.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 0,
            BinaryOp::And => 1,
            BinaryOp::Eq | BinaryOp::NotEq | BinaryOp::RegexMatch | BinaryOp::RegexNotMatch => 2,
            BinaryOp::Less | BinaryOp::LessEq | BinaryOp::Greater | BinaryOp::GreaterEq => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 5,
        }
    }
}

impl UnaryOp {
    /// The operator as written in TICKscript.
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "!",
        }
    }
}

impl ChainOp {
    /// The operator as written in TICKscript.
    pub fn as_str(self) -> &'static str {
        match self {
            ChainOp::Pipe => "|",
            ChainOp::Dot => ".",
            ChainOp::At => "@",
        }
    }
}
