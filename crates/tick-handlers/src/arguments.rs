//! What every handler kind reads its options with: the typed arguments of a TICKscript call
//! (`.tcp('host:9000')`, `.log('/tmp/x').mode(0644)`) and the durations of topic handler files
//! (`timeout: 10s`). Owns the errors that name a wrong argument; each kind's options are in its
//! own module.

use serde::Deserialize as _;
use tick_engine::{ArgType, Literal, PropertySpec};
use tick_syntax::duration::{DurationSyntax, parse_duration};

use crate::error::BuildError;

/// A script property that takes a key and any literal, as a Go `(key string, value
/// interface{})` method does (`.sensu().metadata('k', 5)`).
pub(crate) const fn key_value_property(name: &'static str, doc: &'static str) -> PropertySpec {
    PropertySpec {
        name,
        args: &[ArgType::String, ArgType::Any],
        variadic: None,
        doc,
    }
}

/// A literal as Go's JSON encoder writes the `interface{}` Kapacitor keeps it in: a duration
/// is its nanoseconds (`time.Duration` is an int64).
pub(crate) fn literal_json(v: &Literal) -> serde_json::Value {
    match v {
        Literal::String(s) => serde_json::Value::String(s.clone()),
        Literal::Int(i) => (*i).into(),
        Literal::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        Literal::Bool(b) => (*b).into(),
        Literal::Duration(ns) => (*ns).into(),
    }
}

/// A script property that takes one string (`.channel('#ops')`).
pub(crate) const fn string_property(name: &'static str, doc: &'static str) -> PropertySpec {
    PropertySpec {
        name,
        args: &[ArgType::String],
        variadic: None,
        doc,
    }
}

/// A string argument, or a typed error naming it.
pub(crate) fn string_arg(
    kind: &'static str,
    what: &str,
    arg: Option<&Literal>,
) -> Result<String, BuildError> {
    match arg {
        Some(Literal::String(s)) => Ok(s.clone()),
        _ => Err(BuildError::BadArgument {
            kind,
            what: what.to_string(),
            expected: "a string",
        }),
    }
}

/// An integer argument, or a typed error naming it.
pub(crate) fn int_arg(
    kind: &'static str,
    what: &str,
    arg: Option<&Literal>,
) -> Result<i64, BuildError> {
    match arg {
        Some(Literal::Int(i)) => Ok(*i),
        _ => Err(BuildError::BadArgument {
            kind,
            what: what.to_string(),
            expected: "an integer",
        }),
    }
}

/// Serde `deserialize_with`: a duration as integer nanoseconds or a Go duration string
/// (`1m30s`), as Kapacitor decodes handler options (Go's `time.ParseDuration`).
pub(crate) fn deserialize_duration<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<i64, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Int(n) => Ok(n),
        Raw::Text(s) => parse_duration(&s, DurationSyntax::Go).map_err(|_| {
            serde::de::Error::custom(format!(
                "invalid duration {s:?}, expected e.g. \"10s\" or \"1m30s\""
            ))
        }),
    }
}
