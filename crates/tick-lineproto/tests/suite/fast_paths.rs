//! The shortcuts of the parser against the rules they stand for: timestamps read eight digits at a
//! time, UTF-8 checked for many lines at once, tags compared by their first byte. Each case is one
//! where a shortcut could plausibly go wrong (a chunk boundary, a byte just outside `0`..`9`, a bad
//! byte far into the input); expected values come from the Go parser's
//! rules (InfluxDB `models/points.go` `scanTime`, `scanTags`, vendored in Kapacitor v1.5.7).

#![allow(clippy::unwrap_used)] // test helpers: a bad case should fail loudly

use std::io::{self, Read};
use std::ops::ControlFlow;

use tick_lineproto::{FieldValue, Lines, ParseOptions, Precision, Reader};

/// What a caller sees for one line: its number and either the point written back or the error.
fn in_memory(input: &[u8]) -> Vec<(u64, Result<String, String>)> {
    let options = ParseOptions {
        precision: Precision::Nanosecond,
        now: 5,
    };
    Lines::new(input, options)
        .map(|(n, r)| (n, r.map(|p| p.to_string()).map_err(|e| e.to_string())))
        .collect()
}

/// Hands out its data `step` bytes at a time, so that lines (and characters) straddle refills.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn streamed(input: &[u8], step: usize) -> Vec<(u64, Result<String, String>)> {
    let mut seen = Vec::new();
    Reader::new(Trickle { data: input, step })
        .with_now(|| 5)
        .for_each(|n, r| {
            seen.push((n, r.map(|p| p.to_string()).map_err(|e| e.to_string())));
            ControlFlow::<()>::Continue(())
        })
        .unwrap();
    seen
}

/// Checks `input` in memory and streamed in reads of several sizes, which must all agree.
fn everywhere(input: &[u8]) -> Vec<(u64, Result<String, String>)> {
    let expected = in_memory(input);
    for step in [1, 2, 3, 7, 64, 4096, usize::MAX] {
        assert_eq!(streamed(input, step), expected, "reads of {step} bytes");
    }
    expected
}

fn time_of(line: &str) -> Result<i64, String> {
    let mut items = Lines::new(line.as_bytes(), ParseOptions::default());
    let (_, result) = items.next().unwrap();
    result.map(|p| p.time).map_err(|e| e.to_string())
}

fn time_error(line: &str) -> String {
    let message = time_of(line).unwrap_err();
    let prefix = format!("line 1: unable to parse '{line}': ");
    message.strip_prefix(&prefix).unwrap().to_owned()
}

#[test]
fn timestamps_of_every_length_up_to_nineteen_digits_read_exactly() {
    // Lengths on both sides of each eight-digit chunk, with digits that differ in every place.
    let digits = "1928374655647382910";
    for len in 1..=19 {
        let text = &digits[..len];
        let expected: i64 = text.parse().unwrap();
        assert_eq!(time_of(&format!("cpu v=1 {text}")), Ok(expected), "{text}");
        assert_eq!(
            time_of(&format!("cpu v=1 {text}  ")),
            Ok(expected),
            "{text}"
        );
    }
    assert_eq!(time_of("cpu v=1 0000000000000000000"), Ok(0));
    assert_eq!(
        time_of("cpu v=1 9999999999999999"),
        Ok(9_999_999_999_999_999)
    );
}

#[test]
fn timestamps_longer_than_nineteen_digits_follow_go_parse_int() {
    // Leading zeros are allowed however many there are, as long as the value fits.
    assert_eq!(time_of("cpu v=1 00000000000000000000042"), Ok(42));
    assert_eq!(
        time_error("cpu v=1 10000000000000000000"),
        "strconv.ParseInt: parsing \"10000000000000000000\": value out of range"
    );
    // 19 digits above i64::MAX.
    assert_eq!(
        time_error("cpu v=1 9999999999999999999"),
        "strconv.ParseInt: parsing \"9999999999999999999\": value out of range"
    );
}

#[test]
fn a_byte_next_to_the_digits_in_ascii_is_a_bad_timestamp_at_any_place() {
    // `/` is just below `0` and `:`..`?` just above `9`; each is placed inside the first and the
    // second eight-digit chunk and among the last digits.
    for bad in ['/', ':', ';', '?', '\u{7f}'] {
        for at in [0, 3, 7, 8, 12, 15, 16, 18] {
            let mut text: Vec<char> = "1234567890123456789".chars().collect();
            text[at] = bad;
            let text: String = text.into_iter().collect();
            assert_eq!(
                time_error(&format!("cpu v=1 {text}")),
                "bad timestamp",
                "{text:?}"
            );
        }
    }
}

#[test]
fn text_after_the_timestamp_makes_the_point_invalid() {
    assert_eq!(time_error("cpu v=1 12345678 x"), "point is invalid");
    assert_eq!(time_error("cpu v=1 1234567812345678 9"), "point is invalid");
    // A tab is no separator, so it is part of the timestamp.
    assert_eq!(time_error("cpu v=1 12345678\t"), "bad timestamp");
}

#[test]
fn fast_timestamps_are_scaled_and_range_checked_like_any_other() {
    let options = ParseOptions {
        precision: Precision::Second,
        now: 0,
    };
    let time = |line: &str| {
        let (_, r) = Lines::new(line.as_bytes(), options).next().unwrap();
        r.map(|p| p.time).map_err(|e| e.to_string())
    };
    assert_eq!(time("cpu v=1 1464782400"), Ok(1_464_782_400_000_000_000));
    assert_eq!(
        time("cpu v=1 9223372037"),
        Err(
            "line 1: unable to parse 'cpu v=1 9223372037': time outside range \
             -9223372036854775806 - 9223372036854775806"
                .to_owned()
        )
    );
}

