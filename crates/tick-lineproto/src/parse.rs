//! One logical line of line protocol → a [`Point`] (InfluxDB `models/points.go` `parsePoint`). Owns
//! the grammar, the escapes, value typing and the choice of error reason. Does not split input into
//! lines, skip comments or strip `\r` (see `split`), and does not fill in a missing timestamp (the
//! caller knows "now").
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

/// [`find`] for [`KEY_SPECIAL`], eight bytes at a time: a byte equal to `c` is a zero byte of
/// `word ^ (c * 0x01..01)`, and the lowest flagged zero byte of each test is exact.
#[inline]
fn find_key_special(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(chunk) = b.get(i..i + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        let found = zero(word ^ (ONES * u64::from(b'\\')))
            | zero(word ^ (ONES * u64::from(b',')))
            | zero(word ^ (ONES * u64::from(b' ')))
            | zero(word ^ (ONES * u64::from(b'=')))
            | zero(word ^ (ONES * u64::from(b'\n')));
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    find(b, i, &KEY_SPECIAL)
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
#[inline]
fn unescape<'a>(s: &'a str, has_escape: bool, set: &[u8]) -> Cow<'a, str> {
    if has_escape {
        unescape_slow(s, set)
    } else {
        Cow::Borrowed(s)
    }
}

/// Stores `s` unescaped into `out`. Design: on the hot path the borrowed string is written straight
/// into the point's vector; returning a `Cow` through the stack first costs a store-forwarding stall
/// per name (a third of the parse time when measured).
#[inline]
fn unescape_into<'a>(out: &mut Cow<'a, str>, s: &'a str, has_escape: bool, set: &[u8]) {
    if has_escape {
        *out = unescape_slow(s, set);
    } else {
        *out = Cow::Borrowed(s);
    }
}

#[cold]
#[inline(never)]
fn unescape_slow<'a>(s: &'a str, set: &[u8]) -> Cow<'a, str> {
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
    let b = line.as_bytes();

    let (end, escaped) = scan_measurement(b)?;
    unescape_into(&mut point.measurement, &line[..end], escaped, NAME_ESCAPES);
    let mut i = end;
    if b.get(i) == Some(&b',') {
        i = scan_tags(line, i + 1, &mut point.tags)?;
        sort_tags(&mut point.tags)?;
    } else {
        point.tags.clear();
    }
    if i > MAX_KEY_LEN {
        return Err(Kind::KeyTooLong(i).into());
    }
    point.series = Cow::Borrowed(&line[..i]);

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
        i = find_key_special(b, i);
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

/// The `n`th element of `v`, reused if the vector already has one (left over from the previous line
/// parsed into the same point), else appended.
///
/// Design: names and values are written in place into reused elements; building an element and
/// moving it in costs store-forwarding stalls that measured as a third of the parse time.
#[inline]
fn slot<T>(v: &mut Vec<T>, n: usize, new: impl FnOnce() -> T) -> &mut T {
    if n == v.len() {
        v.push(new());
    }
    &mut v[n]
}

/// Drops the elements of `v` from `n` on. Design: the usual case, nothing to drop, skips the call
/// that dropping an empty tail costs.
#[inline]
fn truncate<T>(v: &mut Vec<T>, n: usize) {
    if v.len() > n {
        v.truncate(n);
    }
}

/// Scans `k=v[,k=v...]` from `i` (just after the measurement's comma) up to the space before the
/// fields, which it returns. `tags` holds exactly the tags afterwards.
fn scan_tags<'a>(line: &'a str, mut i: usize, tags: &mut Vec<Tag<'a>>) -> Result<usize, Kind> {
    let b = line.as_bytes();
    let mut n = 0;
    loop {
        let key_start = i;
        if matches!(b.get(i), None | Some(b' ' | b',' | b'=' | b'\n')) {
            return Err(Kind::MissingTagKey);
        }
        let mut key_escaped = false;
        loop {
            i = find_key_special(b, i);
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
            i = find_key_special(b, i);
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
        let tag = slot(tags, n, Tag::default);
        unescape_into(
            &mut tag.key,
            &line[key_start..key_end],
            key_escaped,
            TAG_ESCAPES,
        );
        unescape_into(
            &mut tag.value,
            &line[value_start..i],
            value_escaped,
            TAG_ESCAPES,
        );
        n += 1;
        if last {
            truncate(tags, n);
            return Ok(i);
        }
        i += 1;
    }
}

