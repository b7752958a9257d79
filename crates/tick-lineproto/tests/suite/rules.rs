//! The line-protocol rules one by one: every accepted form with its exact parsed value, and every
//! error reason with its exact message. Expected values come from the Go parser Kapacitor v1.5.7
//! uses (`vendor/github.com/influxdata/influxdb/models/points.go`: `parsePoint` and the `scan*`
//! functions) and Go's documented behaviour (`strconv.ParseInt`, `strconv.ParseFloat`), never from
//! our own output.

#![allow(clippy::unwrap_used)] // test helpers: a bad case should fail loudly

use std::borrow::Cow;

use tick_lineproto::{FieldValue, Lines, ParseOptions, Point, Precision};

const NOW: i64 = 1_700_000_123_456_789_012;

fn options(precision: Precision) -> ParseOptions {
    ParseOptions {
        precision,
        now: NOW,
    }
}

/// The single point of `input`, or the error message.
fn one(input: &str) -> Result<Point<'_>, String> {
    one_with(input, Precision::Nanosecond)
}

fn one_with(input: &str, precision: Precision) -> Result<Point<'_>, String> {
    let mut items: Vec<_> = Lines::new(input.as_bytes(), options(precision)).collect();
    assert_eq!(items.len(), 1, "expected exactly one line in {input:?}");
    let (_, result) = items.remove(0);
    result.map_err(|e| e.to_string())
}

/// The reason `input` (a single line) is rejected.
fn reason(input: &str) -> String {
    match one(input) {
        Ok(p) => panic!("{input:?} was accepted as {p:?}"),
        Err(message) => {
            let prefix = format!("line 1: unable to parse '{}': ", input.trim_start());
            message
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("unexpected message shape: {message}"))
                .to_owned()
        }
    }
}

fn field<'p>(p: &'p Point<'_>, key: &str) -> &'p FieldValue<'p> {
    p.field(key)
        .unwrap_or_else(|| panic!("no field {key} in {p:?}"))
}

fn float(input: &str) -> f64 {
    match field(&one(input).unwrap(), "v") {
        FieldValue::Float(v) => *v,
        other => panic!("not a float: {other:?}"),
    }
}

#[test]
fn golden_escapes_in_measurement_tags_and_field_keys() {
    let p = one(r"c\,p\ u\=x,t\ k=v\,1\=2\ 3 f\ k\,\==1").unwrap();
    assert_eq!(p.measurement, "c,p u=x");
    assert_eq!(p.tags.len(), 1);
    assert_eq!(p.tags[0].key, "t k");
    assert_eq!(p.tags[0].value, "v,1=2 3");
    assert_eq!(p.fields.len(), 1);
    assert_eq!(p.fields[0].key, "f k,=");
    assert_eq!(p.fields[0].value, FieldValue::Float(1.0));
}

