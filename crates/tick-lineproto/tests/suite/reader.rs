//! Streaming: line numbers, bad lines in the middle of good ones, string values over several lines,
//! lines split across buffer refills, the line-length limit, stopping and resuming, IO errors.

#![allow(clippy::unwrap_used)] // test helpers: a bad case should fail loudly

use std::io::{self, Read};
use std::ops::ControlFlow;

use tick_lineproto::{FieldValue, LineErrorKind, Lines, ParseOptions, Precision, Reader};

/// What a caller sees for one line: the number and either the point written back or the error text.
#[derive(Debug, PartialEq)]
enum Seen {
    Point(u64, String),
    Error(u64, String),
}

/// Hands out its data a few bytes at a time, so that lines straddle every kind of refill.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        let n = (1 + self.calls % self.step)
            .min(buf.len())
            .min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn read_all(reader: impl Read) -> Vec<Seen> {
    let mut seen = Vec::new();
    let mut reader = Reader::new(reader).with_now(|| 7);
    let done = reader
        .for_each(|n, result| {
            seen.push(match result {
                Ok(point) => Seen::Point(n, point.to_string()),
                Err(e) => {
                    assert_eq!(e.line_number, n);
                    Seen::Error(n, e.to_string())
                }
            });
            ControlFlow::<()>::Continue(())
        })
        .unwrap();
    assert_eq!(done, None);
    seen
}

fn in_memory(input: &[u8]) -> Vec<Seen> {
    Lines::new(
        input,
        ParseOptions {
            precision: Precision::Nanosecond,
            now: 7,
        },
    )
    .map(|(n, r)| match r {
        Ok(p) => Seen::Point(n, p.to_string()),
        Err(e) => Seen::Error(n, e.to_string()),
    })
    .collect()
}

const MIXED: &str = "# header comment\n\
cpu,host=a v=1 1\n\
\n\
cpu,host=a v= 2\n\
cpu,host=b s=\"first\nsecond\n\nfourth\",v=2i 3\n\
bad line\n\
   \t \n\
cpu,host=c v=true 4\r\n\
cpu v=\"unclosed\n";

#[test]
fn bad_lines_in_the_middle_leave_every_good_point_in_order() {
    let expected = vec![
        Seen::Point(2, "cpu,host=a v=1 1".into()),
        Seen::Error(
            4,
            "line 4: unable to parse 'cpu,host=a v= 2': missing field value".into(),
        ),
        Seen::Point(5, "cpu,host=b s=\"first\nsecond\n\nfourth\",v=2i 3".into()),
        Seen::Error(
            9,
            "line 9: unable to parse 'bad line': invalid field format".into(),
        ),
        Seen::Point(11, "cpu,host=c v=true 4".into()),
        Seen::Error(
            12,
            "line 12: unable to parse 'cpu v=\"unclosed': unbalanced quotes".into(),
        ),
    ];
    assert_eq!(in_memory(MIXED.as_bytes()), expected);
    assert_eq!(read_all(MIXED.as_bytes()), expected);
    for step in 1..9 {
        let trickle = Trickle {
            data: MIXED.as_bytes(),
            step,
            calls: 0,
        };
        assert_eq!(read_all(trickle), expected, "step {step}");
    }
}

#[test]
fn an_error_line_with_a_multi_line_string_is_one_error() {
    let input = "cpu,a=b=c s=\"x\ny\"\ncpu v=1 5\n";
    let expected = vec![
        Seen::Error(
            1,
            "line 1: unable to parse 'cpu,a=b=c s=\"x\ny\"': invalid tag format".into(),
        ),
        Seen::Point(3, "cpu v=1 5".into()),
    ];
    assert_eq!(read_all(input.as_bytes()), expected);
    let trickle = Trickle {
        data: input.as_bytes(),
        step: 3,
        calls: 0,
    };
    assert_eq!(read_all(trickle), expected);
}

#[test]
fn a_missing_timestamp_asks_the_clock() {
    assert_eq!(
        read_all(&b"cpu v=1\n"[..]),
        vec![Seen::Point(1, "cpu v=1 7".into())]
    );
}

#[test]
fn precision_applies_to_streamed_timestamps() {
    let mut times = Vec::new();
    Reader::new(&b"cpu v=1 3\ncpu v=1\n"[..])
        .with_precision(Precision::Second)
        .with_now(|| 5_500_000_000)
        .for_each(|_, r| {
            times.push(r.unwrap().time);
            ControlFlow::<()>::Continue(())
        })
        .unwrap();
    assert_eq!(times, [3_000_000_000, 5_000_000_000]);
}

#[test]
fn lines_much_longer_than_a_read_are_reassembled() {
    let long_value = "x".repeat(700_000);
    let input = format!("m s=\"{long_value}\" 1\nm s=\"a\nb{long_value}\" 2\nm v=1 3\n");
    let seen = read_all(Trickle {
        data: input.as_bytes(),
        step: 50_000,
        calls: 0,
    });
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0], Seen::Point(1, format!("m s=\"{long_value}\" 1")));
    assert_eq!(
        seen[1],
        Seen::Point(2, format!("m s=\"a\nb{long_value}\" 2"))
    );
    assert_eq!(seen[2], Seen::Point(4, "m v=1 3".into()));
}

