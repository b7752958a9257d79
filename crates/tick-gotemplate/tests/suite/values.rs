//! How values render: in a template (Go `fmt` `%v`), in JSON (Go `encoding/json`) and through the
//! TICKscript `string()` function (`strconv.FormatFloat(x, 'f', -1, 64)`), times and durations.

use crate::common;

use common::{F, T0, render, render_f};
use tick_gotemplate::GoTime;
use tick_gotemplate::gofmt::{
    UnsupportedValue, format_time, write_duration, write_float, write_json_float,
    write_json_string, write_rfc3339_nano, write_time,
};

fn tmpl_float(x: f64) -> String {
    // All three ways of reaching a value agree.
    let a = render_f(F::Float(x), "{{ .F }}");
    let mut s = String::new();
    write_float(&mut s, x);
    assert_eq!(a, s);
    a
}

fn json_float(x: f64) -> Result<String, UnsupportedValue> {
    let mut s = String::new();
    write_json_float(&mut s, x).map(|()| s)
}

/// The `string()` column.
fn string_fn(x: f64) -> String {
    let mut s = String::new();
    tick_gotemplate::gofmt::write_decimal_float(&mut s, x);
    s
}

#[test]
fn floats_follow_the_value_table_in_all_three_columns() {
    let rows: &[(f64, &str, &str, &str)] = &[
        (0.0, "0", "0", "0"),
        (-0.0, "-0", "-0", "-0"),
        (42.0, "42", "42", "42"),
        (0.1, "0.1", "0.1", "0.1"),
        (
            0.1 + 0.2,
            "0.30000000000000004",
            "0.30000000000000004",
            "0.30000000000000004",
        ),
        (
            1.0 / 3.0,
            "0.3333333333333333",
            "0.3333333333333333",
            "0.3333333333333333",
        ),
        (-3.5, "-3.5", "-3.5", "-3.5"),
        (123456.0, "123456", "123456", "123456"),
        (999999.0, "999999", "999999", "999999"),
        (1e6, "1e+06", "1000000", "1000000"),
        (1234567.0, "1.234567e+06", "1234567", "1234567"),
        (12345678.9, "1.23456789e+07", "12345678.9", "12345678.9"),
        (
            1e20,
            "1e+20",
            "100000000000000000000",
            "100000000000000000000",
        ),
        (1e21, "1e+21", "1e+21", "1000000000000000000000"),
        (1e-4, "0.0001", "0.0001", "0.0001"),
        (0.00012345, "0.00012345", "0.00012345", "0.00012345"),
        (1e-5, "1e-05", "0.00001", "0.00001"),
        (1e-6, "1e-06", "0.000001", "0.000001"),
        (1e-7, "1e-07", "1e-7", "0.0000001"),
        (2.5e-10, "2.5e-10", "2.5e-10", "0.00000000025"),
        (
            f64::MAX,
            "1.7976931348623157e+308",
            "1.7976931348623157e+308",
            "",
        ),
        (5e-324, "5e-324", "5e-324", ""),
    ];
    for (x, t, j, s) in rows {
        assert_eq!(tmpl_float(*x), *t, "template {x:e}");
        assert_eq!(json_float(*x).unwrap(), *j, "json {x:e}");
        if !s.is_empty() {
            assert_eq!(string_fn(*x), *s, "string() {x:e}");
        }
    }
    assert_eq!(
        string_fn(f64::MAX),
        format!("17976931348623157{}", "0".repeat(292))
    );
    assert_eq!(string_fn(5e-324), format!("0.{}5", "0".repeat(323)));
}

#[test]
fn float_exponents_have_at_least_two_digits_and_a_sign() {
    assert_eq!(tmpl_float(1e100), "1e+100");
    assert_eq!(tmpl_float(1.5e-300), "1.5e-300");
    assert_eq!(tmpl_float(12.0 * 86400.0), "1.0368e+06");
}

