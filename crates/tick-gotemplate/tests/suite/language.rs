//! The Go template language (<https://pkg.go.dev/text/template>) alert templates use: actions,
//! control flow, variables, pipelines, trimming, comments and the built-in functions with Go's
//! semantics.

use crate::common;

use common::{error, render, render_html};

#[test]
fn canonical_messages_render() {
    assert_eq!(
        render("{{ .Time }}: CPU usage over 90%"),
        "2016-06-01 12:00:00.123 +0000 UTC: CPU usage over 90%"
    );
    assert_eq!(render("{{ .ID }} is {{ .Level }}"), "cpu:nil is CRITICAL");
    assert_eq!(
        render("{{.Name}}/{{.TaskName}}/{{.Group}}"),
        "cpu/cpu_alert/nil"
    );
}

#[test]
fn nested_fields_reach_map_keys() {
    assert_eq!(render("{{ .Tags.host }} {{ .Fields.s }}"), "a hello");
}

#[test]
fn if_else_if_else_picks_the_first_true_branch() {
    let t = "{{ if eq .Level \"OK\" }}ok{{ else if eq .Level \"CRITICAL\" }}crit{{ else }}other{{ end }}";
    assert_eq!(render(t), "crit");
    assert_eq!(
        render("{{ if .Fields.missing }}a{{ else if .Fields.missing }}b{{ else }}c{{ end }}"),
        "c"
    );
    assert_eq!(
        render("{{ if 0 }}a{{ end }}|{{ if \"\" }}b{{ end }}|{{ if .Tags }}c{{ end }}"),
        "||c"
    );
}

#[test]
fn range_over_a_map_visits_keys_in_sorted_order() {
    assert_eq!(
        render("{{ range $k, $v := .Tags }}{{ $k }}={{ $v }};{{ end }}"),
        "host=a;region=b;"
    );
    assert_eq!(render("{{ range $v := .Tags }}{{ $v }},{{ end }}"), "a,b,");
    assert_eq!(render("{{ range .Tags }}{{ . }}{{ end }}"), "ab");
}

#[test]
fn range_over_a_slice_and_an_int() {
    assert_eq!(
        render("{{ range $i, $e := .List }}{{ $i }}:{{ $e }};{{ end }}"),
        "0:a;1:b c;2:;"
    );
    assert_eq!(render("{{ range 3 }}{{ . }}{{ end }}"), "012");
}

#[test]
fn range_else_runs_for_empty_or_missing_collections() {
    assert_eq!(
        render("{{ range .Fields.missing }}x{{ else }}empty{{ end }}"),
        "empty"
    );
    assert_eq!(render("{{ range 0 }}x{{ else }}none{{ end }}"), "none");
}

#[test]
fn break_and_continue_leave_or_skip_iterations() {
    assert_eq!(
        render("{{ range $i, $e := .List }}{{ if eq $i 1 }}{{ break }}{{ end }}{{ $e }}{{ end }}"),
        "a"
    );
    assert_eq!(
        render(
            "{{ range $i, $e := .List }}{{ if eq $i 1 }}{{ continue }}{{ end }}[{{ $e }}]{{ end }}"
        ),
        "[a][]"
    );
}

#[test]
fn with_sets_dot_and_falls_back_to_else() {
    assert_eq!(
        render("{{ with .Tags.host }}host {{ . }}{{ end }}"),
        "host a"
    );
    assert_eq!(
        render("{{ with .Fields.missing }}x{{ else }}none {{ .Name }}{{ end }}"),
        "none cpu"
    );
}

#[test]
fn variables_declare_assign_and_scope_to_their_block() {
    assert_eq!(render("{{ $x := .Name }}{{ $x }}"), "cpu");
    assert_eq!(
        render("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}"),
        "2"
    );
    assert_eq!(
        render("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}"),
        "21"
    );
    assert_eq!(
        render("{{ with .Tags }}{{ $.Name }} {{ .host }}{{ end }}"),
        "cpu a"
    );
    assert_eq!(
        render("{{ range .Tags }}{{ $.ID }};{{ end }}"),
        "cpu:nil;cpu:nil;"
    );
}

#[test]
fn a_variable_declared_in_a_block_is_undefined_after_it() {
    assert_eq!(
        error("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}"),
        "template: message:1: undefined variable \"$y\""
    );
}

#[test]
fn pipelines_pass_the_value_as_the_last_argument() {
    assert_eq!(render("{{ .Fields.v | printf \"%0.3f\" }}"), "85.500");
    assert_eq!(render("{{ \"2006\" | .Time.Format }}"), "2016");
    assert_eq!(
        render("{{ (index .Fields \"v\") | printf \"%.1f\" | printf \"[%s]\" }}"),
        "[85.5]"
    );
    assert_eq!(render("{{ (.Tags).host }}"), "a");
}

