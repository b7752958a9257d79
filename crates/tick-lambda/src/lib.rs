//! TICKscript lambda expressions (spec §3): values, compile-once typed evaluation, functions.

/// A value stored in a point's field (spec §3.1, §4.3: eval can store durations).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Float(f64),
    Int(i64),
    String(String),
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
}
