//! Input → logical lines (as InfluxDB's `models/points.go` `ParsePointsWithPrecision` and
//! `scanLine` split them; see the crate docs): line numbers, blank and `#` comment lines, CRLF, and
//! string values that contain raw newlines. Works on whatever part of the input is buffered and
//! says when it needs more; does no IO (see `reader`) and no parsing of its own (see `parse`).
//!
//! A line normally ends at the first `\n`. Only when the parser finds a string still open there (or
//! rejects a line that contains a quote) is the line's true end searched with Go's `scanLine` rules,
//! so a string value may run over several physical lines.
//!
//! Lines must be UTF-8; the check runs over many lines at once (see [`next_line`]'s `valid`) and
//! each line is then a slice of checked text.

use memchr::{memchr, memchr_iter, memrchr};

use crate::error::LineErrorKind;
use crate::parse::{Failure, is_blank, parse_point};
use crate::point::{Point, Precision};

/// Where the search for the end of the current line stopped, so that a refill resumes it instead of
/// starting again. Offsets are relative to the start of the line.
#[derive(Debug, Default, Clone)]
pub(crate) struct Cursor {
    /// No `\n` before this offset.
    newline_from: usize,
    /// Set once the line is known to need the quote-aware search.
    scan: Option<LineScan>,
}

impl Cursor {
    /// Offset up to which the current line has been examined (for the length limit).
    pub(crate) fn examined(&self, available: usize) -> usize {
        match &self.scan {
            Some(scan) => scan.pos,
            None => available.max(self.newline_from),
        }
    }
}

/// State of Go's `scanLine`: the first space starts the fields, and a `"` toggles quoting only where
/// a field value may start (more `=` than `,` seen).
#[derive(Debug, Clone)]
struct LineScan {
    /// Start of the line text (after leading blanks).
    text_start: usize,
    pos: usize,
    fields: bool,
    quoted: bool,
    equals: usize,
    commas: usize,
}

/// What [`next_line`] found at the start of the data.
#[derive(Debug)]
pub(crate) enum Step<'a> {
    /// Nothing left (only when the input has ended).
    End,
    /// The line is not complete yet; read more and call again with the same cursor.
    NeedMore,
    /// A blank or comment line, `consumed` bytes long including its `\n`.
    Skip { consumed: usize },
    /// A line to report: `text` is the line without leading blanks and terminator, `newlines` the
    /// number of raw newlines inside it. On success the point is filled and the result is its
    /// timestamp, if it has one.
    Line {
        consumed: usize,
        newlines: u64,
        text: &'a [u8],
        result: Result<Option<i64>, LineErrorKind>,
    },
}

/// Examines the line at the start of `data`; `eof` says no more input will come after `data`.
///
/// `valid` is text already known to be UTF-8 at the start of `data` (anything else, such as `""`,
/// counts as nothing known). It is extended as needed and, when a line is consumed, moved past it,
/// so that the caller passes it back unchanged with the rest of the data.
pub(crate) fn next_line<'a>(
    data: &'a [u8],
    valid: &mut &'a str,
    eof: bool,
    cursor: &mut Cursor,
    precision: Precision,
    point: &mut Point<'a>,
) -> Step<'a> {
    if cursor.scan.is_none() {
        let newline = data
            .get(cursor.newline_from..)
            .and_then(|rest| memchr(b'\n', rest))
            .map(|off| cursor.newline_from + off);
        let (end, consumed) = match newline {
            Some(nl) => (nl, nl + 1),
            None if !eof => {
                cursor.newline_from = data.len();
                return Step::NeedMore;
            }
            None if data.is_empty() => return Step::End,
            None => (data.len(), data.len()),
        };
        let raw = strip_cr(&data[..end]);
        let text_start = raw.iter().position(|&c| !is_blank(c)).unwrap_or(raw.len());
        if text_start == raw.len() || raw[text_start] == b'#' {
            *cursor = Cursor::default();
            *valid = advance(valid, consumed);
            return Step::Skip { consumed };
        }
        let text = &raw[text_start..];
        let outcome = match utf8_at(data, valid, text_start, raw.len()) {
            Some(line) => parse_point(line, newline.is_some(), precision, point),
            None => Err(Failure::Invalid(LineErrorKind::InvalidUtf8)),
        };
        match outcome {
            Ok(time) => {
                *cursor = Cursor::default();
                *valid = advance(valid, consumed);
                return Step::Line {
                    consumed,
                    newlines: 0,
                    text,
                    result: Ok(time),
                };
            }
            Err(Failure::Invalid(kind)) if memchr(b'"', text).is_none() => {
                *cursor = Cursor::default();
                *valid = advance(valid, consumed);
                return Step::Line {
                    consumed,
                    newlines: 0,
                    text,
                    result: Err(kind),
                };
            }
            // A string value (or what Go would take for one) may continue on the next line.
            Err(_) => {
                cursor.scan = Some(LineScan {
                    text_start,
                    pos: text_start,
                    fields: false,
                    quoted: false,
                    equals: 0,
                    commas: 0,
                });
            }
        }
    }

    let Some(scan) = cursor.scan.as_mut() else {
        return Step::NeedMore;
    };
    let Some(end) = scan.run(data, eof) else {
        return Step::NeedMore;
    };
    let text_start = scan.text_start;
    *cursor = Cursor::default();
    let consumed = if end < data.len() { end + 1 } else { end };
    // At the end of the input a quoted newline may be last; like Go, the line does not include it.
    let raw = strip_cr(data[..end].strip_suffix(b"\n").unwrap_or(&data[..end]));
    let text = raw.get(text_start..).unwrap_or_default();
    let newlines = memchr_iter(b'\n', text).count() as u64;
    let result = match std::str::from_utf8(text) {
        Ok(line) => match parse_point(line, false, precision, point) {
            Ok(time) => Ok(time),
            Err(Failure::Invalid(kind)) => Err(kind),
            Err(Failure::NeedMore) => Err(LineErrorKind::UnbalancedQuotes),
        },
        Err(_) => Err(LineErrorKind::InvalidUtf8),
    };
    *valid = advance(valid, consumed);
    Step::Line {
        consumed,
        newlines,
        text,
        result,
    }
}

