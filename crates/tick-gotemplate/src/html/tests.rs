//! The pass against Go's own expectations: html/template's escape_test.go (Go 1.19)
//! `TestEscapeText` (the context after literal text) and `TestEscape` (whole templates over
//! its test data), except the cases that need what templates here cannot have (typed nil
//! pointers, `json.Marshaler` values, `template.HTML` values).

use std::borrow::Cow;

use super::{Context, Pass};
use crate::value::{List as ListTrait, ListRef, Object, Value};
use crate::{Escape, FuncSet, Template};

/// `TestEscapeText`: (text, Go's context after it).
const ESCAPE_TEXT: &[(&str, &str)] = &[
    (
        "",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "Hello, World!",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "I <3 Ponies!",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a ",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a>",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a href",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a on",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a href ",
        "{stateAfterName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a style  =  ",
        "{stateBeforeValue delimNone urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a href=",
        "{stateBeforeValue delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href=x",
        "{stateURL delimSpaceOrTagEnd urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href=x ",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a href=>",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a href=x>",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a href ='",
        "{stateURL delimSingleQuote urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href=''",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a href= \"",
        "{stateURL delimDoubleQuote urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href=\"\"",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a title=\"",
        "{stateAttr delimDoubleQuote urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a HREF='http:",
        "{stateURL delimSingleQuote urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a Href='/",
        "{stateURL delimSingleQuote urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href='\"",
        "{stateURL delimSingleQuote urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href=\"'",
        "{stateURL delimDoubleQuote urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href='&apos;",
        "{stateURL delimSingleQuote urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href=\"&quot;",
        "{stateURL delimDoubleQuote urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href=\"&#34;",
        "{stateURL delimDoubleQuote urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a href=&quot;",
        "{stateURL delimSpaceOrTagEnd urlPartPreQuery jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<img alt=\"1\">",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<img alt=\"1>\"",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<img alt=\"1>\">",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<input checked type=\"checkbox\"",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a onclick=\"",
        "{stateJS delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"//foo",
        "{stateJSLineCmt delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick='//\n",
        "{stateJS delimSingleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick='//\r\n",
        "{stateJS delimSingleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick='//\u{2028}",
        "{stateJS delimSingleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"/*",
        "{stateJSBlockCmt delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"/*/",
        "{stateJSBlockCmt delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"/**/",
        "{stateJS delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onkeypress=\"&quot;",
        "{stateJSDqStr delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick='&quot;foo&quot;",
        "{stateJS delimSingleQuote urlPartNone jsCtxDivOp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=&#39;foo&#39;",
        "{stateJS delimSpaceOrTagEnd urlPartNone jsCtxDivOp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=&#39;foo",
        "{stateJSSqStr delimSpaceOrTagEnd urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"&quot;foo'",
        "{stateJSDqStr delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"'foo&quot;",
        "{stateJSSqStr delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"`foo",
        "{stateJSBqStr delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<A ONCLICK=\"'",
        "{stateJSSqStr delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"/",
        "{stateJSRegexp delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"'foo'",
        "{stateJS delimDoubleQuote urlPartNone jsCtxDivOp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"'foo\\'",
        "{stateJSSqStr delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"'foo\\'",
        "{stateJSSqStr delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"/foo/",
        "{stateJS delimDoubleQuote urlPartNone jsCtxDivOp attrScript elementNone <nil>}",
    ),
    (
        "<script>/foo/ /=",
        "{stateJS delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<a onclick=\"1 /foo",
        "{stateJS delimDoubleQuote urlPartNone jsCtxDivOp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"1 /*c*/ /foo",
        "{stateJS delimDoubleQuote urlPartNone jsCtxDivOp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"/foo[/]",
        "{stateJSRegexp delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"/foo\\/",
        "{stateJSRegexp delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<a onclick=\"/foo/",
        "{stateJS delimDoubleQuote urlPartNone jsCtxDivOp attrScript elementNone <nil>}",
    ),
    (
        "<input checked style=\"",
        "{stateCSS delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"//",
        "{stateCSSLineCmt delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"//</script>",
        "{stateCSSLineCmt delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style='//\n",
        "{stateCSS delimSingleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style='//\r",
        "{stateCSS delimSingleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"/*",
        "{stateCSSBlockCmt delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"/*/",
        "{stateCSSBlockCmt delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"/**/",
        "{stateCSS delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: '",
        "{stateCSSSqStr delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: &quot;",
        "{stateCSSDqStr delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: '/foo?img=",
        "{stateCSSSqStr delimDoubleQuote urlPartQueryOrFrag jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: '/",
        "{stateCSSSqStr delimDoubleQuote urlPartPreQuery jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url(&#x22;/",
        "{stateCSSDqURL delimDoubleQuote urlPartPreQuery jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url('/",
        "{stateCSSSqURL delimDoubleQuote urlPartPreQuery jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url('/)",
        "{stateCSSSqURL delimDoubleQuote urlPartPreQuery jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url('/ ",
        "{stateCSSSqURL delimDoubleQuote urlPartPreQuery jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url(/",
        "{stateCSSURL delimDoubleQuote urlPartPreQuery jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url( ",
        "{stateCSSURL delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url( /image?name=",
        "{stateCSSURL delimDoubleQuote urlPartQueryOrFrag jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url(x)",
        "{stateCSS delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url('x'",
        "{stateCSS delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<a style=\"background: url( x ",
        "{stateCSS delimDoubleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<!-- foo",
        "{stateHTMLCmt delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<!-->",
        "{stateHTMLCmt delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<!--->",
        "{stateHTMLCmt delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<!-- foo -->",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<script",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script ",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script src=\"foo.js\" ",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script src='foo.js' ",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script type=text/javascript ",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script>",
        "{stateJS delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script>foo",
        "{stateJS delimNone urlPartNone jsCtxDivOp attrNone elementScript <nil>}",
    ),
    (
        "<script>foo</script>",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<script>foo</script><!--",
        "{stateHTMLCmt delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<script>document.write(\"<p>foo</p>\");",
        "{stateJS delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script>document.write(\"<p>foo<\\/script>\");",
        "{stateJS delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script>document.write(\"<script>alert(1)</script>\");",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<script type=\"text/template\">",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<script type=\"TEXT/JAVASCRIPT\">",
        "{stateJS delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<script TYPE=\"text/template\">",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<script type=\"notjs\">",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<Script>",
        "{stateJS delimNone urlPartNone jsCtxRegexp attrNone elementScript <nil>}",
    ),
    (
        "<SCRIPT>foo",
        "{stateJS delimNone urlPartNone jsCtxDivOp attrNone elementScript <nil>}",
    ),
    (
        "<textarea>value",
        "{stateRCDATA delimNone urlPartNone jsCtxRegexp attrNone elementTextarea <nil>}",
    ),
    (
        "<textarea>value</TEXTAREA>",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<textarea name=html><b",
        "{stateRCDATA delimNone urlPartNone jsCtxRegexp attrNone elementTextarea <nil>}",
    ),
    (
        "<title>value",
        "{stateRCDATA delimNone urlPartNone jsCtxRegexp attrNone elementTitle <nil>}",
    ),
    (
        "<style>value",
        "{stateCSS delimNone urlPartNone jsCtxRegexp attrNone elementStyle <nil>}",
    ),
    (
        "<a xlink:href",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a xmlns",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a xmlns:foo",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a xmlnsxyz",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a data-url",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a data-iconUri",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a data-urlItem",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a g:",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a g:url",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a g:iconUri",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a g:urlItem",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        "<a g:value",
        "{stateAttrName delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<a svg:style='",
        "{stateCSS delimSingleQuote urlPartNone jsCtxRegexp attrStyle elementNone <nil>}",
    ),
    (
        "<svg:font-face",
        "{stateTag delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
    (
        "<svg:a svg:onclick=\"",
        "{stateJS delimDoubleQuote urlPartNone jsCtxRegexp attrScript elementNone <nil>}",
    ),
    (
        "<svg:a svg:onclick=\"x()\">",
        "{stateText delimNone urlPartNone jsCtxRegexp attrNone elementNone <nil>}",
    ),
];

#[test]
fn the_context_after_text_is_gos() {
    for (input, want) in ESCAPE_TEXT {
        let mut pass = Pass {
            steps: 0,
            action_edits: Vec::new(),
            text_edits: Vec::new(),
            ranges: Vec::new(),
        };
        let got = match pass.escape_text(Context::default(), 0, input) {
            Ok(c) => c.to_string(),
            Err(e) => format!("error: {}", e.message),
        };
        assert_eq!(&got, want, "{input:?}");
    }
}

/// `TestEscape`: (name, template, Go's output).
const ESCAPE: &[(&str, &str, &str)] = &[
    (
        "if",
        "{{if .T}}Hello{{end}}, {{.C}}!",
        "Hello, &lt;Cincinnati&gt;!",
    ),
    (
        "else",
        "{{if .F}}{{.H}}{{else}}{{.G}}{{end}}!",
        "&lt;Goodbye&gt;!",
    ),
    (
        "overescaping1",
        "Hello, {{.C | html}}!",
        "Hello, &lt;Cincinnati&gt;!",
    ),
    (
        "overescaping2",
        "Hello, {{html .C}}!",
        "Hello, &lt;Cincinnati&gt;!",
    ),
    (
        "overescaping3",
        "{{with .C}}{{$msg := .}}Hello, {{$msg}}!{{end}}",
        "Hello, &lt;Cincinnati&gt;!",
    ),
    (
        "assignment",
        "{{if $x := .H}}{{$x}}{{end}}",
        "&lt;Hello&gt;",
    ),
    ("withBody", "{{with .H}}{{.}}{{end}}", "&lt;Hello&gt;"),
    (
        "withElse",
        "{{with .E}}{{.}}{{else}}{{.H}}{{end}}",
        "&lt;Hello&gt;",
    ),
    (
        "rangeBody",
        "{{range .A}}{{.}}{{end}}",
        "&lt;a&gt;&lt;b&gt;",
    ),
    (
        "rangeElse",
        "{{range .E}}{{.}}{{else}}{{.H}}{{end}}",
        "&lt;Hello&gt;",
    ),
    ("nonStringValue", "{{.T}}", "true"),
    ("untypedNilValue", "{{.U}}", ""),
    ("typedNilValue", "{{.Z}}", "&lt;nil&gt;"),
    (
        "constant",
        "<a href=\"/search?q={{\"'a<b'\"}}\">",
        "<a href=\"/search?q=%27a%3cb%27\">",
    ),
    (
        "multipleAttrs",
        "<a b=1 c={{.H}}>",
        "<a b=1 c=&lt;Hello&gt;>",
    ),
    (
        "urlStartRel",
        "<a href='{{\"/foo/bar?a=b&c=d\"}}'>",
        "<a href='/foo/bar?a=b&amp;c=d'>",
    ),
    (
        "urlStartAbsOk",
        "<a href='{{\"http://example.com/foo/bar?a=b&c=d\"}}'>",
        "<a href='http://example.com/foo/bar?a=b&amp;c=d'>",
    ),
    (
        "protocolRelativeURLStart",
        "<a href='{{\"//example.com:8000/foo/bar?a=b&c=d\"}}'>",
        "<a href='//example.com:8000/foo/bar?a=b&amp;c=d'>",
    ),
    (
        "pathRelativeURLStart",
        "<a href=\"{{\"/javascript:80/foo/bar\"}}\">",
        "<a href=\"/javascript:80/foo/bar\">",
    ),
    (
        "dangerousURLStart",
        "<a href='{{\"javascript:alert(%22pwned%22)\"}}'>",
        "<a href='#ZgotmplZ'>",
    ),
    (
        "dangerousURLStart2",
        "<a href='  {{\"javascript:alert(%22pwned%22)\"}}'>",
        "<a href='  #ZgotmplZ'>",
    ),
    (
        "nonHierURL",
        "<a href={{\"mailto:Muhammed \\\"The Greatest\\\" Ali <m.ali@example.com>\"}}>",
        "<a href=mailto:Muhammed%20%22The%20Greatest%22%20Ali%20%3cm.ali@example.com%3e>",
    ),
    (
        "urlPath",
        "<a href='http://{{\"javascript:80\"}}/foo'>",
        "<a href='http://javascript:80/foo'>",
    ),
    (
        "urlQuery",
        "<a href='/search?q={{.H}}'>",
        "<a href='/search?q=%3cHello%3e'>",
    ),
    (
        "urlFragment",
        "<a href='/faq#{{.H}}'>",
        "<a href='/faq#%3cHello%3e'>",
    ),
    (
        "urlBranch",
        "<a href=\"{{if .F}}/foo?a=b{{else}}/bar{{end}}\">",
        "<a href=\"/bar\">",
    ),
    (
        "urlBranchConflictMoot",
        "<a href=\"{{if .T}}/foo?a={{else}}/bar#{{end}}{{.C}}\">",
        "<a href=\"/foo?a=%3cCincinnati%3e\">",
    ),
    (
        "jsStrValue",
        "<button onclick='alert({{.H}})'>",
        "<button onclick='alert(&#34;\\u003cHello\\u003e&#34;)'>",
    ),
    (
        "jsNumericValue",
        "<button onclick='alert({{.N}})'>",
        "<button onclick='alert( 42 )'>",
    ),
    (
        "jsBoolValue",
        "<button onclick='alert({{.T}})'>",
        "<button onclick='alert( true )'>",
    ),
    (
        "jsNilValueTyped",
        "<button onclick='alert(typeof{{.Z}})'>",
        "<button onclick='alert(typeof null )'>",
    ),
    (
        "jsNilValueUntyped",
        "<button onclick='alert(typeof{{.U}})'>",
        "<button onclick='alert(typeof null )'>",
    ),
    (
        "jsObjValue",
        "<button onclick='alert({{.A}})'>",
        "<button onclick='alert([&#34;\\u003ca\\u003e&#34;,&#34;\\u003cb\\u003e&#34;])'>",
    ),
    (
        "jsObjValueScript",
        "<script>alert({{.A}})</script>",
        "<script>alert([\"\\u003ca\\u003e\",\"\\u003cb\\u003e\"])</script>",
    ),
    (
        "jsObjValueNotOverEscaped",
        "<button onclick='alert({{.A | html}})'>",
        "<button onclick='alert([&#34;\\u003ca\\u003e&#34;,&#34;\\u003cb\\u003e&#34;])'>",
    ),
    (
        "jsStr",
        "<button onclick='alert(&quot;{{.H}}&quot;)'>",
        "<button onclick='alert(&quot;\\u003cHello\\u003e&quot;)'>",
    ),
    (
        "badMarshaler",
        "<button onclick='alert(1/{{.B}}in numbers)'>",
        "<button onclick='alert(1/ /* json: error calling MarshalJSON for type *template.badMarshaler: invalid character &#39;f&#39; looking for beginning of object key string */null in numbers)'>",
    ),
    (
        "jsMarshaler",
        "<button onclick='alert({{.M}})'>",
        "<button onclick='alert({&#34;\\u003cfoo\\u003e&#34;:&#34;O&#39;Reilly&#34;})'>",
    ),
    (
        "jsStrNotUnderEscaped",
        "<button onclick='alert({{.C | urlquery}})'>",
        "<button onclick='alert(&#34;%3CCincinnati%3E&#34;)'>",
    ),
    (
        "jsRe",
        "<button onclick='alert(/{{\"foo+bar\"}}/.test(\"\"))'>",
        "<button onclick='alert(/foo\\u002bbar/.test(\"\"))'>",
    ),
    (
        "jsReBlank",
        "<script>alert(/{{\"\"}}/.test(\"\"));</script>",
        "<script>alert(/(?:)/.test(\"\"));</script>",
    ),
    (
        "jsReAmbigOk",
        "<script>{{if true}}var x = 1{{end}}</script>",
        "<script>var x = 1</script>",
    ),
    (
        "styleBidiKeywordPassed",
        "<p style=\"dir: {{\"ltr\"}}\">",
        "<p style=\"dir: ltr\">",
    ),
    (
        "styleBidiPropNamePassed",
        "<p style=\"border-{{\"left\"}}: 0; border-{{\"right\"}}: 1in\">",
        "<p style=\"border-left: 0; border-right: 1in\">",
    ),
    (
        "styleExpressionBlocked",
        "<p style=\"width: {{\"expression(alert(1337))\"}}\">",
        "<p style=\"width: ZgotmplZ\">",
    ),
    (
        "styleTagSelectorPassed",
        "<style>{{\"p\"}} { color: pink }</style>",
        "<style>p { color: pink }</style>",
    ),
    (
        "styleIDPassed",
        "<style>p{{\"#my-ID\"}} { font: Arial }</style>",
        "<style>p#my-ID { font: Arial }</style>",
    ),
    (
        "styleClassPassed",
        "<style>p{{\".my_class\"}} { font: Arial }</style>",
        "<style>p.my_class { font: Arial }</style>",
    ),
    (
        "styleQuantityPassed",
        "<a style=\"left: {{\"2em\"}}; top: {{0}}\">",
        "<a style=\"left: 2em; top: 0\">",
    ),
    (
        "stylePctPassed",
        "<table style=width:{{\"100%\"}}>",
        "<table style=width:100%>",
    ),
    (
        "styleColorPassed",
        "<p style=\"color: {{\"#8ff\"}}; background: {{\"#000\"}}\">",
        "<p style=\"color: #8ff; background: #000\">",
    ),
    (
        "styleObfuscatedExpressionBlocked",
        "<p style=\"width: {{\"  e\\\\78preS\\x00Sio/**/n(alert(1337))\"}}\">",
        "<p style=\"width: ZgotmplZ\">",
    ),
    (
        "styleMozBindingBlocked",
        "<p style=\"{{\"-moz-binding(alert(1337))\"}}: ...\">",
        "<p style=\"ZgotmplZ: ...\">",
    ),
    (
        "styleObfuscatedMozBindingBlocked",
        "<p style=\"{{\"  -mo\\\\7a-B\\x00I/**/nding(alert(1337))\"}}: ...\">",
        "<p style=\"ZgotmplZ: ...\">",
    ),
    (
        "styleFontNameString",
        "<p style='font-family: \"{{\"Times New Roman\"}}\"'>",
        "<p style='font-family: \"Times New Roman\"'>",
    ),
    (
        "styleFontNameString",
        "<p style='font-family: \"{{\"Times New Roman\"}}\", \"{{\"sans-serif\"}}\"'>",
        "<p style='font-family: \"Times New Roman\", \"sans-serif\"'>",
    ),
    (
        "styleFontNameUnquoted",
        "<p style='font-family: {{\"Times New Roman\"}}'>",
        "<p style='font-family: Times New Roman'>",
    ),
    (
        "styleURLQueryEncoded",
        "<p style=\"background: url(/img?name={{\"O'Reilly Animal(1)<2>.png\"}})\">",
        "<p style=\"background: url(/img?name=O%27Reilly%20Animal%281%29%3c2%3e.png)\">",
    ),
    (
        "styleQuotedURLQueryEncoded",
        "<p style=\"background: url('/img?name={{\"O'Reilly Animal(1)<2>.png\"}}')\">",
        "<p style=\"background: url('/img?name=O%27Reilly%20Animal%281%29%3c2%3e.png')\">",
    ),
    (
        "styleStrQueryEncoded",
        "<p style=\"background: '/img?name={{\"O'Reilly Animal(1)<2>.png\"}}'\">",
        "<p style=\"background: '/img?name=O%27Reilly%20Animal%281%29%3c2%3e.png'\">",
    ),
    (
        "styleURLBadProtocolBlocked",
        "<a style=\"background: url('{{\"javascript:alert(1337)\"}}')\">",
        "<a style=\"background: url('#ZgotmplZ')\">",
    ),
    (
        "styleStrBadProtocolBlocked",
        "<a style=\"background: '{{\"vbscript:alert(1337)\"}}'\">",
        "<a style=\"background: '#ZgotmplZ'\">",
    ),
    (
        "styleStrEncodedProtocolEncoded",
        "<a style=\"background: '{{\"javascript\\\\3a alert(1337)\"}}'\">",
        "<a style=\"background: 'javascript\\\\3a alert\\28 1337\\29 '\">",
    ),
    (
        "styleURLGoodProtocolPassed",
        "<a style=\"background: url('{{\"http://oreilly.com/O'Reilly Animals(1)<2>;{}.html\"}}')\">",
        "<a style=\"background: url('http://oreilly.com/O%27Reilly%20Animals%281%29%3c2%3e;%7b%7d.html')\">",
    ),
    (
        "styleStrGoodProtocolPassed",
        "<a style=\"background: '{{\"http://oreilly.com/O'Reilly Animals(1)<2>;{}.html\"}}'\">",
        "<a style=\"background: 'http\\3a\\2f\\2foreilly.com\\2fO\\27Reilly Animals\\28 1\\29\\3c 2\\3e\\3b\\7b\\7d.html'\">",
    ),
    (
        "styleURLEncodedForHTMLInAttr",
        "<a style=\"background: url('{{\"/search?img=foo&size=icon\"}}')\">",
        "<a style=\"background: url('/search?img=foo&amp;size=icon')\">",
    ),
    (
        "styleURLNotEncodedForHTMLInCdata",
        "<style>body { background: url('{{\"/search?img=foo&size=icon\"}}') }</style>",
        "<style>body { background: url('/search?img=foo&size=icon') }</style>",
    ),
    (
        "styleURLMixedCase",
        "<p style=\"background: URL(#{{.H}})\">",
        "<p style=\"background: URL(#%3cHello%3e)\">",
    ),
    (
        "stylePropertyPairPassed",
        "<a style='{{\"color: red\"}}'>",
        "<a style='color: red'>",
    ),
    (
        "styleStrSpecialsEncoded",
        "<a style=\"font-family: '{{\"/**/'\\\";:// \\\\\"}}', &quot;{{\"/**/'\\\";:// \\\\\"}}&quot;\">",
        "<a style=\"font-family: '\\2f**\\2f\\27\\22\\3b\\3a\\2f\\2f  \\\\', &quot;\\2f**\\2f\\27\\22\\3b\\3a\\2f\\2f  \\\\&quot;\">",
    ),
    (
        "styleURLSpecialsEncoded",
        "<a style=\"border-image: url({{\"/**/'\\\";:// \\\\\"}}), url(&quot;{{\"/**/'\\\";:// \\\\\"}}&quot;), url('{{\"/**/'\\\";:// \\\\\"}}'), 'http://www.example.com/?q={{\"/**/'\\\";:// \\\\\"}}''\">",
        "<a style=\"border-image: url(/**/%27%22;://%20%5c), url(&quot;/**/%27%22;://%20%5c&quot;), url('/**/%27%22;://%20%5c'), 'http://www.example.com/?q=%2f%2a%2a%2f%27%22%3b%3a%2f%2f%20%5c''\">",
    ),
    (
        "HTML comment",
        "<b>Hello, <!-- name of world -->{{.C}}</b>",
        "<b>Hello, &lt;Cincinnati&gt;</b>",
    ),
    (
        "HTML comment not first < in text node.",
        "<<!-- -->!--",
        "&lt;!--",
    ),
    ("HTML normalization 1", "a < b", "a &lt; b"),
    ("HTML normalization 2", "a << b", "a &lt;&lt; b"),
    ("HTML normalization 3", "a<<!-- --><!-- -->b", "a&lt;b"),
    (
        "HTML doctype not normalized",
        "<!DOCTYPE html>Hello, World!",
        "<!DOCTYPE html>Hello, World!",
    ),
    (
        "HTML doctype not case-insensitive",
        "<!doCtYPE htMl>Hello, World!",
        "<!doCtYPE htMl>Hello, World!",
    ),
    ("No doctype injection", "<!{{\"DOCTYPE\"}}", "&lt;!DOCTYPE"),
    (
        "Split HTML comment",
        "<b>Hello, <!-- name of {{if .T}}city -->{{.C}}{{else}}world -->{{.W}}{{end}}</b>",
        "<b>Hello, &lt;Cincinnati&gt;</b>",
    ),
    (
        "JS line comment",
        "<script>for (;;) { if (c()) break// foo not a label\nfoo({{.T}});}</script>",
        "<script>for (;;) { if (c()) break\nfoo( true );}</script>",
    ),
    (
        "JS multiline block comment",
        "<script>for (;;) { if (c()) break/* foo not a label\n */foo({{.T}});}</script>",
        "<script>for (;;) { if (c()) break\nfoo( true );}</script>",
    ),
    (
        "JS single-line block comment",
        "<script>for (;;) {\nif (c()) break/* foo a label */foo;x({{.T}});}</script>",
        "<script>for (;;) {\nif (c()) break foo;x( true );}</script>",
    ),
    (
        "JS block comment flush with mathematical division",
        "<script>var a/*b*//c\nd</script>",
        "<script>var a /c\nd</script>",
    ),
    (
        "JS mixed comments",
        "<script>var a/*b*///c\nd</script>",
        "<script>var a \nd</script>",
    ),
    (
        "CSS comments",
        "<style>p// paragraph\n{border: 1px/* color */{{\"#00f\"}}}</style>",
        "<style>p\n{border: 1px #00f}</style>",
    ),
    (
        "JS attr block comment",
        "<a onclick=\"f(&quot;&quot;); /* alert({{.H}}) */\">",
        "<a onclick=\"f(&quot;&quot;); /* alert() */\">",
    ),
    (
        "JS attr line comment",
        "<a onclick=\"// alert({{.G}})\">",
        "<a onclick=\"// alert()\">",
    ),
    (
        "CSS attr block comment",
        "<a style=\"/* color: {{.H}} */\">",
        "<a style=\"/* color:  */\">",
    ),
    (
        "CSS attr line comment",
        "<a style=\"// color: {{.G}}\">",
        "<a style=\"// color: \">",
    ),
    (
        "HTML substitution commented out",
        "<p><!-- {{.H}} --></p>",
        "<p></p>",
    ),
    (
        "Comment ends flush with start",
        "<!--{{.}}--><script>/*{{.}}*///{{.}}\n</script><style>/*{{.}}*///{{.}}\n</style><a onclick='/*{{.}}*///{{.}}' style='/*{{.}}*///{{.}}'>",
        "<script> \n</script><style> \n</style><a onclick='/**///' style='/**///'>",
    ),
    (
        "typed HTML in text",
        "{{.W}}",
        "&iexcl;<b class=\"foo\">Hello</b>, <textarea>O'World</textarea>!",
    ),
    (
        "typed HTML in attribute",
        "<div title=\"{{.W}}\">",
        "<div title=\"&iexcl;Hello, O&#39;World!\">",
    ),
    (
        "typed HTML in script",
        "<button onclick=\"alert({{.W}})\">",
        "<button onclick=\"alert(&#34;\\u0026iexcl;\\u003cb class=\\&#34;foo\\&#34;\\u003eHello\\u003c/b\\u003e, \\u003ctextarea\\u003eO&#39;World\\u003c/textarea\\u003e!&#34;)\">",
    ),
    (
        "typed HTML in RCDATA",
        "<textarea>{{.W}}</textarea>",
        "<textarea>&iexcl;&lt;b class=&#34;foo&#34;&gt;Hello&lt;/b&gt;, &lt;textarea&gt;O&#39;World&lt;/textarea&gt;!</textarea>",
    ),
    (
        "range in textarea",
        "<textarea>{{range .A}}{{.}}{{end}}</textarea>",
        "<textarea>&lt;a&gt;&lt;b&gt;</textarea>",
    ),
    (
        "No tag injection",
        "{{\"10$\"}}<{{\"script src,evil.org/pwnd.js\"}}...",
        "10$&lt;script src,evil.org/pwnd.js...",
    ),
    ("No comment injection", "<{{\"!--\"}}", "&lt;!--"),
    (
        "No RCDATA end tag injection",
        "<textarea><{{\"/textarea \"}}...</textarea>",
        "<textarea>&lt;/textarea ...</textarea>",
    ),
    (
        "conditional valueless attr name",
        "<input{{if .T}} checked{{end}} name=n>",
        "<input checked name=n>",
    ),
    (
        "conditional dynamic valueless attr name 1",
        "<input{{if .T}} {{\"checked\"}}{{end}} name=n>",
        "<input checked name=n>",
    ),
    (
        "conditional dynamic valueless attr name 2",
        "<input {{if .T}}{{\"checked\"}} {{end}}name=n>",
        "<input checked name=n>",
    ),
    (
        "dynamic attribute name",
        "<img on{{\"load\"}}=\"alert({{\"loaded\"}})\">",
        "<img onload=\"alert(&#34;loaded&#34;)\">",
    ),
    (
        "bad dynamic attribute name 1",
        "<input {{\"onchange\"}}=\"{{\"doEvil()\"}}\">",
        "<input ZgotmplZ=\"doEvil()\">",
    ),
    (
        "bad dynamic attribute name 2",
        "<div {{\"sTyle\"}}=\"{{\"color: expression(alert(1337))\"}}\">",
        "<div ZgotmplZ=\"color: expression(alert(1337))\">",
    ),
    (
        "bad dynamic attribute name 3",
        "<img {{\"src\"}}=\"{{\"javascript:doEvil()\"}}\">",
        "<img ZgotmplZ=\"javascript:doEvil()\">",
    ),
    (
        "bad dynamic attribute name 4",
        "<input checked {{\"\"}}=\"Whose value am I?\">",
        "<input checked ZgotmplZ=\"Whose value am I?\">",
    ),
    (
        "dynamic element name",
        "<h{{3}}><table><t{{\"head\"}}>...</h{{3}}>",
        "<h3><table><thead>...</h3>",
    ),
    (
        "bad dynamic element name",
        "<{{\"script\"}}>{{\"doEvil()\"}}</{{\"script\"}}>",
        "&lt;script>doEvil()&lt;/script>",
    ),
    (
        "srcset bad URL in second position",
        "<img srcset=\"{{\"/not-an-image#,javascript:alert(1)\"}}\">",
        "<img srcset=\"/not-an-image#,#ZgotmplZ\">",
    ),
    (
        "srcset buffer growth",
        "<img srcset={{\",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\"}}>",
        "<img srcset=,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,>",
    ),
];

/// Cases left out: they need values no template data here can hold.
const SKIPPED: &[&str] = &[
    "typedNilValue",
    "jsNilValueTyped",
    "badMarshaler",
    "jsMarshaler",
    "typed HTML in text",
    "typed HTML in attribute",
    "typed HTML in script",
    "typed HTML in RCDATA",
];

struct Strings(&'static [&'static str]);

impl ListTrait for Strings {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&self, i: usize) -> Option<Value<'_>> {
        self.0.get(i).map(|s| Value::str(s))
    }
    fn type_name(&self) -> &str {
        "[]string"
    }
}

/// The data of `TestEscape`.
struct GoData {
    a: Strings,
    e: Strings,
}

impl Object for GoData {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "F" => Value::Bool(false),
            "T" => Value::Bool(true),
            "C" => Value::str("<Cincinnati>"),
            "G" => Value::str("<Goodbye>"),
            "H" => Value::str("<Hello>"),
            "A" => Value::List(ListRef::new(&self.a)),
            "E" => Value::List(ListRef::new(&self.e)),
            "N" => Value::GoInt(42),
            "U" => Value::NoValue,
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "struct { F bool; T bool }"
    }
}

#[test]
fn templates_escape_as_go_escapes_them() {
    let data = GoData {
        a: Strings(&["<a>", "<b>"]),
        e: Strings(&[]),
    };
    let mut failed = Vec::new();
    for (name, src, want) in ESCAPE {
        if SKIPPED.contains(name) {
            continue;
        }
        let got = match Template::parse(name, src, &FuncSet::new()) {
            Ok(t) => {
                let t = t.with_escape(Escape::Html);
                let mut out = String::new();
                match t.render(&data, &mut out) {
                    Ok(()) => Cow::Owned(out),
                    Err(e) => Cow::Owned(format!("error: {e}")),
                }
            }
            Err(e) => Cow::Owned(format!("parse error: {e}")),
        };
        if got != *want {
            failed.push(format!("{name}: {src:?}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} differ:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// `TestErrors`: (template, a part of Go's error text; empty when there is none).
const ERRORS: &[(&str, &str)] = &[
    ("{{if .Cond}}<a>{{else}}<b>{{end}}", ""),
    ("{{if .Cond}}<a>{{end}}", ""),
    ("{{if .Cond}}{{else}}<b>{{end}}", ""),
    ("{{with .Cond}}<div>{{end}}", ""),
    ("{{range .Items}}<a>{{end}}", ""),
    ("<a href='/foo?{{range .Items}}&{{.K}}={{.V}}{{end}}'>", ""),
    ("{{range .Items}}<a{{if .X}}{{end}}>{{end}}", ""),
    ("{{range .Items}}<a{{if .X}}{{end}}>{{continue}}{{end}}", ""),
    ("{{range .Items}}<a{{if .X}}{{end}}>{{break}}{{end}}", ""),
    (
        "{{range .Items}}<a{{if .X}}{{end}}>{{if .X}}{{break}}{{end}}{{end}}",
        "",
    ),
    ("<script>var a = `${a+b}`</script>`", ""),
    ("{{if .Cond}}<a{{end}}", "z:1:5: {{if}} branches"),
    (
        "{{if .Cond}}\n{{else}}\n<a{{end}}",
        "z:1:5: {{if}} branches",
    ),
    (
        "{{if .Cond}}<a href=\"foo\">{{else}}<a href=\"bar>{{end}}",
        "z:1:5: {{if}} branches",
    ),
    (
        "<a {{if .Cond}}href='{{else}}title='{{end}}{{.X}}'>",
        "z:1:8: {{if}} branches",
    ),
    ("\n{{with .X}}<a{{end}}", "z:2:7: {{with}} branches"),
    (
        "\n{{with .X}}<a>{{else}}<a{{end}}",
        "z:2:7: {{with}} branches",
    ),
    (
        "{{range .Items}}<a{{end}}",
        "z:1: on range loop re-entry: \"<\" in attribute name: \"<a\"",
    ),
    (
        "\n{{range .Items}} x='<a{{end}}",
        "z:2:8: on range loop re-entry: {{range}} branches",
    ),
    (
        "{{range .Items}}<a{{if .X}}{{break}}{{end}}>{{end}}",
        "z:1:29: at range loop break: {{range}} branches end in different contexts",
    ),
    (
        "{{range .Items}}<a{{if .X}}{{continue}}{{end}}>{{end}}",
        "z:1:29: at range loop continue: {{range}} branches end in different contexts",
    ),
    (
        "<a b=1 c={{.H}}",
        "z: ends in a non-text context: {stateAttr delimSpaceOrTagEnd",
    ),
    ("<script>foo();", "z: ends in a non-text context: {stateJS"),
    (
        "<a href=\"{{if .F}}/foo?a={{else}}/bar/{{end}}{{.H}}\">",
        "z:1:47: {{.H}} appears in an ambiguous context within a URL",
    ),
    (
        "<a onclick=\"alert('Hello \\",
        "unfinished escape sequence in JS string: \"Hello \\\\\"",
    ),
    (
        "<a onclick='alert(\"Hello\\, World\\",
        "unfinished escape sequence in JS string: \"Hello\\\\, World\\\\\"",
    ),
    (
        "<a onclick='alert(/x+\\",
        "unfinished escape sequence in JS string: \"x+\\\\\"",
    ),
    (
        "<a onclick=\"/foo[\\]/",
        "unfinished JS regexp charset: \"foo[\\\\]/\"",
    ),
    (
        "<script>{{if false}}var x = 1{{end}}/-{{\"1.5\"}}/i.test(x)</script>",
        "'/' could start a division or regexp: \"/-\"",
    ),
    ("{{template \"foo\"}}", "z:1:11: no such template \"foo\""),
    (
        "<input type=button value=onclick=>",
        "html/template:z: \"=\" in unquoted attr: \"onclick=\"",
    ),
    (
        "<input type=button value= onclick=>",
        "html/template:z: \"=\" in unquoted attr: \"onclick=\"",
    ),
    (
        "<input type=button value= 1+1=2>",
        "html/template:z: \"=\" in unquoted attr: \"1+1=2\"",
    ),
    (
        "<a class=`foo>",
        "html/template:z: \"`\" in unquoted attr: \"`foo\"",
    ),
    (
        "<a style=font:'Arial'>",
        "html/template:z: \"'\" in unquoted attr: \"font:'Arial'\"",
    ),
    (
        "<a=foo>",
        ": expected space, attr name, or end of tag, but got \"=foo>\"",
    ),
    (
        "Hello, {{. | urlquery | print}}!",
        "predefined escaper \"urlquery\" disallowed in template",
    ),
    (
        "Hello, {{. | html | print}}!",
        "predefined escaper \"html\" disallowed in template",
    ),
    (
        "Hello, {{html . | print}}!",
        "predefined escaper \"html\" disallowed in template",
    ),
    (
        "<div class={{. | html}}>Hello<div>",
        "predefined escaper \"html\" disallowed in template",
    ),
    (
        "Hello, {{. | urlquery | html}}!",
        "predefined escaper \"urlquery\" disallowed in template",
    ),
    (
        "<script>var tmpl = `asd {{.}}`;</script>",
        "{{.}} appears in a JS template literal",
    ),
];

/// Data whose every field is missing, like the nil data of `TestErrors`.
struct NilData;

impl Object for NilData {
    fn field(&self, _: &str) -> Option<Value<'_>> {
        Some(Value::NoValue)
    }
    fn type_name(&self) -> &str {
        "<nil>"
    }
}