#[test]
fn nan_and_infinities_print_in_templates_but_fail_in_json() {
    assert_eq!(tmpl_float(f64::NAN), "NaN");
    assert_eq!(tmpl_float(f64::INFINITY), "+Inf");
    assert_eq!(tmpl_float(f64::NEG_INFINITY), "-Inf");
    let e = json_float(f64::NAN).unwrap_err();
    assert_eq!(e.to_string(), "json: unsupported value: NaN");
    assert_eq!(
        json_float(f64::INFINITY).unwrap_err().to_string(),
        "json: unsupported value: +Inf"
    );
    assert!(json_float(f64::NEG_INFINITY).is_err());
    assert_eq!(string_fn(f64::NAN), "NaN");
    assert_eq!(string_fn(f64::INFINITY), "+Inf");
    assert_eq!(string_fn(f64::NEG_INFINITY), "-Inf");
}

#[test]
fn json_float_boundaries_switch_at_1e21_and_1e_minus_6() {
    assert_eq!(
        json_float(999999999999999900000.0).unwrap(),
        "999999999999999900000"
    );
    assert_eq!(json_float(-1e21).unwrap(), "-1e+21");
    assert_eq!(json_float(0.0000015).unwrap(), "0.0000015");
    assert_eq!(json_float(9.99e-7).unwrap(), "9.99e-7");
}

#[test]
fn ints_bools_and_strings_print_plainly() {
    assert_eq!(
        render_f(F::Int(i64::MAX), "{{ .F }}"),
        "9223372036854775807"
    );
    assert_eq!(
        render_f(F::Int(i64::MIN), "{{ .F }}"),
        "-9223372036854775808"
    );
    assert_eq!(render_f(F::Bool(true), "{{ .F }}"), "true");
    assert_eq!(render_f(F::Str("<a&b>"), "{{ .F }}"), "<a&b>");
}

#[test]
fn field_map_and_index_access_agree_for_fields() {
    assert_eq!(
        render("{{ .Fields.v }} {{ index .Fields \"v\" }}"),
        "85.5 85.5"
    );
    assert_eq!(render("{{ .Fields.f }}"), "42");
}

#[test]
fn missing_keys_print_no_value_except_index_on_tags() {
    assert_eq!(render("{{ .Fields.missing }}"), "<no value>");
    assert_eq!(render("{{ .Tags.missing }}"), "<no value>");
    assert_eq!(render("{{ .Fields.n }}"), "<no value>");
    assert_eq!(render("{{ index .Fields \"missing\" }}"), "<no value>");
    assert_eq!(render("[{{ index .Tags \"missing\" }}]"), "[]");
    assert_eq!(render("{{ .Fields.missing.deeper }}"), "<no value>");
}

#[test]
fn a_missing_value_passed_to_a_function_is_nil() {
    assert_eq!(render("{{ printf \"%v\" .Fields.missing }}"), "<nil>");
    assert_eq!(
        render("{{ printf \"%0.3f\" .Fields.missing }}"),
        "%!f(<nil>)"
    );
    assert_eq!(render("{{ printf \"%s\" .Fields.missing }}"), "%!s(<nil>)");
    assert_eq!(render("{{ print .Fields.missing }}"), "<nil>");
    assert_eq!(render("{{ html .Fields.missing }}"), "&lt;no value&gt;");
    assert_eq!(render("{{ .Fields.missing | printf \"%v\" }}"), "<nil>");
}

#[test]
fn missing_values_are_false_in_if_and_with() {
    assert_eq!(
        render("{{ if .Fields.missing }}yes{{ else }}no{{ end }}"),
        "no"
    );
    assert_eq!(
        render("{{ with .Fields.missing }}yes{{ else }}no{{ end }}"),
        "no"
    );
}

#[test]
fn maps_print_sorted_with_values_by_the_same_rules() {
    assert_eq!(render("{{ .Tags }}"), "map[host:a region:b]");
    let mut d = common::Data::new();
    d.fields = common::Fields(vec![
        ("s", F::Str("hello")),
        ("i", F::Int(7)),
        ("f", F::Float(42.0)),
        ("d", F::Dur(90_000_000_000)),
        ("b", F::Bool(true)),
    ]);
    let out = common::try_render_with(&d, "{{ .Fields }}", tick_gotemplate::Escape::Text).unwrap();
    assert_eq!(out, "map[b:true d:1m30s f:42 i:7 s:hello]");
    d.fields = common::Fields(vec![
        ("f", F::Float(1e6)),
        ("e", F::Str("")),
        ("Z", F::Int(1)),
    ]);
    let out = common::try_render_with(&d, "{{ .Fields }}", tick_gotemplate::Escape::Text).unwrap();
    assert_eq!(out, "map[Z:1 e: f:1e+06]");
}