#[test]
fn a_line_over_the_limit_is_reported_and_skipped() {
    let input = format!("m v=1 1\nm s=\"{}\" 2\nm v=3 3\n", "y".repeat(5000));
    let mut seen = Vec::new();
    Reader::new(Trickle {
        data: input.as_bytes(),
        step: 700,
        calls: 0,
    })
    .with_max_line_len(1000)
    .for_each(|n, r| {
        seen.push(match r {
            Ok(p) => Ok((n, p.time)),
            Err(e) => {
                // Only the start of the line is shown, marked as cut.
                assert!(e.line.starts_with("m s=\"yyyy"), "{}", e.line);
                assert!(e.line.ends_with("yyy..."), "{}", e.line);
                assert!(e.line.len() <= 1027, "{}", e.line.len());
                Err((n, e.kind))
            }
        });
        ControlFlow::<()>::Continue(())
    })
    .unwrap();
    assert_eq!(
        seen,
        [
            Ok((1, 1)),
            Err((2, LineErrorKind::LineTooLong(1000))),
            Ok((3, 3))
        ]
    );
}

#[test]
fn an_unclosed_quote_cannot_grow_a_line_past_the_limit() {
    let input = format!("m s=\"open\n{}\nm v=1 9\n", "z\n".repeat(3000));
    let mut kinds = Vec::new();
    Reader::new(input.as_bytes())
        .with_max_line_len(1000)
        .for_each(|n, r| {
            kinds.push((n, r.map(|p| p.time).map_err(|e| e.kind)));
            ControlFlow::<()>::Continue(())
        })
        .unwrap();
    assert_eq!(kinds[0], (1, Err(LineErrorKind::LineTooLong(1000))));
    // After the cut, the reader resynchronises on plain newlines and numbering stays exact.
    assert_eq!(kinds.last(), Some(&(3003, Ok(9))));
}

#[test]
fn breaking_out_stops_and_a_second_call_resumes() {
    let mut reader = Reader::new(&b"m v=1 1\nm v=2 2\nm v=3 3\n"[..]);
    let first = reader
        .for_each(|n, r| ControlFlow::Break((n, r.unwrap().time)))
        .unwrap();
    assert_eq!(first, Some((1, 1)));
    let mut rest = Vec::new();
    let end = reader
        .for_each(|n, r| {
            rest.push((n, r.unwrap().time));
            ControlFlow::<()>::Continue(())
        })
        .unwrap();
    assert_eq!(end, None);
    assert_eq!(rest, [(2, 2), (3, 3)]);
}

#[test]
fn read_errors_are_returned() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }
    let err = Reader::new(Broken)
        .for_each(|_, _| ControlFlow::<()>::Continue(()))
        .unwrap_err();
    assert_eq!(err.to_string(), "disk on fire");
}

#[test]
fn the_last_line_needs_no_newline() {
    assert_eq!(read_all(&b"m v=1 1\nm v=2 2"[..]).len(), 2);
    assert_eq!(in_memory(b"m v=\"a\nb\" 2").len(), 1);
}

#[test]
fn points_borrow_from_the_reader_buffer_and_can_be_kept_owned() {
    let mut kept = Vec::new();
    Reader::new(&b"cpu,host=a s=\"v\" 1\n"[..])
        .for_each(|_, r| {
            kept.push(r.unwrap().clone().into_owned());
            ControlFlow::<()>::Continue(())
        })
        .unwrap();
    assert_eq!(kept[0].tag("host"), Some("a"));
    assert_eq!(kept[0].field("s"), Some(&FieldValue::String("v".into())));
}

#[test]
fn points_of_different_shapes_in_a_row_do_not_leak_into_each_other() {
    // The reader reuses one point's tags and fields from line to line.
    let input = "a,x=1,y=2,z=3 f=1,g=2i,h=\"s\" 1\n\
b g=true 2\n\
c,y=9 k=1,k=2 3\n\
d,x=1 f=1,bad 4\n\
e,a\\ b=c f\\,g=\"q\\\"\" 5\n\
f v=1 6\n";
    let expected = vec![
        Seen::Point(1, "a,x=1,y=2,z=3 f=1,g=2i,h=\"s\" 1".into()),
        Seen::Point(2, "b g=true 2".into()),
        Seen::Point(3, "c,y=9 k=2 3".into()),
        Seen::Error(
            4,
            "line 4: unable to parse 'd,x=1 f=1,bad 4': invalid field format".into(),
        ),
        Seen::Point(5, "e,a\\ b=c f\\,g=\"q\\\"\" 5".into()),
        Seen::Point(6, "f v=1 6".into()),
    ];
    assert_eq!(read_all(input.as_bytes()), expected);
    assert_eq!(in_memory(input.as_bytes()), expected);
}
