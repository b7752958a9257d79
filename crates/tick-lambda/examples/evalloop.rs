//! Lambda evaluation cost per point: `cargo bench -p tick-lambda --bench eval`.

use std::hint::black_box;


use tick_lambda::{CompileOptions, FieldValue, Lambda, Record, Vars};

/// A point shaped like the engine's: a few fields and tags in small vectors.
struct Point {
    fields: Vec<(String, FieldValue)>,
    tags: Vec<(String, String)>,
}

impl Record for Point {
    fn field(&self, name: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    fn tag(&self, name: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn time(&self) -> i64 {
        0
    }
}

fn lambda(src: &str) -> Lambda {
    let (expr, diags) = tick_syntax::parse_expr(src);
    assert!(diags.is_empty(), "{diags:?}");
    Lambda::compile(&expr.expect("parsed"), &Vars::new(), &CompileOptions::default()).expect("compiles")
}

fn main() {
    let point = Point {
        fields: vec![
            ("usage_user".into(), FieldValue::Float(40.0)),
            ("usage_system".into(), FieldValue::Float(15.0)),
            ("usage_idle".into(), FieldValue::Float(5.0)),
            ("usage_iowait".into(), FieldValue::Float(1.0)),
        ],
        tags: vec![("host".into(), "web-1".into()), ("cpu".into(), "cpu-total".into())],
    };
    let which = std::env::args().nth(1).unwrap_or_default();
    let src = if which == "six" {
        "\"usage_user\" + \"usage_system\" > 50.0 AND \"usage_idle\" < 10.0 OR \"host\" == 'web-1'"
    } else if which == "none" {
        "TRUE"
    } else {
        "\"usage_idle\" < 10"
    };
    let l = lambda(src);
    let mut st = l.new_state();
    let mut n = 0u64;
    let t = std::time::Instant::now();
    let iters: u32 = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(10_000_000);
    for _ in 0..iters {
        if l.eval_bool(black_box(&point), &mut st) == Ok(true) {
            n += 1;
        }
    }
    println!("{n} {:?}", t.elapsed() / iters);
}
