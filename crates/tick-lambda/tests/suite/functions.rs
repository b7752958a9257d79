//! Built-in functions (Kapacitor `tick/stateful/functions.go`): signatures, messages, Go
//! semantics, state.

use crate::common;

use common::{PI_DAY, Point, SEC, compile, compile_with, eval, eval0, s};
use tick_lambda::{CompileOptions, FieldValue, Value, Vars};

fn f(x: f64) -> Result<Value, String> {
    Ok(Value::Float(x))
}
fn i(x: i64) -> Result<Value, String> {
    Ok(Value::Int(x))
}
fn b(x: bool) -> Result<Value, String> {
    Ok(Value::Bool(x))
}
fn st(x: &str) -> Result<Value, String> {
    Ok(s(x))
}
fn d(x: i64) -> Result<Value, String> {
    Ok(Value::Duration(x))
}
fn err(x: &str) -> Result<Value, String> {
    Err(x.to_string())
}

#[test]
fn signatures_are_exact_and_errors_list_the_arguments_and_signatures() {
    let p = Point::new().i("i", -2).i("a", 1).b("b", true);
    assert_eq!(
        eval("abs(\"i\")", &p),
        err(
            "Cannot call function \"abs\" with args (\"i\": int), available signatures are [(float)]."
        )
    );
    assert_eq!(eval("abs(-2.0)", &p), f(2.0));
    // With constant arguments the same message is a compile error.
    assert_eq!(
        compile("abs(-2)").unwrap_err(),
        "compile: Cannot call function \"abs\" with args (-2: int), available signatures are [(float)]."
    );
    assert_eq!(compile("string(5m)").map(|_| ()), Ok(()),);
    assert_eq!(
        compile("bool(5m)").unwrap_err(),
        "compile: Cannot call function \"bool\" with args (5m0s: duration), available signatures are [(boolean), (string), (int), (float)]."
    );
    assert_eq!(
        eval("if(\"b\", 1, 2.0)", &p),
        err(
            "Cannot call function \"if\" with args (\"b\": boolean,1: int,2: float), available signatures are [(boolean,float,float), (boolean,int,int), (boolean,string,string), (boolean,boolean,boolean), (boolean,regex,regex), (boolean,time,time), (boolean,duration,duration)]."
        )
    );
    assert_eq!(
        compile("duration(TRUE, 1s)").unwrap_err(),
        "compile: Cannot call function \"duration\" with args (true: boolean,1s: duration), available signatures are [(duration), (int,duration), (float,duration), (string,duration)]."
    );
    // Wrong argument counts are signature errors too.
    assert_eq!(
        compile("abs(1.0, 2.0)").unwrap_err(),
        "compile: Cannot call function \"abs\" with args (1: float,2: float), available signatures are [(float)]."
    );
    assert_eq!(
        eval("if(\"b\", 1)", &p),
        err(
            "Cannot call function \"if\" with args (\"b\": boolean,1: int), available signatures are [(boolean,float,float), (boolean,int,int), (boolean,string,string), (boolean,boolean,boolean), (boolean,regex,regex), (boolean,time,time), (boolean,duration,duration)]."
        )
    );
    assert_eq!(
        eval("strLength(\"a\", 1, 2, 3, 4, 5)", &p),
        err(
            "Cannot call function \"strLength\" with args (\"a\": int,1: int,2: int,3: int,4: int,5: int), available signatures are [(string)]."
        )
    );
}

#[test]
fn a_missing_argument_names_it_and_the_references_that_have_values() {
    let p = Point::new().f("b", 1.0).f("a", 2.0);
    assert_eq!(
        eval("abs(\"x\") + \"b\" + \"a\"", &p),
        err(
            "Cannot call function \"abs\" argument \"x\" is missing, values in scope are [\"b\", \"a\"]"
        )
    );
    assert_eq!(
        eval("abs(\"x\")", &p),
        err("Cannot call function \"abs\" argument \"x\" is missing, values in scope are []")
    );
    assert_eq!(
        eval("if(TRUE, 1, \"x\")", &p),
        err("Cannot call function \"if\" argument \"x\" is missing, values in scope are []")
    );
}

