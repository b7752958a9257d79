//! Points → canonical line protocol, escaping as needed so that every parsed point re-parses to itself.
//! Owns the output format only; parsing lives in `parse`.

use std::fmt::{self, Write};

use crate::point::{FieldValue, Point};

impl Point<'_> {
    /// Appends the point as one line of line protocol, without a line terminator: measurement, tags in
    /// their order, fields in their order, and the time in nanoseconds.
    ///
    /// Every point produced by this crate's parser re-parses (with nanosecond precision) to an equal
    /// point. A point built by hand must have at least one field and non-empty names, and a name or
    /// tag value must not end with a single backslash.
    pub fn write_to(&self, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = self.write_line(out);
    }

    fn write_line<W: Write>(&self, out: &mut W) -> fmt::Result {
        write_escaped(out, &self.measurement, b", ")?;
        for tag in &self.tags {
            out.write_char(',')?;
            write_escaped(out, &tag.key, b", =")?;
            out.write_char('=')?;
            write_escaped(out, &tag.value, b", =")?;
        }
        for (n, field) in self.fields.iter().enumerate() {
            out.write_char(if n == 0 { ' ' } else { ',' })?;
            write_escaped(out, &field.key, b", =")?;
            out.write_char('=')?;
            match &field.value {
                FieldValue::Float(v) => write_float(out, *v)?,
                FieldValue::Int(v) => write!(out, "{v}i")?,
                FieldValue::String(s) => {
                    out.write_char('"')?;
                    write_escaped(out, s, b"\"\\")?;
                    out.write_char('"')?;
                }
                FieldValue::Bool(v) => out.write_str(if *v { "true" } else { "false" })?,
            }
        }
        write!(out, " {}", self.time)
    }
}

impl fmt::Display for Point<'_> {
    /// The same text as [`Point::write_to`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_line(f)
    }
}

/// Writes `s` with a backslash before each byte in `special`.
fn write_escaped<W: Write>(out: &mut W, s: &str, special: &[u8]) -> fmt::Result {
    let mut from = 0;
    for (i, c) in s.bytes().enumerate() {
        if special.contains(&c) {
            out.write_str(&s[from..i])?;
            out.write_char('\\')?;
            from = i;
        }
    }
    out.write_str(&s[from..])
}

/// Shortest text that reads back as the same float: plain decimals for ordinary magnitudes, an
/// exponent for very large or very small ones (both are float syntax in line protocol).
fn write_float<W: Write>(out: &mut W, v: f64) -> fmt::Result {
    let magnitude = v.abs();
    if magnitude != 0.0 && !(1e-5..1e16).contains(&magnitude) {
        write!(out, "{v:e}")
    } else {
        write!(out, "{v}")
    }
}
