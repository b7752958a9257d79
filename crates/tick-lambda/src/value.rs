//! Lambda values (Kapacitor `tick/ast/types.go` `ValueType`): the public [`Value`] a lambda
//! returns, the internal borrowed value the evaluator works on, and the type names used in every
//! error message.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::FieldValue;
use crate::error::EvalError;

/// The result of evaluating a lambda (Kapacitor's value types; `missing` is never a result).
#[derive(Debug, Clone)]
pub enum Value {
    /// A float.
    Float(f64),
    /// An integer.
    Int(i64),
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
    /// Nanoseconds since the Unix epoch, UTC. Time functions read it in the configured zone.
    Time(i64),
    /// A compiled regex literal (`/.../`).
    Regex(Arc<regex::Regex>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Duration(a), Value::Duration(b)) => a == b,
            (Value::Time(a), Value::Time(b)) => a == b,
            (Value::Regex(a), Value::Regex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl Value {
    /// The Kapacitor type name (`float`, `int`, `string`, `boolean`, `duration`, `time`, `regex`).
    pub fn type_name(&self) -> &'static str {
        self.ty().name()
    }

    pub(crate) fn ty(&self) -> Type {
        match self {
            Value::Float(_) => Type::Float,
            Value::Int(_) => Type::Int,
            Value::String(_) => Type::String,
            Value::Bool(_) => Type::Bool,
            Value::Duration(_) => Type::Duration,
            Value::Time(_) => Type::Time,
            Value::Regex(_) => Type::Regex,
        }
    }

    /// Converts a result for storing in a point field (`|eval`; Kapacitor `tick/stateful/expr.go`
    /// `expression.Eval`): time and regex
    /// results fail with `expression returned unexpected type time` (`regex`).
    pub fn into_field_value(self) -> Result<FieldValue, EvalError> {
        match self {
            Value::Float(f) => Ok(FieldValue::Float(f)),
            Value::Int(i) => Ok(FieldValue::Int(i)),
            Value::String(s) => Ok(FieldValue::String(s)),
            Value::Bool(b) => Ok(FieldValue::Bool(b)),
            Value::Duration(d) => Ok(FieldValue::Duration(d)),
            Value::Time(_) | Value::Regex(_) => Err(EvalError::UnexpectedResultType {
                ty: self.type_name(),
            }),
        }
    }

    pub(crate) fn as_v(&self) -> V<'_> {
        match self {
            Value::Float(f) => V::Float(*f),
            Value::Int(i) => V::Int(*i),
            Value::String(s) => V::Str(Cow::Borrowed(s)),
            Value::Bool(b) => V::Bool(*b),
            Value::Duration(d) => V::Dur(*d),
            Value::Time(t) => V::Time(*t),
            Value::Regex(r) => V::Regex(r),
        }
    }
}

impl From<&FieldValue> for Value {
    fn from(f: &FieldValue) -> Value {
        match f {
            FieldValue::Float(x) => Value::Float(*x),
            FieldValue::Int(x) => Value::Int(*x),
            FieldValue::String(x) => Value::String(x.clone()),
            FieldValue::Bool(x) => Value::Bool(*x),
            FieldValue::Duration(x) => Value::Duration(*x),
        }
    }
}

impl fmt::Display for Value {
    /// Go's `%v` rendering (used in messages): floats in `%g` shortest form, durations as Go
    /// `Duration.String()`, regexes as their pattern.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::gofmt::value_v(&self.as_v(), chrono_tz::UTC))
    }
}

/// A value type as named in Kapacitor's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Type {
    Float,
    Int,
    String,
    Bool,
    Duration,
    Time,
    Regex,
    Missing,
}

impl Type {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Type::Float => "float",
            Type::Int => "int",
            Type::String => "string",
            Type::Bool => "boolean",
            Type::Duration => "duration",
            Type::Time => "time",
            Type::Regex => "regex",
            Type::Missing => "missing",
        }
    }
}

/// The evaluator's working value: borrows strings from the record and regexes from the
/// compiled lambda, so a comparison allocates nothing.
#[derive(Debug, Clone)]
pub(crate) enum V<'a> {
    Float(f64),
    Int(i64),
    Str(Cow<'a, str>),
    Bool(bool),
    Dur(i64),
    Time(i64),
    Regex(&'a Arc<regex::Regex>),
    /// A reference that is neither a field nor a tag.
    Missing,
}

impl<'a> V<'a> {
    pub(crate) fn ty(&self) -> Type {
        match self {
            V::Float(_) => Type::Float,
            V::Int(_) => Type::Int,
            V::Str(_) => Type::String,
            V::Bool(_) => Type::Bool,
            V::Dur(_) => Type::Duration,
            V::Time(_) => Type::Time,
            V::Regex(_) => Type::Regex,
            V::Missing => Type::Missing,
        }
    }

    pub(crate) fn from_field(f: &'a FieldValue) -> V<'a> {
        match f {
            FieldValue::Float(x) => V::Float(*x),
            FieldValue::Int(x) => V::Int(*x),
            FieldValue::String(x) => V::Str(Cow::Borrowed(x)),
            FieldValue::Bool(x) => V::Bool(*x),
            FieldValue::Duration(x) => V::Dur(*x),
        }
    }

    /// The owned public value; `None` for missing.
    pub(crate) fn to_value(&self) -> Option<Value> {
        Some(match self {
            V::Float(x) => Value::Float(*x),
            V::Int(x) => Value::Int(*x),
            V::Str(s) => Value::String(s.to_string()),
            V::Bool(b) => Value::Bool(*b),
            V::Dur(d) => Value::Duration(*d),
            V::Time(t) => Value::Time(*t),
            V::Regex(r) => Value::Regex(Arc::clone(r)),
            V::Missing => return None,
        })
    }
}
