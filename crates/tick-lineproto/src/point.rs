//! The parsed point: measurement, sorted tags, typed fields and a nanosecond time, borrowing
//! from the input wherever no escape forces a copy. Also owns [`Precision`]. Parses nothing itself.

use std::borrow::Cow;

/// One point of line protocol.
///
/// Strings borrow from the input line unless an escape sequence had to be removed, in which case they
/// are owned. Tags are sorted by key and have unique keys; fields keep the order of their first
/// appearance, and a duplicated field key holds the value of its last appearance.
#[derive(Debug, Clone, Default)]
pub struct Point<'a> {
    /// The measurement name, unescaped.
    pub measurement: Cow<'a, str>,
    /// The measurement and tag section exactly as written (escapes kept, tags in input order),
    /// which names the series: the same text always parses to the same measurement and tags,
    /// so a consumer may cache what it derives from them under this key. Empty for a point
    /// built by hand, which such a consumer must not cache.
    pub series: Cow<'a, str>,
    /// Tags sorted by key (byte order), keys unique, values never empty.
    pub tags: Vec<Tag<'a>>,
    /// At least one field for a parsed point; keys unique.
    pub fields: Vec<Field<'a>>,
    /// Nanoseconds since the Unix epoch, UTC, within
    /// `-9223372036854775806..=9223372036854775806`.
    pub time: i64,
}

/// One `key=value` tag.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tag<'a> {
    /// The tag key, unescaped.
    pub key: Cow<'a, str>,
    /// The tag value, unescaped.
    pub value: Cow<'a, str>,
}

/// One `key=value` field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field<'a> {
    /// The field key, unescaped.
    pub key: Cow<'a, str>,
    /// The typed value.
    pub value: FieldValue<'a>,
}

/// A field value, typed by its syntax (InfluxDB `models/points.go` `scanFields`, `scanNumber`,
/// `scanBoolean`): `1i` is an integer, `1` a float, `"x"` a string, `t`/`false`/... a boolean.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    /// `1`, `-1.5`, `.5`, `1e5`: any number without an `i` or `u` suffix. Never NaN or infinite.
    Float(f64),
    /// `12i`, `-3i`, and (an extension over Kapacitor) `12u` when it fits in an `i64`.
    Int(i64),
    /// `"..."` with `\"` and `\\` unescaped.
    String(Cow<'a, str>),
    /// One of `t T true True TRUE f F false False FALSE`.
    Bool(bool),
}

/// Points are equal when their measurement, tags, fields and time are: [`Point::series`] is
/// how the measurement and tags were written, not part of the value.
impl PartialEq for Point<'_> {
    fn eq(&self, other: &Point<'_>) -> bool {
        self.measurement == other.measurement
            && self.tags == other.tags
            && self.fields == other.fields
            && self.time == other.time
    }
}

impl Point<'_> {
    /// The value of the tag `key`, if present.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .binary_search_by(|t| t.key.as_ref().cmp(key))
            .ok()
            .and_then(|i| self.tags.get(i))
            .map(|t| t.value.as_ref())
    }

    /// The value of the field `key`, if present.
    pub fn field(&self, key: &str) -> Option<&FieldValue<'_>> {
        self.fields.iter().find(|f| f.key == key).map(|f| &f.value)
    }

    /// A copy that owns all its strings, so it can outlive the input.
    pub fn into_owned(self) -> Point<'static> {
        Point {
            measurement: Cow::Owned(self.measurement.into_owned()),
            series: Cow::Owned(self.series.into_owned()),
            tags: self
                .tags
                .into_iter()
                .map(|t| Tag {
                    key: Cow::Owned(t.key.into_owned()),
                    value: Cow::Owned(t.value.into_owned()),
                })
                .collect(),
            fields: self
                .fields
                .into_iter()
                .map(|f| Field {
                    key: Cow::Owned(f.key.into_owned()),
                    value: f.value.into_owned(),
                })
                .collect(),
            time: self.time,
        }
    }
}

impl FieldValue<'_> {
    /// A copy that owns its string, if it has one.
    pub fn into_owned(self) -> FieldValue<'static> {
        match self {
            FieldValue::Float(v) => FieldValue::Float(v),
            FieldValue::Int(v) => FieldValue::Int(v),
            FieldValue::String(s) => FieldValue::String(Cow::Owned(s.into_owned())),
            FieldValue::Bool(v) => FieldValue::Bool(v),
        }
    }
}

/// Unit of the timestamps in the input (Kapacitor's `precision` write parameter:
/// `services/httpd/handler.go` `serveWriteLine`, InfluxDB `models/points.go`
/// `GetPrecisionMultiplier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// `n`, and (quirk) any string that is not one of the others.
    #[default]
    Nanosecond,
    /// `u`.
    Microsecond,
    /// `ms`.
    Millisecond,
    /// `s`.
    Second,
    /// `m`.
    Minute,
    /// `h`.
    Hour,
}

/// A precision [`Precision::parse`] does not know; holds the text given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown precision {0:?}: use n, u, ms, s, m or h")]
pub struct UnknownPrecision(pub String);

impl Precision {
    /// Reads a precision: `n`, `u`, `ms`, `s`, `m`, `h` as Kapacitor names them, `ns` too, and
    /// the empty string for nanoseconds.
    ///
    /// Deviation: Kapacitor reads every other string (`seconds`, `us`, a typo) as nanoseconds
    /// without a word, which silently shifts every timestamp; tick refuses it.
    pub fn parse(s: &str) -> Result<Precision, UnknownPrecision> {
        Ok(match s {
            "" | "n" | "ns" => Precision::Nanosecond,
            "u" => Precision::Microsecond,
            "ms" => Precision::Millisecond,
            "s" => Precision::Second,
            "m" => Precision::Minute,
            "h" => Precision::Hour,
            _ => return Err(UnknownPrecision(s.to_string())),
        })
    }

    /// The canonical spelling accepted by [`Precision::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Nanosecond => "n",
            Precision::Microsecond => "u",
            Precision::Millisecond => "ms",
            Precision::Second => "s",
            Precision::Minute => "m",
            Precision::Hour => "h",
        }
    }

    /// Nanoseconds in one unit.
    pub fn nanos(self) -> i64 {
        match self {
            Precision::Nanosecond => 1,
            Precision::Microsecond => 1_000,
            Precision::Millisecond => 1_000_000,
            Precision::Second => 1_000_000_000,
            Precision::Minute => 60_000_000_000,
            Precision::Hour => 3_600_000_000_000,
        }
    }

    /// `now_ns` rounded down to a whole unit: the time given to a point without a timestamp.
    pub fn truncate(self, now_ns: i64) -> i64 {
        let unit = self.nanos();
        now_ns - now_ns.rem_euclid(unit)
    }
}
