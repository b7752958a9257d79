//! html/template's contextual escaping through the public API. Every expected output was
//! produced by Go 1.19's html/template (the Go Kapacitor 1.5.7 is built with here) rendering
//! the same template over the same data (`common::Data`, as Go values).

use tick_gotemplate::{Escape, FuncSet, Funcs, Template, Value, gofmt};

use crate::common::{Data, render_html};

#[test]
fn values_in_a_script_are_javascript_values() {
    assert_eq!(
        render_html(
            "<script>var t = {{ .Time }}; var d = {{ .Duration }}; var f = {{ .Fields }}; \
             var l = {{ .List }}; var s = {{ .Fields.s }};</script>"
        ),
        "<script>var t = \"2016-06-01T12:00:00.123Z\"; var d = \"1m30s\"; \
         var f = {\"b\":true,\"d\":90000000000,\"f\":42,\"i\":7,\"n\":null,\"s\":\"hello\",\"v\":85.5}; \
         var l = [\"a\",\"b c\",\"\"]; var s = \"hello\";</script>"
    );
}

#[test]
fn a_url_is_normalized_before_its_query_and_escaped_after() {
    assert_eq!(
        render_html(
            "<a href=\"/{{ .Name }}/{{ index .List 1 }}?q={{ index .List 1 }}\">{{ .Fields.s | html }}</a>"
        ),
        "<a href=\"/cpu/b%20c?q=b%20c\">hello</a>"
    );
}

#[test]
fn a_final_html_or_urlquery_takes_the_place_of_the_escaper_it_stands_for() {
    // `html x` is `_eval_args_ x | html`, which prints a missing value as `<nil>`; `x | html`
    // hands html the missing value itself (`<no value>`).
    assert_eq!(
        render_html(
            "{{ html .Fields.missing }}|{{ .Fields.missing | html }}|<a title=\"{{ .ID | html }}\" \
             href=\"?q={{ .ID | urlquery }}\">|{{ html .Level 1 }}|<b title=\"{{ html \"<\" .Fields.missing }}\">"
        ),
        "&lt;nil&gt;|&lt;no value&gt;|<a title=\"cpu:nil\" href=\"?q=cpu%3Anil\">|CRITICAL1|<b title=\"&lt;&lt;nil&gt;\">"
    );
}

/// A `json` that returns `template.JS`, as Kapacitor's does.
struct Json;

impl Funcs for Json {
    fn call(&self, _: &str, args: &[Value<'_>]) -> Result<Value<'static>, String> {
        let mut out = String::new();
        if let Some(v) = args.first() {
            gofmt::write_json_value(&mut out, v).map_err(|e| e.to_string())?;
        }
        Ok(Value::Str(out.into()))
    }
}

#[test]
fn a_function_declared_as_returning_js_is_written_into_scripts_as_it_is() {
    let src = "<script>var x = {{ json .Tags }}; var y = \"{{ json .Tags }}\";</script>\
               <p onclick=\"f({{ .Tags | json }})\">{{ json .Tags }}</p>";
    let t = Template::parse("details", src, &FuncSet::new().with_js("json"))
        .unwrap()
        .with_escape(Escape::Html);
    let mut out = String::new();
    t.render_with(&Data::new(), &Json, &mut out).unwrap();
    assert_eq!(
        out,
        "<script>var x = {\"host\":\"a\",\"region\":\"b\"}; \
         var y = \"{\\u0022host\\u0022:\\u0022a\\u0022,\\u0022region\\u0022:\\u0022b\\u0022}\";</script>\
         <p onclick=\"f({&#34;host&#34;:&#34;a&#34;,&#34;region&#34;:&#34;b&#34;})\">\
         {&#34;host&#34;:&#34;a&#34;,&#34;region&#34;:&#34;b&#34;}</p>"
    );
}

#[test]
fn a_template_html_template_refuses_fails_every_render_with_gos_text() {
    let src = "<a href=\"{{if .ID}}?{{end}}{{.ID}}\">";
    let text = Template::parse("details", src, &FuncSet::new()).unwrap();
    assert!(
        text.escape_error().is_none(),
        "text/template has no such rule"
    );
    let t = text.with_escape(Escape::Html);
    let want = "html/template:details:1:29: {{.ID}} appears in an ambiguous context within a URL";
    assert_eq!(
        t.escape_error().map(|e| e.to_string()).as_deref(),
        Some(want)
    );
    for _ in 0..2 {
        let mut out = String::from("stale");
        let err = t.render(&Data::new(), &mut out).unwrap_err();
        assert_eq!(err.to_string(), want);
        assert_eq!(out, "");
    }
}
