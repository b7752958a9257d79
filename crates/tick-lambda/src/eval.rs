//! Per-point evaluation of a compiled lambda (Kapacitor `tick/stateful/eval_*_node.go`). Owns
//! reference lookup, the missing-value rules, short-circuit logic and function calls; the operator
//! table itself is in `ops.rs`.

use std::borrow::Cow;

use crate::compile::{CallNode, Compiled, Node};
use crate::error::EvalError;
use crate::functions::{FnEnv, FnState, Func, Imp, arg_f};
use crate::value::{Type, V, Value};
use crate::{MatchEvent, Record, State, gofmt, ops};

/// What references read.
#[derive(Clone, Copy)]
pub(crate) enum Input<'a> {
    Point(&'a dyn Record),
    Event(&'a dyn MatchEvent),
    /// Compile-time folding: nothing to read.
    Nothing,
}

struct Cx<'a, 's> {
    input: Input<'a>,
    slots: &'s mut [FnState],
    env: FnEnv,
    refs: &'a [String],
}

/// Errors are boxed inside the evaluator so the hot `Ok` path moves small values.
type Res<'a> = Result<V<'a>, Box<EvalError>>;

#[cold]
#[inline(never)]
fn err<'a>(e: EvalError) -> Res<'a> {
    Err(Box::new(e))
}

/// The most arguments any function takes; longer calls only ever fail their signature.
const MAX_ARGS: usize = 4;

impl Compiled {
    #[inline]
    fn cx<'a, 's>(&'a self, input: Input<'a>, state: &'s mut State) -> Cx<'a, 's> {
        if state.slots.len() != self.slots.len() {
            self.reset(state);
        }
        Cx {
            input,
            slots: &mut state.slots,
            env: FnEnv { tz: self.tz },
            refs: &self.refs,
        }
    }

    /// A state made for another lambda: start afresh rather than misread it.
    #[cold]
    #[inline(never)]
    fn reset(&self, state: &mut State) {
        *state = self.new_state();
    }

    pub(crate) fn eval(&self, input: Input<'_>, state: &mut State) -> Result<Value, EvalError> {
        let mut cx = self.cx(input, state);
        let v = node(&self.root, &mut cx).map_err(|e| *e)?;
        v.to_value().ok_or_else(|| EvalError::MissingValue {
            name: ref_name(&self.root),
        })
    }

    #[inline]
    pub(crate) fn eval_bool(&self, input: Input<'_>, state: &mut State) -> Result<bool, EvalError> {
        let mut cx = self.cx(input, state);
        match operand_bool(&self.root, &mut cx) {
            Ok(Ok(b)) => Ok(b),
            Ok(Err(v)) => Err(self.not_bool(Ok(v))),
            Err(e) => Err(*e),
        }
    }

    #[cold]
    #[inline(never)]
    fn not_bool(&self, result: Res<'_>) -> EvalError {
        match result {
            Err(e) => *e,
            Ok(V::Missing) => EvalError::MissingReference {
                name: ref_name(&self.root),
            },
            Ok(other) => EvalError::TypeGuard {
                actual: other.ty().name(),
                expected: "boolean",
            },
        }
    }
}

fn ref_name(n: &Node) -> String {
    n.ref_name().unwrap_or_default().to_string()
}

/// Evaluates a node with no input (compile-time folding). `Ok(None)` when it reads the
/// record or state.
pub(crate) fn eval_const(n: &Node, tz: chrono_tz::Tz) -> Result<Option<Value>, EvalError> {
    let mut cx = Cx {
        input: Input::Nothing,
        slots: &mut [],
        env: FnEnv { tz },
        refs: &[],
    };
    match node(n, &mut cx) {
        Ok(v) => Ok(v.to_value()),
        Err(e) => match *e {
            EvalError::NotConstant { .. } => Ok(None),
            e => Err(e),
        },
    }
}

#[cold]
#[inline(never)]
fn clash<'a>(name: &str) -> Res<'a> {
    err(EvalError::FieldTagClash {
        name: name.to_string(),
    })
}

#[inline]
fn lookup<'a>(name: &'a str, input: Input<'a>) -> Res<'a> {
    match input {
        Input::Point(rec) => match rec.field_and_tag(name) {
            (Some(f), None) => Ok(V::from_field(f)),
            (None, Some(t)) => Ok(V::Str(Cow::Borrowed(t))),
            (None, None) => Ok(V::Missing),
            (Some(_), Some(_)) => clash(name),
        },
        Input::Event(ev) => match ev.tag(name) {
            Some(t) => Ok(V::Str(Cow::Borrowed(t))),
            None => err(EvalError::NoTag {
                name: name.to_string(),
            }),
        },
        Input::Nothing => err(EvalError::NotConstant { what: "reference" }),
    }
}

/// Dispatches on the node kind. Kept small so the frequent kinds (constants, references,
/// comparisons) pay no set-up for the rare ones.
#[inline]
fn node<'a>(n: &'a Node, cx: &mut Cx<'a, '_>) -> Res<'a> {
    match n {
        Node::Const(v) => Ok(v.as_v()),
        Node::Ref(name) => lookup(name, cx.input),
        Node::CmpConst(op, l, k) => cmp_const(*op, l, k, cx).map(V::Bool),
        Node::Binary(op, l, r) => binary(*op, l, r, cx),
        Node::Logical(op, l, r) => logical(*op, l, r, cx).map(V::Bool),
        Node::Call(c) => call(c, cx),
        _ => unary_or_time(n, cx),
    }
}

