//! The line-protocol files in the repository's `tests/fixtures/lineproto/` (also the seeds of the
//! `lineproto_roundtrip` fuzz target): each parses without a panic into exactly the good and bad
//! lines that reading it by hand gives, by InfluxDB 1.x line protocol plus the extensions listed in
//! docs/COMPATIBILITY.md (`12u` that fits in an i64, CRLF line ends).

#![allow(clippy::unwrap_used)] // test helpers: a bad case should fail loudly

use std::path::PathBuf;

use tick_lineproto::{FieldValue, Lines, ParseOptions, Point};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/lineproto")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Line numbers of the good and of the bad lines, and the good points.
fn parse(input: &[u8]) -> (Vec<u64>, Vec<u64>, Vec<Point<'_>>) {
    let options = ParseOptions {
        now: 7,
        ..ParseOptions::default()
    };
    let (mut good, mut bad, mut points) = (Vec::new(), Vec::new(), Vec::new());
    for (number, result) in Lines::new(input, options) {
        match result {
            Ok(p) => {
                good.push(number);
                points.push(p);
            }
            Err(_) => bad.push(number),
        }
    }
    (good, bad, points)
}

#[test]
fn every_fixture_is_covered_here() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lineproto");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["errors.lp", "escapes.lp", "telegraf.lp"]);
}

#[test]
fn errors_lp_has_one_good_line_among_seven_bad_ones() {
    // 1 `cpu,a=b, v=1`: an empty tag key; 3 `NaN` and 4 `+1`: not numbers in line protocol;
    // 5: one past i64::MAX; 6 `12a`: not a timestamp; 7: text after the timestamp; 8: a string
    // that never closes. Line 2 `v=1u` is an unsigned integer that fits in an i64: accepted.
    let input = fixture("errors.lp");
    let (good, bad, points) = parse(&input);
    assert_eq!(good, [2]);
    assert_eq!(bad, [1, 3, 4, 5, 6, 7, 8]);
    assert_eq!(points[0].field("v"), Some(&FieldValue::Int(1)));
    assert_eq!(points[0].time, 7);
}

#[test]
fn escapes_lp_has_three_good_points_one_of_them_over_two_lines() {
    let input = fixture("escapes.lp");
    let (good, bad, points) = parse(&input);
    // The string field of line 3 holds a CRLF and ends on line 4, so there is no line 4 of its own.
    assert_eq!(good, [1, 2, 3]);
    assert_eq!(bad, Vec::<u64>::new());
    // Line 1: escaped space, comma and equals sign in a tag key, tag value and field key; no
    // timestamp, so `now`.
    assert_eq!(points[0].tag("t k"), Some("v,1=2 3"));
    assert_eq!(points[0].field("f k,="), Some(&FieldValue::Float(1.0)));
    assert_eq!(points[0].time, 7);
    // Line 2: exponents in both cases and a negative timestamp.
    assert_eq!(points[1].field("v"), Some(&FieldValue::Float(1e5)));
    assert_eq!(points[1].field("w"), Some(&FieldValue::Float(-1.5e-3)));
    assert_eq!(points[1].time, -10);
    // Lines 3-4: the CRLF inside the quotes belongs to the string; the one after `5` ends the line.
    assert_eq!(
        points[2].field("v"),
        Some(&FieldValue::String("line one\r\nline two".into()))
    );
    assert_eq!(points[2].time, 5);
}

#[test]
fn telegraf_lp_has_five_good_points_after_its_comment() {
    let input = fixture("telegraf.lp");
    let (good, bad, points) = parse(&input);
    assert_eq!(good, [2, 3, 4, 5, 6]);
    assert_eq!(bad, Vec::<u64>::new());
    let names: Vec<&str> = points.iter().map(|p| p.measurement.as_ref()).collect();
    assert_eq!(names, ["cpu", "mem", "disk", "syslog", "weather"]);
    assert_eq!(points[0].field("usage_iowait"), Some(&FieldValue::Int(0)));
    assert_eq!(points[1].field("swap"), Some(&FieldValue::Bool(false)));
    assert_eq!(
        points[2].field("inodes_free"),
        Some(&FieldValue::Int(9_876_543))
    );
    assert_eq!(points[2].tag("path"), Some("/var"));
    // `\"` and `\\` are unescaped in a string field: the message ends with a backslash and `n`.
    assert_eq!(
        points[3].field("message"),
        Some(&FieldValue::String(
            "Accepted key for \"root\" from 10.0.0.1\\n".into()
        ))
    );
    assert_eq!(points[3].time, 1_700_000_000_000_000_001);
    assert_eq!(points[4].field("humidity"), Some(&FieldValue::Float(0.5)));
    assert_eq!(points[4].field("ok"), Some(&FieldValue::Bool(true)));
    assert_eq!(points[4].time, 7);
}