#[test]
fn all_arguments_are_evaluated_before_the_call() {
    let p = Point::new().i("a", 1).i("z", 0);
    assert_eq!(
        eval("if(TRUE, 1, \"a\" / \"z\")", &p),
        err("runtime error: integer divide by zero")
    );
}

#[test]
fn bool_conversion_follows_go_parse_bool() {
    for t in ["1", "t", "T", "TRUE", "true", "True"] {
        assert_eq!(eval0(&format!("bool('{t}')")), b(true), "{t}");
    }
    for t in ["0", "f", "F", "FALSE", "false", "False"] {
        assert_eq!(eval0(&format!("bool('{t}')")), b(false), "{t}");
    }
    let p = Point::new().s("y", "yes").i("two", 2).f("half", 0.5);
    assert_eq!(
        eval("bool(\"y\")", &p),
        err("error calling \"bool\": strconv.ParseBool: parsing \"yes\": invalid syntax")
    );
    assert_eq!(
        eval("bool(\"two\")", &p),
        err("error calling \"bool\": cannot convert 2 to boolean")
    );
    assert_eq!(
        eval("bool(\"half\")", &p),
        err("error calling \"bool\": cannot convert 0.5 to boolean")
    );
    assert_eq!(eval0("bool(1)"), b(true));
    assert_eq!(eval0("bool(0.0)"), b(false));
    assert_eq!(eval0("bool(TRUE)"), b(true));
}

#[test]
fn int_conversion_truncates_floats_and_parses_base_ten() {
    assert_eq!(eval0("int(-2.9)"), i(-2));
    assert_eq!(eval0("int(TRUE)"), i(1));
    assert_eq!(eval0("int('+17')"), i(17));
    assert_eq!(eval0("int('-9223372036854775808')"), i(i64::MIN));
    assert_eq!(
        eval0("int('4.2')"),
        err("error calling \"int\": strconv.ParseInt: parsing \"4.2\": invalid syntax")
    );
    assert_eq!(
        eval0("int(' 1')"),
        err("error calling \"int\": strconv.ParseInt: parsing \" 1\": invalid syntax")
    );
    assert_eq!(
        eval0("int('0x10')"),
        err("error calling \"int\": strconv.ParseInt: parsing \"0x10\": invalid syntax")
    );
    assert_eq!(
        eval0("int('')"),
        err("error calling \"int\": strconv.ParseInt: parsing \"\": invalid syntax")
    );
    assert_eq!(
        eval0("int('9223372036854775808')"),
        err(
            "error calling \"int\": strconv.ParseInt: parsing \"9223372036854775808\": value out of range"
        )
    );
    // Quirk: int(duration) fails the signature check.
    assert_eq!(
        compile("int(1s)").unwrap_err(),
        "compile: Cannot call function \"int\" with args (1s: duration), available signatures are [(boolean), (string), (int), (float)]."
    );
}

#[test]
fn float_conversion_follows_go_parse_float() {
    assert_eq!(eval0("float('1e3')"), f(1000.0));
    assert_eq!(eval0("float('Inf')"), f(f64::INFINITY));
    assert_eq!(eval0("float('-inf')"), f(f64::NEG_INFINITY));
    assert_eq!(eval0("float('.5')"), f(0.5));
    assert_eq!(eval0("float(3)"), f(3.0));
    assert_eq!(eval0("string(float('NaN'))"), st("NaN"));
    assert_eq!(
        eval0("float('abc')"),
        err("error calling \"float\": strconv.ParseFloat: parsing \"abc\": invalid syntax")
    );
    assert_eq!(
        eval0("float('1e400')"),
        err("error calling \"float\": strconv.ParseFloat: parsing \"1e400\": value out of range")
    );
}

