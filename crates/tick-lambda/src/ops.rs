//! Binary operators and their exact type table (Kapacitor `tick/stateful/evaluation_funcs.go`,
//! messages from `eval_binary_node.go` `determineError`). Owns operator results and
//! operator error messages; knows nothing of references or the record.

use std::borrow::Cow;

use tick_syntax::ast::BinaryOp;

use crate::error::EvalError;
use crate::value::{Type, V};

pub(crate) fn is_math(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
    )
}

fn kind(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::And | BinaryOp::Or => "logical",
        _ if is_math(op) => "math",
        _ => "comparison",
    }
}

/// Whether `ty` appears on either side of some valid pair for `op`: Kapacitor derives the
/// "invalid operator for type" check from its table this way.
fn type_has_operator(op: BinaryOp, ty: Type) -> bool {
    use BinaryOp::*;
    use Type::*;
    match op {
        Add => matches!(ty, Int | Float | String | Duration),
        Sub | Mul | Div => matches!(ty, Int | Float | Duration),
        Mod => ty == Int,
        Less | LessEq | Greater | GreaterEq => matches!(ty, Int | Float | String | Duration),
        Eq | NotEq => matches!(ty, Int | Float | String | Duration | Bool),
        RegexMatch | RegexNotMatch => matches!(ty, String | Regex),
        And | Or => ty == Bool,
    }
}

/// The error for a pair of operand types the table does not accept.
pub(crate) fn type_error(op: BinaryOp, left: Type, right: Type) -> EvalError {
    if !type_has_operator(op, left) {
        EvalError::InvalidOperator {
            kind: kind(op),
            op: op.as_str(),
            ty: left.name(),
        }
    } else {
        EvalError::TypeMismatch {
            left: left.name(),
            op: op.as_str(),
            right: right.name(),
        }
    }
}

/// Go's float64 → int64 conversion on amd64: out of range and NaN give i64::MIN.
pub(crate) fn go_f64_to_i64(x: f64) -> i64 {
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x) {
        i64::MIN
    } else {
        x as i64
    }
}

pub(crate) fn cmp<T: PartialOrd>(op: BinaryOp, a: T, b: T) -> bool {
    match op {
        BinaryOp::Less => a < b,
        BinaryOp::LessEq => a <= b,
        BinaryOp::Greater => a > b,
        BinaryOp::GreaterEq => a >= b,
        BinaryOp::Eq => a == b,
        _ => a != b,
    }
}

/// Applies a binary operator to two present values (AND/OR included, without
/// short-circuit: the caller handles that). Missing operands are the caller's job too.
#[inline]
pub(crate) fn apply<'a>(op: BinaryOp, l: V<'a>, r: V<'a>) -> Result<V<'a>, Box<EvalError>> {
    // Numbers first: the common case, dispatched on the operand types before the operator.
    match (&l, &r) {
        (V::Float(a), V::Float(b)) => float_op(op, *a, *b),
        (V::Int(a), V::Int(b)) => int_op(op, *a, *b),
        (V::Int(a), V::Float(b)) if is_comparison(op) => Ok(V::Bool(cmp(op, *a as f64, *b))),
        (V::Float(a), V::Int(b)) if is_comparison(op) => Ok(V::Bool(cmp(op, *a, *b as f64))),
        _ => apply_other(op, l, r),
    }
}

fn float_op<'a>(op: BinaryOp, a: f64, b: f64) -> Result<V<'a>, Box<EvalError>> {
    use BinaryOp::*;
    Ok(match op {
        Add => V::Float(a + b),
        Sub => V::Float(a - b),
        Mul => V::Float(a * b),
        Div => V::Float(a / b),
        Less | LessEq | Greater | GreaterEq | Eq | NotEq => V::Bool(cmp(op, a, b)),
        _ => return Err(Box::new(type_error(op, Type::Float, Type::Float))),
    })
}

fn int_op<'a>(op: BinaryOp, a: i64, b: i64) -> Result<V<'a>, Box<EvalError>> {
    use BinaryOp::*;
    Ok(match op {
        Add => V::Int(a.wrapping_add(b)),
        Sub => V::Int(a.wrapping_sub(b)),
        Mul => V::Int(a.wrapping_mul(b)),
        Div => V::Int(int_div(a, b)?),
        Mod => {
            if b == 0 {
                return Err(Box::new(EvalError::IntegerDivideByZero));
            }
            V::Int(a.wrapping_rem(b))
        }
        Less | LessEq | Greater | GreaterEq | Eq | NotEq => V::Bool(cmp(op, a, b)),
        _ => return Err(Box::new(type_error(op, Type::Int, Type::Int))),
    })
}

