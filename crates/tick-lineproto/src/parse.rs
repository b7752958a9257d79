//! One logical line of line protocol → a [`Point`] (spec §7.1). Owns the grammar, the escapes, value
//! typing and the choice of error reason. Does not split input into lines, skip comments or strip
//! `\r` (see `split`), and does not fill in a missing timestamp (the caller knows "now").
//!
//! Design: a backslash escapes exactly the next byte (other than a newline) everywhere, both when
//! finding where a token ends and when unescaping it; `\\` before a separator is therefore an escaped
//! backslash followed by a real separator. This keeps the writer an exact inverse of the parser.
//! Kapacitor's Go scanner instead looks only at the previous byte for the measurement and tags, which
//! differs only for an even run of backslashes before a separator.

use std::borrow::Cow;

use memchr::{memchr, memchr2};

use crate::error::LineErrorKind as Kind;
use crate::point::{Field, FieldValue, Point, Precision, Tag};

/// Smallest and largest nanosecond times Kapacitor accepts.
pub(crate) const MIN_NANOS: i64 = -9_223_372_036_854_775_806;
pub(crate) const MAX_NANOS: i64 = 9_223_372_036_854_775_806;

/// Why [`parse_point`] stopped.
#[derive(Debug, PartialEq)]
pub(crate) enum Failure {
    /// A string value is still open at the end of the text and more text may follow.
    NeedMore,
    /// The line is invalid.
    Invalid(Kind),
}

impl From<Kind> for Failure {
    fn from(kind: Kind) -> Failure {
        Failure::Invalid(kind)
    }
}

/// Bytes that end or escape a measurement, tag or field-key token.
const KEY_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\\' as usize] = true;
    t[b',' as usize] = true;
    t[b' ' as usize] = true;
    t[b'=' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

/// Characters whose escape `\c` stands for `c` in a measurement or field key.
const NAME_ESCAPES: &[u8] = b", =\"";
/// Characters whose escape `\c` stands for `c` in a tag key or value.
const TAG_ESCAPES: &[u8] = b", =";

/// Separators between sections: the first is always a space, then spaces, tabs and NULs are skipped.
pub(crate) fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == 0
}

fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_blank(b[i]) {
        i += 1;
    }
    i
}

/// Index of the first byte at or after `i` that `table` marks, or `b.len()`.
#[inline]
fn find(b: &[u8], i: usize, table: &[bool; 256]) -> usize {
    match b.get(i..) {
        Some(rest) => rest
            .iter()
            .position(|&c| table[usize::from(c)])
            .map_or(b.len(), |p| i + p),
        None => b.len(),
    }
}

/// Bytes covered by the backslash at `i`: two, unless nothing (or a newline) follows it.
#[inline]
fn escape_len(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(&c) if c != b'\n' => 2,
        _ => 1,
    }
}

