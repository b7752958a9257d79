//! Go's predefined template functions (<https://pkg.go.dev/text/template#hdr-Functions>) over
//! [`Value`]s: comparisons with Go's kind rules and error texts, `len`, `index`, `slice`, the
//! `print` family and the escapers. `and`/`or` short-circuit in `exec`.

use std::borrow::Cow;

use crate::gofmt::{self, write_v};
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Html,
    Js,
    Urlquery,
    Call,
    /// html/template's `_eval_args_`, put in front of a predefined escaper's arguments
    /// (`{{ html .A .B }}` → `{{ _eval_args_ .A .B | html }}`); not callable by name.
    EvalArgs,
}

impl Builtin {
    pub(crate) fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "len" => Builtin::Len,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::Urlquery,
            "call" => Builtin::Call,
            _ => return None,
        })
    }

    /// (fixed parameters, variadic) as Go declares them; used for `wrong number of args`.
    pub(crate) fn arity(self) -> (usize, bool) {
        match self {
            Builtin::And | Builtin::Or | Builtin::Index | Builtin::Slice | Builtin::Eq => (1, true),
            Builtin::Call | Builtin::Printf => (1, true),
            Builtin::Not | Builtin::Len => (1, false),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => (2, false),
            Builtin::Print
            | Builtin::Println
            | Builtin::Html
            | Builtin::Js
            | Builtin::Urlquery
            | Builtin::EvalArgs => (0, true),
        }
    }

    /// Calls every built-in except `and`, `or`, `printf` and `call` (handled by the caller).
    pub(crate) fn call<'a>(self, args: &[Value<'a>]) -> Result<Value<'a>, String> {
        match self {
            Builtin::Not => Ok(Value::Bool(!args.first().is_some_and(Value::is_true))),
            Builtin::Len => len(args.first().unwrap_or(&Value::NoValue)),
            Builtin::Index => index(args),
            Builtin::Slice => slice(args),
            Builtin::Print => Ok(owned(sprint(args))),
            Builtin::Println => Ok(owned(sprintln(args))),
            Builtin::Printf => {
                let mut s = String::new();
                if let Some((Value::Str(f), rest)) = args.split_first() {
                    gofmt::sprintf(&mut s, f, rest);
                }
                Ok(owned(s))
            }
            Builtin::Eq => eq(args).map(Value::Bool),
            Builtin::Ne => eq(args).map(|b| Value::Bool(!b)),
            Builtin::Lt => lt(&args[0], &args[1]).map(Value::Bool),
            Builtin::Le => le(&args[0], &args[1]).map(Value::Bool),
            Builtin::Gt => le(&args[0], &args[1]).map(|b| Value::Bool(!b)),
            Builtin::Ge => lt(&args[0], &args[1]).map(|b| Value::Bool(!b)),
            Builtin::Html => Ok(escaped(args, gofmt::write_html_func)),
            Builtin::Js => Ok(escaped(args, gofmt::write_js)),
            Builtin::Urlquery => Ok(escaped(args, gofmt::write_urlquery)),
            // html/template's evalArgs: a nil argument prints as `<nil>`.
            Builtin::EvalArgs => Ok(match args {
                [Value::Str(s)] => Value::Str(s.clone()),
                _ => owned(sprint(args)),
            }),
            Builtin::And | Builtin::Or | Builtin::Call => Ok(Value::NoValue),
        }
    }
}

fn owned(s: String) -> Value<'static> {
    Value::Str(Cow::Owned(s))
}

/// `fmt.Sprint`: a space between operands when neither is a string.
pub(crate) fn sprint(args: &[Value<'_>]) -> String {
    let mut s = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::Str(_));
        if i > 0 && !is_string && !prev_string {
            s.push(' ');
        }
        write_v(&mut s, a, 0);
        prev_string = is_string;
    }
    s
}

fn sprintln(args: &[Value<'_>]) -> String {
    let mut s = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        write_v(&mut s, a, 0);
    }
    s.push('\n');
    s
}

/// The escapers' argument rule: one string is used as is; otherwise nil prints
/// `<no value>` and the operands are joined as by `print`.
fn escaped(args: &[Value<'_>], esc: fn(&mut String, &str)) -> Value<'static> {
    let text: Cow<'_, str> = match args {
        [Value::Str(s)] => Cow::Borrowed(s.as_ref()),
        _ => {
            let printable: Vec<Value<'_>> = args
                .iter()
                .map(|a| match a {
                    Value::NoValue => Value::str("<no value>"),
                    other => other.clone(),
                })
                .collect();
            // `<no value>` is a string here only for printing; Go passes it as a string too.
            Cow::Owned(sprint(&printable))
        }
    };
    let mut out = String::new();
    esc(&mut out, &text);
    owned(out)
}

fn len<'a>(v: &Value<'a>) -> Result<Value<'a>, String> {
    let n = match v {
        Value::Str(s) => s.len(),
        Value::Map(m) => m.len(),
        Value::List(l) => l.len(),
        Value::NoValue => return Err("len of nil pointer".into()),
        other => return Err(format!("len of type {}", other.type_name())),
    };
    Ok(Value::GoInt(n as i64))
}