/// Every pair that is not two numbers.
#[inline(never)]
fn apply_other<'a>(op: BinaryOp, l: V<'a>, r: V<'a>) -> Result<V<'a>, Box<EvalError>> {
    use BinaryOp::*;
    let v = match (op, l, r) {
        (Add, V::Int(a), V::Int(b)) => V::Int(a.wrapping_add(b)),
        (Sub, V::Int(a), V::Int(b)) => V::Int(a.wrapping_sub(b)),
        (Mul, V::Int(a), V::Int(b)) => V::Int(a.wrapping_mul(b)),
        (Div, V::Int(a), V::Int(b)) => V::Int(int_div(a, b)?),
        (Mod, V::Int(a), V::Int(b)) => {
            if b == 0 {
                return Err(Box::new(EvalError::IntegerDivideByZero));
            }
            V::Int(a.wrapping_rem(b))
        }
        (Add, V::Float(a), V::Float(b)) => V::Float(a + b),
        (Sub, V::Float(a), V::Float(b)) => V::Float(a - b),
        (Mul, V::Float(a), V::Float(b)) => V::Float(a * b),
        (Div, V::Float(a), V::Float(b)) => V::Float(a / b),
        (Add, V::Str(a), V::Str(b)) => {
            let mut s = a.into_owned();
            s.push_str(&b);
            V::Str(Cow::Owned(s))
        }
        (Add, V::Dur(a), V::Dur(b)) => V::Dur(a.wrapping_add(b)),
        (Sub, V::Dur(a), V::Dur(b)) => V::Dur(a.wrapping_sub(b)),
        (Mul, V::Dur(a), V::Int(b)) | (Mul, V::Int(b), V::Dur(a)) => V::Dur(a.wrapping_mul(b)),
        (Mul, V::Dur(a), V::Float(b)) | (Mul, V::Float(b), V::Dur(a)) => {
            V::Dur(go_f64_to_i64(a as f64 * b))
        }
        (Div, V::Dur(a), V::Int(b)) => V::Dur(int_div(a, b)?),
        (Div, V::Dur(a), V::Float(b)) => V::Dur(go_f64_to_i64(a as f64 / b)),
        (Div, V::Dur(a), V::Dur(b)) => V::Int(int_div(a, b)?),
        (RegexMatch, V::Str(s), V::Regex(re)) => V::Bool(re.is_match(&s)),
        (RegexNotMatch, V::Str(s), V::Regex(re)) => V::Bool(!re.is_match(&s)),
        (And, V::Bool(a), V::Bool(b)) => V::Bool(a && b),
        (Or, V::Bool(a), V::Bool(b)) => V::Bool(a || b),
        (op, l, r) => match (l, r) {
            (V::Int(a), V::Int(b)) if !is_math(op) && !is_logic_or_regex(op) => {
                V::Bool(cmp(op, a, b))
            }
            (V::Float(a), V::Float(b)) if is_comparison(op) => V::Bool(cmp(op, a, b)),
            (V::Int(a), V::Float(b)) if is_comparison(op) => V::Bool(cmp(op, a as f64, b)),
            (V::Float(a), V::Int(b)) if is_comparison(op) => V::Bool(cmp(op, a, b as f64)),
            (V::Str(a), V::Str(b)) if is_comparison(op) => V::Bool(cmp(op, a.as_ref(), b.as_ref())),
            (V::Dur(a), V::Dur(b)) if is_comparison(op) => V::Bool(cmp(op, a, b)),
            (V::Bool(a), V::Bool(b)) if matches!(op, Eq | NotEq) => V::Bool(cmp(op, a, b)),
            (l, r) => return Err(Box::new(type_error(op, l.ty(), r.ty()))),
        },
    };
    Ok(v)
}

fn is_comparison(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Eq
            | BinaryOp::NotEq
            | BinaryOp::Less
            | BinaryOp::LessEq
            | BinaryOp::Greater
            | BinaryOp::GreaterEq
    )
}

fn is_logic_or_regex(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::And | BinaryOp::Or | BinaryOp::RegexMatch | BinaryOp::RegexNotMatch
    )
}

/// Truncating division with Go's wrap for `i64::MIN / -1`.
fn int_div(a: i64, b: i64) -> Result<i64, Box<EvalError>> {
    if b == 0 {
        return Err(Box::new(EvalError::IntegerDivideByZero));
    }
    Ok(a.wrapping_div(b))
}