#[test]
fn string_of_floats_is_shortest_round_trip_without_exponent() {
    let p = Point::new().f("a", 0.1).f("b", 0.2).f("nz", -0.0);
    assert_eq!(eval0("string(2.5)"), st("2.5"));
    assert_eq!(eval0("string(42.0)"), st("42"));
    assert_eq!(eval0("string(1000000.0)"), st("1000000"));
    assert_eq!(
        eval0("string(1000000000000000000000.0)"),
        st("1000000000000000000000")
    );
    assert_eq!(eval0("string(0.0000001)"), st("0.0000001"));
    assert_eq!(eval("string(\"a\" + \"b\")", &p), st("0.30000000000000004"));
    assert_eq!(eval("string(\"nz\")", &p), st("-0"));
    assert_eq!(eval0("string(-1.0 / 0.0)"), st("-Inf"));
    assert_eq!(eval0("string(42)"), st("42"));
    assert_eq!(eval0("string(TRUE)"), st("true"));
    assert_eq!(eval0("string('x')"), st("x"));
}

#[test]
fn string_of_durations_uses_the_largest_exact_unit() {
    assert_eq!(eval0("string(0s)"), st("0s"));
    assert_eq!(eval0("string(1500ms)"), st("1500ms"));
    assert_eq!(eval0("string(36h)"), st("36h"));
    assert_eq!(eval0("string(14d)"), st("2w"));
    assert_eq!(eval0("string(1u)"), st("1u"));
    assert_eq!(eval0("string(-90s)"), st("-90s"));
    assert_eq!(eval0("string(90s)"), st("90s"));
    assert_eq!(eval0("string(60m)"), st("1h"));
}

#[test]
fn duration_conversion_multiplies_numbers_and_ignores_the_unit_of_strings() {
    let p = Point::new().i("a", 7);
    assert_eq!(eval0("duration(1.5, 1m)"), d(90 * SEC));
    assert_eq!(eval0("duration(-2.5, 1s)"), d(-2_500_000_000));
    assert_eq!(eval("duration(\"a\", 1h)", &p), d(7 * 3600 * SEC));
    assert_eq!(eval0("duration('5m', 1s)"), d(300 * SEC));
    assert_eq!(eval0("duration(5m)"), d(300 * SEC));
    assert_eq!(
        eval0("duration('abc', 1s)"),
        err("error calling \"duration\": invalid duration string \"abc\"")
    );
    assert_eq!(
        eval0("duration('90', 1s)"),
        err("error calling \"duration\": invalid duration string \"90\"")
    );
    assert_eq!(
        compile("duration('5m')").unwrap_err(),
        "compile: Cannot call function \"duration\" with args (5m: string), available signatures are [(duration), (int,duration), (float,duration), (string,duration)]."
    );
}

