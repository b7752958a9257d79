//! Lambda semantics: precedence, missing values,
//! short-circuit, TypeGuard messages, references, variables, compile-time errors.

use crate::common;

use common::{PI_DAY, Point, SEC, compile, compile_with, eval, eval_bool, eval0, parse, s};
use tick_lambda::{
    CompileOptions, EvalError, FieldValue, Lambda, Value, VarValue, Vars, eval_constant,
};
use tick_syntax::Span;

fn int(x: i64) -> Result<Value, String> {
    Ok(Value::Int(x))
}

fn mismatch(l: &str, op: &str, r: &str) -> String {
    format!(
        "mismatched type to binary operator. got {l} {op} {r}. see bool(), int(), float(), string(), duration()"
    )
}

#[test]
fn precedence_and_associativity_match_the_verified_examples() {
    assert_eq!(eval0("1 + 2 * 3 - 4 / 2"), int(5));
    assert_eq!(eval0("2 - 3 - 4"), int(-5));
    assert_eq!(eval0("8 / 2 / 2"), int(2));
    assert_eq!(eval0("7 % 4 * 2"), int(6));
    assert_eq!(eval0("TRUE OR FALSE AND FALSE"), Ok(Value::Bool(true)));
    assert_eq!(eval0("1 < 2 == TRUE"), Ok(Value::Bool(true)));
    assert_eq!(eval0("TRUE == 1 < 2"), Ok(Value::Bool(true)));
    assert_eq!(eval0("-2 * 3"), int(-6));
    assert_eq!(eval("-\"a\" * 2", &Point::new().i("a", 7)), int(-14));
    assert_eq!(eval0("!TRUE AND FALSE"), Ok(Value::Bool(false)));
    assert_eq!(eval0("- 2 + 3"), int(1));
    assert_eq!(eval0("2 - -3"), int(5));
    assert_eq!(eval0("--1"), int(1));
}

#[test]
fn usage_idle_below_ten_is_true_for_an_int_literal_against_a_float_field() {
    let l = compile("\"usage_idle\" < 10").unwrap();
    let mut st = l.new_state();
    assert_eq!(
        l.eval_bool(&Point::new().f("usage_idle", 5.5), &mut st),
        Ok(true)
    );
    assert_eq!(
        l.eval_bool(&Point::new().f("usage_idle", 95.0), &mut st),
        Ok(false)
    );
    assert_eq!(l.references(), ["usage_idle".to_string()]);
}

#[test]
fn arithmetic_never_coerces_int_and_float() {
    assert_eq!(
        eval("\"value\" * 2", &Point::new().f("value", 1.5)),
        Err(mismatch("float", "*", "int"))
    );
    assert_eq!(
        eval("\"value\" * 2.0", &Point::new().f("value", 1.5)),
        Ok(Value::Float(3.0))
    );
}

#[test]
fn constant_type_errors_are_compile_errors_with_the_span_of_the_operation() {
    let errs = Lambda::compile(
        &parse("\"x\" > 1 AND 1 + 2.0 > 0"),
        &Vars::new(),
        &CompileOptions::default(),
    )
    .unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].to_string(), mismatch("int", "+", "float"));
    assert_eq!(errs[0].span, Span::new(12, 19));
}

#[test]
fn a_field_that_changes_type_between_points_is_respecialised() {
    let l = compile("\"v\" + 1").unwrap();
    let mut st = l.new_state();
    assert_eq!(l.eval(&Point::new().i("v", 1), &mut st), Ok(Value::Int(2)));
    assert_eq!(
        l.eval(&Point::new().f("v", 1.5), &mut st)
            .unwrap_err()
            .to_string(),
        mismatch("float", "+", "int")
    );
    assert_eq!(l.eval(&Point::new().i("v", 2), &mut st), Ok(Value::Int(3)));
}