#[test]
fn whitespace_trimming_needs_a_space_after_the_dash() {
    assert_eq!(render("a  {{- .Name -}}  b"), "acpub");
    assert_eq!(render("a \n\t {{- .Name }} \n b"), "acpu \n b");
    assert_eq!(render("{{-3}}"), "-3");
    assert_eq!(render("x {{- /* gone */ -}} y"), "xy");
}

#[test]
fn comments_print_nothing() {
    assert_eq!(render("a{{/* a comment\nover lines */}}b"), "ab");
}

#[test]
fn comparisons_follow_go_kind_rules() {
    assert_eq!(render("{{ gt (index .Fields \"v\") 80.0 }}"), "true");
    assert_eq!(
        render("{{ gt .Fields.i 5 }} {{ lt .Fields.i 5 }}"),
        "true false"
    );
    assert_eq!(
        render("{{ lt .Duration 100 }} {{ gt .Duration 100 }}"),
        "false true"
    );
    assert_eq!(
        render("{{ lt \"B\" \"a\" }} {{ le 2 2 }} {{ ge 1 2 }} {{ ne 1 2 }}"),
        "true true false true"
    );
    assert_eq!(
        render("{{ eq .Fields.missing 1 }} {{ ne .Fields.missing 1 }}"),
        "false true"
    );
    assert_eq!(render("{{ eq .Level \"OK\" \"CRITICAL\" }}"), "true");
    assert_eq!(render("{{ eq true true }} {{ eq 1.5 1.5 }}"), "true true");
}

#[test]
fn comparing_a_float_field_with_an_int_literal_fails_like_go() {
    assert_eq!(
        error("{{ gt (index .Fields \"v\") 80 }}"),
        "template: message:1:3: executing \"message\" at <gt (index .Fields \"v\") 80>: error calling gt: incompatible types for comparison"
    );
    assert!(
        error("{{ lt .Fields.i 80.0 }}")
            .ends_with("error calling lt: incompatible types for comparison")
    );
}

#[test]
fn ordering_bools_or_missing_values_is_an_invalid_comparison() {
    assert!(
        error("{{ lt true false }}").ends_with("error calling lt: invalid type for comparison")
    );
    assert!(
        error("{{ lt .Fields.missing 1 }}")
            .ends_with("error calling lt: invalid type for comparison")
    );
    assert!(
        error("{{ gt .Fields.missing 1 }}")
            .ends_with("error calling gt: invalid type for comparison")
    );
}

#[test]
fn eq_needs_two_arguments_and_comparable_values() {
    assert_eq!(
        error("{{ eq 1 }}"),
        "template: message:1:3: executing \"message\" at <eq 1>: error calling eq: missing argument for comparison"
    );
    assert!(error("{{ eq .Tags .Tags }}").ends_with(
        "error calling eq: non-comparable type map[host:a region:b]: map[string]string"
    ));
}

#[test]
fn and_or_return_an_operand_and_short_circuit() {
    assert_eq!(render("{{ and 1 0 }} {{ and 1 2 }}"), "0 2");
    assert_eq!(render("[{{ or 0 \"\" }}]"), "[]");
    assert_eq!(render("{{ or .Fields.missing \"default\" }}"), "default");
    // The second operand would fail if it were evaluated.
    assert_eq!(
        render("{{ and false (index .List 99) }} {{ or true .Nope }}"),
        "false true"
    );
    assert_eq!(render("{{ not 0 }} {{ not .Name }}"), "true false");
}

#[test]
fn print_spaces_only_between_non_string_operands() {
    assert_eq!(render("{{ print \"cpu\" 1 2 \"x\" }}"), "cpu1 2x");
    assert_eq!(render("{{ println \"a\" 1 }}"), "a 1\n");
}

#[test]
fn len_counts_bytes_and_rejects_numbers() {
    assert_eq!(
        render("{{ len \"é€\" }} {{ len .Tags }} {{ len .List }}"),
        "5 2 3"
    );
    assert!(error("{{ len 3 }}").ends_with("error calling len: len of type int"));
    assert!(error("{{ len .Fields.i }}").ends_with("error calling len: len of type int64"));
    assert!(error("{{ len .Fields.missing }}").contains("error calling len:"));
}

