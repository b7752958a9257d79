//! InfluxDB line protocol: parsing into borrowed points, streaming from any reader with flat
//! memory, and writing points back as canonical line protocol. Knows nothing of tasks, routing or
//! alerts.
//!
//! Kapacitor's rules are followed: those of the InfluxDB 1.x parser that Kapacitor v1.5.7 vendors
//! as `vendor/github.com/influxdata/influxdb/models/points.go` (`ParsePointsWithPrecision`,
//! `parsePoint` and the `scan*` functions it calls), with unsigned integers off. The documented
//! differences (also in `docs/COMPATIBILITY.md`):
//! - `12u` is an integer when it fits in an `i64` (Kapacitor rejects every `u` value);
//! - a `\r` before the line end is dropped, so CRLF input works (`cpu v="x"\r` gives `x`);
//! - text after a string value's closing quote is `invalid field format` (Go keeps the quote);
//! - a backslash escapes exactly the next byte, so `\\` before a separator ends the token;
//! - a backslash before a newline does not join the two lines;
//! - lines must be UTF-8, and one line may be at most [`DEFAULT_MAX_LINE_LEN`] bytes (configurable);
//! - tags are sorted by their unescaped keys.

#![warn(missing_docs)]

mod error;
mod parse;
mod point;
mod reader;
mod split;
mod write;

pub use error::{LineError, LineErrorKind};
pub use point::{Field, FieldValue, Point, Precision, Tag, UnknownPrecision};
pub use reader::{DEFAULT_MAX_LINE_LEN, Item, Lines, ParseOptions, Reader, system_now};