#[test]
fn missing_operands_of_comparison_regex_and_logical_operators_name_the_side() {
    let p = Point::new();
    assert_eq!(
        eval("\"x\" > 1", &p),
        Err("left reference value \"x\" is missing value".into())
    );
    assert_eq!(
        eval("1 < \"x\"", &p),
        Err("right reference value \"x\" is missing value".into())
    );
    assert_eq!(
        eval("\"x\" == \"y\"", &p),
        Err("left reference value \"x\" is missing value".into())
    );
    assert_eq!(
        eval("\"x\" =~ /a/", &p),
        Err("left reference value \"x\" is missing value".into())
    );
    assert_eq!(
        eval("'a' !~ \"r\"", &p),
        Err("right reference value \"r\" is missing value".into())
    );
    assert_eq!(
        eval("\"x\" AND TRUE", &p),
        Err("left reference value \"x\" is missing value".into())
    );
    assert_eq!(
        eval("TRUE OR \"x\"", &p),
        Err("right reference value \"x\" is missing value".into())
    );
}

#[test]
fn missing_operands_of_math_operators_are_type_errors() {
    let p = Point::new();
    assert_eq!(
        eval("\"x\" + 1", &p),
        Err("invalid math operator + for type missing".into())
    );
    assert_eq!(
        eval("\"x\" % 2", &p),
        Err("invalid math operator % for type missing".into())
    );
    assert_eq!(eval("1 + \"x\"", &p), Err(mismatch("int", "+", "missing")));
    assert_eq!(
        eval("2.0 * \"x\"", &p),
        Err(mismatch("float", "*", "missing"))
    );
}

#[test]
fn unary_operators_and_bare_references_report_missing_references() {
    let p = Point::new();
    assert_eq!(
        eval("-\"x\"", &p),
        Err("reference \"x\" is missing value".into())
    );
    assert_eq!(
        eval("!\"x\"", &p),
        Err("reference \"x\" is missing value".into())
    );
    assert_eq!(
        eval_bool("\"x\"", &p),
        Err("reference \"x\" is missing value".into())
    );
    assert_eq!(
        eval("\"missing\"", &p),
        Err("missing value: \"missing\"".into())
    );
}

#[test]
fn short_circuit_still_needs_the_arguments_of_a_function_on_the_right() {
    // Kapacitor asks the right operand for its type before it short-circuits, and a call's
    // type needs its arguments (tickscripts/logical_type_check); a comparison's type is boolean
    // without looking at its operands.
    let p = Point::new().i("a", 1);
    assert!(eval("TRUE OR strContains(\"missing\", 'x')", &p).is_err());
    assert!(eval("FALSE AND strContains(\"missing\", 'x')", &p).is_err());
    assert_eq!(
        eval("FALSE AND strContains(\"missing\", 'x') == TRUE", &p),
        Ok(Value::Bool(false))
    );
    assert_eq!(
        eval("TRUE OR abs(\"missing\") > 1", &p),
        Ok(Value::Bool(true))
    );
}

#[test]
fn short_circuit_skips_the_right_side_but_not_its_type_check() {
    let p = Point::new().i("a", 1);
    assert_eq!(
        eval("FALSE AND \"missing\" > 1", &p),
        Ok(Value::Bool(false))
    );
    assert_eq!(eval("TRUE OR \"missing\" > 1", &p), Ok(Value::Bool(true)));
    assert_eq!(
        eval("FALSE AND \"missing\"", &p),
        Err("right reference value \"missing\" is missing value".into())
    );
    assert_eq!(
        eval("FALSE AND \"a\"", &p),
        Err(mismatch("boolean", "AND", "int"))
    );
    assert_eq!(
        eval("\"a\" AND TRUE", &p),
        Err("invalid logical operator AND for type int".into())
    );
    // Short-circuit also protects a division by zero on the right.
    assert_eq!(
        eval("\"a\" > 5 AND 1 / (\"a\" - 1) > 0", &p),
        Ok(Value::Bool(false))
    );
}

#[test]
fn integer_overflow_wraps() {
    assert_eq!(eval0("9223372036854775807 + 1"), int(i64::MIN));
    assert_eq!(eval("\"a\" * 4", &Point::new().i("a", i64::MAX)), int(-4));
    assert_eq!(
        eval("\"a\" / -1", &Point::new().i("a", i64::MIN)),
        int(i64::MIN)
    );
    assert_eq!(
        eval("-\"a\"", &Point::new().i("a", i64::MIN)),
        int(i64::MIN)
    );
}