#[test]
fn index_gives_the_zero_value_for_missing_keys_and_fails_out_of_range() {
    assert_eq!(render("{{ index .List 1 }}"), "b c");
    assert_eq!(
        error("{{ index .List 5 }}"),
        "template: message:1:3: executing \"message\" at <index .List 5>: error calling index: index out of range: 5"
    );
    assert_eq!(render("{{ index \"abc\" 1 }}"), "98");
}

#[test]
fn slice_cuts_strings_and_lists() {
    assert_eq!(
        render("{{ slice \"abcdef\" 1 3 }} {{ slice .List 1 }}"),
        "bc [b c ]"
    );
}

#[test]
fn escaping_functions_follow_go() {
    assert_eq!(
        render("{{ html \"<a href='x'>&\\\"+\\x00\" }}"),
        "&lt;a href=&#39;x&#39;&gt;&amp;&#34;+\u{fffd}"
    );
    assert_eq!(render("{{ urlquery \"a b/c\" }}"), "a+b%2Fc");
    assert_eq!(render("{{ urlquery \"é\" }}"), "%C3%A9");
    assert_eq!(
        render("{{ js \"<>&='\\\"\\\\\" }}"),
        "\\u003C\\u003E\\u0026\\u003D\\'\\\"\\\\"
    );
    assert_eq!(render("{{ js \"\\x01\\u00a0\" }}"), "\\u0001\\u00A0");
    assert_eq!(render("{{ html \"a\" 1 2 }}"), "a1 2");
}

#[test]
fn methods_on_times_and_durations() {
    assert_eq!(
        render("{{ .Time.Format \"2006-01-02T15:04:05Z07:00\" }}"),
        "2016-06-01T12:00:00Z"
    );
    assert_eq!(render("{{ .Time.Unix }}"), "1464782400");
    assert_eq!(render("{{ .Time.UnixNano }}"), "1464782400123000000");
    assert_eq!(
        render("{{ .Duration.Seconds }} {{ .Duration.Minutes }} {{ .Duration.Hours }}"),
        "90 1.5 0.025"
    );
    assert_eq!(render("{{ .Duration.String }}"), "1m30s");
    assert_eq!(render("{{ .Fields.d.Seconds }}"), "90");
}

#[test]
fn twelve_days_in_seconds_prints_in_exponent_form() {
    let mut d = common::Data::new();
    d.duration = 12 * 86_400 * 1_000_000_000;
    let out = common::try_render_with(&d, "{{ .Duration.Seconds }}", tick_gotemplate::Escape::Text)
        .unwrap();
    assert_eq!(out, "1.0368e+06");
}

#[test]
fn time_format_without_a_layout_is_an_execution_error() {
    assert_eq!(
        error("{{ .Time.Format }}"),
        // Go positions a field chain at its second field (`.Format`, byte 8).
        "template: message:1:8: executing \"message\" at <.Time.Format>: wrong number of args for Format: want 1 got 0"
    );
}

#[test]
fn html_mode_escapes_every_interpolated_value() {
    assert_eq!(
        render_html("{{ .Time }}"),
        "2016-06-01 12:00:00.123 &#43;0000 UTC"
    );
    assert_eq!(
        render_html("<b>{{ \"<a&b> 'q' \\\"+\\x00\" }}</b>"),
        "<b>&lt;a&amp;b&gt; &#39;q&#39; &#34;&#43;\u{fffd}</b>"
    );
    assert_eq!(render_html("[{{ .Fields.missing }}]"), "[]");
    assert_eq!(render_html("{{ $x := \"<\" }}{{ $x }}"), "&lt;");
}

#[test]
fn range_can_assign_to_existing_variables() {
    assert_eq!(
        render("{{ $i := 9 }}{{ $e := 0 }}{{ range $i, $e = .List }}{{ end }}{{ $i }}:{{ $e }}"),
        "2:"
    );
}

#[test]
fn duration_round_and_truncate_follow_go() {
    // 90s rounded to 1m is 2m (halfway rounds away from zero); truncated is 1m.
    assert_eq!(
        render("{{ .Duration.Round 60000000000 }} {{ .Duration.Truncate 60000000000 }}"),
        "2m0s 1m0s"
    );
    assert_eq!(
        render("{{ .Duration.Round 0 }} {{ .Duration.Nanoseconds }} {{ .Duration.Milliseconds }}"),
        "1m30s 90000000000 90000"
    );
}

#[test]
fn call_rejects_values_that_are_not_functions() {
    assert!(
        error("{{ call .Name }}")
            .ends_with("error calling call: non-function .Name of type string")
    );
    assert!(error("{{ call .Fields.missing }}").ends_with("error calling call: call of nil"));
}
