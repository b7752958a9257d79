//! Lambda evaluation cost per point: `cargo bench -p tick-lambda --bench eval`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
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
        self.tags
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn time(&self) -> i64 {
        0
    }
}

fn lambda(src: &str) -> Lambda {
    let (expr, diags) = tick_syntax::parse_expr(src);
    assert!(diags.is_empty(), "{diags:?}");
    Lambda::compile(
        &expr.expect("parsed"),
        &Vars::new(),
        &CompileOptions::default(),
    )
    .expect("compiles")
}

fn bench(c: &mut Criterion) {
    let point = Point {
        fields: vec![
            ("usage_user".into(), FieldValue::Float(40.0)),
            ("usage_system".into(), FieldValue::Float(15.0)),
            ("usage_idle".into(), FieldValue::Float(5.0)),
            ("usage_iowait".into(), FieldValue::Float(1.0)),
        ],
        tags: vec![
            ("host".into(), "web-1".into()),
            ("cpu".into(), "cpu-total".into()),
        ],
    };
    let simple = lambda("\"usage_idle\" < 10");
    let mut st = simple.new_state();
    assert_eq!(simple.eval_bool(&point, &mut st), Ok(true));
    c.bench_function("usage_idle < 10", |b| {
        b.iter(|| simple.eval_bool(black_box(&point), &mut st))
    });

    let six = lambda(
        "\"usage_user\" + \"usage_system\" > 50.0 AND \"usage_idle\" < 10.0 OR \"host\" == 'web-1'",
    );
    let mut st = six.new_state();
    assert_eq!(six.eval_bool(&point, &mut st), Ok(true));
    c.bench_function("six operators", |b| {
        b.iter(|| six.eval_bool(black_box(&point), &mut st))
    });

    let func = lambda("sigma(\"usage_idle\") > 3.0 AND strHasPrefix(\"host\", 'web')");
    let mut st = func.new_state();
    c.bench_function("sigma and strHasPrefix", |b| {
        b.iter(|| func.eval_bool(black_box(&point), &mut st))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