#[test]
fn refused_templates_fail_with_gos_error() {
    let mut failed = Vec::new();
    for (src, want) in ERRORS {
        let t = match Template::parse("z", src, &FuncSet::new()) {
            Ok(t) => t.with_escape(Escape::Html),
            // {{define}} and {{template}} are not supported (a parse error says so).
            Err(e) if e.message.contains("is not supported") => continue,
            Err(e) => {
                failed.push(format!("{src:?}: parse error {e}"));
                continue;
            }
        };
        let mut out = String::new();
        let got = t
            .render(&NilData, &mut out)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let ok = if want.is_empty() {
            got.is_empty()
        } else {
            got.contains(want) && t.escape_error().map(|e| e.to_string()) == Some(got.clone())
        };
        if !ok {
            failed.push(format!("{src:?}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} differ:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn deeply_nested_ranges_are_refused_instead_of_escaped_for_ever() {
    // Every level escapes its body twice: 60 levels would take 2^60 steps.
    let src = format!("{}x{}", "{{range .A}}".repeat(60), "{{end}}".repeat(60));
    let t = Template::parse("z", &src, &FuncSet::new())
        .unwrap()
        .with_escape(Escape::Html);
    let err = t.escape_error().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        err.starts_with("html/template:z: template too complex to escape"),
        "{err}"
    );
}
