//! The `lineproto_roundtrip` invariant, shared by the fuzz target and the regression test: parsing
//! never panics; the streaming reader (fed in small, uneven reads) agrees with the in-memory parser;
//! and every accepted point, written back, re-parses to exactly itself.

use std::io::{self, Read};
use std::ops::ControlFlow;

use tick_lineproto::{Lines, ParseOptions, Precision, Reader};

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

/// Panics if `data` breaks the invariant.
pub(crate) fn check(data: &[u8]) {
    let knob = data.first().copied().unwrap_or(0);
    let precision = Precision::parse(["n", "u", "ms", "s", "m", "h"][usize::from(knob % 6)])
        .unwrap_or(Precision::Nanosecond);
    let options = ParseOptions {
        precision,
        now: 1_234_567_890_123,
    };

    let in_memory: Vec<(u64, Result<String, String>)> = Lines::new(data, options)
        .map(|(n, r)| (n, r.map(|p| p.to_string()).map_err(|e| e.to_string())))
        .collect();

    let mut streamed = Vec::new();
    let trickle = Trickle {
        data,
        step: 1 + usize::from(knob / 6) % 13,
        calls: 0,
    };
    Reader::new(trickle)
        .with_precision(precision)
        .with_now(move || options.now)
        // No line is over the limit; it only keeps the buffer small, so the fuzzer runs fast.
        .with_max_line_len(data.len())
        .for_each(|n, r| {
            streamed.push((n, r.map(|p| p.to_string()).map_err(|e| e.to_string())));
            ControlFlow::<()>::Continue(())
        })
        .unwrap_or_else(|e| panic!("reading from memory failed: {e}"));
    assert_eq!(
        in_memory, streamed,
        "streaming and in-memory parsing disagree"
    );

    let nanos = ParseOptions {
        precision: Precision::Nanosecond,
        now: 0,
    };
    for (number, point) in Lines::new(data, options) {
        let Ok(point) = point else { continue };
        let written = point.to_string();
        let again: Vec<_> = Lines::new(written.as_bytes(), nanos).collect();
        assert_eq!(
            again.len(),
            1,
            "line {number}: {written:?} re-parses to {again:?}"
        );
        let (_, reparsed) = &again[0];
        let reparsed = reparsed
            .as_ref()
            .unwrap_or_else(|e| panic!("line {number}: {written:?} is rejected: {e}"));
        assert_eq!(reparsed, &point, "line {number}: {written:?}");
        assert_eq!(
            reparsed.to_string(),
            written,
            "line {number}: float signs differ"
        );
        // The series text alone names the measurement and tags it was parsed into.
        let probe = format!("{} x=1 0", point.series);
        let named: Vec<_> = Lines::new(probe.as_bytes(), nanos).collect();
        match named.as_slice() {
            [(_, Ok(p))] => assert!(
                p.measurement == point.measurement && p.tags == point.tags,
                "line {number}: series {:?} parses to {p:?}",
                point.series
            ),
            other => panic!("line {number}: series {:?} gives {other:?}", point.series),
        }
    }
}
