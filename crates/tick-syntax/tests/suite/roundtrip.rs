//! Generated scripts: whatever parses must format idempotently and to the same program
//! (`parse(fmt(x)) == parse(x)` ignoring spans), and parsing must never panic.

use proptest::prelude::*;

/// Blanks between tokens: spaces, newlines, tabs, and now and then a comment after an
/// operator (where a comment cannot change the token stream: after an operator the lexer is in
/// operand position anyway).
fn gap() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(" ".to_string()),
        1 => Just("\n    ".to_string()),
        1 => Just("\t".to_string()),
        1 => Just(" // note\n  ".to_string()),
    ]
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        "\"[a-z][a-z .]{0,5}\"",
        "[a-z][a-z0-9_]{0,5}",
        "[1-9][0-9]{0,3}",
        "0[0-7]{1,3}",
        "[0-9]{1,3}\\.[0-9]{0,3}",
        "[1-9][0-9]{0,2}(u|ms|s|m|h|d|w)",
        "'[a-z ]{0,4}(\\\\')?[a-z]{0,3}'",
        "'''[a-z'\\n]{0,6}x'''",
        Just("TRUE".to_string()),
        Just("FALSE".to_string()),
    ]
}

fn binop() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "AND", "OR",
    ])
}

fn expr() -> impl Strategy<Value = String> {
    leaf().prop_recursive(5, 40, 3, |inner| {
        prop_oneof![
            (inner.clone(), binop(), inner.clone(), gap(), gap())
                .prop_map(|(a, op, b, g1, g2)| format!("{a}{g1}{op}{g2}{b}")),
            (inner.clone(), "[\" ]{0,1}").prop_map(|(a, _)| format!("({a})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            (inner.clone(), "\"[a-z]{1,3}\"")
                .prop_map(|(a, r)| format!("{r} =~ /[a-z]+\\/x/ AND {a}")),
            prop::collection::vec(inner, 0..3).prop_map(|args| format!("f({})", args.join(", "))),
        ]
    })
}

fn statement() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[a-z]{1,4}", expr()).prop_map(|(n, e)| format!("var v{n} = {e}")),
        ("[a-z]{1,4}", expr()).prop_map(|(n, e)| format!("var l{n} = lambda: {e}")),
        (expr(), expr(), gap()).prop_map(|(a, b, g)| format!(
            "stream{g}|from(){g}.measurement('cpu'){g}|where(lambda: {a}){g}|alert(){g}.crit(lambda: {b}){g}.mqtt('t'){g}.qos(1)"
        )),
        Just("dbrp \"db\".\"rp\"".to_string()),
        Just("var t float".to_string()),
        Just("// a comment line".to_string()),
        Just("stream|groupBy(['host', *])|window().period(10s)".to_string()),
    ]
}

fn script() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 0..6).prop_map(|s| s.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn formatting_keeps_meaning_and_is_idempotent(src in script()) {
        let (program, diags) = tick_syntax::parse(&src);
        if diags.iter().any(|d| d.is_error()) {
            return Ok(());
        }
        let once = tick_syntax::format(&src);
        prop_assert!(once.is_ok(), "format refused:\n{src}\n{once:?}");
        let once = once.unwrap_or_default();
        let (again, diags2) = tick_syntax::parse(&once);
        prop_assert!(!diags2.iter().any(|d| d.is_error()), "formatted output has errors:\n{once}");
        prop_assert_eq!(again.without_spans(), program.without_spans());
        prop_assert_eq!(tick_syntax::format(&once).ok(), Some(once.clone()));
    }

    #[test]
    fn parsing_arbitrary_text_never_panics_and_spans_stay_in_bounds(src in "[ -~\\n\\tµé]{0,80}") {
        let (_, diags) = tick_syntax::parse(&src);
        for d in diags {
            prop_assert!(d.span.start <= d.span.end);
            prop_assert!(d.span.end as usize <= src.len());
            let _ = tick_syntax::render("x.tick", &src, &d);
        }
        let _ = tick_syntax::format(&src);
        let _ = tick_syntax::parse_expr(&src);
    }
}

#[test]
fn generated_scripts_mostly_parse() {
    // Guards the generator itself: the property above is only as good as the share of
    // generated scripts that parse.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut ok = 0;
    for _ in 0..200 {
        let Ok(tree) = script().new_tree(&mut runner) else {
            continue;
        };
        let (_, d) = tick_syntax::parse(&tree.current());
        if !d.iter().any(|d| d.is_error()) {
            ok += 1;
        }
    }
    assert!(ok >= 100, "only {ok} of 200 generated scripts parse");
}