#[test]
fn integer_and_duration_division_truncate_toward_zero() {
    assert_eq!(eval0("7 / -2"), int(-3));
    assert_eq!(eval0("-7 % 3"), int(-1));
    assert_eq!(eval0("-7s / 2s"), int(-3));
    assert_eq!(eval0("7s / 2"), Ok(Value::Duration(3_500_000_000)));
    assert_eq!(eval0("1s * 1.5"), Ok(Value::Duration(1_500_000_000)));
    assert_eq!(eval0("2 * 5m"), Ok(Value::Duration(600 * SEC)));
}

#[test]
fn int_float_comparison_converts_the_int_to_float() {
    let p = Point::new().i("big", 9_007_199_254_740_993);
    assert_eq!(
        eval("\"big\" == 9007199254740993.0", &p),
        Ok(Value::Bool(true))
    );
    assert_eq!(eval("2 < 2.5", &p), Ok(Value::Bool(true)));
}

#[test]
fn float_division_by_zero_gives_infinities_and_nan() {
    let p = Point::new().f("a", 1.0).f("z", 0.0).f("n", -1.0);
    assert_eq!(eval("string(\"a\" / \"z\")", &p), Ok(s("+Inf")));
    assert_eq!(eval("string(\"n\" / \"z\")", &p), Ok(s("-Inf")));
    assert_eq!(eval("string(\"z\" / \"z\")", &p), Ok(s("NaN")));
    assert_eq!(eval0("string(1.0 / 0.0)"), Ok(s("+Inf")));
}

#[test]
fn integer_division_or_modulo_by_zero_is_an_evaluation_error() {
    let p = Point::new()
        .i("a", 7)
        .i("z", 0)
        .field("d", FieldValue::Duration(SEC))
        .field("dz", FieldValue::Duration(0));
    let msg = Err("runtime error: integer divide by zero".to_string());
    assert_eq!(eval("\"a\" / 0", &p), msg);
    assert_eq!(eval("\"a\" % \"z\"", &p), msg);
    assert_eq!(eval("\"d\" / \"z\"", &p), msg);
    assert_eq!(eval("\"d\" / \"dz\"", &p), msg);
    // A constant zero divisor compiles; the error comes per evaluation.
    let l = compile("1 / 0").unwrap();
    assert_eq!(
        l.eval(&p, &mut l.new_state()).unwrap_err(),
        EvalError::IntegerDivideByZero
    );
    assert_eq!(
        eval_bool("\"a\" / \"z\" > 1", &p),
        msg.map(|_: Value| false)
    );
}

#[test]
fn unary_operators_follow_the_type_guard_rules() {
    let p = Point::new()
        .i("a", 1)
        .s("s", "abc")
        .f("f", 2.5)
        .field("d", FieldValue::Duration(SEC));
    assert_eq!(
        eval("!\"a\"", &p),
        Err("TypeGuard: expression returned unexpected type int, expected boolean".into())
    );
    assert_eq!(
        eval("-\"s\"", &p),
        Err("TypeGuard: expression returned unexpected type invalid type, expected string".into())
    );
    assert_eq!(
        compile("-'abc'").unwrap_err(),
        "compile: TypeGuard: expression returned unexpected type string, expected string"
    );
    assert_eq!(eval("-TRUE", &p), Ok(Value::Bool(false)));
    assert_eq!(eval("-(1 < 2)", &p), Ok(Value::Bool(false)));
    assert_eq!(eval("-\"f\"", &p), Ok(Value::Float(-2.5)));
    assert_eq!(eval("-\"d\"", &p), Ok(Value::Duration(-SEC)));
    assert_eq!(eval("!FALSE", &p), Ok(Value::Bool(true)));
}

