//! Template errors: parse errors with Go's `text/template` texts and byte offsets, execution errors
//! as `template: <name>:<line>:<col>: executing "<name>" at <<action>>: <msg>`, and limits.

use crate::common;

use common::{Data, error, render};
use tick_gotemplate::{FuncSet, Funcs, Object, Template, Value};

#[test]
fn parse_errors_use_go_messages() {
    let cases: &[(&str, &str)] = &[
        ("{{ .Name", "unclosed action"),
        ("{{ nope }}", "function \"nope\" not defined"),
        ("{{ if .Name }}x", "unexpected EOF"),
        ("{{ end }}", "unexpected {{end}}"),
        ("{{ else }}", "unexpected {{else}}"),
        ("{{ }}", "missing value for command"),
        ("{{ if }}{{ end }}", "missing value for if"),
        ("{{/* x }}", "unclosed comment"),
        (
            "{{/* x */ .Name }}",
            "comment ends before closing delimiter",
        ),
        ("{{ \"abc }}", "unterminated quoted string"),
        ("{{ `abc }}", "unterminated raw quoted string"),
        ("{{ 'a }}", "unterminated character constant"),
        ("{{ 3x }}", "bad number syntax: \"3x\""),
        ("{{ .Name # }}", "unexpected \"#\" in operand"),
        ("{{ $x }}", "undefined variable \"$x\""),
        ("{{ break }}", "{{break}} outside {{range}}"),
        ("{{ 1 | 2 }}", "non executable command in pipeline stage 2"),
        ("{{ \"a\".b }}", "unexpected . after term \"\\\"a\\\"\""),
        ("{{ (1 }}", "unclosed left paren"),
        ("{{ 1) }}", "unexpected right paren"),
        ("{{ .Name \u{e9}x }}", "function \"éx\" not defined"),
        (
            "{{ 99999999999999999999 }}",
            "integer overflow: \"99999999999999999999\"",
        ),
        ("{{ template \"x\" }}", "{{template}} is not supported"),
        ("{{ - }}", "illegal number syntax: \"-\""),
        ("{{ 0x }}", "illegal number syntax: \"0x\""),
        ("{{ 09 }}", "integer overflow: \"09\""),
    ];
    for (src, msg) in cases {
        assert_eq!(error(src), format!("template: message:1: {msg}"), "{src}");
    }
}

#[test]
fn parse_errors_carry_the_line_and_byte_offset() {
    let e = Template::parse("message", "a\nb\n{{ .Name", &FuncSet::new()).unwrap_err();
    assert_eq!(e.to_string(), "template: message:3: unclosed action");
    let e = Template::parse("id", "ab {{ nope }}", &FuncSet::new()).unwrap_err();
    assert_eq!(e.span.start, 6);
    assert_eq!(e.message, "function \"nope\" not defined");
    assert_eq!(
        e.to_string(),
        "template: id:1: function \"nope\" not defined"
    );
}

#[test]
fn execution_errors_name_the_action_and_position() {
    assert_eq!(
        error("{{ .Nope }}"),
        "template: message:1:3: executing \"message\" at <.Nope>: can't evaluate field Nope in type kapacitor.messageInfo"
    );
    assert_eq!(
        error("{{ nil }}"),
        "template: message:1:3: executing \"message\" at <nil>: nil is not a command"
    );
    assert_eq!(
        error("{{ .Name.Foo }}"),
        "template: message:1:8: executing \"message\" at <.Name.Foo>: can't evaluate field Foo in type string"
    );
    assert_eq!(
        error("line one\n  {{ .Nope }}"),
        "template: message:2:5: executing \"message\" at <.Nope>: can't evaluate field Nope in type kapacitor.messageInfo"
    );
    assert_eq!(
        error("{{ printf 3 }}"),
        "template: message:1:10: executing \"message\" at <3>: expected string; found 3"
    );
    assert_eq!(
        error("{{ lt 1 }}"),
        "template: message:1:3: executing \"message\" at <lt>: wrong number of args for lt: want 2 got 1"
    );
    assert!(
        error("{{ .Name 1 }}").ends_with("Name has arguments but cannot be invoked as function")
    );
    // Go names the map's element type: Fields values are interfaces, Tags values strings.
    assert!(
        error("{{ .Fields.s.Nope }}").ends_with("can't evaluate field Nope in type interface {}")
    );
    assert!(error("{{ .Tags.host.Nope }}").ends_with("can't evaluate field Nope in type string"));
    assert!(error("{{ .Tags.host 1 }}").ends_with("host is not a method but has arguments"));
    assert!(
        error("{{ .Name | .Tags }}")
            .ends_with("at <.Tags>: Tags has arguments but cannot be invoked as function")
    );
    assert!(error("{{ 1 2 }}").ends_with("at <1>: can't give argument to non-function 1"));
    assert!(error("{{ range .Name }}{{ end }}").ends_with("range can't iterate over cpu"));
}

