//! Lambda compile + evaluation: parse a lambda body, compile it (also as a topic-handler
//! match expression and as a top-level constant), evaluate it against a fixed point and event.
//! Never panics; a folded constant evaluates to itself.

#![no_main]

use tick_lambda::{
    CompileOptions, FieldValue, Lambda, MatchEvent, Record, Value, VarValue, Vars, eval_constant,
};

struct Point;

impl Record for Point {
    fn field(&self, name: &str) -> Option<&FieldValue> {
        static FIELDS: std::sync::OnceLock<Vec<(&str, FieldValue)>> = std::sync::OnceLock::new();
        FIELDS
            .get_or_init(|| {
                vec![
                    ("f", FieldValue::Float(2.5)),
                    ("z", FieldValue::Float(0.0)),
                    ("i", FieldValue::Int(7)),
                    ("n", FieldValue::Int(0)),
                    ("max", FieldValue::Int(i64::MAX)),
                    ("s", FieldValue::String("héllo".into())),
                    ("b", FieldValue::Bool(true)),
                    ("d", FieldValue::Duration(90_000_000_000)),
                    ("both", FieldValue::Int(1)),
                ]
            })
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
    fn tag(&self, name: &str) -> Option<&str> {
        match name {
            "host" => Some("web-1"),
            "both" => Some("x"),
            _ => None,
        }
    }
    fn time(&self) -> i64 {
        1_615_734_566_000_000_000
    }
}

struct Event;

impl MatchEvent for Event {
    fn tag(&self, name: &str) -> Option<&str> {
        (name == "host").then_some("web-1")
    }
    fn level(&self) -> i64 {
        2
    }
    fn changed(&self) -> bool {
        true
    }
    fn name(&self) -> &str {
        "alert"
    }
    fn task_name(&self) -> &str {
        "task"
    }
    fn duration(&self) -> i64 {
        1_000_000_000
    }
}

/// Script variables, built once.
fn vars() -> &'static Vars {
    static VARS: std::sync::OnceLock<Vars> = std::sync::OnceLock::new();
    VARS.get_or_init(|| {
        let mut vars = Vars::new();
        vars.insert("t", VarValue::Value(Value::Float(80.0)));
        vars.insert("k", VarValue::Value(Value::Int(3)));
        vars.insert("w", VarValue::Value(Value::Duration(60_000_000_000)));
        vars.insert("word", VarValue::Value(Value::String("abc".into())));
        if let Ok(re) = tick_lambda::compile_regex("^web-\\d+$") {
            vars.insert("re", VarValue::Value(Value::Regex(re.into())));
        }
        if let (Some(body), _) = tick_syntax::parse_expr("\"f\" > t AND \"i\" < k") {
            vars.insert("hot", VarValue::Lambda(body));
        }
        vars.insert("list", VarValue::List(vec![VarValue::Star]));
        vars
    })
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let (Some(expr), _) = tick_syntax::parse_expr(src) else { return };

    let vars = vars();
    let opts = CompileOptions { tz: "America/New_York".parse().unwrap_or_default() };
    match Lambda::compile(&expr, vars, &opts) {
        Ok(l) => {
            let mut st = l.new_state();
            for _ in 0..2 {
                let r = l.eval(&Point, &mut st);
                if let (Some(c), Ok(v)) = (l.constant(), &r) {
                    assert!(same(c, v), "constant {c:?} evaluated to {v:?}");
                }
                if let Ok(v) = r {
                    let _ = v.to_string();
                    let _ = v.into_field_value();
                } else if let Err(e) = r {
                    let _ = e.to_string();
                }
                let _ = l.eval_bool(&Point, &mut st).map_err(|e| e.to_string());
            }
            let _ = l.references();
        }
        Err(errs) => {
            assert!(!errs.is_empty());
            for e in errs {
                assert!(e.span.end as usize <= src.len() && e.span.start <= e.span.end, "{e:?}");
                let _ = e.to_string();
            }
        }
    }
    if let Ok(m) = Lambda::compile_match(&expr, &opts) {
        let _ = m.eval_match(&Event, &mut m.new_state()).map_err(|e| e.to_string());
    }
    let _ = eval_constant(&expr, vars).map(|v| v.to_string()).map_err(|e| e.to_string());
});