#[inline(never)]
fn binary<'a>(op: ast_op::BinaryOp, l: &'a Node, r: &'a Node, cx: &mut Cx<'a, '_>) -> Res<'a> {
    let lv = node(l, cx)?;
    let rv = node(r, cx)?;
    if matches!(lv, V::Missing) || matches!(rv, V::Missing) {
        return err(missing_operand(op, l, r, &lv, &rv));
    }
    ops::apply(op, lv, rv)
}

fn cmp_const<'a>(
    op: ast_op::BinaryOp,
    l: &'a Node,
    k: &'a Value,
    cx: &mut Cx<'a, '_>,
) -> Result<bool, Box<EvalError>> {
    let lv = node(l, cx)?;
    Ok(match (&lv, k) {
        (V::Float(x), Value::Float(y)) => ops::cmp(op, *x, *y),
        (V::Float(x), Value::Int(y)) => ops::cmp(op, *x, *y as f64),
        (V::Int(x), Value::Int(y)) => ops::cmp(op, *x, *y),
        (V::Int(x), Value::Float(y)) => ops::cmp(op, *x as f64, *y),
        (V::Str(x), Value::String(y)) => ops::cmp(op, x.as_ref(), y.as_str()),
        (V::Missing, _) => return Err(missing_side("left", l)),
        _ => match ops::apply(op, lv, k.as_v())? {
            V::Bool(b) => b,
            other => {
                return Err(Box::new(EvalError::TypeGuard {
                    actual: other.ty().name(),
                    expected: "boolean",
                }));
            }
        },
    })
}

#[inline(never)]
fn unary_or_time<'a>(n: &'a Node, cx: &mut Cx<'a, '_>) -> Res<'a> {
    match n {
        Node::Time => match cx.input {
            Input::Point(rec) => Ok(V::Time(rec.time())),
            _ => err(EvalError::NotConstant { what: "reference" }),
        },
        Node::Neg(x) => match node(x, cx)? {
            V::Int(i) => Ok(V::Int(i.wrapping_neg())),
            V::Float(f) => Ok(V::Float(-f)),
            V::Dur(d) => Ok(V::Dur(d.wrapping_neg())),
            // Quirk: unary minus on a boolean is logical not (Kapacitor's
            // `eval_unary_node.go` `EvalUnaryNode.EvalBool` ignores the operator).
            V::Bool(b) => Ok(V::Bool(!b)),
            V::Missing => err(EvalError::MissingReference { name: ref_name(x) }),
            // Quirk (Kapacitor `EvalUnaryNode.EvalString`): the requested type reads `string`,
            // and a value that was not a literal reports `invalid type`.
            other => err(EvalError::TypeGuard {
                actual: if matches!(**x, Node::Const(_)) {
                    other.ty().name()
                } else {
                    "invalid type"
                },
                expected: "string",
            }),
        },
        Node::Not(x) => match node(x, cx)? {
            V::Bool(b) => Ok(V::Bool(!b)),
            V::Missing => err(EvalError::MissingReference { name: ref_name(x) }),
            other => err(EvalError::TypeGuard {
                actual: other.ty().name(),
                expected: "boolean",
            }),
        },
        _ => node(n, cx),
    }
}

/// The message for a missing operand (Kapacitor `eval_binary_node.go` `determineError`): math
/// operators report it as a type
/// error with type `missing`, the others name the reference and its side.
fn missing_operand(op: ast_op::BinaryOp, l: &Node, r: &Node, lv: &V<'_>, rv: &V<'_>) -> EvalError {
    if ops::is_math(op) {
        ops::type_error(op, lv.ty(), rv.ty())
    } else if matches!(lv, V::Missing) {
        EvalError::MissingOperand {
            side: "left",
            name: ref_name(l),
        }
    } else {
        EvalError::MissingOperand {
            side: "right",
            name: ref_name(r),
        }
    }
}

mod ast_op {
    pub(crate) use tick_syntax::ast::BinaryOp;
}

