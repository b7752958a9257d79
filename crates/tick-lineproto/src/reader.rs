//! Streaming and in-memory drivers: [`Reader`] pulls from any `std::io::Read` through one reused
//! buffer (memory stays flat however long the input), [`Lines`] walks input already in memory. Both
//! number lines, fill in missing timestamps and turn failures into [`LineError`]s; the grammar lives
//! in `parse` and line splitting in `split`.

use std::borrow::Cow;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::time::{SystemTime, UNIX_EPOCH};

use memchr::{memchr, memchr_iter};

use crate::error::{LineError, LineErrorKind};
use crate::point::{Field, Point, Precision, Tag};
use crate::split::{Cursor, Step, next_line};

/// Default limit on the length of one line: 64 MiB.
pub const DEFAULT_MAX_LINE_LEN: usize = 64 << 20;

const INITIAL_BUFFER: usize = 256 << 10;

/// Options for parsing input held in memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Unit of the timestamps.
    pub precision: Precision,
    /// Time, in nanoseconds since the epoch, given (truncated to the precision) to points without a
    /// timestamp.
    pub now: i64,
}

/// Parses line protocol held in memory, one item per non-blank, non-comment line:
/// `(line_number, result)`, line numbers 1-based.
///
/// ```
/// use tick_lineproto::{FieldValue, Lines, ParseOptions};
/// let mut lines = Lines::new(b"cpu,host=a usage_idle=5 10\n", ParseOptions::default());
/// let (number, point) = lines.next().unwrap();
/// let point = point.unwrap();
/// assert_eq!((number, point.time), (1, 10));
/// assert_eq!(point.field("usage_idle"), Some(&FieldValue::Float(5.0)));
/// ```
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    input: &'a [u8],
    walk: Walk,
    /// Text known to be UTF-8 from the current position on.
    valid: &'a str,
    options: ParseOptions,
}

impl<'a> Lines<'a> {
    /// Starts at the first line of `input`.
    pub fn new(input: &'a [u8], options: ParseOptions) -> Lines<'a> {
        Lines {
            input,
            walk: Walk::new(),
            valid: "",
            options,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u64, Result<Point<'a>, LineError>);

    fn next(&mut self) -> Option<Self::Item> {
        let mut point = Point::default();
        let options = self.options;
        match step(
            self.input,
            true,
            &mut self.walk,
            &mut self.valid,
            options.precision,
            &mut point,
            || options.now,
            |number, result| (number, result.map(|_| ())),
        ) {
            Found::End | Found::NeedMore(_) => None,
            Found::Line((number, result)) => Some((number, result.map(|()| point))),
        }
    }
}

/// Where a walk through the input stands: shared by [`Lines`] and [`Reader`].
#[derive(Debug, Clone)]
struct Walk {
    /// Offset of the next line in the input (or the buffer).
    start: usize,
    /// Number of that line.
    line: u64,
    /// How far the search for that line's end has got.
    cursor: Cursor,
}

impl Walk {
    fn new() -> Walk {
        Walk {
            start: 0,
            line: 1,
            cursor: Cursor::default(),
        }
    }
}

/// What [`step`] found.
enum Found<T> {
    /// The input has ended.
    End,
    /// The line at `walk.start` is incomplete; holds how many bytes of it are buffered.
    NeedMore(usize),
    /// A line, as handed to `line`.
    Line(T),
}

/// Moves `walk` past blank and comment lines and the next line to report, which is parsed into
/// `point` and handed to `line` with its number; a point without a timestamp gets `now()` truncated
/// to the precision. `input` holds what is buffered, and `eof` says whether more may follow; `valid`
/// is as for `next_line`.
#[allow(clippy::too_many_arguments)] // one call site each in `Lines` and `Reader`, all inlined
#[inline(always)]
fn step<'a, T>(
    input: &'a [u8],
    eof: bool,
    walk: &mut Walk,
    valid: &mut &'a str,
    precision: Precision,
    point: &mut Point<'a>,
    now: impl FnOnce() -> i64,
    line: impl FnOnce(u64, Result<&Point<'a>, LineError>) -> T,
) -> Found<T> {
    loop {
        let Some(data) = input.get(walk.start..) else {
            return Found::End;
        };
        match next_line(data, valid, eof, &mut walk.cursor, precision, point) {
            Step::End => return Found::End,
            Step::NeedMore => return Found::NeedMore(data.len()),
            Step::Skip { consumed } => {
                walk.start += consumed;
                walk.line += 1;
            }
            Step::Line {
                consumed,
                newlines,
                text,
                result,
            } => {
                let number = walk.line;
                walk.start += consumed;
                walk.line += 1 + newlines;
                let result = match result {
                    Ok(time) => {
                        point.time = time.unwrap_or_else(|| precision.truncate(now()));
                        Ok(&*point)
                    }
                    Err(kind) => Err(LineError::new(number, text, kind)),
                };
                return Found::Line(line(number, result));
            }
        }
    }
}

/// Streams line protocol from any reader (stdin, a file) through one reused buffer.
///
/// Memory stays flat: only the line being parsed is buffered (up to [`Reader::with_max_line_len`]),
/// and the vectors of a point are reused from line to line.
pub struct Reader<R> {
    input: R,
    buf: Vec<u8>,
    /// The next line starts at `walk.start` in `buf`.
    walk: Walk,
    end: usize,
    eof: bool,
    precision: Precision,
    now: Box<dyn FnMut() -> i64 + Send>,
    max_line_len: usize,
    /// Set after an over-long line: drop input up to the next `\n`.
    discarding: bool,
    tags: Vec<Tag<'static>>,
    fields: Vec<Field<'static>>,
}

impl<R> std::fmt::Debug for Reader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("line", &self.walk.line)
            .field("precision", &self.precision)
            .field("max_line_len", &self.max_line_len)
            .finish_non_exhaustive()
    }
}

/// Why [`Reader::for_each`] stopped parsing the buffered lines.
enum Stop<B> {
    End,
    Break(B),
    /// The line at `walk.start` is incomplete; holds how many bytes of it are buffered.
    NeedMore(usize),
}

/// Nanoseconds since the epoch on the system clock (0 before 1970, saturating after 2262): the
/// time a line without a timestamp gets, and the one wall clock of the workspace.
pub fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Empties a vector and gives it back with its capacity, for points borrowing from another buffer.
fn recycle<'b, T, U>(mut v: Vec<T>) -> Vec<U>
where
    T: Recyclable<'b, Target = U>,
{
    v.clear();
    // Collecting an empty vector's iterator into a vector of a same-sized type reuses its allocation.
    v.into_iter().filter_map(|_| None).collect()
}

/// Types that differ from `Target` only by lifetime.
trait Recyclable<'b> {
    type Target;
}
impl<'b> Recyclable<'b> for Tag<'_> {
    type Target = Tag<'b>;
}
impl<'b> Recyclable<'b> for Field<'_> {
    type Target = Field<'b>;
}

