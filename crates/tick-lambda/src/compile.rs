//! Lambda compilation: syntax tree → [`Node`] tree (Kapacitor `tick/eval.go` `resolveIdents`,
//! `tick/stateful/expr.go` `NewExpression`). Owns variable inlining,
//! reference collection, constant folding, compile-time type and signature errors, and the
//! nesting-depth limit. Evaluation lives in `eval.rs`.

use std::sync::Arc;

use tick_syntax::Span;
use tick_syntax::ast::{self, BinaryOp, UnaryOp};

use crate::State;
use crate::error::{EvalError, LambdaError};
use crate::functions::{self, FnState, Func, Imp};
use crate::value::{V, Value};
use crate::vars::{CompileOptions, VarValue, Vars};

/// Deepest expression (including spliced lambda variables) a lambda may have. Keeps both
/// compilation and evaluation far from the stack limit.
pub(crate) const MAX_DEPTH: usize = 200;

/// What identifiers and references mean.
#[derive(Clone, Copy)]
pub(crate) enum Mode<'v> {
    /// A pipeline lambda: identifiers are script variables; references read the point.
    Point(&'v Vars),
    /// A topic-handler match expression: `OK`..`CRITICAL` identifiers; references read tags.
    Match,
}

/// A compiled expression node.
#[derive(Debug)]
pub(crate) enum Node {
    Const(Value),
    /// A field or tag (a tag only, in match mode).
    Ref(Box<str>),
    /// `"time"`: the point's timestamp.
    Time,
    Neg(Box<Node>),
    Not(Box<Node>),
    /// Any binary operator but AND/OR.
    Binary(BinaryOp, Box<Node>, Box<Node>),
    /// A comparison (`== != < <= > >=`) with a constant right operand: the common
    /// `"usage_idle" < 10` shape, evaluated without the general operator table.
    CmpConst(BinaryOp, Box<Node>, Value),
    /// AND / OR, short-circuit.
    Logical(BinaryOp, Box<Node>, Box<Node>),
    Call(Box<CallNode>),
}

#[derive(Debug)]
pub(crate) struct CallNode {
    pub(crate) func: &'static Func,
    pub(crate) args: Vec<Node>,
    /// State slot of a stateful call.
    pub(crate) slot: usize,
}

impl Node {
    /// The reference name when this node reads a field/tag (used in missing-value messages).
    pub(crate) fn ref_name(&self) -> Option<&str> {
        match self {
            Node::Ref(n) => Some(n),
            Node::Time => Some("time"),
            _ => None,
        }
    }
}

/// A compiled lambda.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) root: Node,
    pub(crate) refs: Vec<String>,
    pub(crate) tz: chrono_tz::Tz,
    pub(crate) slots: Vec<FnState>,
}

impl Compiled {
    pub(crate) fn new_state(&self) -> State {
        State {
            slots: self.slots.clone(),
        }
    }

    pub(crate) fn constant(&self) -> Option<&Value> {
        match &self.root {
            Node::Const(v) => Some(v),
            _ => None,
        }
    }
}

struct Compiler<'v> {
    mode: Mode<'v>,
    refs: Vec<String>,
    slots: Vec<FnState>,
    errors: Vec<LambdaError>,
    tz: chrono_tz::Tz,
}

pub(crate) fn compile(
    expr: &ast::Expr,
    mode: Mode<'_>,
    opts: &CompileOptions,
) -> Result<Compiled, Vec<LambdaError>> {
    let mut c = Compiler {
        mode,
        refs: Vec::new(),
        slots: Vec::new(),
        errors: Vec::new(),
        tz: opts.tz,
    };
    let body = match expr {
        ast::Expr::Lambda { body, .. } => body,
        e => e,
    };
    let root = c.expr(body, 0);
    match root {
        Some(root) if c.errors.is_empty() => Ok(Compiled {
            root,
            refs: c.refs,
            tz: c.tz,
            slots: c.slots,
        }),
        _ => Err(c.errors),
    }
}