/// Removes the escapes `\c` for `c` in `set`; any other backslash pair is kept as written.
fn unescape<'a>(s: &'a str, has_escape: bool, set: &[u8]) -> Cow<'a, str> {
    if !has_escape {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::new();
    let (mut from, mut copied) = (0, 0);
    while let Some(off) = b.get(from..).and_then(|rest| memchr(b'\\', rest)) {
        let at = from + off;
        match b.get(at + 1) {
            Some(c) if set.contains(c) => {
                out.push_str(&s[copied..at]);
                copied = at + 1;
                from = at + 2;
            }
            Some(_) => from = at + 2,
            None => break,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(s);
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

/// Parses `line`, which starts with its first non-blank byte, is not a comment and has no line
/// terminator. `more` says whether text may follow (so an open string asks for it). Fills `point`
/// except its time, and returns the timestamp in nanoseconds, if the line has one.
pub(crate) fn parse_point<'a>(
    line: &'a str,
    more: bool,
    precision: Precision,
    point: &mut Point<'a>,
) -> Result<Option<i64>, Failure> {
    point.tags.clear();
    point.fields.clear();
    let b = line.as_bytes();

    let (end, escaped) = scan_measurement(b)?;
    point.measurement = unescape(&line[..end], escaped, NAME_ESCAPES);
    let mut i = end;
    if b.get(i) == Some(&b',') {
        i = scan_tags(line, i + 1, &mut point.tags)?;
        sort_tags(&mut point.tags)?;
    }

    let fields_start = skip_blanks(b, i);
    let i = match scan_fields(line, fields_start, more, &mut point.fields) {
        Ok(i) => i,
        Err(Failure::NeedMore) => return Err(Failure::NeedMore),
        // Go reports the first problem its looser scan meets; ask it which one that is.
        Err(Failure::Invalid(kind)) => {
            return Err(reference_field_error(b, fields_start)
                .unwrap_or(kind)
                .into());
        }
    };
    Ok(scan_time(line, i, precision)?)
}

/// Returns the end of the measurement and whether it holds a backslash.
fn scan_measurement(b: &[u8]) -> Result<(usize, bool), Kind> {
    if b.first() == Some(&b',') {
        return Err(Kind::MissingMeasurement);
    }
    let mut escaped = false;
    let mut i = 0;
    loop {
        i = find(b, i, &KEY_SPECIAL);
        match b.get(i) {
            None | Some(b'\n') => return Err(Kind::MissingFields),
            Some(b',' | b' ') => return Ok((i, escaped)),
            Some(b'\\') => {
                escaped = true;
                i += escape_len(b, i);
            }
            // `=` is an ordinary character in a measurement.
            Some(_) => i += 1,
        }
    }
}

/// Scans `k=v[,k=v...]` from `i` (just after the measurement's comma) up to the space before the
/// fields, which it returns.
fn scan_tags<'a>(line: &'a str, mut i: usize, tags: &mut Vec<Tag<'a>>) -> Result<usize, Kind> {
    let b = line.as_bytes();
    loop {
        let key_start = i;
        if matches!(b.get(i), None | Some(b' ' | b',' | b'=' | b'\n')) {
            return Err(Kind::MissingTagKey);
        }
        let mut key_escaped = false;
        loop {
            i = find(b, i, &KEY_SPECIAL);
            match b.get(i) {
                Some(b'=') => break,
                Some(b'\\') => {
                    key_escaped = true;
                    i += escape_len(b, i);
                }
                _ => return Err(Kind::MissingTagValue),
            }
        }
        let key_end = i;
        i += 1;

        let value_start = i;
        match b.get(i) {
            None | Some(b' ' | b',' | b'\n') => return Err(Kind::MissingTagValue),
            // Quirk (Go's scanner never checks a value's first byte for '='): `a==b` is `a` = `=b`.
            Some(b'=') => i += 1,
            Some(_) => {}
        }
        let mut value_escaped = false;
        let last = loop {
            i = find(b, i, &KEY_SPECIAL);
            match b.get(i) {
                None | Some(b'\n') => return Err(Kind::MissingFields),
                Some(b'=') => return Err(Kind::InvalidTagFormat),
                Some(b',') => break false,
                Some(b' ') => break true,
                Some(_) => {
                    value_escaped = true;
                    i += escape_len(b, i);
                }
            }
        };
        tags.push(Tag {
            key: unescape(&line[key_start..key_end], key_escaped, TAG_ESCAPES),
            value: unescape(&line[value_start..i], value_escaped, TAG_ESCAPES),
        });
        if last {
            return Ok(i);
        }
        i += 1;
    }
}

/// Sorts tags by key and rejects duplicates. Input is usually sorted already.
fn sort_tags(tags: &mut [Tag<'_>]) -> Result<(), Kind> {
    let mut sorted = true;
    for pair in tags.windows(2) {
        match pair[0].key.cmp(&pair[1].key) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => return Err(Kind::DuplicateTags),
            std::cmp::Ordering::Greater => sorted = false,
        }
    }
    if !sorted {
        tags.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        if tags.windows(2).any(|pair| pair[0].key == pair[1].key) {
            return Err(Kind::DuplicateTags);
        }
    }
    Ok(())
}

/// Scans `k=v[,k=v...]` from `i` and returns the index just after the last value.
fn scan_fields<'a>(
    line: &'a str,
    mut i: usize,
    more: bool,
    fields: &mut Vec<Field<'a>>,
) -> Result<usize, Failure> {
    let b = line.as_bytes();
    // A cheap filter for "this key may already be present": bit (length, last byte) of each key.
    let mut seen: u64 = 0;
    loop {
        let key_start = i;
        match b.get(i) {
            Some(b'=') => return Err(Kind::MissingFieldKey.into()),
            None | Some(b' ' | b',' | b'\n') => return Err(Kind::InvalidFieldFormat.into()),
            Some(_) => {}
        }
        let mut key_escaped = false;
        loop {
            i = find(b, i, &KEY_SPECIAL);
            match b.get(i) {
                Some(b'=') => break,
                Some(b'\\') => {
                    key_escaped = true;
                    i += escape_len(b, i);
                }
                _ => return Err(Kind::InvalidFieldFormat.into()),
            }
        }
        let key = &line[key_start..i];
        i += 1;

        let value;
        (value, i) = match b.get(i) {
            None | Some(b',' | b' ' | b'\n') => return Err(Kind::MissingFieldValue.into()),
            Some(b'"') => scan_string(line, i + 1, more)?,
            Some(b'0'..=b'9' | b'.' | b'-' | b'N' | b'n') => scan_number(line, i)?,
            Some(_) => scan_boolean(b, i)?,
        };

        let key = unescape(key, key_escaped, NAME_ESCAPES);
        let last = key.as_bytes().last().copied().unwrap_or(0);
        let bit = 1u64 << ((key.len() ^ usize::from(last)) & 63);
        let duplicate = if seen & bit == 0 {
            None
        } else {
            fields.iter_mut().find(|f| f.key == key)
        };
        match duplicate {
            // Duplicate field: the last value wins, in the place of the first.
            Some(field) => field.value = value,
            None => fields.push(Field { key, value }),
        }
        seen |= bit;

        match b.get(i) {
            Some(b',') => i += 1,
            None | Some(b' ') => return Ok(i),
            // Deviation: Go keeps going after a closing quote (`"a"b` becomes `a"`); we reject.
            Some(_) => return Err(Kind::InvalidFieldFormat.into()),
        }
    }
}