#[test]
fn slices_print_space_separated_without_quotes() {
    assert_eq!(render("{{ .List }}"), "[a b c ]");
}

#[test]
fn literals_print_by_the_same_rules() {
    assert_eq!(render("{{ 1e6 }}"), "1e+06");
    assert_eq!(render("{{ 1.0 }}"), "1");
    assert_eq!(render("{{ 0x1F }}"), "31");
    assert_eq!(render("{{ 'a' }}"), "97");
    assert_eq!(
        render("{{ -3 }} {{ 017 }} {{ 0b101 }} {{ 0o17 }} {{ 1_000 }}"),
        "-3 15 5 15 1000"
    );
    assert_eq!(
        render("{{ true }} {{ \"a\\tb\" }} {{ `raw\\n` }}"),
        "true a\tb raw\\n"
    );
    assert_eq!(render("{{ '\\n' }} {{ '\\x41' }} {{ 'é' }}"), "10 65 233");
    assert_eq!(
        render("{{ '\\xff' }} {{ '\\377' }} {{ '\\u00e9' }}"),
        "255 255 233"
    );
}

fn time_str(t: GoTime) -> String {
    let mut s = String::new();
    write_time(&mut s, &t);
    s
}

#[test]
fn times_print_like_go_time_string() {
    assert_eq!(render("{{ .Time }}"), "2016-06-01 12:00:00.123 +0000 UTC");
    assert_eq!(time_str(GoTime::utc(T0)), "2016-06-01 12:00:00 +0000 UTC");
    assert_eq!(
        time_str(GoTime::utc(T0 + 120_000_000)),
        "2016-06-01 12:00:00.12 +0000 UTC"
    );
    assert_eq!(
        time_str(GoTime::utc(T0 + 123_456_000)),
        "2016-06-01 12:00:00.123456 +0000 UTC"
    );
    assert_eq!(
        time_str(GoTime::utc(T0 + 1)),
        "2016-06-01 12:00:00.000000001 +0000 UTC"
    );
    assert_eq!(
        time_str(GoTime::utc(T0 + 123_456_789)),
        "2016-06-01 12:00:00.123456789 +0000 UTC"
    );
    assert_eq!(
        time_str(GoTime::with_zone(T0 + 123_000_000, 7200, "CEST")),
        "2016-06-01 14:00:00.123 +0200 CEST"
    );
    assert_eq!(
        time_str(GoTime::with_zone(T0, -(5 * 3600 + 1800), "")),
        "2016-06-01 06:30:00 -0530 -0530"
    );
    assert_eq!(time_str(GoTime::utc(0)), "1970-01-01 00:00:00 +0000 UTC");
    assert_eq!(
        time_str(GoTime::utc(-1)),
        "1969-12-31 23:59:59.999999999 +0000 UTC"
    );
}

#[test]
fn json_times_are_rfc3339_with_trimmed_fraction() {
    let j = |ns: i64| {
        let mut s = String::new();
        write_rfc3339_nano(&mut s, &GoTime::utc(ns)).unwrap();
        s
    };
    assert_eq!(j(T0), "2016-06-01T12:00:00Z");
    assert_eq!(j(T0 + 120_000_000), "2016-06-01T12:00:00.12Z");
    assert_eq!(j(T0 + 123_000_000), "2016-06-01T12:00:00.123Z");
    assert_eq!(j(T0 + 123_456_789), "2016-06-01T12:00:00.123456789Z");
    let mut s = String::new();
    write_rfc3339_nano(&mut s, &GoTime::with_zone(T0, 7200, "CEST")).unwrap();
    assert_eq!(s, "2016-06-01T14:00:00+02:00");
    // Year 1677 is inside i64 nanoseconds; years outside 0-9999 are not, so this always succeeds.
    assert!(write_rfc3339_nano(&mut String::new(), &GoTime::utc(i64::MIN)).is_ok());
}