/// Byte order of two keys. Design: keys usually differ in their first byte, which decides without
/// the call a full comparison costs.
#[inline]
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

/// Sorts tags by key and rejects duplicates. Input is usually sorted already.
fn sort_tags(tags: &mut [Tag<'_>]) -> Result<(), Kind> {
    let mut sorted = true;
    for pair in tags.windows(2) {
        match key_order(&pair[0].key, &pair[1].key) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => return Err(Kind::DuplicateTags),
            std::cmp::Ordering::Greater => sorted = false,
        }
    }
    if !sorted {
        tags.sort_unstable_by(|a, b| key_order(&a.key, &b.key));
        if tags.windows(2).any(|pair| pair[0].key == pair[1].key) {
            return Err(Kind::DuplicateTags);
        }
    }
    Ok(())
}

/// Most fields one line may carry; more is [`Kind::TooManyFields`]. Kapacitor sets no such limit
/// (its series key is limited instead, see [`MAX_KEY_LEN`]); this one bounds the memory a single
/// line can ask of every node it passes through.
pub(crate) const MAX_FIELDS: usize = 65_535;

/// Longest series key (measurement and tags as written), as Kapacitor's line-protocol parser
/// (the `MaxKeyLength` of InfluxDB's `models/points.go`, vendored by Kapacitor v1.5.7) allows.
pub(crate) const MAX_KEY_LEN: usize = 65_535;

/// Fields up to which a possible duplicate is looked for by comparing with every earlier key.
const SCAN_FIELDS: usize = 32;

thread_local! {
    /// The positions of a long line's fields, hashed by key (see [`dedupe_by_index`]); kept
    /// per thread so that it is allocated once, not once per line.
    static KEY_INDEX: std::cell::RefCell<KeyIndex> = std::cell::RefCell::new(KeyIndex {
        table: hashbrown::HashTable::new(),
        hasher: foldhash::fast::RandomState::default(),
    });
}

/// Field positions on one line, found by their key's hash.
struct KeyIndex {
    table: hashbrown::HashTable<usize>,
    hasher: foldhash::fast::RandomState,
}