#[test]
fn a_non_boolean_predicate_is_a_type_guard_error() {
    let p = Point::new().f("x", 1.0);
    assert_eq!(
        eval_bool("\"x\"", &p),
        Err("TypeGuard: expression returned unexpected type float, expected boolean".into())
    );
    assert_eq!(
        eval_bool("\"x\" + 1.0", &p),
        Err("TypeGuard: expression returned unexpected type float, expected boolean".into())
    );
}

#[test]
fn time_values_have_no_operators_and_cannot_be_stored() {
    let p = Point::new();
    assert_eq!(
        eval("now() > \"time\"", &p),
        Err("invalid comparison operator > for type time".into())
    );
    assert_eq!(eval("1 < \"time\"", &p), Err(mismatch("int", "<", "time")));
    let t = eval("\"time\"", &p).unwrap();
    assert_eq!(t, Value::Time(PI_DAY));
    assert_eq!(
        t.into_field_value().unwrap_err().to_string(),
        "expression returned unexpected type time"
    );
    let mut vars = Vars::new();
    vars.insert(
        "re",
        VarValue::Value(Value::Regex(regex::Regex::new("a+").unwrap().into())),
    );
    let re = compile_with("re", &vars, &CompileOptions::default()).unwrap();
    let v = re.eval(&p, &mut re.new_state()).unwrap();
    assert_eq!(
        v.into_field_value().unwrap_err().to_string(),
        "expression returned unexpected type regex"
    );
}

#[test]
fn references_read_fields_then_tags_and_reject_a_name_that_is_both() {
    let p = Point::new()
        .f("x", 1.0)
        .tag("x", "a")
        .tag("host", "h1")
        .f("v", 2.0)
        .tag("time", "t");
    assert_eq!(eval("\"host\" == 'h1'", &p), Ok(Value::Bool(true)));
    assert_eq!(
        eval("\"x\" > 0.0", &p),
        Err("cannot have field and tags with same name \"x\"".into())
    );
    // An unreferenced clash is harmless, and a tag called time does not change "time".
    assert_eq!(eval("\"v\" * 2.0", &p), Ok(Value::Float(4.0)));
    assert_eq!(eval("unixNano(\"time\")", &p), int(PI_DAY));
}

#[test]
fn regex_operators_match_strings_against_regexes() {
    let p = Point::new().s("host", "web-01").tag("dc", "eu-west");
    assert_eq!(eval("\"host\" =~ /^web-\\d+$/", &p), Ok(Value::Bool(true)));
    assert_eq!(eval("\"dc\" !~ /east/", &p), Ok(Value::Bool(true)));
    assert_eq!(eval0("'a/b' =~ /a\\/b/"), Ok(Value::Bool(true)));
    // The parser rejects a bad regex first; a hand-made tree still gets a compile error.
    let bad = tick_syntax::ast::Expr::Regex {
        pattern: "[".into(),
        span: Span::new(3, 6),
    };
    let errs = Lambda::compile(&bad, &Vars::new(), &CompileOptions::default()).unwrap_err();
    assert!(
        errs[0].to_string().starts_with("error parsing regexp: "),
        "{}",
        errs[0]
    );
    assert_eq!(errs[0].span, Span::new(3, 6));
}

#[test]
fn identifiers_are_inlined_from_script_variables() {
    let mut vars = Vars::new();
    vars.insert("t", VarValue::Value(Value::Float(80.0)));
    vars.insert("hot", VarValue::Lambda(parse("\"v\" > t")));
    vars.insert("hosts", VarValue::List(vec![VarValue::Value(s("a"))]));
    let opts = CompileOptions::default();
    let l = compile_with("hot AND \"w\" < t", &vars, &opts).unwrap();
    let p = Point::new().f("v", 90.0).f("w", 10.0);
    assert_eq!(l.eval_bool(&p, &mut l.new_state()), Ok(true));
    assert_eq!(l.references(), ["v".to_string(), "w".to_string()]);
    assert_eq!(
        compile_with("\"v\" > foo", &vars, &opts).unwrap_err(),
        "compile: name \"foo\" is undefined. Names in scope: t,hot,hosts"
    );
    assert_eq!(
        compile_with("hosts", &vars, &opts).unwrap_err(),
        "compile: variable \"hosts\" holds a list, which cannot be used in a lambda expression"
    );
    // A folded constant is exposed to the caller.
    let c = compile_with("t * 2.0", &vars, &opts).unwrap();
    assert_eq!(c.constant(), Some(&Value::Float(160.0)));
}

