//! Writing points back: canonical text (sorted tags, minimal escapes, `i` integers, `true`/`false`,
//! the time in nanoseconds), and re-parsing to the same point.

#![allow(clippy::unwrap_used)] // test helpers: a bad case should fail loudly

use std::borrow::Cow;

use tick_lineproto::{Field, FieldValue, Lines, ParseOptions, Point, Precision, Tag};

fn options() -> ParseOptions {
    ParseOptions {
        precision: Precision::Nanosecond,
        now: 99,
    }
}

fn rewrite(line: &str) -> String {
    let (_, point) = Lines::new(line.as_bytes(), options()).next().unwrap();
    let point = point.unwrap();
    let mut out = String::new();
    point.write_to(&mut out);
    assert_eq!(out, point.to_string());
    // The written text parses back to the same point.
    let (_, again) = Lines::new(out.as_bytes(), options()).next().unwrap();
    assert_eq!(again.unwrap(), point);
    out
}

#[test]
fn canonical_form_sorts_tags_and_spells_values_plainly() {
    assert_eq!(
        rewrite(r#"cpu,zone=z,host=h v=1.0,s="a\"b\\c\d",i=5i,u=7u,b=T,c=FALSE 10"#),
        r#"cpu,host=h,zone=z v=1,s="a\"b\\c\\d",i=5i,u=7i,b=true,c=false 10"#
    );
}

#[test]
fn escapes_are_written_back_where_needed() {
    assert_eq!(
        rewrite(r"c\,p\ u\=x,t\ k=v\,1\=2\ 3 f\ k\,\==1"),
        r"c\,p\ u=x,t\ k=v\,1\=2\ 3 f\ k\,\==1 99"
    );
    // Quirk: a tag value may start with '='; written back escaped.
    assert_eq!(rewrite("cpu,a==b v=1 1"), r"cpu,a=\=b v=1 1");
    // A kept backslash pair stays as written.
    assert_eq!(rewrite(r"m\\x,t=a\\ v=1 1"), r"m\\x,t=a\\ v=1 1");
}

#[test]
fn string_values_keep_raw_newlines() {
    assert_eq!(rewrite("m s=\"a\nb\" 1"), "m s=\"a\nb\" 1");
}

#[test]
fn floats_use_the_shortest_text_that_reads_back() {
    assert_eq!(
        rewrite("m a=0.1,b=-0,c=1e300,d=1e-7,e=123456.789,f=1e15,g=1e16 1"),
        "m a=0.1,b=-0,c=1e300,d=1e-7,e=123456.789,f=1000000000000000,g=1e16 1"
    );
}

#[test]
fn a_hand_built_point_is_written() {
    let point = Point {
        measurement: Cow::Borrowed("disk space"),
        series: Cow::Borrowed(""),
        tags: vec![Tag {
            key: "path".into(),
            value: "/var, /tmp".into(),
        }],
        fields: vec![
            Field {
                key: "free".into(),
                value: FieldValue::Int(-3),
            },
            Field {
                key: "note".into(),
                value: FieldValue::String("say \"hi\"".into()),
            },
        ],
        time: -1,
    };
    assert_eq!(
        point.to_string(),
        r#"disk\ space,path=/var\,\ /tmp free=-3i,note="say \"hi\"" -1"#
    );
}
