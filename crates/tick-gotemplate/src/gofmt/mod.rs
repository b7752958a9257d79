//! Go value formatting shared by templates, JSON and the TICKscript `string()` function (Go's `fmt`
//! `%v`, `encoding/json` and `strconv.FormatFloat`): `%v` of every value, `fmt.Sprintf`, JSON
//! strings and numbers, times and durations. Writes into caller buffers; never allocates per call
//! beyond what Go's rules force.

mod escape;
mod float;
mod json;
mod printf;
mod time;

pub use escape::{write_html_escaped, write_html_func, write_js, write_urlquery};
pub use float::{UnsupportedValue, write_decimal_float, write_float, write_json_float};
pub use json::{
    JsonValueError, MAX_JSON_DEPTH, write_json_bytes, write_json_string, write_json_value,
};
pub use printf::{sprintf, write_go_quoted};
pub use time::{
    YearOutOfRange, civil_date, format_time, put_date_clock, put2, write_duration,
    write_rfc3339_nano, write_time,
};

use std::fmt::Write as _;

use crate::value::Value;

/// Nesting limit when printing maps of maps; deeper levels print as `...`.
const MAX_PRINT_DEPTH: usize = 32;

/// Go `fmt` `%v` of a value as a template prints it (`{{ x }}`), except that `NoValue`
/// prints `<no value>` here (template rule) rather than `<nil>`.
pub fn write_value(out: &mut String, v: &Value<'_>) {
    match v {
        Value::NoValue => out.push_str("<no value>"),
        other => write_v(out, other, 0),
    }
}

/// `%v` of a value; `NoValue` is a nil interface (`<nil>`).
pub(crate) fn write_v(out: &mut String, v: &Value<'_>, depth: usize) {
    match v {
        Value::NoValue => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::GoInt(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Uint(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) => write_float(out, *f),
        Value::Str(s) => out.push_str(s),
        Value::Time(t) => write_time(out, t),
        Value::Duration(d) => write_duration(out, *d),
        Value::Map(m) => {
            out.push_str("map[");
            if depth >= MAX_PRINT_DEPTH {
                out.push_str("...");
            } else {
                for (i, (k, val)) in m.entries_sorted().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    write_v(out, &val, depth + 1);
                }
            }
            out.push(']');
        }
        Value::List(l) => {
            out.push('[');
            if depth >= MAX_PRINT_DEPTH {
                out.push_str("...");
            } else {
                for i in 0..l.len() {
                    if i > 0 {
                        out.push(' ');
                    }
                    if let Some(val) = l.get(i) {
                        write_v(out, &val, depth + 1);
                    }
                }
            }
            out.push(']');
        }
        Value::Object(o) if o.write_string(out) => {}
        Value::Object(o) => {
            out.push('{');
            if depth >= MAX_PRINT_DEPTH {
                out.push_str("...");
            } else {
                let mut first = true;
                o.for_each_field(&mut |_, val| {
                    if !first {
                        out.push(' ');
                    }
                    first = false;
                    write_v(out, &val, depth + 1);
                });
            }
            out.push('}');
        }
    }
}