/// What [`Reader::for_each_item`] hands out.
#[derive(Debug)]
pub enum Item<'p, 'a> {
    /// A line: its number and its point or error.
    Line(u64, Result<&'p Point<'a>, LineError>),
    /// Every buffered line has been handed out; the reader is about to read more input.
    Reading,
}

impl<R: Read> Reader<R> {
    /// A reader with nanosecond precision, the system clock for points without a timestamp, and a
    /// 64 MiB line limit.
    pub fn new(input: R) -> Reader<R> {
        Reader {
            input,
            buf: Vec::new(),
            walk: Walk::new(),
            end: 0,
            eof: false,
            precision: Precision::Nanosecond,
            now: Box::new(system_now),
            max_line_len: DEFAULT_MAX_LINE_LEN,
            discarding: false,
            tags: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// Sets the unit of the timestamps.
    #[must_use]
    pub fn with_precision(mut self, precision: Precision) -> Reader<R> {
        self.precision = precision;
        self
    }

    /// Sets the clock asked, only for points without a timestamp, for "now" in nanoseconds since the
    /// epoch (truncated to the precision). `with_now(|| 0)` makes a run deterministic.
    #[must_use]
    pub fn with_now(mut self, now: impl FnMut() -> i64 + Send + 'static) -> Reader<R> {
        self.now = Box::new(now);
        self
    }

    /// Sets the longest line accepted, in bytes; a longer line is reported as
    /// [`LineErrorKind::LineTooLong`] and skipped up to the next newline.
    #[must_use]
    pub fn with_max_line_len(mut self, max: usize) -> Reader<R> {
        self.max_line_len = max.max(1);
        self
    }

    /// Calls `f` with `(line_number, result)` for each non-blank, non-comment line, in order, until the
    /// input ends (returns `Ok(None)`) or `f` breaks (returns `Ok(Some(value))`; calling again
    /// resumes after that line). Errors reading the input are returned as they happen.
    pub fn for_each<B, F>(&mut self, mut f: F) -> io::Result<Option<B>>
    where
        F: FnMut(u64, Result<&Point<'_>, LineError>) -> ControlFlow<B>,
    {
        self.for_each_item(|item| match item {
            Item::Line(number, result) => f(number, result),
            Item::Reading => ControlFlow::Continue(()),
        })
    }

    /// [`Reader::for_each`] that also tells `f` when every buffered line has been handed out
    /// and the reader is about to read (and may wait for) more input: the moment to flush
    /// whatever `f` batches, so that nothing waits on input that may be slow to come.
    pub fn for_each_item<B, F>(&mut self, mut f: F) -> io::Result<Option<B>>
    where
        F: FnMut(Item<'_, '_>) -> ControlFlow<B>,
    {
        loop {
            if self.discarding {
                self.discard()?;
                continue;
            }
            // Every line now in the buffer is parsed into the same point, whose vectors (and their
            // elements) are reused from line to line; they are recycled only when the buffer moves.
            let buffered = &self.buf[..self.end];
            let mut point = Point {
                measurement: Cow::Borrowed(""),
                series: Cow::Borrowed(""),
                tags: recycle(std::mem::take(&mut self.tags)),
                fields: recycle(std::mem::take(&mut self.fields)),
                time: 0,
            };
            // Text known to be UTF-8 from `walk.start` on, in this fill of the buffer.
            let mut valid = "";
            let stop = loop {
                match step(
                    buffered,
                    self.eof,
                    &mut self.walk,
                    &mut valid,
                    self.precision,
                    &mut point,
                    &mut self.now,
                    |number, result| f(Item::Line(number, result)),
                ) {
                    Found::End => break Stop::End,
                    Found::NeedMore(pending) => break Stop::NeedMore(pending),
                    Found::Line(ControlFlow::Break(b)) => break Stop::Break(b),
                    Found::Line(ControlFlow::Continue(())) => {}
                }
            };
            self.tags = recycle(point.tags);
            self.fields = recycle(point.fields);
            match stop {
                Stop::End => return Ok(None),
                Stop::Break(b) => return Ok(Some(b)),
                Stop::NeedMore(pending) if pending > self.max_line_len => {
                    if let ControlFlow::Break(b) = self.too_long(&mut f) {
                        return Ok(Some(b));
                    }
                }
                Stop::NeedMore(_) => {
                    if let ControlFlow::Break(b) = f(Item::Reading) {
                        return Ok(Some(b));
                    }
                    self.refill()?;
                }
            }
        }
    }

    /// Reports the line at the start of the buffer as too long and starts discarding it.
    fn too_long<B, F>(&mut self, f: &mut F) -> ControlFlow<B>
    where
        F: FnMut(Item<'_, '_>) -> ControlFlow<B>,
    {
        let data = &self.buf[self.walk.start..self.end];
        let examined = self.walk.cursor.examined(data.len()).min(data.len());
        let text_start = data
            .iter()
            .position(|&c| !crate::parse::is_blank(c))
            .unwrap_or(0);
        let error = LineError::new(
            self.walk.line,
            data.get(text_start..).unwrap_or_default(),
            LineErrorKind::LineTooLong(self.max_line_len),
        );
        let number = self.walk.line;
        self.walk.line += memchr_iter(b'\n', &data[..examined]).count() as u64;
        self.walk.start += examined;
        self.walk.cursor = Cursor::default();
        self.discarding = true;
        f(Item::Line(number, Err(error)))
    }

    /// Drops input up to and including the next `\n`.
    fn discard(&mut self) -> io::Result<()> {
        let data = &self.buf[self.walk.start..self.end];
        match memchr(b'\n', data) {
            Some(nl) => {
                self.walk.start += nl + 1;
                self.walk.line += 1;
                self.discarding = false;
            }
            None if self.eof => {
                self.walk.start = self.end;
                self.walk.line += 1;
                self.discarding = false;
            }
            None => {
                self.walk.start = self.end;
                self.refill()?;
            }
        }
        Ok(())
    }

    /// Moves the unconsumed bytes to the front, grows the buffer if it is full, and reads once.
    fn refill(&mut self) -> io::Result<()> {
        if self.walk.start > 0 {
            self.buf.copy_within(self.walk.start..self.end, 0);
            self.end -= self.walk.start;
            self.walk.start = 0;
        }
        if self.end == self.buf.len() {
            let limit = self.max_line_len.saturating_add(2);
            let len =
                (self.buf.len() * 2).clamp(INITIAL_BUFFER.min(limit), limit.max(self.end + 1));
            self.buf.resize(len, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycling_keeps_the_allocation() {
        let text = String::from("borrowed");
        let mut tags: Vec<Tag<'_>> = Vec::with_capacity(8);
        tags.push(Tag {
            key: Cow::Borrowed(&text),
            value: Cow::Borrowed(&text),
        });
        let before = tags.as_ptr() as usize;
        let spare: Vec<Tag<'static>> = recycle(tags);
        drop(text);
        assert_eq!(
            (spare.as_ptr() as usize, spare.capacity(), spare.len()),
            (before, 8, 0)
        );
        let mut fields: Vec<Field<'_>> = Vec::with_capacity(4);
        fields.push(Field {
            key: Cow::Borrowed("k"),
            value: crate::FieldValue::Int(1),
        });
        let before = fields.as_ptr() as usize;
        let spare: Vec<Field<'static>> = recycle(fields);
        assert_eq!((spare.as_ptr() as usize, spare.capacity()), (before, 4));
    }
}
