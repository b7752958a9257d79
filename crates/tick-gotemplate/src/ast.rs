//! The parsed form of a template: a tree of text, actions and control structures with byte
//! offsets into the source. Also prints nodes back as template text for error contexts.

use std::fmt::{self, Write as _};

use crate::builtins::Builtin;
use crate::html::Escaper;

/// A sequence of nodes.
pub(crate) type List = Vec<Node>;

#[derive(Clone, Debug)]
pub(crate) enum Node {
    Text(String),
    /// `{{ pipeline }}`; prints unless the pipeline declares or assigns variables. In an
    /// html/template, the escapers its output goes through (empty until escaped).
    Action(Pipe, Vec<Escaper>),
    If(Branch),
    With(Branch),
    Range(Box<RangeNode>),
    /// `{{break}}` at a byte offset.
    Break(usize),
    /// `{{continue}}` at a byte offset.
    Continue(usize),
}

#[derive(Clone, Debug)]
pub(crate) struct Branch {
    pub(crate) pipe: Pipe,
    pub(crate) list: List,
    pub(crate) else_list: Option<List>,
    /// Number of variables in scope before the pipeline's declarations, restored at the end.
    pub(crate) vars_before: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct RangeNode {
    pub(crate) branch: Branch,
}

/// `$a, $b := cmd | cmd`.
#[derive(Clone, Debug)]
pub(crate) struct Pipe {
    pub(crate) pos: usize,
    /// Variable slots declared (`:=`) or assigned (`=`).
    pub(crate) decl: Vec<VarRef>,
    pub(crate) is_assign: bool,
    pub(crate) cmds: Vec<Command>,
}

#[derive(Clone, Debug)]
pub(crate) struct VarRef {
    pub(crate) name: String,
    pub(crate) slot: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Command {
    pub(crate) pos: usize,
    pub(crate) args: Vec<Arg>,
}

#[derive(Clone, Debug)]
pub(crate) enum Arg {
    /// `.` alone.
    Dot(usize),
    /// `.A.B` on dot.
    Field(usize, Vec<String>),
    /// `$x.A.B` (empty chain for `$x`).
    Variable(usize, VarRef, Vec<String>),
    /// `(pipeline).A.B` or another operand followed by fields.
    Chain(usize, Box<Arg>, Vec<String>),
    Pipe(usize, Box<Pipe>),
    Func(usize, Func),
    Bool(usize, bool),
    Nil(usize),
    Number(usize, Number),
    Str(usize, String, String),
}

#[derive(Clone, Debug)]
pub(crate) enum Func {
    Builtin(Builtin, String),
    Custom(String),
}

impl Func {
    pub(crate) fn name(&self) -> &str {
        match self {
            Func::Builtin(_, n) | Func::Custom(n) => n,
        }
    }
}

/// A number constant with the original text (printed back in error contexts).
#[derive(Clone, Debug)]
pub(crate) struct Number {
    pub(crate) text: String,
    pub(crate) kind: NumberKind,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum NumberKind {
    Int(i64),
    Float(f64),
    /// Too large for `int`: Go fails with `<text> overflows int` when it is used.
    Overflow,
}

impl Arg {
    pub(crate) fn pos(&self) -> usize {
        match self {
            Arg::Dot(p)
            | Arg::Field(p, _)
            | Arg::Variable(p, _, _)
            | Arg::Chain(p, _, _)
            | Arg::Pipe(p, _)
            | Arg::Func(p, _)
            | Arg::Bool(p, _)
            | Arg::Nil(p)
            | Arg::Number(p, _)
            | Arg::Str(p, _, _) => *p,
        }
    }
}

fn write_fields(f: &mut fmt::Formatter<'_>, fields: &[String]) -> fmt::Result {
    for name in fields {
        f.write_char('.')?;
        f.write_str(name)?;
    }
    Ok(())
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Dot(_) => f.write_char('.'),
            Arg::Field(_, fields) => write_fields(f, fields),
            Arg::Variable(_, v, fields) => {
                f.write_str(&v.name)?;
                write_fields(f, fields)
            }
            Arg::Chain(_, inner, fields) => {
                if let Arg::Pipe(_, p) = inner.as_ref() {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{inner}")?;
                }
                write_fields(f, fields)
            }
            Arg::Pipe(_, p) => write!(f, "({p})"),
            Arg::Func(_, func) => f.write_str(func.name()),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Number(_, n) => f.write_str(&n.text),
            Arg::Str(_, quoted, _) => f.write_str(quoted),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(&v.name)?;
            }
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}