#[test]
fn unescaped_names_borrow_from_the_input() {
    let p = one("cpu,host=a v=1 5").unwrap();
    assert!(matches!(p.measurement, Cow::Borrowed("cpu")));
    assert!(matches!(p.tags[0].key, Cow::Borrowed("host")));
    assert!(matches!(p.tags[0].value, Cow::Borrowed("a")));
    assert!(matches!(p.fields[0].key, Cow::Borrowed("v")));
    let p = one(r#"cpu s="plain" 5"#).unwrap();
    assert!(matches!(
        &p.fields[0].value,
        FieldValue::String(Cow::Borrowed("plain"))
    ));
}

#[test]
fn measurement_unescapes_quote_and_equals_and_keeps_quotes() {
    assert_eq!(one(r#"a\"b\=c v=1"#).unwrap().measurement, r#"a"b=c"#);
    assert_eq!(one(r#""cpu" v=1"#).unwrap().measurement, r#""cpu""#);
    assert_eq!(one("c=pu v=1").unwrap().measurement, "c=pu");
    // A backslash before any other character stays.
    assert_eq!(one(r"a\b v=1").unwrap().measurement, r"a\b");
}

#[test]
fn tag_values_keep_an_escaped_quote_as_written() {
    let p = one(r#"cpu,t=a\"b v=1"#).unwrap();
    assert_eq!(p.tag("t"), Some(r#"a\"b"#));
}

#[test]
fn tags_are_sorted_by_key() {
    let p = one("cpu,zone=z,host=h,az=a v=1").unwrap();
    let keys: Vec<&str> = p.tags.iter().map(|t| t.key.as_ref()).collect();
    assert_eq!(keys, ["az", "host", "zone"]);
    assert_eq!(p.tag("host"), Some("h"));
    assert_eq!(p.tag("zone"), Some("z"));
}

#[test]
fn every_tag_error_has_its_reason() {
    assert_eq!(reason(",a=b v=1"), "missing measurement");
    assert_eq!(reason("cpu"), "missing fields");
    assert_eq!(reason("cpu,a=b"), "missing fields");
    assert_eq!(reason("cpu,a=b, v=1"), "missing tag key");
    assert_eq!(reason("cpu,=b v=1"), "missing tag key");
    assert_eq!(reason("cpu, v=1"), "missing tag key");
    assert_eq!(reason("cpu,a v=1"), "missing tag value");
    assert_eq!(reason("cpu,a= v=1"), "missing tag value");
    assert_eq!(reason("cpu,a=,b=c v=1"), "missing tag value");
    assert_eq!(reason("cpu,a=b=c v=1"), "invalid tag format");
    assert_eq!(reason(r"cpu,a=b\ v=1"), "invalid tag format");
    assert_eq!(reason("cpu,a=1,b=2,a=3 v=1"), "duplicate tags");
    assert_eq!(reason("cpu,b=1,a=2,b=3 v=1"), "duplicate tags");
}

#[test]
fn quotes_do_not_protect_spaces_in_tags() {
    assert_eq!(reason(r#"cpu,a="x y" v=1"#), "invalid field format");
}

#[test]
fn a_tab_is_not_a_section_separator() {
    assert_eq!(reason("cpu\tv=1 10"), "invalid field format");
}

#[test]
fn every_field_structure_error_has_its_reason() {
    assert_eq!(reason("cpu "), "invalid field format");
    assert_eq!(reason("cpu 10"), "invalid field format");
    assert_eq!(reason("cpu v"), "invalid field format");
    assert_eq!(reason("cpu v=1,"), "invalid field format");
    assert_eq!(reason("cpu v=1,w"), "invalid field format");
    assert_eq!(reason("cpu v="), "missing field value");
    assert_eq!(reason("cpu v=,w=1"), "missing field value");
    assert_eq!(reason("cpu v= 10"), "missing field value");
    assert_eq!(reason("cpu =1"), "missing field key");
    assert_eq!(reason("cpu v=1,=2"), "missing field key");
    assert_eq!(reason(r#"cpu v="abc"#), "unbalanced quotes");
    assert_eq!(reason(r#"cpu v="abc\""#), "unbalanced quotes");
}

#[test]
fn go_reports_the_first_value_error_before_a_structure_error() {
    // Go checks each value as it meets it and the key/value count only at the end.
    assert_eq!(reason("cpu a,b=1x"), "invalid number");
    assert_eq!(reason("cpu a,b=1,c="), "missing field value");
}

#[test]
fn integers_need_the_i_suffix_and_fit_in_i64() {
    assert_eq!(field(&one("cpu v=12i").unwrap(), "v"), &FieldValue::Int(12));
    assert_eq!(field(&one("cpu v=-3i").unwrap(), "v"), &FieldValue::Int(-3));
    assert_eq!(
        field(&one("cpu v=9223372036854775807i").unwrap(), "v"),
        &FieldValue::Int(i64::MAX)
    );
    assert_eq!(
        field(&one("cpu v=-9223372036854775808i").unwrap(), "v"),
        &FieldValue::Int(i64::MIN)
    );
    assert_eq!(
        reason("cpu v=9223372036854775808i"),
        "unable to parse integer 9223372036854775808: strconv.ParseInt: parsing \"9223372036854775808\": value out of range"
    );
    assert_eq!(
        reason("cpu v=-9223372036854775809i"),
        "unable to parse integer -9223372036854775809: strconv.ParseInt: parsing \"-9223372036854775809\": value out of range"
    );
}

#[test]
fn unsigned_values_are_integers_when_they_fit_in_i64() {
    assert_eq!(field(&one("cpu v=12u").unwrap(), "v"), &FieldValue::Int(12));
    assert_eq!(
        field(&one("cpu v=9223372036854775807u").unwrap(), "v"),
        &FieldValue::Int(i64::MAX)
    );
    assert_eq!(
        reason("cpu v=9223372036854775808u"),
        "unable to parse unsigned integer 9223372036854775808: value out of range for a signed 64-bit integer"
    );
    assert_eq!(
        reason("cpu v=18446744073709551616u"),
        "unable to parse unsigned integer 18446744073709551616: value out of range for a signed 64-bit integer"
    );
    assert_eq!(reason("cpu v=-1u"), "invalid number");
    assert_eq!(reason("cpu v=1.5u"), "invalid number");
}

#[test]
fn any_other_number_is_a_float() {
    assert_eq!(float("cpu v=1"), 1.0);
    assert_eq!(float("cpu v=-1.5"), -1.5);
    assert_eq!(float("cpu v=.5"), 0.5);
    assert_eq!(float("cpu v=1."), 1.0);
    assert_eq!(float("cpu v=1e5"), 100_000.0);
    assert_eq!(float("cpu v=1.5E-3"), 0.0015);
    assert_eq!(float("cpu v=1e+2"), 100.0);
    assert_eq!(float("cpu v=007"), 7.0);
    assert!(float("cpu v=-0").is_sign_negative());
}

#[test]
fn malformed_numbers_have_their_reasons() {
    for bad in [
        "1u5", "NaN", "nan", "1.5i", "1e3i", "0x10", "1.1.1", "-", "-i", ".", "1-2", "9i10", "1ii",
    ] {
        assert_eq!(reason(&format!("cpu v={bad}")), "invalid number", "{bad}");
    }
    for bad in ["1e", "1e+", "-e5", "1e400", "1e5e5"] {
        assert_eq!(reason(&format!("cpu v={bad}")), "invalid float", "{bad}");
    }
    for bad in ["+1", "Inf", "tRue", "yes", "truex", "F0", "x"] {
        assert_eq!(reason(&format!("cpu v={bad}")), "invalid boolean", "{bad}");
    }
}

#[test]
fn all_ten_boolean_spellings() {
    for (text, value) in [
        ("t", true),
        ("T", true),
        ("true", true),
        ("True", true),
        ("TRUE", true),
        ("f", false),
        ("F", false),
        ("false", false),
        ("False", false),
        ("FALSE", false),
    ] {
        let line = format!("cpu v={text}");
        let p = one(&line).unwrap();
        assert_eq!(field(&p, "v"), &FieldValue::Bool(value), "{text}");
    }
}

#[test]
fn strings_unescape_only_quote_and_backslash() {
    let p = one(r#"cpu v="a\"b\\c\d\,e""#).unwrap();
    assert_eq!(field(&p, "v"), &FieldValue::String(r#"a"b\c\d\,e"#.into()));
    let p = one(r#"cpu v="""#).unwrap();
    assert_eq!(field(&p, "v"), &FieldValue::String("".into()));
    let p = one(r#"cpu v="a=b, c d",w=1"#).unwrap();
    assert_eq!(field(&p, "v"), &FieldValue::String("a=b, c d".into()));
    assert_eq!(field(&p, "w"), &FieldValue::Float(1.0));
}

#[test]
fn text_after_a_closing_quote_is_rejected() {
    // Deviation: Go would keep `a"` as the value.
    assert_eq!(reason(r#"cpu v="a"b"#), "invalid field format");
}

#[test]
fn field_keys_unescape_comma_equals_space_and_quote() {
    let p = one(r#"cpu a\,b\=c\ d\"e=1"#).unwrap();
    assert_eq!(p.fields[0].key, r#"a,b=c d"e"#);
    let p = one(r#"cpu "k"=1"#).unwrap();
    assert_eq!(p.fields[0].key, r#""k""#);
}

#[test]
fn a_duplicated_field_keeps_its_last_value() {
    let p = one("cpu v=1,w=2i,v=3").unwrap();
    assert_eq!(p.fields.len(), 2);
    assert_eq!(p.fields[0].key, "v");
    assert_eq!(p.fields[0].value, FieldValue::Float(3.0));
    assert_eq!(p.fields[1].value, FieldValue::Int(2));
}

#[test]
fn timestamps_are_scaled_by_the_precision() {
    let cases = [
        ("n", 10),
        ("u", 10_000),
        ("ms", 10_000_000),
        ("s", 10_000_000_000),
        ("m", 600_000_000_000),
        ("h", 36_000_000_000_000),
        ("ns", 10),
        ("", 10),
    ];
    for (name, nanos) in cases {
        let p = one_with("cpu v=1 10", Precision::parse(name).unwrap()).unwrap();
        assert_eq!(p.time, nanos, "precision {name:?}");
    }
    // Deviation: Kapacitor reads any other name as nanoseconds; tick refuses it.
    for name in ["us", "seconds", "x", "S"] {
        assert_eq!(
            Precision::parse(name).unwrap_err().to_string(),
            format!("unknown precision {name:?}: use n, u, ms, s, m or h")
        );
    }
    assert_eq!(one("cpu v=1 -10").unwrap().time, -10);
    assert_eq!(
        one_with("cpu v=1 -10", Precision::Second).unwrap().time,
        -10_000_000_000
    );
}

#[test]
fn precision_names_round_trip() {
    for p in [
        Precision::Nanosecond,
        Precision::Microsecond,
        Precision::Millisecond,
        Precision::Second,
        Precision::Minute,
        Precision::Hour,
    ] {
        assert_eq!(Precision::parse(p.as_str()), Ok(p));
    }
}

#[test]
fn a_missing_timestamp_is_now_truncated_to_the_precision() {
    assert_eq!(one("cpu v=1").unwrap().time, NOW);
    assert_eq!(one("cpu v=1   ").unwrap().time, NOW);
    assert_eq!(
        one_with("cpu v=1", Precision::Second).unwrap().time,
        1_700_000_123_000_000_000
    );
    assert_eq!(
        one_with("cpu v=1", Precision::Millisecond).unwrap().time,
        1_700_000_123_456_000_000
    );
    assert_eq!(
        one_with("cpu v=1", Precision::Hour).unwrap().time,
        1_699_999_200_000_000_000
    );
    assert_eq!(Precision::Second.truncate(-1), -1_000_000_000);
}

#[test]
fn timestamp_range_is_checked_with_kapacitors_message() {
    assert_eq!(
        one("cpu v=1 9223372036854775806").unwrap().time,
        9_223_372_036_854_775_806
    );
    assert_eq!(
        one("cpu v=1 -9223372036854775806").unwrap().time,
        -9_223_372_036_854_775_806
    );
    let out_of_range = "time outside range -9223372036854775806 - 9223372036854775806";
    assert_eq!(reason("cpu v=1 9223372036854775807"), out_of_range);
    assert_eq!(reason("cpu v=1 -9223372036854775807"), out_of_range);
    assert_eq!(reason("cpu v=1 -9223372036854775808"), out_of_range);
    let coarse = Lines::new(b"cpu v=1 9999999999999", options(Precision::Second))
        .next()
        .unwrap()
        .1
        .unwrap_err();
    assert_eq!(coarse.kind.to_string(), out_of_range);
    assert_eq!(
        reason("cpu v=1 9223372036854775808"),
        "strconv.ParseInt: parsing \"9223372036854775808\": value out of range"
    );
}

#[test]
fn timestamp_errors_have_their_reasons() {
    assert_eq!(reason("cpu v=1 12a"), "bad timestamp");
    assert_eq!(reason("cpu v=1 1-2"), "bad timestamp");
    assert_eq!(reason("cpu v=1 10\t"), "bad timestamp");
    assert_eq!(
        reason("cpu v=1 -"),
        "strconv.ParseInt: parsing \"-\": invalid syntax"
    );
    assert_eq!(reason("cpu v=1 10 x"), "point is invalid");
    assert_eq!(reason("cpu v=1 10 11"), "point is invalid");
}

#[test]
fn blanks_between_sections_and_around_the_line_are_fine() {
    let p = one("  \t cpu,a=b   \t v=1  \t 10   ").unwrap();
    assert_eq!(p.measurement, "cpu");
    assert_eq!(p.tag("a"), Some("b"));
    assert_eq!(p.time, 10);
}

#[test]
fn crlf_line_ends_are_stripped() {
    // Deviation: Kapacitor keeps the `\r` and rejects these lines (or keeps a quote in the string).
    let items: Vec<_> = Lines::new(
        b"cpu v=1 10\r\ncpu v=2i\r\ncpu v=true\r\ncpu v=\"x\"\r\n",
        options(Precision::Nanosecond),
    )
    .map(|(n, r)| (n, r.unwrap()))
    .collect();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].1.time, 10);
    assert_eq!(field(&items[1].1, "v"), &FieldValue::Int(2));
    assert_eq!(field(&items[2].1, "v"), &FieldValue::Bool(true));
    assert_eq!(field(&items[3].1, "v"), &FieldValue::String("x".into()));
}

#[test]
fn lines_that_are_not_utf8_are_rejected() {
    let (n, r) = Lines::new(b"cpu v=\"\xff\"\n", options(Precision::Nanosecond))
        .next()
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        r.unwrap_err().to_string(),
        "line 1: unable to parse 'cpu v=\"\u{fffd}\"': invalid UTF-8"
    );
}

#[test]
fn the_error_message_names_the_line_and_its_text() {
    let (_, r) = Lines::new(b"\n  cpu v=x 1\n", options(Precision::Nanosecond))
        .next()
        .unwrap();
    assert_eq!(
        r.unwrap_err().to_string(),
        "line 2: unable to parse 'cpu v=x 1': invalid boolean"
    );
}

#[test]
fn the_series_is_the_measurement_and_tags_as_written() {
    let p = one(r"cpu\ load,zone=b,host=a\,1 usage=1 5").unwrap();
    assert_eq!(p.series, r"cpu\ load,zone=b,host=a\,1");
    assert_eq!(one("  cpu usage=1 5").unwrap().series, "cpu");
    assert_eq!(one("cpu,host=a  usage=1 5").unwrap().series, "cpu,host=a");
}

#[test]
fn points_read_from_a_stream_carry_their_series() {
    let input = "cpu,host=a u=1 1\nmem u=2 2\ncpu,host=b u=3 3\n";
    let mut seen = Vec::new();
    tick_lineproto::Reader::new(input.as_bytes())
        .for_each(|_, r| {
            seen.push(r.unwrap().series.to_string());
            std::ops::ControlFlow::<()>::Continue(())
        })
        .unwrap();
    assert_eq!(seen, ["cpu,host=a", "mem", "cpu,host=b"]);
}

/// `cpu k0=0i,k1=1i,...` with `n` fields.
fn many_fields(n: usize) -> String {
    let mut line = String::from("cpu ");
    for i in 0..n {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&format!("k{i}={i}i"));
    }
    line
}

#[test]
fn a_duplicate_among_many_fields_keeps_the_last_value_in_the_first_place() {
    // Past the first few dozen fields duplicates are found through an index; the rule stays
    // the same: one field per key, the last value, where the key first appeared.
    let mut line = String::from(r"cpu x\ y=1i,");
    line.push_str(&many_fields(65_533)["cpu ".len()..]);
    line.push_str(r",k7=-1i,x\ y=-2i,k40000=-3i");
    let p = one(&line).unwrap();
    assert_eq!(p.fields.len(), 65_534);
    assert_eq!(p.fields[0].key, "x y");
    assert_eq!(p.fields[0].value, FieldValue::Int(-2));
    assert_eq!(p.fields[8].key, "k7");
    assert_eq!(p.fields[8].value, FieldValue::Int(-1));
    assert_eq!(p.fields[40_001].value, FieldValue::Int(-3));
    assert_eq!(p.fields[65_533].key, "k65532");
}

#[test]
fn a_line_may_have_65535_fields_and_no_more() {
    let line = many_fields(65_535);
    assert_eq!(one(&line).unwrap().fields.len(), 65_535);
    let line = many_fields(65_536);
    let message = one(&line).unwrap_err();
    assert!(
        message.ends_with("': too many fields: more than 65535 on one line"),
        "{}",
        &message[message.len() - 80..]
    );
}

#[test]
fn a_series_key_longer_than_kapacitors_limit_is_rejected() {
    // Kapacitor v1.5.7's parser (vendored influxdb models/points.go, parsePoint) refuses a key
    // (measurement and tags as written) over 65535 bytes with this message.
    let ok = format!("{} v=1", "m".repeat(65_535));
    assert!(one(&ok).is_ok());
    let long = format!("cpu,host={} v=1", "h".repeat(65_536 - 9));
    let message = one(&long).unwrap_err();
    assert!(
        message.ends_with("...': max key length exceeded: 65536 > 65535"),
        "{}",
        &message[message.len() - 80..]
    );
}

#[test]
fn consecutive_lines_with_many_fields_keep_their_own_duplicates() {
    // The index of a long line's keys is reused from line to line; each line starts afresh.
    let first = format!("{},k3=-1i\n", many_fields(100));
    let second = format!("{},k99=-2i\n", many_fields(100).replace("cpu ", "mem "));
    let input = format!("{first}{second}");
    let points: Vec<_> = Lines::new(input.as_bytes(), options(Precision::Nanosecond))
        .map(|(_, r)| r.unwrap())
        .collect();
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].fields.len(), 100);
    assert_eq!(points[0].fields[3].value, FieldValue::Int(-1));
    assert_eq!(points[0].fields[99].value, FieldValue::Int(99));
    assert_eq!(points[1].fields.len(), 100);
    assert_eq!(points[1].fields[3].value, FieldValue::Int(3));
    assert_eq!(points[1].fields[99].value, FieldValue::Int(-2));
}
