//! Every message of line-protocol parsing, in Go's wording (InfluxDB's `models/points.go`, whose
//! `ParsePointsWithPrecision` reports `unable to parse '<line>': <reason>`): the reason a line was
//! rejected, and the per-line error that carries it with the line's number and text.

use thiserror::Error;

/// Why a line was rejected. The `Display` text is the reason Kapacitor gives, where it has one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LineErrorKind {
    /// The line starts with `,`.
    #[error("missing measurement")]
    MissingMeasurement,
    /// The measurement or tag section runs to the end of the line.
    #[error("missing fields")]
    MissingFields,
    /// The field section is not `key=value[,key=value...]`.
    #[error("invalid field format")]
    InvalidFieldFormat,
    /// A tag with an empty key.
    #[error("missing tag key")]
    MissingTagKey,
    /// A tag with an empty value, or a tag key with no `=`.
    #[error("missing tag value")]
    MissingTagValue,
    /// An unescaped `=` inside a tag value.
    #[error("invalid tag format")]
    InvalidTagFormat,
    /// Two tags with the same key.
    #[error("duplicate tags")]
    DuplicateTags,
    /// `key=` with nothing after the `=`.
    #[error("missing field value")]
    MissingFieldValue,
    /// `=value` with nothing before the `=`.
    #[error("missing field key")]
    MissingFieldKey,
    /// A string value whose closing quote never comes.
    #[error("unbalanced quotes")]
    UnbalancedQuotes,
    /// A value that starts like a number but is not one (`1u` out of place, `NaN`, `1.5i`, `0x10`).
    #[error("invalid number")]
    InvalidNumber,
    /// A float with a malformed exponent or out of range (`1e`, `1e400`).
    #[error("invalid float")]
    InvalidFloat,
    /// A value that is neither a number, a string nor one of the ten boolean spellings.
    #[error("invalid boolean")]
    InvalidBoolean,
    /// An `i` integer outside the `i64` range; holds the digits.
    #[error("unable to parse integer {0}: strconv.ParseInt: parsing \"{0}\": value out of range")]
    IntegerOutOfRange(String),
    /// A `u` integer (an extension over Kapacitor) above `i64::MAX`; holds the digits.
    #[error("unable to parse unsigned integer {0}: value out of range for a signed 64-bit integer")]
    UnsignedOutOfRange(String),
    /// A timestamp with a character that is not a digit (or a leading `-`).
    #[error("bad timestamp")]
    BadTimestamp,
    /// A timestamp that is only `-`.
    #[error("strconv.ParseInt: parsing \"{0}\": invalid syntax")]
    TimestampSyntax(String),
    /// A timestamp outside the `i64` range; holds its text.
    #[error("strconv.ParseInt: parsing \"{0}\": value out of range")]
    TimestampOutOfRange(String),
    /// A timestamp that, in nanoseconds, falls outside the representable range.
    #[error("time outside range -9223372036854775806 - 9223372036854775806")]
    TimeOutsideRange,
    /// Something other than spaces after the timestamp.
    #[error("point is invalid")]
    PointIsInvalid,
    /// The line is not valid UTF-8 (Kapacitor accepts any bytes; we need text).
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// The series key (measurement and tags as written) is longer than Kapacitor allows; holds
    /// its length.
    #[error("max key length exceeded: {0} > 65535")]
    KeyTooLong(usize),
    /// The line has more fields than tick takes from one line; holds the limit.
    #[error("too many fields: more than {0} on one line")]
    TooManyFields(usize),
    /// The line is longer than the reader's limit; holds the limit in bytes.
    #[error("line longer than {0} bytes")]
    LineTooLong(usize),
}

/// A rejected line: `line N: unable to parse '<line>': <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line_number}: unable to parse '{line}': {kind}")]
pub struct LineError {
    /// 1-based number of the (first physical) line in the input.
    pub line_number: u64,
    /// The line as written, without leading whitespace and line terminator; invalid UTF-8 is shown
    /// with replacement characters, and an over-long line is cut to its first kilobyte.
    pub line: String,
    /// Why it was rejected.
    pub kind: LineErrorKind,
}

/// How much of an over-long line an error keeps.
const MAX_SHOWN: usize = 1024;

impl LineError {
    pub(crate) fn new(line_number: u64, text: &[u8], kind: LineErrorKind) -> LineError {
        let shown = &text[..text.len().min(MAX_SHOWN)];
        let mut line = String::from_utf8_lossy(shown).into_owned();
        if shown.len() < text.len() || matches!(kind, LineErrorKind::LineTooLong(_)) {
            line.push_str("...");
        }
        LineError {
            line_number,
            line,
            kind,
        }
    }
}