/// AND / OR: left to right with short-circuit, but the right operand's type is worked out
/// first, as Kapacitor's `EvalBinaryNode.EvalBool` does for an operand that is not constant
/// (`evaluateDynamicNode` in tick/stateful/eval_binary_node.go at v1.5.7 asks both operands
/// for their `Type`): a missing reference, or a call whose arguments are missing or fit no
/// signature, is an error even when the left operand decides (`FALSE AND "missing"`,
/// `TRUE OR strContains("missing", 'x')`), and the point is dropped. A comparison is boolean
/// whatever its operands, so `FALSE AND "missing" > 1` is false. Nothing is called for this.
fn logical<'a>(
    op: ast_op::BinaryOp,
    l: &'a Node,
    r: &'a Node,
    cx: &mut Cx<'a, '_>,
) -> Result<bool, Box<EvalError>> {
    let is_and = op == ast_op::BinaryOp::And;
    let left = match operand_bool(l, cx)? {
        Ok(b) => b,
        Err(V::Missing) => return Err(missing_side("left", l)),
        Err(other) => return Err(Box::new(ops::type_error(op, other.ty(), Type::Bool))),
    };
    if left != is_and {
        // FALSE AND x, TRUE OR x: x is not evaluated, but its type must be known.
        return match operand_type(r, cx)? {
            Type::Bool => Ok(left),
            Type::Missing => Err(missing_side("right", r)),
            other => Err(Box::new(ops::type_error(op, Type::Bool, other))),
        };
    }
    let right = match operand_bool(r, cx)? {
        Ok(b) => b,
        Err(V::Missing) => return Err(missing_side("right", r)),
        Err(other) => return Err(Box::new(ops::type_error(op, Type::Bool, other.ty()))),
    };
    Ok(if is_and { left && right } else { left || right })
}

/// The type `n` would evaluate to, found as Kapacitor's `Type` methods find it: references are
/// looked up (a missing one gives `Missing`, for the caller to report), operators and function
/// signatures are checked against their operands' types, and nothing is called.
#[cold]
#[inline(never)]
fn operand_type<'a>(n: &'a Node, cx: &mut Cx<'a, '_>) -> Result<Type, Box<EvalError>> {
    /// A stand-in value of a type, for checking an operator (1, not 0: `/` and `%` by zero
    /// are errors of values, not of types).
    fn sample(t: Type) -> Option<V<'static>> {
        Some(match t {
            Type::Float => V::Float(1.0),
            Type::Int => V::Int(1),
            Type::String => V::Str(Cow::Borrowed("")),
            Type::Bool => V::Bool(true),
            Type::Duration => V::Dur(1),
            Type::Time => V::Time(1),
            Type::Regex | Type::Missing => return None,
        })
    }
    fn operator(op: ast_op::BinaryOp, l: Type, r: Type) -> Result<Type, Box<EvalError>> {
        match (sample(l), sample(r)) {
            (Some(lv), Some(rv)) => ops::apply(op, lv, rv).map(|v| v.ty()),
            // Regex matches: a boolean when the operator takes a regex.
            _ => Ok(Type::Bool),
        }
    }
    Ok(match n {
        Node::Const(v) => v.as_v().ty(),
        Node::Ref(name) => match lookup(name, cx.input)? {
            V::Missing => return Err(missing_side("right", n)),
            v => v.ty(),
        },
        Node::Time => Type::Time,
        Node::Neg(x) => operand_type(x, cx)?,
        // Comparisons, AND/OR and NOT are booleans whatever their operands
        // (`getConstantNodeType`, tick/stateful/node_evaluator.go): their operands are not
        // looked at.
        Node::Not(_) | Node::Logical(..) | Node::CmpConst(..) => Type::Bool,
        Node::Binary(op, _, _) if !ops::is_math(*op) => Type::Bool,
        Node::Binary(op, l, r) => {
            let (lt, rt) = (operand_type(l, cx)?, operand_type(r, cx)?);
            operator(*op, lt, rt)?
        }
        Node::Call(c) => {
            let mut types = Vec::with_capacity(c.args.len());
            for a in &c.args {
                types.push(operand_type(a, cx)?);
            }
            match c.func.find_sig(types.iter().copied()) {
                Some(sig) => sig.1,
                None => {
                    let values: Vec<V<'_>> = types
                        .iter()
                        .map(|t| sample(*t).unwrap_or(V::Missing))
                        .collect();
                    return Err(Box::new(signature_error(
                        c.func, &c.args, &values, cx.env.tz,
                    )));
                }
            }
        }
    })
}

#[cold]
#[inline(never)]
fn missing_side(side: &'static str, n: &Node) -> Box<EvalError> {
    Box::new(EvalError::MissingOperand {
        side,
        name: ref_name(n),
    })
}