/// Scans a string value whose opening quote is just before `i`; returns it and the index after the
/// closing quote.
fn scan_string(
    line: &str,
    start: usize,
    more: bool,
) -> Result<(FieldValue<'_>, usize), Failure> {
    let b = line.as_bytes();
    let mut i = start;
    let mut escaped = false;
    loop {
        match b.get(i..).and_then(|rest| memchr2(b'"', b'\\', rest)) {
            Some(off) if b[i + off] == b'"' => {
                let end = i + off;
                let text = &line[start..end];
                let value = if escaped {
                    unescape(text, true, b"\"\\")
                } else {
                    Cow::Borrowed(text)
                };
                return Ok((FieldValue::String(value), end + 1));
            }
            Some(off) => {
                escaped = true;
                i += off + 2;
            }
            None if more => return Err(Failure::NeedMore),
            None => return Err(Kind::UnbalancedQuotes.into()),
        }
    }
}

/// What kind of number [`number_end`] found.
#[derive(Clone, Copy, PartialEq)]
enum Number {
    Float,
    Int,
    Unsigned,
}

/// Finds the end of a number starting at `start` with Go's rules (`scanNumber`), checking its syntax
/// but not its range.
fn number_end(b: &[u8], start: usize) -> Result<(usize, Number, bool), Kind> {
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
        if i == b.len() {
            return Err(Kind::InvalidNumber);
        }
    }
    let mut kind = Number::Float;
    let (mut decimal, mut scientific) = (false, false);
    while let Some(&c) = b.get(i) {
        match c {
            b',' | b' ' => break,
            b'i' if i > start && kind == Number::Float => {
                kind = Number::Int;
                i += 1;
                continue;
            }
            b'u' if i > start && kind == Number::Float => {
                kind = Number::Unsigned;
                i += 1;
                continue;
            }
            b'e' | b'E' if i > start => {
                scientific = true;
                i += 1;
                continue;
            }
            b'+' | b'-' if matches!(b[i - 1], b'e' | b'E') => {
                i += 1;
                continue;
            }
            b'.' if decimal => return Err(Kind::InvalidNumber),
            b'.' => decimal = true,
            b'0'..=b'9' => {}
            _ => return Err(Kind::InvalidNumber),
        }
        i += 1;
    }
    if kind != Number::Float && (decimal || scientific) {
        return Err(Kind::InvalidNumber);
    }
    let mut digits = i - start;
    if kind == Number::Int {
        digits -= 1;
    }
    if decimal {
        digits -= 1;
    }
    if b[start] == b'-' {
        digits -= 1;
    }
    if digits == 0 {
        return Err(Kind::InvalidNumber);
    }
    if kind != Number::Float && !matches!(b[i - 1], b'i' | b'u') {
        return Err(Kind::InvalidNumber);
    }
    Ok((i, kind, scientific))
}

fn scan_number(line: &str, start: usize) -> Result<(FieldValue<'_>, usize), Kind> {
    let (end, kind, _) = number_end(line.as_bytes(), start)?;
    let value = match kind {
        Number::Float => {
            let text = &line[start..end];
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => FieldValue::Float(v),
                _ => return Err(Kind::InvalidFloat),
            }
        }
        Number::Int => {
            let text = &line[start..end - 1];
            match text.parse::<i64>() {
                Ok(v) => FieldValue::Int(v),
                Err(_) => return Err(Kind::IntegerOutOfRange(text.to_owned())),
            }
        }
        Number::Unsigned => {
            let text = &line[start..end - 1];
            // Extension: Kapacitor rejects `u` values; we take those that fit an i64.
            if text.starts_with('-') {
                return Err(Kind::InvalidNumber);
            }
            match text.parse::<i64>() {
                Ok(v) => FieldValue::Int(v),
                Err(_) => return Err(Kind::UnsignedOutOfRange(text.to_owned())),
            }
        }
    };
    Ok((value, end))
}

