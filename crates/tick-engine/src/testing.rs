//! Fixtures for tests and benches of this crate and its integration tests: a `log` handler
//! spec for the compiler, and points written in a small subset of line protocol. Built only
//! with the `test-support` feature (which this crate's own dev-dependency turns on) or in
//! unit tests; the `tick` binary never enables it.

#![allow(clippy::unwrap_used)] // a bad fixture should fail loudly

use tick_lambda::FieldValue;

use crate::handler_use::{ArgType, HandlerSpec, PropertySpec};
use crate::point::{Fields, Point, Tags};

/// A `.log(path)` handler with `.mode(int)`, the shape of tick's real log handler, so that
/// scripts with an alert handler compile (the engine knows no handlers of its own).
pub const LOG: HandlerSpec = HandlerSpec {
    kind: "log",
    args: &[ArgType::String],
    variadic: None,
    properties: &[PropertySpec {
        name: "mode",
        args: &[ArgType::Int],
        variadic: None,
        doc: "",
    }],
    doc: "",
};

/// `cpu,host=a v=1,n=2i,s="x",b=true 1000000000` as a point of db `db`, rp `rp` (time in ns,
/// 0 if absent; no escapes, no spaces in strings).
///
/// # Panics
/// On a line outside that subset.
pub fn point(line: &str) -> Point {
    let mut parts = line.split(' ');
    let series = parts.next().unwrap();
    let fields = parts.next().unwrap_or("");
    let time: i64 = parts.next().map_or(0, |t| t.parse().unwrap());
    let mut series = series.split(',');
    let name = series.next().unwrap();
    let tags = Tags::from_pairs(series.map(|kv| kv.split_once('=').unwrap()));
    let fields = Fields::from_pairs(fields.split(',').filter(|s| !s.is_empty()).map(|kv| {
        let (k, v) = kv.split_once('=').unwrap();
        let v = if let Some(i) = v.strip_suffix('i') {
            FieldValue::Int(i.parse().unwrap())
        } else if let Some(s) = v.strip_prefix('"') {
            FieldValue::String(s.trim_end_matches('"').to_string())
        } else if v == "true" || v == "false" {
            FieldValue::Bool(v == "true")
        } else {
            FieldValue::Float(v.parse().unwrap())
        };
        (k.to_string(), v)
    }));
    Point::new(name, "db", "rp", tags, fields, time)
}