/// Scans `k=v[,k=v...]` from `i` and returns the index just after the last value. `fields` holds
/// exactly the fields afterwards.
///
/// Design: a possible duplicate (a key the filter below has seen the like of) is looked for by
/// comparing with every earlier key, the cheapest way for the few fields of typical lines. Past
/// [`SCAN_FIELDS`] fields, [`dedupe_by_index`] finds keys through a hash index instead, so any
/// number of fields costs linear time. The filter is full by the 65th distinct key, so every
/// line with more fields gets there.
fn scan_fields<'a>(
    line: &'a str,
    mut i: usize,
    more: bool,
    fields: &mut Vec<Field<'a>>,
) -> Result<usize, Failure> {
    let b = line.as_bytes();
    // A cheap filter for "this key may already be present": bit (length, last byte) of each key.
    let mut seen: u64 = 0;
    // Whether the keys so far are in `KEY_INDEX` (once a line gets past `SCAN_FIELDS` fields).
    let mut indexed = false;
    let mut n = 0;
    loop {
        let key_start = i;
        match b.get(i) {
            Some(b'=') => return Err(Kind::MissingFieldKey.into()),
            None | Some(b' ' | b',' | b'\n') => return Err(Kind::InvalidFieldFormat.into()),
            Some(_) => {}
        }
        let mut key_escaped = false;
        loop {
            i = find_key_special(b, i);
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

        // The filter works on the written key; an escaped key may equal any other, so it is always
        // compared, and makes every later key compared too.
        let last = key.as_bytes().last().copied().unwrap_or(0);
        let bit = 1u64 << ((key.len() ^ usize::from(last)) & 63);
        let maybe_duplicate = key_escaped || seen & bit != 0;
        seen |= if key_escaped { u64::MAX } else { bit };

        // On error the point is discarded, so a half-written element does no harm.
        let field = slot(fields, n, || Field {
            key: Cow::Borrowed(""),
            value: FieldValue::Bool(false),
        });
        unescape_into(&mut field.key, key, key_escaped, NAME_ESCAPES);
        let value = &mut field.value;
        i = match b.get(i) {
            None | Some(b',' | b' ' | b'\n') => return Err(Kind::MissingFieldValue.into()),
            Some(b'"') => scan_string(line, i + 1, more, value)?,
            Some(b'0'..=b'9' | b'.' | b'-' | b'N' | b'n') => scan_number(line, i, value)?,
            Some(_) => scan_boolean(b, i, value)?,
        };

        let mut duplicate = false;
        if maybe_duplicate {
            let (earlier, this) = fields.split_at_mut(n);
            if n <= SCAN_FIELDS {
                if let Some(first) = earlier.iter_mut().find(|f| f.key == this[0].key) {
                    // Duplicate field: the last value wins, in the place of the first.
                    std::mem::swap(&mut first.value, &mut this[0].value);
                    duplicate = true;
                }
            } else {
                // From here on every key goes through the index.
                seen = u64::MAX;
                duplicate = dedupe_by_index(&mut indexed, earlier, &mut this[0])?;
            }
        }
        if !duplicate {
            n += 1;
        }

        match b.get(i) {
            Some(b',') => i += 1,
            None | Some(b' ') => {
                truncate(fields, n);
                return Ok(i);
            }
            // Deviation: Go keeps going after a closing quote (`"a"b` becomes `a"`); we reject.
            Some(_) => return Err(Kind::InvalidFieldFormat.into()),
        }
    }
}

/// On a line with many fields: whether `field` repeats a key of `earlier`, found through a
/// hash index of `earlier`'s keys (built when `indexed` is false). A repeat gives its value to
/// the earlier field (the last value wins, in the place of the first); a new key joins the
/// index, and may not be the line's field number [`MAX_FIELDS`] + 1.
#[cold]
#[inline(never)]
fn dedupe_by_index<'a>(
    indexed: &mut bool,
    earlier: &mut [Field<'a>],
    field: &mut Field<'a>,
) -> Result<bool, Failure> {
    use std::hash::BuildHasher as _;
    KEY_INDEX.with_borrow_mut(|index| {
        let KeyIndex { table, hasher } = index;
        let hash = |key: &str| hasher.hash_one(key);
        if !*indexed {
            table.clear();
            for (at, f) in earlier.iter().enumerate() {
                table.insert_unique(hash(&f.key), at, |&p| hash(&earlier[p].key));
            }
            *indexed = true;
        }
        let h = hash(&field.key);
        if let Some(&first) = table.find(h, |&p| earlier[p].key == field.key) {
            std::mem::swap(&mut earlier[first].value, &mut field.value);
            return Ok(true);
        }
        if earlier.len() == MAX_FIELDS {
            return Err(Kind::TooManyFields(MAX_FIELDS).into());
        }
        table.insert_unique(h, earlier.len(), |&p| hash(&earlier[p].key));
        Ok(false)
    })
}

/// Scans a string value whose opening quote is just before `i`; returns it and the index after the
/// closing quote.
#[inline]
fn scan_string<'a>(
    line: &'a str,
    start: usize,
    more: bool,
    out: &mut FieldValue<'a>,
) -> Result<usize, Failure> {
    let b = line.as_bytes();
    let mut i = start;
    let mut escaped = false;
    loop {
        match b.get(i..).and_then(|rest| memchr2(b'"', b'\\', rest)) {
            Some(off) if b[i + off] == b'"' => {
                let end = i + off;
                let text = &line[start..end];
                *out = FieldValue::String(unescape(text, escaped, b"\"\\"));
                return Ok(end + 1);
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

/// Exact powers of ten for the float fast path.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The common numbers (`-12.5`, `42i`, `7u`: at most 18 digits, no exponent) in one pass; `None`
/// sends everything else to [`scan_number`]'s general path, which gives the same value or error.
#[inline]
fn fast_number(b: &[u8], start: usize, out: &mut FieldValue<'_>) -> Option<usize> {
    let mut i = start;
    let negative = b.get(i) == Some(&b'-');
    if negative {
        i += 1;
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut fraction_digits = None;
    loop {
        match b.get(i) {
            Some(&c @ b'0'..=b'9') => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                digits += 1;
                if digits > 18 {
                    return None;
                }
            }
            Some(b'.') if fraction_digits.is_none() => fraction_digits = Some(digits),
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    let ends = |at: usize| matches!(b.get(at), None | Some(b',' | b' '));
    let signed = |m: u64| {
        let m = m as i64; // at most 18 digits: fits
        if negative { -m } else { m }
    };
    match (b.get(i), fraction_digits) {
        (Some(b'i'), None) if ends(i + 1) => {
            *out = FieldValue::Int(signed(mantissa));
            Some(i + 1)
        }
        (Some(b'u'), None) if !negative && ends(i + 1) => {
            *out = FieldValue::Int(signed(mantissa));
            Some(i + 1)
        }
        (_, fraction) if ends(i) && mantissa < (1 << 53) => {
            // Both operands are exact, so the division is correctly rounded, like a full parse.
            let scale = POWERS_OF_TEN[digits - fraction.unwrap_or(digits)];
            let value = mantissa as f64 / scale;
            *out = FieldValue::Float(if negative { -value } else { value });
            Some(i)
        }
        _ => None,
    }
}

#[inline]
fn scan_number(line: &str, start: usize, out: &mut FieldValue<'_>) -> Result<usize, Kind> {
    if let Some(end) = fast_number(line.as_bytes(), start, out) {
        return Ok(end);
    }
    let (end, kind, _) = number_end(line.as_bytes(), start)?;
    *out = match kind {
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
    Ok(end)
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

#[inline]
fn scan_boolean(b: &[u8], start: usize, out: &mut FieldValue<'_>) -> Result<usize, Kind> {
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
    *out = FieldValue::Bool(value);
    Ok(end)
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
                Some(_) => match scan_boolean(b, i + 1, &mut FieldValue::Bool(false)) {
                    Ok(end) => {
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
    let (value, end) = match fast_timestamp(b, start) {
        Some((value, end)) => (value, end),
        None => match general_timestamp(line, start)? {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    let nanos = value
        .checked_mul(precision.nanos())
        .filter(|t| (MIN_NANOS..=MAX_NANOS).contains(t))
        .ok_or(Kind::TimeOutsideRange)?;
    if b[end..].iter().any(|&c| c != b' ') {
        return Err(Kind::PointIsInvalid);
    }
    Ok(Some(nanos))
}

/// The usual timestamp at `start` (1 to 19 digits, no sign, up to `i64::MAX`, then a space or the
/// end), eight digits at a time: its value and end. `None` sends everything else to
/// [`general_timestamp`], which gives the same value or the error.
#[inline]
fn fast_timestamp(b: &[u8], start: usize) -> Option<(i64, usize)> {
    let mut i = start;
    let mut n: u64 = 0;
    // Two runs of eight and three single digits make the 19 that always fit a u64.
    while i - start <= 8 {
        let Some(word) = b
            .get(i..i + 8)
            .and_then(|chunk| <[u8; 8]>::try_from(chunk).ok())
        else {
            break;
        };
        let Some(value) = eight_digits(u64::from_le_bytes(word)) else {
            break;
        };
        n = n * 100_000_000 + value;
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() || i - start == 19 {
            break;
        }
        n = n * 10 + u64::from(c - b'0');
        i += 1;
    }
    if i == start || !matches!(b.get(i), None | Some(b' ')) {
        return None;
    }
    Some((i64::try_from(n).ok()?, i))
}

/// The value of eight ASCII digits, the first in the lowest byte of `word`, or `None` if a byte is
/// not a digit.
#[inline]
fn eight_digits(word: u64) -> Option<u64> {
    const NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    // A byte is a digit when its high nibble is 3 and stays 3 after adding 6; with every high
    // nibble 3 (checked first in the same test) the addition carries into no other byte.
    let high = word & NIBBLES;
    let shifted = (word.wrapping_add(0x0606_0606_0606_0606) & NIBBLES) >> 4;
    if high | shifted != 0x3333_3333_3333_3333 {
        return None;
    }
    // Combine neighbours: 8 digits -> 4 pairs -> 2 quads -> 1 value; no step carries across lanes.
    let d = word.wrapping_sub(0x3030_3030_3030_3030);
    let pairs = (d.wrapping_mul(10).wrapping_add(d >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs.wrapping_mul(100).wrapping_add(pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((quads.wrapping_mul(10_000).wrapping_add(quads >> 32)) & 0xFFFF_FFFF)
}

/// Any timestamp at `start`: its value and end, `None` if there is none, or the error.
#[cold]
fn general_timestamp(line: &str, start: usize) -> Result<Option<(i64, usize)>, Kind> {
    let b = line.as_bytes();
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
    let out_of_range = || Kind::TimestampOutOfRange(text.to_owned());
    let value = if text.len() <= 19 && !text.starts_with('-') {
        // At most 19 digits (checked above) fit a u64.
        let n = text.bytes().fold(0u64, |n, c| n * 10 + u64::from(c - b'0'));
        i64::try_from(n).map_err(|_| out_of_range())?
    } else if text == "-" {
        return Err(Kind::TimestampSyntax(text.to_owned()));
    } else {
        text.parse::<i64>().map_err(|_| out_of_range())?
    };
    Ok(Some((value, end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_at_a_time_search_finds_what_the_byte_search_finds() {
        let mut state: u64 = 11;
        for _ in 0..20_000 {
            let len = (state % 40) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    // Mostly letters, sometimes a special byte or a high byte.
                    match (state >> 33) % 24 {
                        0 => b'\\',
                        1 => b',',
                        2 => b' ',
                        3 => b'=',
                        4 => b'\n',
                        5 => 0xC3,
                        6 => 0x80 | (state >> 40) as u8,
                        k => b'a' + k as u8,
                    }
                })
                .collect();
            for start in 0..=len {
                assert_eq!(
                    find_key_special(&text, start),
                    find(&text, start, &KEY_SPECIAL),
                    "{text:?} from {start}"
                );
            }
        }
    }

    #[test]
    fn eight_digits_at_once_read_what_one_at_a_time_reads() {
        let mut state: u64 = 3;
        for round in 0..200_000u32 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let mut word = [0u8; 8];
            for (k, byte) in word.iter_mut().enumerate() {
                let r = (state >> (8 * k)) as u8;
                // Mostly digits; otherwise any byte, often one next to the digits.
                *byte = match (r, round % 4) {
                    (_, 0) => r,
                    (0..=24, _) => b"/:;<=>?\x7f\x80\xb0\xf0 -+.0"[usize::from(r % 16)],
                    _ => b'0' + r % 10,
                };
            }
            let expected = word
                .iter()
                .all(u8::is_ascii_digit)
                .then(|| std::str::from_utf8(&word).unwrap().parse::<u64>().unwrap());
            assert_eq!(eight_digits(u64::from_le_bytes(word)), expected, "{word:?}");
        }
    }

    /// The one-pass number path must agree with the general one on every number it takes.
    #[test]
    fn fast_numbers_match_the_general_parse() {
        let mut state: u64 = 7;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            state >> 20
        };
        let mut checked = 0;
        for _ in 0..200_000 {
            let digits = (next() % 18 + 1) as usize;
            let mut text: String = (0..digits)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            match next() % 4 {
                0 => text.insert(next() as usize % (digits + 1), '.'),
                1 => text.push('i'),
                2 => text.push('u'),
                _ => {}
            }
            if next() % 2 == 0 {
                text.insert(0, '-');
            }
            let line = format!("={text},");
            let mut fast = FieldValue::Bool(false);
            let Some(end) = fast_number(line.as_bytes(), 1, &mut fast) else {
                continue;
            };
            let (end2, kind, _) = number_end(line.as_bytes(), 1).unwrap();
            assert_eq!(end, end2, "{text}");
            let body = &line[1..end];
            let expected = match kind {
                Number::Float => FieldValue::Float(body.parse::<f64>().unwrap()),
                Number::Int | Number::Unsigned => {
                    FieldValue::Int(body[..body.len() - 1].parse().unwrap())
                }
            };
            match (&fast, &expected) {
                (FieldValue::Float(a), FieldValue::Float(b)) => {
                    assert_eq!(a.to_bits(), b.to_bits(), "{text}")
                }
                _ => assert_eq!(fast, expected, "{text}"),
            }
            checked += 1;
        }
        assert!(
            checked > 100_000,
            "only {checked} numbers took the fast path"
        );
    }
}