/// Go's `scanNumber` as a pure check: the end of the number, or its error.
fn check_number(b: &[u8], start: usize) -> Result<usize, Kind> {
    let (end, kind, scientific) = number_end(b, start)?;
    match kind {
        Number::Float => {
            let text = std::str::from_utf8(&b[start..end]).map_err(|_| Kind::InvalidNumber)?;
            if (scientific || text.len() >= 25) && !text.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(Kind::InvalidFloat);
            }
        }
        Number::Int | Number::Unsigned => {
            let text = std::str::from_utf8(&b[start..end - 1]).map_err(|_| Kind::InvalidNumber)?;
            if kind == Number::Unsigned && text.starts_with('-') {
                return Err(Kind::InvalidNumber);
            }
            if text.parse::<i64>().is_err() {
                return Err(if kind == Number::Int {
                    Kind::IntegerOutOfRange(text.to_owned())
                } else {
                    Kind::UnsignedOutOfRange(text.to_owned())
                });
            }
        }
    }
    Ok(end)
}

fn scan_boolean(b: &[u8], start: usize) -> Result<(FieldValue<'static>, usize), Kind> {
    let end = start
        + b[start..]
            .iter()
            .position(|&c| c == b',' || c == b' ')
            .unwrap_or(b.len() - start);
    let value = match &b[start..end] {
        b"t" | b"T" | b"true" | b"True" | b"TRUE" => true,
        b"f" | b"F" | b"false" | b"False" | b"FALSE" => false,
        _ => return Err(Kind::InvalidBoolean),
    };
    Ok((FieldValue::Bool(value), end))
}

/// Go's `scanFields` as a pure check: its first error for the field section starting at `start`, or
/// `None` where Go accepts what we reject.
fn reference_field_error(b: &[u8], start: usize) -> Option<Kind> {
    let at = |i: usize| b.get(i).copied();
    let before = |i: usize, back: usize| i.checked_sub(back).and_then(at);
    let (mut quoted, mut equals, mut commas) = (false, 0usize, 0usize);
    let mut i = start;
    while let Some(c) = at(i) {
        if c == b'\\' && i + 1 < b.len() {
            i += 2;
            continue;
        }
        if c == b'"' && equals > commas {
            quoted = !quoted;
            i += 1;
            continue;
        }
        if c == b'=' && !quoted {
            equals += 1;
            if matches!(before(i, 1), Some(b' ' | b',')) && before(i, 2) != Some(b'\\') {
                return Some(Kind::MissingFieldKey);
            }
            match at(i + 1) {
                None | Some(b',' | b' ') => return Some(Kind::MissingFieldValue),
                Some(b'0'..=b'9' | b'.' | b'-' | b'N' | b'n') => match check_number(b, i + 1) {
                    Ok(end) => {
                        i = end;
                        continue;
                    }
                    Err(kind) => return Some(kind),
                },
                Some(b'"') => {}
                Some(_) => match scan_boolean(b, i + 1) {
                    Ok((_, end)) => {
                        i = end;
                        continue;
                    }
                    Err(kind) => return Some(kind),
                },
            }
        }
        if c == b',' && !quoted {
            commas += 1;
        }
        if c == b' ' && !quoted {
            break;
        }
        i += 1;
    }
    if quoted {
        return Some(Kind::UnbalancedQuotes);
    }
    if equals == 0 || commas + 1 != equals {
        return Some(Kind::InvalidFieldFormat);
    }
    None
}

/// Scans the optional timestamp after the fields (`i` is at the space after them, or the end).
fn scan_time(line: &str, i: usize, precision: Precision) -> Result<Option<i64>, Kind> {
    let b = line.as_bytes();
    let start = skip_blanks(b, i);
    let mut end = start;
    while let Some(&c) = b.get(end) {
        match c {
            b' ' => break,
            b'-' if end == start => {}
            b'0'..=b'9' => {}
            _ => return Err(Kind::BadTimestamp),
        }
        end += 1;
    }
    if end == start {
        return Ok(None);
    }
    let text = &line[start..end];
    let value = text.parse::<i64>().map_err(|_| {
        if text == "-" {
            Kind::TimestampSyntax(text.to_owned())
        } else {
            Kind::TimestampOutOfRange(text.to_owned())
        }
    })?;
    let nanos = value
        .checked_mul(precision.nanos())
        .filter(|t| (MIN_NANOS..=MAX_NANOS).contains(t))
        .ok_or(Kind::TimeOutsideRange)?;
    if b[end..].iter().any(|&c| c != b' ') {
        return Err(Kind::PointIsInvalid);
    }
    Ok(Some(nanos))
}
