//! The values a template sees (Go's `interface{}` values: strings, numbers, bools, `time.Time`,
//! `time.Duration`, maps, slices; Kapacitor's `alert.go` `idInfo`/`messageInfo`/`detailsInfo`) and
//! the traits a caller implements to expose its data.
//! Owns only the data model; formatting lives in `gofmt`, evaluation in `exec`.

use std::borrow::Cow;
use std::fmt;

/// A value as Go's `text/template` would see it through reflection.
///
/// Data reaches templates through [`Object`] (Go structs) and [`Map`] (Go maps); borrowed strings
/// (`Str(Cow::Borrowed(..))`) are never copied by a render.
#[derive(Clone)]
pub enum Value<'a> {
    /// A missing map key or a nil interface (Go's invalid `reflect.Value`).
    /// Printed as `<no value>`; passed to a function it becomes `nil`.
    NoValue,
    /// Go `bool`.
    Bool(bool),
    /// Go `int64` (field values, `.Time.Unix`).
    Int(i64),
    /// Go `int`: integer literals, rune literals and `len` results. Same as `Int` except that
    /// `printf` fallbacks name its type `int` (`%!s(int=3)`).
    GoInt(i64),
    /// Go `uint64`.
    Uint(u64),
    /// Go `float64`.
    Float(f64),
    /// Go `string`.
    Str(Cow<'a, str>),
    /// Go `time.Time`.
    Time(GoTime),
    /// Go `time.Duration` in nanoseconds (an int kind for comparisons).
    Duration(i64),
    /// A Go map, such as `Tags` (`map[string]string`) or `Fields` (`map[string]interface {}`).
    Map(&'a dyn Map),
    /// A Go struct, such as the template data itself.
    Object(&'a dyn Object),
    /// A Go slice (or a sub-slice made by the `slice` built-in).
    List(ListRef<'a>),
}

impl<'a> Value<'a> {
    /// A borrowed string value.
    pub fn str(s: &'a str) -> Value<'a> {
        Value::Str(Cow::Borrowed(s))
    }

    /// Go's type name, as printed by `printf` fallbacks (`%!d(float64=85.5)`) and in errors.
    pub fn type_name(&self) -> &str {
        match self {
            Value::NoValue => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int64",
            Value::GoInt(_) => "int",
            Value::Uint(_) => "uint64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Time(_) => "time.Time",
            Value::Duration(_) => "time.Duration",
            Value::Map(m) => m.type_name(),
            Value::Object(o) => o.type_name(),
            Value::List(l) => l.list.type_name(),
        }
    }

    /// Go template truth: false, 0, "", nil/missing and empty maps or slices are false;
    /// structs and times are always true.
    pub fn is_true(&self) -> bool {
        match self {
            Value::NoValue => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::GoInt(i) | Value::Duration(i) => *i != 0,
            Value::Uint(u) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Time(_) | Value::Object(_) => true,
            Value::Map(m) => !m.is_empty(),
            Value::List(l) => !l.is_empty(),
        }
    }

    /// Converts to a value that borrows nothing (strings are copied; maps, objects and lists
    /// cannot be detached and become their printed text).
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::NoValue => Value::NoValue,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::GoInt(i) => Value::GoInt(i),
            Value::Uint(u) => Value::Uint(u),
            Value::Float(f) => Value::Float(f),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Time(t) => Value::Time(t),
            Value::Duration(d) => Value::Duration(d),
            other => {
                let mut s = String::new();
                crate::gofmt::write_value(&mut s, &other);
                Value::Str(Cow::Owned(s))
            }
        }
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        crate::gofmt::write_value(&mut s, self);
        write!(f, "{}({})", self.type_name(), s)
    }
}

/// A Go struct: the root data of a template and anything reached through fields.
pub trait Object {
    /// The field (or niladic method) `name`, or `None` when the type has no such field, which
    /// makes the template fail with `can't evaluate field <name> in type <type_name>`.
    fn field(&self, name: &str) -> Option<Value<'_>>;
    /// Go type name used in error texts, for example `alert.messageInfo`.
    fn type_name(&self) -> &str;
    /// Visits every field in declaration order; used to print the struct with `%v`
    /// (`{v1 v2 ...}`). The default visits nothing.
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        let _ = f;
    }
    /// Go's `fmt.Stringer`: a type with a `String()` method prints as its text. Writes it and
    /// returns true when the type has one; the default has none, so the fields are printed.
    fn write_string(&self, out: &mut String) -> bool {
        let _ = out;
        false
    }
}

/// A Go map with string keys.
pub trait Map {
    /// The value under `key`, or `None` when the key is absent.
    fn get(&self, key: &str) -> Option<Value<'_>>;
    /// Number of entries.
    fn len(&self) -> usize;
    /// True when the map has no entries.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// All entries in bytewise key order (Go sorts map keys when printing and ranging).
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_>;
    /// The zero value of the element type, returned by `index` for an absent key:
    /// `Str("")` for `map[string]string`, `NoValue` for `map[string]interface {}`.
    fn zero(&self) -> Value<'static>;
    /// Go type name, for example `map[string]string`.
    fn type_name(&self) -> &str;
}

/// A Go slice.
pub trait List {
    /// Number of elements.
    fn len(&self) -> usize;
    /// True when the slice has no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The element at `index`, `None` when out of range.
    fn get(&self, index: usize) -> Option<Value<'_>>;
    /// Go type name, for example `[]string`.
    fn type_name(&self) -> &str;
}

/// A window `[start, end)` onto a [`List`]; `ListRef::new` covers the whole list.
#[derive(Clone, Copy)]
pub struct ListRef<'a> {
    pub(crate) list: &'a dyn List,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl<'a> ListRef<'a> {
    /// The whole list.
    pub fn new(list: &'a dyn List) -> ListRef<'a> {
        ListRef {
            list,
            start: 0,
            end: list.len(),
        }
    }

    /// Number of elements in the window.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the window is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element at `index` within the window.
    pub fn get(&self, index: usize) -> Option<Value<'a>> {
        if index < self.len() {
            self.list.get(self.start + index)
        } else {
            None
        }
    }

    pub(crate) fn sub(&self, start: usize, end: usize) -> ListRef<'a> {
        ListRef {
            list: self.list,
            start: self.start + start,
            end: self.start + end,
        }
    }
}

/// A Go `time.Time`: an instant plus the zone it is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoTime {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    pub unix_nanos: i64,
    /// Zone offset east of UTC in seconds.
    pub offset_secs: i32,
    /// Zone abbreviation (`UTC`, `CEST`); empty for a zone without a name, which Go prints as
    /// the offset (`-0530`).
    pub zone: &'static str,
}

impl GoTime {
    /// A UTC time (`+0000 UTC`), as every event time is.
    pub fn utc(unix_nanos: i64) -> GoTime {
        GoTime {
            unix_nanos,
            offset_secs: 0,
            zone: "UTC",
        }
    }

    /// A time shown in a given zone.
    pub fn with_zone(unix_nanos: i64, offset_secs: i32, zone: &'static str) -> GoTime {
        GoTime {
            unix_nanos,
            offset_secs,
            zone,
        }
    }

    /// Seconds since the epoch (Go `Time.Unix`).
    pub fn unix(&self) -> i64 {
        self.unix_nanos.div_euclid(1_000_000_000)
    }
}