#[test]
fn unknown_functions_are_reported_at_compile_time_with_the_name_span() {
    let errs = Lambda::compile(
        &parse("1 < foo(2) OR rand() > 1"),
        &Vars::new(),
        &CompileOptions::default(),
    )
    .unwrap_err();
    let msgs: Vec<(String, Span)> = errs.iter().map(|e| (e.to_string(), e.span)).collect();
    assert_eq!(
        msgs,
        vec![
            ("undefined function: \"foo\"".to_string(), Span::new(4, 7)),
            (
                "undefined function: \"rand\"".to_string(),
                Span::new(14, 18)
            ),
        ]
    );
}

#[test]
fn deep_nesting_is_a_compile_error_not_a_stack_overflow() {
    use tick_syntax::ast::{Expr, UnaryOp};
    let mut e = Expr::Bool {
        value: true,
        span: Span::new(0, 4),
    };
    for _ in 0..1000 {
        e = Expr::Unary {
            op: UnaryOp::Not,
            operand: Box::new(e),
            span: Span::new(0, 4),
        };
    }
    let errs = Lambda::compile(&e, &Vars::new(), &CompileOptions::default()).unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        "lambda expression nested too deeply (more than 200 levels)"
    );
    // Self-referencing lambda variables cannot loop forever either.
    let mut vars = Vars::new();
    vars.insert("l", VarValue::Lambda(parse("l AND TRUE")));
    let errs = Lambda::compile(&parse("l"), &vars, &CompileOptions::default()).unwrap_err();
    assert_eq!(
        errs[0].to_string(),
        "lambda expression nested too deeply (more than 200 levels)"
    );
}

#[test]
fn top_level_constants_use_the_lambda_rules_for_binary_and_a_stricter_rule_for_unary() {
    let vars = Vars::new();
    let c = |src: &str| eval_constant(&parse(src), &vars).map_err(|e| e.to_string());
    assert_eq!(c("2 * 5m"), Ok(Value::Duration(600 * SEC)));
    assert_eq!(c("'a' + 'b'"), Ok(s("ab")));
    assert_eq!(c("1 + 2.0"), Err(mismatch("int", "+", "float")));
    assert_eq!(c("-TRUE"), Err("invalid arugument to '-' true".into()));
    assert_eq!(c("!5"), Err("invalid arugument to '!' 5".into()));
    assert_eq!(c("-'abc'"), Err("invalid arugument to '-' abc".into()));
    assert_eq!(c("-5m"), Ok(Value::Duration(-300 * SEC)));
    assert_eq!(c("--1"), Ok(Value::Int(1)));
    assert_eq!(c("!FALSE"), Ok(Value::Bool(true)));
    assert_eq!(c("1 + -TRUE"), Err(mismatch("int", "+", "boolean")));
    assert_eq!(
        c("1 / 0"),
        Err("runtime error: integer divide by zero".into())
    );
    assert_eq!(
        c("\"x\" + 1"),
        Err("a reference can only be used inside a lambda".into())
    );
    let err = eval_constant(&parse("-TRUE"), &vars).unwrap_err();
    assert_eq!(err.span, Span::new(0, 5));
}

#[test]
fn compiled_lambdas_and_states_can_move_between_threads() {
    fn send_sync<T: Send + Sync + Clone>() {}
    send_sync::<Lambda>();
    send_sync::<tick_lambda::State>();
    send_sync::<Value>();
}

#[test]
fn a_state_made_for_another_lambda_is_replaced_not_misread() {
    let counter = compile("count()").unwrap();
    let plain = compile("1 + 1").unwrap();
    let mut foreign = plain.new_state();
    assert_eq!(counter.eval(&Point::new(), &mut foreign), Ok(Value::Int(1)));
    assert_eq!(counter.eval(&Point::new(), &mut foreign), Ok(Value::Int(2)));
}