#[test]
fn math_functions_follow_go_math() {
    assert_eq!(eval0("floor(-2.5)"), f(-3.0));
    assert_eq!(eval0("trunc(-2.7)"), f(-2.0));
    assert_eq!(eval0("gamma(5.0)"), f(24.0));
    assert_eq!(eval0("logb(8.0)"), f(3.0));
    assert_eq!(eval0("string(sqrt(-1.0))"), st("NaN"));
    assert_eq!(eval0("log(0.0)"), f(f64::NEG_INFINITY));
    assert_eq!(eval0("pow(2.0, 10.0)"), f(1024.0));
    assert_eq!(eval0("pow10(2)"), f(100.0));
    assert_eq!(eval0("mod(7.0, 2.0)"), f(1.0));
    assert_eq!(eval0("max(1.0, 2.0)"), f(2.0));
    assert_eq!(eval0("min(1.0, 2.0)"), f(1.0));
    assert_eq!(eval0("hypot(3.0, 4.0)"), f(5.0));
    assert_eq!(eval0("atan2(0.0, -1.0)"), f(std::f64::consts::PI));
    assert_eq!(eval0("log2(8.0)"), f(3.0));
    assert_eq!(eval0("exp2(3.0)"), f(8.0));
    assert_eq!(eval0("cbrt(-27.0)"), f(-3.0));
    assert_eq!(eval0("abs(-0.5)"), f(0.5));
    assert_eq!(eval0("ceil(1.1)"), f(2.0));
    assert_eq!(eval0("erf(0.0)"), f(0.0));
    assert_eq!(eval0("erfc(0.0)"), f(1.0));
    assert_eq!(eval0("j0(0.0)"), f(1.0));
    assert_eq!(eval0("j1(0.0)"), f(0.0));
    assert_eq!(eval0("y0(0.0)"), f(f64::NEG_INFINITY));
    assert_eq!(eval0("jn(1, 0.0)"), f(0.0));
    assert_eq!(eval0("string(yn(1, -1.0))"), st("NaN"));
    assert_eq!(eval0("string(gamma(-1.0))"), st("NaN"));
    assert_eq!(
        eval0("gamma(0.5) * gamma(0.5)").map(|v| match v {
            Value::Float(x) => (x - std::f64::consts::PI).abs() < 1e-12,
            _ => false,
        }),
        Ok(true)
    );
    assert_eq!(
        compile("abs(-2)").unwrap_err(),
        "compile: Cannot call function \"abs\" with args (-2: int), available signatures are [(float)]."
    );
}

#[test]
fn bessel_functions_match_reference_values() {
    // Reference values from standard tables (Abramowitz & Stegun 9.1).
    let close = |src: &str, want: f64| match eval0(src) {
        Ok(Value::Float(x)) => assert!((x - want).abs() < 1e-12, "{src}: {x} vs {want}"),
        other => panic!("{src}: {other:?}"),
    };
    close("j0(1.0)", 0.765_197_686_557_966_6);
    close("j1(1.0)", 0.440_050_585_744_933_5);
    close("y0(1.0)", 0.088_256_964_215_676_96);
    close("y1(1.0)", -0.781_212_821_300_288_7);
    close("jn(2, 1.0)", 0.114_903_484_931_900_5);
    close("yn(2, 1.0)", -1.650_682_606_816_254_4);
    close("erf(1.0)", 0.842_700_792_949_714_9);
}

#[test]
fn string_functions_use_byte_offsets_and_go_rules() {
    let p = Point::new().s("s", "héllo");
    assert_eq!(eval("strCount(\"s\", '')", &p), i(6));
    assert_eq!(eval("strIndex(\"s\", 'l')", &p), i(3));
    assert_eq!(eval("strIndexAny(\"s\", 'lo')", &p), i(3));
    assert_eq!(eval("strLastIndex(\"s\", 'l')", &p), i(4));
    assert_eq!(eval("strLastIndexAny(\"s\", 'hé')", &p), i(1));
    assert_eq!(eval("strLength(\"s\")", &p), i(6));
    assert_eq!(eval("strIndex(\"s\", 'z')", &p), i(-1));
    assert_eq!(eval("strCount('cheese', 'e')", &p), i(3));
    assert_eq!(eval("strCount('aaaa', 'aa')", &p), i(2));
    assert_eq!(eval0("strContains('seafood', 'foo')"), b(true));
    assert_eq!(eval0("strContainsAny('failure', 'ui')"), b(true));
    assert_eq!(eval0("strContainsAny('foo', '')"), b(false));
    assert_eq!(eval0("strHasPrefix('cpu-total', 'cpu')"), b(true));
    assert_eq!(eval0("strHasSuffix('cpu-total', 'cpu')"), b(false));
    assert_eq!(eval0("strToLower('HÉLLO')"), st("héllo"));
    assert_eq!(eval0("strToUpper('héllo')"), st("HÉLLO"));
    assert_eq!(eval0("strToUpper('ß')"), st("ß"));
    assert_eq!(eval0("strTrimSpace(' \t a b \n')"), st("a b"));
    assert_eq!(eval0("strTrim('xyhixy', 'yx')"), st("hi"));
    assert_eq!(eval0("strTrimLeft('xyhixy', 'yx')"), st("hixy"));
    assert_eq!(eval0("strTrimRight('xyhixy', 'yx')"), st("xyhi"));
    assert_eq!(eval0("strTrimPrefix('xxhi', 'x')"), st("xhi"));
    assert_eq!(eval0("strTrimSuffix('hixx', 'x')"), st("hix"));
}