fn index_arg(v: &Value<'_>, cap: usize) -> Result<usize, String> {
    let x: i128 = match v {
        Value::Int(i) | Value::GoInt(i) | Value::Duration(i) => i128::from(*i),
        Value::Uint(u) => i128::from(*u),
        Value::NoValue => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ));
        }
    };
    if x < 0 || x > cap as i128 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index<'a>(args: &[Value<'a>]) -> Result<Value<'a>, String> {
    let mut item = args[0].clone();
    if let Value::NoValue = item {
        return Err("index of untyped nil".into());
    }
    for ix in &args[1..] {
        item = match &item {
            Value::Str(s) => {
                let i = index_arg(ix, s.len())?;
                match s.as_bytes().get(i) {
                    Some(b) => Value::Uint(u64::from(*b)),
                    None => return Err(format!("index out of range: {i}")),
                }
            }
            Value::List(l) => {
                let i = index_arg(ix, l.len())?;
                match l.get(i) {
                    Some(v) => v,
                    None => return Err(format!("index out of range: {i}")),
                }
            }
            Value::Map(m) => match ix {
                Value::Str(k) => m.get(k).unwrap_or_else(|| m.zero()),
                Value::NoValue => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ));
                }
            },
            Value::NoValue => return Err("index of nil pointer".into()),
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn slice<'a>(args: &[Value<'a>]) -> Result<Value<'a>, String> {
    let item = &args[0];
    let idx = &args[1..];
    if let Value::NoValue = item {
        return Err("slice of untyped nil".into());
    }
    if idx.len() > 3 {
        return Err(format!("too many slice indexes: {}", idx.len()));
    }
    let cap = match item {
        Value::Str(s) => {
            if idx.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut bounds = [0usize, cap, cap];
    for (i, v) in idx.iter().enumerate() {
        bounds[i] = index_arg(v, cap)?;
    }
    if bounds[0] > bounds[1] {
        return Err(format!(
            "invalid slice index: {} > {}",
            bounds[0], bounds[1]
        ));
    }
    if idx.len() == 3 && bounds[1] > bounds[2] {
        return Err(format!(
            "invalid slice index: {} > {}",
            bounds[1], bounds[2]
        ));
    }
    match item {
        Value::Str(s) => match s.as_bytes().get(bounds[0]..bounds[1]) {
            Some(b) => Ok(owned(String::from_utf8_lossy(b).into_owned())),
            None => Err(format!("index out of range: {}", bounds[1])),
        },
        Value::List(l) => Ok(Value::List(l.sub(bounds[0], bounds[1]))),
        _ => Ok(Value::NoValue),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Uint,
    Float,
    Str,
    Invalid,
}

fn kind(v: &Value<'_>) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::GoInt(_) | Value::Duration(_) => Kind::Int,
        Value::Uint(_) => Kind::Uint,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Invalid,
    }
}

const BAD_COMPARISON: &str = "incompatible types for comparison";
const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";

fn int_of(v: &Value<'_>) -> i64 {
    match v {
        Value::Int(i) | Value::GoInt(i) | Value::Duration(i) => *i,
        _ => 0,
    }
}

fn uint_of(v: &Value<'_>) -> u64 {
    match v {
        Value::Uint(u) => *u,
        _ => 0,
    }
}

fn printed(v: &Value<'_>) -> String {
    let mut s = String::new();
    write_v(&mut s, v, 0);
    s
}

fn same_structure(a: &Value<'_>, b: &Value<'_>) -> Result<bool, String> {
    let type_a = a.type_name().to_owned();
    let type_b = b.type_name().to_owned();
    if std::mem::discriminant(a) != std::mem::discriminant(b) || type_a != type_b {
        return Err(format!(
            "non-comparable types {}: {}, {}: {}",
            printed(a),
            type_a,
            type_b,
            printed(b)
        ));
    }
    match (a, b) {
        (Value::Time(x), Value::Time(y)) => Ok(x == y),
        (Value::Object(x), Value::Object(y)) => Ok(std::ptr::addr_eq(*x, *y)),
        _ => Err(format!("non-comparable type {}: {}", printed(b), type_b)),
    }
}

/// `eq arg1 arg2...`: true when arg1 equals any later argument.
fn eq(args: &[Value<'_>]) -> Result<bool, String> {
    let a = &args[0];
    if args.len() < 2 {
        return Err("missing argument for comparison".into());
    }
    let k1 = kind(a);
    for b in &args[1..] {
        let k2 = kind(b);
        let truth = if k1 != k2 {
            match (k1, k2) {
                (Kind::Int, Kind::Uint) => int_of(a) >= 0 && int_of(a) as u64 == uint_of(b),
                (Kind::Uint, Kind::Int) => int_of(b) >= 0 && uint_of(a) == int_of(b) as u64,
                _ => {
                    let missing = matches!(a, Value::NoValue) || matches!(b, Value::NoValue);
                    if !missing {
                        return Err(BAD_COMPARISON.into());
                    }
                    false
                }
            }
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Str(x), Value::Str(y)) => x == y,
                (Value::Uint(x), Value::Uint(y)) => x == y,
                _ if k1 == Kind::Int => int_of(a) == int_of(b),
                (Value::NoValue, Value::NoValue) => true,
                (Value::NoValue, _) | (_, Value::NoValue) => false,
                _ => same_structure(a, b)?,
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Value<'_>, b: &Value<'_>) -> Result<bool, String> {
    let (k1, k2) = (kind(a), kind(b));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err(BAD_COMPARISON_TYPE.into());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Kind::Int, Kind::Uint) => Ok(int_of(a) < 0 || (int_of(a) as u64) < uint_of(b)),
            (Kind::Uint, Kind::Int) => Ok(int_of(b) >= 0 && uint_of(a) < int_of(b) as u64),
            _ => Err(BAD_COMPARISON.into()),
        };
    }
    match (a, b) {
        (Value::Bool(_), _) => Err(BAD_COMPARISON_TYPE.into()),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        (Value::Str(x), Value::Str(y)) => Ok(x.as_bytes() < y.as_bytes()),
        (Value::Uint(x), Value::Uint(y)) => Ok(x < y),
        _ => Ok(int_of(a) < int_of(b)),
    }
}

fn le(a: &Value<'_>, b: &Value<'_>) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(&[a.clone(), b.clone()])
}
