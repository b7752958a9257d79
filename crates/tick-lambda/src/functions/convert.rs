//! Type conversion functions `bool`, `int`, `float`, `string`, `duration` (Kapacitor
//! `tick/stateful/functions.go` `boolean`, `integer`, `float`, `str`, `duration`), with
//! Go `strconv` parsing rules and messages.

use std::borrow::Cow;

use tick_syntax::duration::{DurationSyntax, parse_duration};

use super::t::*;
use super::{FnEnv, Func, Imp, Sig, take};
use crate::gofmt;
use crate::ops::go_f64_to_i64;
use crate::value::V;

pub(crate) const FUNCS: &[Func] = &[
    Func {
        name: "bool",
        sigs: &[Sig(&[B], B), Sig(&[S], B), Sig(&[I], B), Sig(&[F], B)],
        imp: Imp::Pure(to_bool),
        doc: "Converts to a boolean: strings by Go ParseBool, ints and floats 0 or 1 only.",
        examples: &[
            ("bool('T')", "true"),
            ("bool(0)", "false"),
            ("bool(1.0)", "true"),
        ],
    },
    Func {
        name: "int",
        sigs: &[Sig(&[B], I), Sig(&[S], I), Sig(&[I], I), Sig(&[F], I)],
        imp: Imp::Pure(to_int),
        doc: "Converts to an int: floats truncate toward zero, strings parse in base 10.",
        examples: &[
            ("int(-2.9)", "-2"),
            ("int(TRUE)", "1"),
            ("int('-42')", "-42"),
        ],
    },
    Func {
        name: "float",
        sigs: &[Sig(&[B], F), Sig(&[S], F), Sig(&[I], F), Sig(&[F], F)],
        imp: Imp::Pure(to_float),
        doc: "Converts to a float: strings by Go ParseFloat (`1e3`, `Inf`).",
        examples: &[
            ("float('1e3')", "1000"),
            ("float(2)", "2"),
            ("float(FALSE)", "0"),
        ],
    },
    Func {
        name: "string",
        sigs: &[
            Sig(&[B], S),
            Sig(&[S], S),
            Sig(&[I], S),
            Sig(&[F], S),
            Sig(&[D], S),
        ],
        imp: Imp::Pure(to_string),
        doc: "Converts to a string: floats without exponent, durations as literals (`90s`).",
        examples: &[
            ("string(2.5)", "2.5"),
            ("string(1000000000000000000000.0)", "1000000000000000000000"),
            ("string(90s)", "90s"),
        ],
    },
    Func {
        name: "duration",
        sigs: &[
            Sig(&[D], D),
            Sig(&[I, D], D),
            Sig(&[F, D], D),
            Sig(&[S, D], D),
        ],
        imp: Imp::Pure(to_duration),
        doc: "Makes a duration: a number times a unit, or a duration literal string (the unit is then ignored).",
        examples: &[
            ("duration(1.5, 1m)", "1m30s"),
            ("duration('5m', 1s)", "5m0s"),
            ("duration(3, 1h)", "3h0m0s"),
        ],
    },
];

fn to_bool<'a>(args: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    match take(args, 0) {
        V::Bool(b) => Ok(V::Bool(b)),
        V::Str(s) => parse_bool(&s).map(V::Bool),
        V::Int(0) => Ok(V::Bool(false)),
        V::Int(1) => Ok(V::Bool(true)),
        V::Int(i) => Err(format!("cannot convert {i} to boolean")),
        V::Float(0.0) => Ok(V::Bool(false)),
        V::Float(1.0) => Ok(V::Bool(true)),
        V::Float(f) => Err(format!("cannot convert {} to boolean", gofmt::float_v(f))),
        other => Err(format!("cannot convert {} to boolean", other.ty().name())),
    }
}

/// Go `strconv.ParseBool`.
pub(crate) fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!(
            "strconv.ParseBool: parsing {}: invalid syntax",
            gofmt::quote(s)
        )),
    }
}

fn to_int<'a>(args: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    match take(args, 0) {
        V::Bool(b) => Ok(V::Int(i64::from(b))),
        V::Str(s) => parse_int(&s).map(V::Int),
        V::Int(i) => Ok(V::Int(i)),
        V::Float(f) => Ok(V::Int(go_f64_to_i64(f))),
        other => Err(format!("cannot convert {} to int", other.ty().name())),
    }
}

/// Go `strconv.ParseInt(s, 10, 64)`.
pub(crate) fn parse_int(s: &str) -> Result<i64, String> {
    let syntax = || {
        format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            gofmt::quote(s)
        )
    };
    let range = || {
        format!(
            "strconv.ParseInt: parsing {}: value out of range",
            gofmt::quote(s)
        )
    };
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(syntax());
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return Err(syntax());
        }
        n = match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
        {
            Some(n) => n,
            None => return Err(range()),
        };
    }
    if neg {
        if n > 1 << 63 {
            return Err(range());
        }
        Ok((n as i64).wrapping_neg())
    } else {
        i64::try_from(n).map_err(|_| range())
    }
}

fn to_float<'a>(args: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    match take(args, 0) {
        V::Bool(b) => Ok(V::Float(if b { 1.0 } else { 0.0 })),
        V::Str(s) => parse_float(&s).map(V::Float),
        V::Int(i) => Ok(V::Float(i as f64)),
        V::Float(f) => Ok(V::Float(f)),
        other => Err(format!("cannot convert {} to float", other.ty().name())),
    }
}

/// Go `strconv.ParseFloat(s, 64)` for decimal input (hexadecimal floats are not accepted).
pub(crate) fn parse_float(s: &str) -> Result<f64, String> {
    let syntax = || {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            gofmt::quote(s)
        )
    };
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = unsigned.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Ok(if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower == "nan" {
        // Go accepts no sign before NaN.
        return if unsigned.len() == s.len() {
            Ok(f64::NAN)
        } else {
            Err(syntax())
        };
    }
    // Only digits, one dot, an exponent: Rust's parser accepts the same decimal forms.
    if !unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return Err(syntax());
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_infinite() => Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            gofmt::quote(s)
        )),
        Ok(f) => Ok(f),
        Err(_) => Err(syntax()),
    }
}

fn to_string<'a>(args: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    let s = match take(args, 0) {
        V::Bool(b) => b.to_string(),
        V::Str(s) => return Ok(V::Str(s)),
        V::Int(i) => i.to_string(),
        V::Float(f) => gofmt::float_f(f),
        V::Dur(d) => gofmt::duration_influx(d),
        other => return Err(format!("cannot convert {} to string", other.ty().name())),
    };
    Ok(V::Str(Cow::Owned(s)))
}

fn to_duration<'a>(args: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    let unit = match args.get(1) {
        Some(V::Dur(u)) => *u,
        _ => 0,
    };
    match take(args, 0) {
        V::Dur(d) => Ok(V::Dur(d)),
        V::Int(i) => Ok(V::Dur(i.wrapping_mul(unit))),
        V::Float(f) => Ok(V::Dur(go_f64_to_i64(f * unit as f64))),
        // Quirk (Kapacitor `duration.Call`): the unit passes the signature check and is then
        // ignored.
        V::Str(s) => parse_duration(&s, DurationSyntax::Influxql)
            .map_err(|_| format!("invalid duration string {}", gofmt::quote(&s)))
            .map(V::Dur),
        other => Err(format!("cannot convert {} to duration", other.ty().name())),
    }
}