#[test]
fn output_before_an_execution_error_is_discarded() {
    let t = Template::parse("message", "partial {{ .Nope }}", &FuncSet::new()).unwrap();
    let mut out = String::from("old");
    assert!(t.render(&Data::new(), &mut out).is_err());
    assert_eq!(out, "");
}

#[test]
fn the_render_buffer_is_cleared_and_reused() {
    let t = Template::parse("message", "{{ .Name }}", &FuncSet::new()).unwrap();
    let mut out = String::from("old");
    t.render(&Data::new(), &mut out).unwrap();
    t.render(&Data::new(), &mut out).unwrap();
    assert_eq!(out, "cpu");
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    assert!(error(&parens).contains("nested too deeply"));
    let ifs = format!(
        "{}x{}",
        "{{ if true }}".repeat(5000),
        "{{ end }}".repeat(5000)
    );
    assert!(error(&ifs).contains("nested too deeply"));
    let ok = format!("{}x{}", "{{ if true }}".repeat(50), "{{ end }}".repeat(50));
    assert_eq!(render(&ok), "x");
}

#[test]
fn runaway_ranges_stop_with_an_error() {
    assert!(error("{{ range 100000000 }}{{ end }}").contains("range exceeds"));
    assert!(
        error("{{ range 1000 }}{{ $x := printf \"%*d\" 1000000 1 }}{{ end }}")
            .contains("functions produced more than")
    );
    assert!(
        error("{{ range 1000 }}{{ printf \"%*d\" 1000000 1 }}{{ end }}").contains("output exceeds")
    );
}

struct Upper;

impl Funcs for Upper {
    fn call(&self, name: &str, args: &[Value<'_>]) -> Result<Value<'static>, String> {
        match (name, args) {
            ("upper", [Value::Str(s)]) => Ok(Value::Str(s.to_uppercase().into())),
            ("json", [Value::Object(o)]) => {
                let mut names = Vec::new();
                o.for_each_field(&mut |n, _| names.push(n.to_owned()));
                Ok(Value::Str(
                    format!("object {} {}", o.type_name(), o.field("Name").is_some()).into(),
                ))
            }
            _ => Err("boom".into()),
        }
    }
}

#[test]
fn extra_functions_are_declared_at_parse_and_called_at_render() {
    let funcs = FuncSet::new().with("upper").with("json");
    let t = Template::parse(
        "details",
        "{{ upper .Name }} {{ .Level | upper }} {{ json . }}",
        &funcs,
    )
    .unwrap();
    let mut out = String::new();
    t.render_with(&Data::new(), &Upper, &mut out).unwrap();
    assert_eq!(out, "CPU CRITICAL object kapacitor.messageInfo true");
    let t = Template::parse("details", "{{ upper 1 }}", &funcs).unwrap();
    let e = t.render_with(&Data::new(), &Upper, &mut out).unwrap_err();
    assert_eq!(
        e.to_string(),
        "template: details:1:3: executing \"details\" at <upper 1>: error calling upper: boom"
    );
    // Without an implementation the call fails instead of printing nothing.
    let e = t.render(&Data::new(), &mut out).unwrap_err();
    assert!(e.message.starts_with("error calling upper:"));
    let _ = Data::new().type_name();
}
