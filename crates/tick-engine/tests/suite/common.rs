//! What the engine tests share: a log handler spec for the compiler, and points written in a
//! small subset of line protocol.

#![allow(clippy::unwrap_used)] // test helpers: a bad fixture should fail loudly

use tick_engine::{ArgType, FieldValue, Fields, HandlerSpec, Point, Tags};

/// The log handler, so that alert events are emitted (an alert without handlers emits none).
pub(crate) const LOG: HandlerSpec = HandlerSpec {
    kind: "log",
    args: &[ArgType::String],
    variadic: None,
    properties: &[],
    doc: "",
};

/// `cpu,host=a v=1,n=2i,s="x",b=true 1000000000` (db `db`, rp `rp`, time in ns, 0 if absent).
pub(crate) fn point(line: &str) -> Point {
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