#[test]
fn str_replace_counts_and_empty_old_match_between_runes() {
    assert_eq!(eval0("strReplace('abc', '', '-', -1)"), st("-a-b-c-"));
    assert_eq!(eval0("strReplace('abc', '', '-', 2)"), st("-a-bc"));
    assert_eq!(eval0("strReplace('aaa', 'a', 'b', 0)"), st("aaa"));
    assert_eq!(eval0("strReplace('aaa', 'a', 'b', 2)"), st("bba"));
    assert_eq!(eval0("strReplace('aaa', 'a', 'b', -1)"), st("bbb"));
}

#[test]
fn str_substring_reproduces_the_stop_index_quirk_as_errors() {
    assert_eq!(eval0("strSubstring('abcdef', 0, 5)"), st("abcde"));
    assert_eq!(eval0("strSubstring('abcdef', 5, 5)"), st(""));
    assert_eq!(
        eval0("strSubstring('abcdef', 0, 6)"),
        err("error calling \"strSubstring\": stop index too large for string in strSubstring: 6")
    );
    assert_eq!(
        eval0("strSubstring('abcdef', 6, 6)"),
        err("error calling \"strSubstring\": stop index too large for string in strSubstring: 6")
    );
    assert_eq!(
        eval0("strSubstring('', 0, 0)"),
        err("error calling \"strSubstring\": stop index too large for string in strSubstring: 0")
    );
    assert_eq!(
        eval0("strSubstring('abcdef', -1, 2)"),
        err("error calling \"strSubstring\": found negative index for strSubstring: -1")
    );
    assert_eq!(
        eval0("strSubstring('abcdef', 4, 2)"),
        err("error calling \"strSubstring\": runtime error: slice bounds out of range [4:2]")
    );
    // Deviation: a split UTF-8 character becomes U+FFFD.
    assert_eq!(eval0("strSubstring('héllo', 0, 2)"), st("h\u{fffd}"));
}

#[test]
fn regex_replace_expands_groups_like_go() {
    let p = Point::new().s("s", "héllo");
    assert_eq!(
        eval("regexReplace(/(\\w)l/, \"s\", '$1-B')", &p),
        st("hél-Bo")
    );
    assert_eq!(
        eval("regexReplace(/(\\w)l/, \"s\", '${1}x')", &p),
        st("hélxo")
    );
    assert_eq!(
        eval("regexReplace(/(?P<ll>l+)/, \"s\", '<$ll>')", &p),
        st("hé<ll>o")
    );
    assert_eq!(eval("regexReplace(/l/, \"s\", '$$')", &p), st("hé$$o"));
    assert_eq!(eval("regexReplace(/(l)/, \"s\", '$2')", &p), st("héo"));
    assert_eq!(eval0("regexReplace(/x*/, 'abc', '-')"), st("-a-b-c-"));
    assert_eq!(eval0("regexReplace(/a*/, 'baaac', '-')"), st("-b-c-"));
    assert_eq!(
        eval("regexReplace('l', \"s\", 'x')", &p),
        err(
            "Cannot call function \"regexReplace\" with args (l: string,\"s\": string,x: string), available signatures are [(regex,string,string)]."
        )
    );
}