/// Evaluates an operand that should be boolean: `Ok(Ok(b))`, or the other value in
/// `Ok(Err(v))`. Comparisons and AND/OR answer without building a value.
#[inline]
fn operand_bool<'a>(
    n: &'a Node,
    cx: &mut Cx<'a, '_>,
) -> Result<Result<bool, V<'a>>, Box<EvalError>> {
    Ok(match n {
        Node::CmpConst(op, l, k) => Ok(cmp_const(*op, l, k, cx)?),
        Node::Logical(op, l, r) => Ok(logical(*op, l, r, cx)?),
        n => match node(n, cx)? {
            V::Bool(b) => Ok(b),
            other => Err(other),
        },
    })
}

#[inline(never)]
fn call<'a>(c: &'a CallNode, cx: &mut Cx<'a, '_>) -> Res<'a> {
    let n = c.args.len();
    if n > MAX_ARGS {
        let mut values = Vec::with_capacity(n);
        for a in &c.args {
            values.push(eval_arg(c, a, cx)?);
        }
        return err(signature_error(c.func, &c.args, &values, cx.env.tz));
    }
    let mut buf: [V<'a>; MAX_ARGS] = [V::Missing, V::Missing, V::Missing, V::Missing];
    for (slot, a) in buf.iter_mut().zip(&c.args) {
        *slot = eval_arg(c, a, cx)?;
    }
    let args = &mut buf[..n];
    let Some(sig) = c.func.find_sig(args.iter().map(V::ty)) else {
        return err(signature_error(c.func, &c.args, args, cx.env.tz));
    };
    match c.func.imp {
        Imp::Pure(f) => {
            let result = f(args, &cx.env);
            debug_assert!(
                result.as_ref().map_or(true, |v| v.ty() == sig.1),
                "{} result type",
                c.func.name
            );
            result.map_err(|message| {
                Box::new(EvalError::Call {
                    func: c.func.name,
                    message,
                })
            })
        }
        Imp::Stateful(kind) => {
            let Some(state) = cx.slots.get_mut(c.slot) else {
                return err(EvalError::NotConstant {
                    what: "stateful function",
                });
            };
            use crate::functions::StatefulKind as K;
            Ok(match kind {
                K::Count => V::Int(state.count()),
                K::Sigma => V::Float(state.sigma(arg_f(args, 0))),
                K::Spread => V::Float(state.spread(arg_f(args, 0))),
            })
        }
        Imp::Now => match cx.input {
            Input::Nothing => err(EvalError::NotConstant {
                what: "function call",
            }),
            _ => Ok(V::Time(
                chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX),
            )),
        },
        Imp::Event(kind) => {
            let Input::Event(ev) = cx.input else {
                return err(EvalError::UndefinedFunction {
                    name: c.func.name.to_string(),
                });
            };
            use crate::functions::EventKind as K;
            Ok(match kind {
                K::Changed => V::Bool(ev.changed()),
                K::Level => V::Int(ev.level()),
                K::Name => V::Str(Cow::Borrowed(ev.name())),
                K::TaskName => V::Str(Cow::Borrowed(ev.task_name())),
                K::Duration => V::Dur(ev.duration()),
            })
        }
    }
}

/// Evaluates one argument; a missing reference is an error except for `isPresent`.
fn eval_arg<'a>(c: &'a CallNode, a: &'a Node, cx: &mut Cx<'a, '_>) -> Res<'a> {
    let v = node(a, cx)?;
    if matches!(v, V::Missing) && c.func.name != "isPresent" {
        let in_scope: Vec<String> = cx
            .refs
            .iter()
            .filter(|r| matches!(lookup(r, cx.input), Ok(v) if !matches!(v, V::Missing)))
            .map(|r| format!("\"{r}\""))
            .collect();
        return err(EvalError::MissingArgument {
            func: c.func.name,
            arg: ref_name(a),
            in_scope: in_scope.join(", "),
        });
    }
    Ok(v)
}

/// `Cannot call function "abs" with args ("i": int), available signatures are [(float)].`
pub(crate) fn signature_error(
    func: &'static Func,
    nodes: &[Node],
    values: &[V<'_>],
    tz: chrono_tz::Tz,
) -> EvalError {
    let args: Vec<String> = nodes
        .iter()
        .zip(values)
        .map(|(n, v)| match n.ref_name() {
            Some(name) => format!("\"{name}\": {}", v.ty().name()),
            None => format!("{}: {}", gofmt::value_v(v, tz), v.ty().name()),
        })
        .collect();
    EvalError::Signature {
        func: func.name,
        args: args.join(","),
        available: func.signature_list(),
    }
}