impl Compiler<'_> {
    fn error(&mut self, span: Span, error: EvalError) -> Option<Node> {
        self.errors.push(LambdaError::new(span, error));
        None
    }

    fn expr(&mut self, e: &ast::Expr, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return self.error(e.span(), EvalError::TooDeep { limit: MAX_DEPTH });
        }
        match e {
            ast::Expr::Int { value, .. } => Some(Node::Const(Value::Int(*value))),
            ast::Expr::Float { value, .. } => Some(Node::Const(Value::Float(*value))),
            ast::Expr::Duration { nanos, .. } => Some(Node::Const(Value::Duration(*nanos))),
            ast::Expr::String { value, .. } => Some(Node::Const(Value::String(value.clone()))),
            ast::Expr::Bool { value, .. } => Some(Node::Const(Value::Bool(*value))),
            ast::Expr::Regex { pattern, span } => match crate::re2::compile_regex(pattern) {
                Ok(re) => Some(Node::Const(Value::Regex(Arc::new(re)))),
                Err(err) => self.error(
                    *span,
                    EvalError::RegexSyntax {
                        message: regex_message(&err),
                    },
                ),
            },
            ast::Expr::Reference(r) => Some(self.reference(&r.name)),
            ast::Expr::Ident(id) => self.ident(id, depth),
            ast::Expr::Unary { op, operand, span } => {
                let inner = self.expr(operand, depth + 1)?;
                let node = match op {
                    UnaryOp::Neg => Node::Neg(Box::new(inner)),
                    UnaryOp::Not => Node::Not(Box::new(inner)),
                };
                self.fold(node, *span)
            }
            ast::Expr::Binary {
                op, lhs, rhs, span, ..
            } => {
                let l = self.expr(lhs, depth + 1);
                let r = self.expr(rhs, depth + 1);
                let (l, r) = (Box::new(l?), Box::new(r?));
                let node = match op {
                    BinaryOp::And | BinaryOp::Or => Node::Logical(*op, l, r),
                    _ => Node::Binary(*op, l, r),
                };
                self.fold(node, *span)
            }
            ast::Expr::Call(call) => self.call(call, depth),
            ast::Expr::Star { span } => {
                self.error(*span, EvalError::UnsupportedSyntax { what: "star" })
            }
            ast::Expr::List { span, .. } => {
                self.error(*span, EvalError::UnsupportedSyntax { what: "list" })
            }
            ast::Expr::Lambda { span, .. } => self.error(
                *span,
                EvalError::UnsupportedSyntax {
                    what: "nested lambda",
                },
            ),
            ast::Expr::Chain { span, .. } => self.error(
                *span,
                EvalError::UnsupportedSyntax {
                    what: "pipeline chain",
                },
            ),
        }
    }

    fn reference(&mut self, name: &str) -> Node {
        if matches!(self.mode, Mode::Point(_)) && name == "time" {
            return Node::Time;
        }
        if !self.refs.iter().any(|r| r == name) {
            self.refs.push(name.to_string());
        }
        Node::Ref(name.into())
    }

    fn ident(&mut self, id: &ast::Ident, depth: usize) -> Option<Node> {
        let vars = match self.mode {
            Mode::Match => {
                let level = match id.name.as_str() {
                    "OK" => 0,
                    "INFO" => 1,
                    "WARNING" => 2,
                    "CRITICAL" => 3,
                    _ => {
                        return self.error(
                            id.span,
                            EvalError::UnknownIdentifier {
                                name: id.name.clone(),
                            },
                        );
                    }
                };
                return Some(Node::Const(Value::Int(level)));
            }
            Mode::Point(vars) => vars,
        };
        match vars.get(&id.name) {
            Some(VarValue::Value(v)) => Some(Node::Const(v.clone())),
            Some(VarValue::Lambda(body)) => {
                let body = match body {
                    ast::Expr::Lambda { body, .. } => body.as_ref(),
                    e => e,
                };
                self.expr(body, depth + 1)
            }
            Some(other) => {
                let ty = other.type_name();
                self.error(
                    id.span,
                    EvalError::UnsupportedVariable {
                        name: id.name.clone(),
                        ty,
                    },
                )
            }
            None => {
                let in_scope = vars.names().collect::<Vec<_>>().join(",");
                self.error(
                    id.span,
                    EvalError::UndefinedName {
                        name: id.name.clone(),
                        in_scope,
                    },
                )
            }
        }
    }

    fn call(&mut self, call: &ast::Call, depth: usize) -> Option<Node> {
        let name = call.name.name.as_str();
        let Some(func) = functions::lookup(name, matches!(self.mode, Mode::Match)) else {
            return self.error(
                call.name.span,
                EvalError::UndefinedFunction {
                    name: name.to_string(),
                },
            );
        };
        let mut args = Vec::with_capacity(call.args.len());
        let mut ok = true;
        for a in &call.args {
            match self.expr(a, depth + 1) {
                Some(n) => args.push(n),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let all_const = args.iter().all(|a| matches!(a, Node::Const(_)));
        if all_const {
            let values: Vec<V<'_>> = args
                .iter()
                .map(|a| match a {
                    Node::Const(v) => v.as_v(),
                    _ => V::Missing,
                })
                .collect();
            if func.find_sig(values.iter().map(V::ty)).is_none() {
                let err = crate::eval::signature_error(func, &args, &values, self.tz);
                return self.error(call.span, err);
            }
        }
        let slot = match func.imp {
            Imp::Stateful(kind) => {
                self.slots.push(FnState::new(kind));
                self.slots.len() - 1
            }
            _ => 0,
        };
        let node = Node::Call(Box::new(CallNode { func, args, slot }));
        if all_const && func.is_pure() {
            // Fold; a call-time error (e.g. `int('x')`) stays a per-evaluation error.
            if let Ok(Some(v)) = crate::eval::eval_const(&node, self.tz) {
                return Some(Node::Const(v));
            }
        }
        Some(node)
    }

    /// Folds a unary or binary node whose operands are constants. Operator type errors become
    /// compile errors; an integer division by zero stays a per-evaluation error.
    fn fold(&mut self, node: Node, span: Span) -> Option<Node> {
        let constant = match &node {
            Node::Neg(x) | Node::Not(x) => matches!(**x, Node::Const(_)),
            Node::Binary(_, l, r) | Node::Logical(_, l, r) => {
                matches!(**l, Node::Const(_)) && matches!(**r, Node::Const(_))
            }
            _ => false,
        };
        if !constant {
            return Some(specialise(node));
        }
        match crate::eval::eval_const(&node, self.tz) {
            Ok(Some(v)) => Some(Node::Const(v)),
            Ok(None) | Err(EvalError::IntegerDivideByZero) => Some(node),
            Err(e) => self.error(span, e),
        }
    }
}

/// Rewrites `x < 10`-like comparisons into [`Node::CmpConst`].
fn specialise(node: Node) -> Node {
    match node {
        Node::Binary(op, l, r)
            if matches!(
                op,
                BinaryOp::Eq
                    | BinaryOp::NotEq
                    | BinaryOp::Less
                    | BinaryOp::LessEq
                    | BinaryOp::Greater
                    | BinaryOp::GreaterEq
            ) && matches!(*r, Node::Const(_)) =>
        {
            match *r {
                Node::Const(k) => Node::CmpConst(op, l, k),
                r => Node::Binary(op, l, Box::new(r)),
            }
        }
        n => n,
    }
}

/// The regex crate's message without its multi-line caret drawing.
fn regex_message(err: &regex::Error) -> String {
    let text = err.to_string();
    match text.lines().rev().find(|l| l.starts_with("error: ")) {
        Some(l) => l.trim_start_matches("error: ").to_string(),
        None => text.lines().last().unwrap_or_default().to_string(),
    }
}

/// [`crate::eval_constant`]: the stricter top-level unary rule, else the lambda evaluator.
pub(crate) fn eval_constant(
    expr: &ast::Expr,
    vars: &Vars,
    depth: usize,
) -> Result<Value, LambdaError> {
    if depth > MAX_DEPTH {
        return Err(LambdaError::new(
            expr.span(),
            EvalError::TooDeep { limit: MAX_DEPTH },
        ));
    }
    match expr {
        ast::Expr::Unary { op, operand, span } => {
            let v = eval_constant(operand, vars, depth + 1)?;
            let bad = |op: &'static str, v: &Value| {
                LambdaError::new(
                    *span,
                    EvalError::InvalidTopLevelUnary {
                        op,
                        value: v.to_string(),
                    },
                )
            };
            match (op, v) {
                (UnaryOp::Neg, Value::Int(i)) => Ok(Value::Int(i.wrapping_neg())),
                (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
                (UnaryOp::Neg, Value::Duration(d)) => Ok(Value::Duration(d.wrapping_neg())),
                (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
                (UnaryOp::Neg, v) => Err(bad("-", &v)),
                (UnaryOp::Not, v) => Err(bad("!", &v)),
            }
        }
        e => {
            if let Some((span, what)) = non_constant(e, 0) {
                return Err(LambdaError::new(span, EvalError::NotConstant { what }));
            }
            let compiled =
                compile(e, Mode::Point(vars), &CompileOptions::default()).map_err(|errs| {
                    errs.into_iter().next().unwrap_or_else(|| {
                        LambdaError::new(e.span(), EvalError::NotConstant { what: "expression" })
                    })
                })?;
            if let Some(v) = compiled.constant() {
                return Ok(v.clone());
            }
            // Not folded: only a runtime error such as an integer division by zero is left.
            match crate::eval::eval_const(&compiled.root, compiled.tz) {
                Ok(Some(v)) => Ok(v),
                Ok(None) => Err(LambdaError::new(
                    e.span(),
                    EvalError::NotConstant { what: "reference" },
                )),
                Err(err) => Err(LambdaError::new(e.span(), err)),
            }
        }
    }
}

/// The first reference or call in a top-level expression.
fn non_constant(e: &ast::Expr, depth: usize) -> Option<(Span, &'static str)> {
    if depth > MAX_DEPTH {
        return None;
    }
    match e {
        ast::Expr::Reference(r) => Some((r.span, "reference")),
        ast::Expr::Call(c) => Some((c.span, "function call")),
        ast::Expr::Unary { operand, .. } => non_constant(operand, depth + 1),
        ast::Expr::Binary { lhs, rhs, .. } => {
            non_constant(lhs, depth + 1).or_else(|| non_constant(rhs, depth + 1))
        }
        _ => None,
    }
}