#[test]
fn is_present_is_false_only_for_a_missing_reference() {
    let p = Point::new().f("v", 1.0).tag("host", "a");
    assert_eq!(eval("isPresent(\"v\")", &p), b(true));
    assert_eq!(eval("isPresent(\"host\")", &p), b(true));
    assert_eq!(eval("isPresent(\"nope\")", &p), b(false));
    assert_eq!(eval("isPresent(1)", &p), b(true));
    assert_eq!(
        eval("isPresent(\"time\")", &p),
        err(
            "Cannot call function \"isPresent\" with args (\"time\": time), available signatures are [(missing), (boolean), (string), (int), (float)]."
        )
    );
    assert_eq!(
        compile("isPresent(1s)").unwrap_err(),
        "compile: Cannot call function \"isPresent\" with args (1s: duration), available signatures are [(missing), (boolean), (string), (int), (float)]."
    );
}

#[test]
fn if_returns_either_branch_of_the_same_type() {
    let p = Point::new().b("c", false).f("x", 1.5);
    assert_eq!(eval("if(\"c\", 1, 2)", &p), i(2));
    assert_eq!(eval("if(!\"c\", 'a', 'b')", &p), st("a"));
    assert_eq!(eval("if(\"c\", 1s, 2s)", &p), d(2 * SEC));
    assert_eq!(eval("if(\"c\", 0.0, \"x\")", &p), f(1.5));
    assert_eq!(
        eval("if(\"c\", /a/, /b/) == 1", &p),
        err("invalid comparison operator == for type regex")
    );
    assert_eq!(eval("'b' =~ if(\"c\", /a/, /b/)", &p), b(true));
}

#[test]
fn time_functions_read_the_point_time_in_the_configured_zone() {
    let p = Point::new();
    assert_eq!(eval("hour(\"time\")", &p), i(15));
    assert_eq!(eval("minute(\"time\")", &p), i(9));
    assert_eq!(eval("day(\"time\")", &p), i(14));
    assert_eq!(eval("month(\"time\")", &p), i(3));
    assert_eq!(eval("year(\"time\")", &p), i(2021));
    assert_eq!(eval("weekday(\"time\")", &p), i(0));
    assert_eq!(eval("unixNano(\"time\")", &p), i(PI_DAY));
    assert_eq!(
        eval("weekday(\"time\")", &Point::new().at(31_536_000 * SEC)),
        i(5)
    );
    let in_zone = |tz: &str, src: &str, p: &Point| {
        let opts = CompileOptions {
            tz: tz.parse().unwrap(),
        };
        let l = compile_with(src, &Vars::new(), &opts).unwrap();
        l.eval(p, &mut l.new_state()).unwrap()
    };
    assert_eq!(
        in_zone("America/New_York", "hour(\"time\")", &p),
        Value::Int(11)
    );
    assert_eq!(
        in_zone("Asia/Kolkata", "hour(\"time\")", &p),
        Value::Int(20)
    );
    assert_eq!(
        in_zone("Asia/Kolkata", "minute(\"time\")", &p),
        Value::Int(39)
    );
    let later = Point::new().at(PI_DAY + 10 * 3600 * SEC);
    assert_eq!(
        in_zone("Asia/Kolkata", "day(\"time\")", &later),
        Value::Int(15)
    );
    assert_eq!(
        in_zone("Asia/Kolkata", "weekday(\"time\")", &later),
        Value::Int(1)
    );
}

#[test]
fn now_reads_the_wall_clock() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let Ok(Value::Int(n)) = eval0("unixNano(now())") else {
        panic!("not an int")
    };
    assert!(n >= before && n < before + 60 * SEC, "{n} vs {before}");
}