#[test]
fn a_line_that_is_not_utf8_is_rejected_alone() {
    let input = b"cpu v=1 1\ncpu,h=\xff v=2 2\ncpu v=3 3\n";
    assert_eq!(
        everywhere(input),
        vec![
            (1, Ok("cpu v=1 1".to_owned())),
            (
                2,
                Err("line 2: unable to parse 'cpu,h=\u{fffd} v=2 2': invalid UTF-8".to_owned())
            ),
            (3, Ok("cpu v=3 3".to_owned())),
        ]
    );
}

#[test]
fn characters_split_across_reads_are_still_one_character() {
    let input = "m,h=é v=\"€ 😀\",w=1 7\nm,h=ö v=\"x\" 8\n";
    assert_eq!(
        everywhere(input.as_bytes()),
        vec![
            (1, Ok("m,h=é v=\"€ 😀\",w=1 7".to_owned())),
            (2, Ok("m,h=ö v=\"x\" 8".to_owned())),
        ]
    );
}

#[test]
fn a_bad_byte_in_a_comment_affects_no_line() {
    let input = b"# caf\xe9\ncpu v=1 1\n# \xff\xfe\ncpu v=2 2";
    assert_eq!(
        everywhere(input),
        vec![
            (2, Ok("cpu v=1 1".to_owned())),
            (4, Ok("cpu v=2 2".to_owned())),
        ]
    );
}

#[test]
fn a_character_cut_off_by_the_end_of_the_input_is_invalid() {
    // `€` is E2 82 AC; the input ends after its second byte, inside a field key.
    let input = b"cpu v=1 1\ncpu \xe2\x82";
    assert_eq!(
        everywhere(input),
        vec![
            (1, Ok("cpu v=1 1".to_owned())),
            (
                2,
                Err("line 2: unable to parse 'cpu \u{fffd}': invalid UTF-8".to_owned())
            ),
        ]
    );
}

#[test]
fn bad_lines_far_into_a_long_input_are_found_exactly() {
    // About 300 KB: several times the span checked at once, and more than one reader buffer.
    let mut input = Vec::new();
    for n in 1..=20_000u64 {
        match n {
            4_999 => input.extend_from_slice(b"cpu,h=\xc3 v=1 1\n"),
            5_000 => input.extend_from_slice(b"cpu,h=\xc3\xa9 v=1 1\n"),
            17_321 => input.extend_from_slice(b"cpu v=\"\xed\xa0\x80\" 1\n"),
            _ => input.extend_from_slice(format!("cpu,host=h{n} v={n}i {n}\n").as_bytes()),
        }
    }
    let seen = everywhere(&input);
    assert_eq!(seen.len(), 20_000);
    let errors: Vec<_> = seen
        .iter()
        .filter_map(|(n, r)| r.as_ref().err().map(|e| (*n, e.clone())))
        .collect();
    assert_eq!(
        errors,
        vec![
            (
                4_999,
                "line 4999: unable to parse 'cpu,h=\u{fffd} v=1 1': invalid UTF-8".to_owned()
            ),
            // A UTF-16 surrogate (ED A0 80) is not UTF-8: three replacement characters.
            (
                17_321,
                "line 17321: unable to parse 'cpu v=\"\u{fffd}\u{fffd}\u{fffd}\" 1': invalid UTF-8"
                    .to_owned()
            ),
        ]
    );
    assert_eq!(seen[4_999], (5_000, Ok("cpu,h=é v=1 1".to_owned())));
    assert_eq!(
        seen[19_999],
        (20_000, Ok("cpu,host=h20000 v=20000i 20000".to_owned()))
    );
}

#[test]
fn a_string_over_several_lines_after_a_bad_line_is_read_whole() {
    let input = b"cpu v=\xff 1\ncpu v=\"a\nb\xc3\xa9\" 2\ncpu v=3 3\n";
    let seen = everywhere(input);
    assert_eq!(
        seen,
        vec![
            (
                1,
                Err("line 1: unable to parse 'cpu v=\u{fffd} 1': invalid UTF-8".to_owned())
            ),
            (2, Ok("cpu v=\"a\nbé\" 2".to_owned())),
            (4, Ok("cpu v=3 3".to_owned())),
        ]
    );
    let (_, point) = Lines::new(&input[..], ParseOptions::default())
        .nth(1)
        .unwrap();
    assert_eq!(
        point.unwrap().field("v"),
        Some(&FieldValue::String("a\nbé".into()))
    );
}

#[test]
fn tags_sharing_a_first_byte_are_sorted_by_the_rest() {
    let (_, point) = Lines::new(b"cpu,ab=1,b=2,aa=3,a=4 v=1 1", ParseOptions::default())
        .next()
        .unwrap();
    let keys: Vec<_> = point
        .unwrap()
        .tags
        .iter()
        .map(|t| t.key.to_string())
        .collect();
    assert_eq!(keys, ["a", "aa", "ab", "b"]);
    let (_, duplicate) = Lines::new(b"cpu,ab=1,b=2,ab=3 v=1 1", ParseOptions::default())
        .next()
        .unwrap();
    assert_eq!(
        duplicate.unwrap_err().to_string(),
        "line 1: unable to parse 'cpu,ab=1,b=2,ab=3 v=1 1': duplicate tags"
    );
}