/// How far past a line's end the UTF-8 check runs ahead in one go.
const VALIDATE_AHEAD: usize = 64 << 10;

/// `data[start..end]` as text, or `None` if it is not UTF-8.
///
/// Design: checking each line on its own costs more than the rest of the line's handling put
/// together on short lines; checking a large run of lines at once is several times cheaper per byte,
/// and each line is then a slice of the checked text. Where that run stops at a bad byte, the line
/// is checked on its own, so a bad line is found exactly as before and its neighbours are unaffected.
#[inline]
fn utf8_at<'a>(data: &'a [u8], valid: &mut &'a str, start: usize, end: usize) -> Option<&'a str> {
    if valid.len() < end || !std::ptr::eq(valid.as_ptr(), data.as_ptr()) {
        *valid = validate_ahead(data, end);
    }
    match valid.get(start..end) {
        Some(text) => Some(text),
        None => std::str::from_utf8(data.get(start..end)?).ok(),
    }
}

/// The longest UTF-8 prefix of `data` up to the last `\n` within [`VALIDATE_AHEAD`] bytes after
/// `end` (or up to `end` if there is none), so a run never splits a line.
#[cold]
#[inline(never)]
fn validate_ahead(data: &[u8], end: usize) -> &str {
    let limit = data.len().min(end.saturating_add(VALIDATE_AHEAD));
    let run_end = data
        .get(end..limit)
        .and_then(|ahead| memrchr(b'\n', ahead))
        .map_or(end, |nl| end + nl + 1)
        .min(data.len());
    let run = &data[..run_end];
    match std::str::from_utf8(run) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&run[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// What is left of the checked text `valid` once `consumed` bytes are consumed.
#[inline]
fn advance(valid: &str, consumed: usize) -> &str {
    valid.get(consumed..).unwrap_or_default()
}

/// Deviation: a `\r` before the line end is dropped, so CRLF input parses like LF input (Go keeps
/// it, so `cpu v=1\r` is `invalid number` in Kapacitor; `docs/COMPATIBILITY.md`, "Input").
fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

impl LineScan {
    /// Continues the scan; returns the index of the `\n` ending the line, or the end of `data` when
    /// the input has ended, or `None` when more data is needed.
    fn run(&mut self, data: &[u8], eof: bool) -> Option<usize> {
        while let Some(&c) = data.get(self.pos) {
            match c {
                b'\\' => match data.get(self.pos + 1) {
                    // Deviation: a backslash does not join a line to the next one.
                    Some(b'\n') => {}
                    Some(_) => {
                        self.pos += 2;
                        continue;
                    }
                    None if eof => {}
                    None => return None,
                },
                b' ' => self.fields = true,
                b'\n' if !self.quoted => return Some(self.pos),
                _ => {}
            }
            if self.fields {
                match c {
                    b'=' if !self.quoted => self.equals += 1,
                    b',' if !self.quoted => self.commas += 1,
                    b'"' if self.equals > self.commas => self.quoted = !self.quoted,
                    _ => {}
                }
            }
            self.pos += 1;
        }
        eof.then_some(data.len())
    }
}