#[test]
fn human_bytes_uses_si_units_without_carrying_to_the_next_unit() {
    assert_eq!(eval0("humanBytes(1000)"), st("1.0 kB"));
    assert_eq!(eval0("humanBytes(82854982)"), st("83 MB"));
    assert_eq!(eval0("humanBytes(9999)"), st("10 kB"));
    assert_eq!(eval0("humanBytes(999999)"), st("1000 kB"));
    assert_eq!(eval0("humanBytes(1500000)"), st("1.5 MB"));
    assert_eq!(eval0("humanBytes(5)"), st("5 B"));
    assert_eq!(eval0("humanBytes(-5000)"), st("18 EB"));
    assert_eq!(eval0("humanBytes(1000.0)"), st("1.0 kB"));
}

#[test]
fn count_sigma_and_spread_keep_state_per_state_instance() {
    let seq = |src: &str, xs: &[f64]| -> Vec<Value> {
        let l = compile(src).unwrap();
        let mut st = l.new_state();
        xs.iter()
            .map(|x| l.eval(&Point::new().f("x", *x), &mut st).unwrap())
            .collect()
    };
    let floats = |v: &[f64]| v.iter().map(|x| Value::Float(*x)).collect::<Vec<_>>();
    assert_eq!(
        seq("sigma(\"x\")", &[1.0, 2.0, 3.0, 10.0]),
        floats(&[0.0, 0.7071067811865475, 1.0, 1.4696938456699067])
    );
    assert_eq!(
        seq("sigma(\"x\")", &[4.0, 4.0, 4.0]),
        floats(&[0.0, 0.0, 0.0])
    );
    assert_eq!(
        seq("spread(\"x\")", &[1.0, 2.0, 3.0, 10.0]),
        floats(&[0.0, 1.0, 2.0, 9.0])
    );
    assert_eq!(
        seq("count()", &[0.0, 0.0, 0.0]),
        vec![Value::Int(1), Value::Int(2), Value::Int(3)]
    );
    // Two count() calls in one expression count on their own.
    assert_eq!(
        seq("count() * 10 + count()", &[0.0, 0.0]),
        vec![Value::Int(11), Value::Int(22)]
    );

    // Each State is an independent scope (per group); sharing one State shares the count.
    let l = compile("count() == 1").unwrap();
    let (mut h1, mut h2) = (l.new_state(), l.new_state());
    let p = Point::new();
    assert_eq!(l.eval_bool(&p, &mut h1), Ok(true));
    assert_eq!(l.eval_bool(&p, &mut h2), Ok(true));
    assert_eq!(l.eval_bool(&p, &mut h1), Ok(false));
    assert_eq!(l.eval_bool(&p, &mut h2), Ok(false));

    assert_eq!(
        compile("sigma(1)").unwrap_err(),
        "compile: Cannot call function \"sigma\" with args (1: int), available signatures are [(float)]."
    );
    let p = Point::new().i("n", 1);
    assert_eq!(
        eval("sigma(\"n\")", &p),
        err(
            "Cannot call function \"sigma\" with args (\"n\": int), available signatures are [(float)]."
        )
    );
}

#[test]
fn a_duration_field_works_with_duration_functions() {
    let p = Point::new().field("d", FieldValue::Duration(90 * SEC));
    assert_eq!(eval("string(\"d\")", &p), st("90s"));
    assert_eq!(eval("\"d\" > 1m", &p), b(true));
}

#[test]
fn replacements_that_would_exceed_64_mib_are_errors() {
    let p = Point::new().s("s", &"a".repeat(1 << 20));
    let long = "x".repeat(100);
    assert_eq!(
        eval(&format!("strReplace(\"s\", 'a', '{long}', -1)"), &p),
        err("error calling \"strReplace\": result longer than 64 MiB")
    );
    assert_eq!(
        eval(&format!("regexReplace(/a/, \"s\", '{long}')"), &p),
        err("error calling \"regexReplace\": result longer than 64 MiB")
    );
    assert_eq!(
        eval("strLength(strReplace(\"s\", 'a', 'bb', 10))", &p),
        i((1 << 20) + 10)
    );
}
