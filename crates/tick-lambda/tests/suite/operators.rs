//! Every binary operator over every pair of int, float, string, boolean and duration
//! operands read from fields at run time (15 operators × 25 type pairs = 375 cases; Kapacitor
//! `tick/stateful/evaluation_funcs.go`).

use crate::common;

use common::{Point, SEC, eval};
use tick_lambda::{FieldValue, Value};

#[derive(Debug)]
enum Want {
    V(Value),
    /// `mismatched type to binary operator. got L op R. ...`
    M,
    /// `invalid <kind> operator op for type L`
    I,
}
use Want::{I, M};

const TYPES: [&str; 5] = ["int", "float", "string", "boolean", "duration"];

/// Left operands: 7, 7.5, 'ab', true, 7s. Right operands: 2, 2.0, 'cd', false, 2s.
fn operand(ty: usize, left: bool) -> FieldValue {
    match (ty, left) {
        (0, true) => FieldValue::Int(7),
        (0, false) => FieldValue::Int(2),
        (1, true) => FieldValue::Float(7.5),
        (1, false) => FieldValue::Float(2.0),
        (2, true) => FieldValue::String("ab".into()),
        (2, false) => FieldValue::String("cd".into()),
        (3, true) => FieldValue::Bool(true),
        (3, false) => FieldValue::Bool(false),
        (4, true) => FieldValue::Duration(7 * SEC),
        _ => FieldValue::Duration(2 * SEC),
    }
}

fn i(x: i64) -> Want {
    Want::V(Value::Int(x))
}
fn f(x: f64) -> Want {
    Want::V(Value::Float(x))
}
fn b(x: bool) -> Want {
    Want::V(Value::Bool(x))
}
fn d(x: i64) -> Want {
    Want::V(Value::Duration(x))
}
fn st(x: &str) -> Want {
    Want::V(Value::String(x.into()))
}

/// Rows: left int, float, string, boolean, duration; columns: right in the same order.
// Long because it is data: the whole operator table in one place, a row per left operand type
// and a column per right one, so that a missing or wrong cell shows.
fn table() -> Vec<(&'static str, &'static str, Vec<Want>)> {
    let cmp = |ii: bool, ss: bool, dd: bool| -> Vec<Want> {
        // int⇄float compare as floats (7 vs 2, 7.5 vs 2): same truth as int/int here.
        vec![
            b(ii),
            b(ii),
            M,
            M,
            M, //
            b(ii),
            b(ii),
            M,
            M,
            M, //
            M,
            M,
            b(ss),
            M,
            M, //
            I,
            I,
            I,
            I,
            I, //
            M,
            M,
            M,
            M,
            b(dd),
        ]
    };
    let eq = |truth: bool| -> Vec<Want> {
        vec![
            b(truth),
            b(truth),
            M,
            M,
            M, //
            b(truth),
            b(truth),
            M,
            M,
            M, //
            M,
            M,
            b(truth),
            M,
            M, //
            M,
            M,
            M,
            b(truth),
            M, //
            M,
            M,
            M,
            M,
            b(truth),
        ]
    };
    let regex = || -> Vec<Want> {
        vec![
            I, I, I, I, I, //
            I, I, I, I, I, //
            M, M, M, M, M, //
            I, I, I, I, I, //
            I, I, I, I, I,
        ]
    };
    let logical = |truth: bool| -> Vec<Want> {
        vec![
            I,
            I,
            I,
            I,
            I, //
            I,
            I,
            I,
            I,
            I, //
            I,
            I,
            I,
            I,
            I, //
            M,
            M,
            M,
            b(truth),
            M, //
            I,
            I,
            I,
            I,
            I,
        ]
    };
    vec![
        (
            "+",
            "math",
            vec![
                i(9),
                M,
                M,
                M,
                M, //
                M,
                f(9.5),
                M,
                M,
                M, //
                M,
                M,
                st("abcd"),
                M,
                M, //
                I,
                I,
                I,
                I,
                I, //
                M,
                M,
                M,
                M,
                d(9 * SEC),
            ],
        ),
        (
            "-",
            "math",
            vec![
                i(5),
                M,
                M,
                M,
                M, //
                M,
                f(5.5),
                M,
                M,
                M, //
                I,
                I,
                I,
                I,
                I, //
                I,
                I,
                I,
                I,
                I, //
                M,
                M,
                M,
                M,
                d(5 * SEC),
            ],
        ),
        (
            "*",
            "math",
            vec![
                i(14),
                M,
                M,
                M,
                d(14 * SEC), //
                M,
                f(15.0),
                M,
                M,
                d(15 * SEC), //
                I,
                I,
                I,
                I,
                I, //
                I,
                I,
                I,
                I,
                I, //
                d(14 * SEC),
                d(14 * SEC),
                M,
                M,
                M,
            ],
        ),
        (
            "/",
            "math",
            vec![
                i(3),
                M,
                M,
                M,
                M, //
                M,
                f(3.75),
                M,
                M,
                M, //
                I,
                I,
                I,
                I,
                I, //
                I,
                I,
                I,
                I,
                I, //
                d(3_500_000_000),
                d(3_500_000_000),
                M,
                M,
                i(3),
            ],
        ),
        (
            "%",
            "math",
            vec![
                i(1),
                M,
                M,
                M,
                M, //
                I,
                I,
                I,
                I,
                I, //
                I,
                I,
                I,
                I,
                I, //
                I,
                I,
                I,
                I,
                I, //
                I,
                I,
                I,
                I,
                I,
            ],
        ),
        ("<", "comparison", cmp(false, true, false)),
        ("<=", "comparison", cmp(false, true, false)),
        (">", "comparison", cmp(true, false, true)),
        (">=", "comparison", cmp(true, false, true)),
        ("==", "comparison", eq(false)),
        ("!=", "comparison", eq(true)),
        ("=~", "comparison", regex()),
        ("!~", "comparison", regex()),
        ("AND", "logical", logical(false)),
        ("OR", "logical", logical(true)),
    ]
}

#[test]
fn every_operator_and_operand_type_pair_follows_the_spec_table() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (op, kind, wants) in table() {
        assert_eq!(wants.len(), 25, "{op}");
        for (n, want) in wants.into_iter().enumerate() {
            let (lt, rt) = (n / 5, n % 5);
            let p = Point::new()
                .field("l", operand(lt, true))
                .field("r", operand(rt, false));
            let got = eval(&format!("\"l\" {op} \"r\""), &p);
            let expected = match want {
                Want::V(v) => Ok(v),
                M => Err(format!(
                    "mismatched type to binary operator. got {} {op} {}. see bool(), int(), float(), string(), duration()",
                    TYPES[lt], TYPES[rt]
                )),
                I => Err(format!(
                    "invalid {kind} operator {op} for type {}",
                    TYPES[lt]
                )),
            };
            count += 1;
            if got != expected {
                failures.push(format!(
                    "{} {op} {}: got {got:?}, want {expected:?}",
                    TYPES[lt], TYPES[rt]
                ));
            }
        }
    }
    assert_eq!(count, 375);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