fn dur(d: i64) -> String {
    let mut s = String::new();
    write_duration(&mut s, d);
    s
}

#[test]
fn durations_print_like_go_duration_string() {
    let cases: &[(i64, &str)] = &[
        (0, "0s"),
        (1, "1ns"),
        (1_500, "1.5µs"),
        (2_000, "2µs"),
        (999_000_000, "999ms"),
        (1_001_000, "1.001ms"),
        (1_000_000_000, "1s"),
        (1_500_000_000, "1.5s"),
        (90_000_000_000, "1m30s"),
        (3_600_000_000_000, "1h0m0s"),
        (3_600_000_000_001, "1h0m0.000000001s"),
        (36 * 3_600_000_000_000, "36h0m0s"),
        (-1, "-1ns"),
        (-1_500_000_000, "-1.5s"),
        (-90_000_000_000, "-1m30s"),
        (i64::MIN, "-2562047h47m16.854775808s"),
    ];
    for (d, want) in cases {
        assert_eq!(dur(*d), *want, "{d}");
    }
    assert_eq!(dur(1_500).as_bytes()[3..5], [0xc2, 0xb5]);
    assert_eq!(render("{{ .Duration }} {{ .Fields.d }}"), "1m30s 1m30s");
}

fn json_str(s: &str) -> String {
    let mut o = String::new();
    write_json_string(&mut o, s);
    o
}

#[test]
fn json_strings_escape_html_and_control_characters_like_go() {
    assert_eq!(json_str("<a&b>"), r#""\u003ca\u0026b\u003e""#);
    assert_eq!(json_str("q\"b\\"), r#""q\"b\\""#);
    assert_eq!(json_str("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
    assert_eq!(json_str("\u{1}\u{1f}"), r#""\u0001\u001f""#);
    assert_eq!(json_str("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
    assert_eq!(json_str("/\u{7f}é€"), "\"/\u{7f}é€\"");
    let mut o = String::new();
    tick_gotemplate::gofmt::write_json_bytes(&mut o, b"a\xffb");
    assert_eq!(o, r#""a\ufffdb""#);
    let mut o = String::new();
    tick_gotemplate::gofmt::write_json_bytes(&mut o, "a\u{fffd}".as_bytes());
    o.push(' ');
    tick_gotemplate::gofmt::write_json_bytes(&mut o, b"a\xe2\x82<");
    assert_eq!(o, "\"a\u{fffd}\" \"a\\ufffd\\ufffd\\u003c\"");
}

#[test]
fn time_format_supports_go_reference_layouts() {
    let f = |layout: &str, t: GoTime| {
        let mut s = String::new();
        format_time(&mut s, &t, layout);
        s
    };
    let t = GoTime::utc(T0 + 123_456_789);
    assert_eq!(
        f("2006-01-02T15:04:05Z07:00", GoTime::utc(T0)),
        "2016-06-01T12:00:00Z"
    );
    assert_eq!(
        f("2006-01-02T15:04:05.000Z07:00", t),
        "2016-06-01T12:00:00.123Z"
    );
    assert_eq!(f("15:04:05.999999999", t), "12:00:00.123456789");
    assert_eq!(f("15:04:05.999", GoTime::utc(T0)), "12:00:00");
    assert_eq!(
        f("Monday, 02-Jan-06 03:04:05 PM MST", t),
        "Wednesday, 01-Jun-16 12:00:00 PM UTC"
    );
    assert_eq!(
        f(
            "Mon Jan _2 3:4:5 pm 2006",
            GoTime::utc(T0 - 3_600_000_000_000 * 12)
        ),
        "Wed Jun  1 12:0:0 am 2016"
    );
    assert_eq!(
        f(
            "January 2, 2006 -0700 -07:00 -07",
            GoTime::with_zone(T0, -(5 * 3600 + 1800), "")
        ),
        "June 1, 2016 -0530 -05:30 -05"
    );
    assert_eq!(
        f("Z0700 Z07:00", GoTime::with_zone(T0, 3600, "CET")),
        "+0100 +01:00"
    );
    assert_eq!(f("002 __2 1/2", t), "153 153 6/1");
    assert_eq!(f("2006-01-02 15:04:05,000", t), "2016-06-01 12:00:00,123");
}
