//! Parser and formatter throughput on a generated 500-line script (no committed inputs).
//! Run: `cargo bench -p tick-syntax --bench parse`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// A deterministic script of about 500 lines: variables, a few alert pipelines with lambdas,
/// comments, and every literal kind.
fn script() -> String {
    let mut s = String::from("// generated benchmark script\ndbrp \"telegraf\".\"autogen\"\n\n");
    let mut i = 0;
    while s.lines().count() < 500 {
        s.push_str(&format!(
            "var warn{i} = {w}.5\nvar period{i} = {p}s\n\n// pipeline {i}\nstream\n    |from()\n        .measurement('cpu{i}')\n        .groupBy('host', 'dc')\n        .where(lambda: \"cpu\" == 'cpu-total' AND \"host\" =~ /^web-\\d+$/)\n    |window()\n        .period(period{i})\n        .every(5s)\n    |mean('usage_idle')\n        .as('value')\n    |alert()\n        .id('{{{{ index .Tags \"host\" }}}}/cpu')\n        .message('{{{{ .ID }}}} is {{{{ .Level }}}} value: {{{{ index .Fields \"value\" }}}}')\n        .warn(lambda: \"value\" < warn{i} OR sigma(\"value\") > 3.0)\n        .crit(lambda: 100 - \"value\" > 90 * 1.0 / 1.0)\n        .stateChangesOnly()\n        .mqtt('alerts/{i}')\n        .qos(2)\n\n",
            w = 80 + i % 10,
            p = 10 + i,
        ));
        i += 1;
    }
    s
}

fn bench(c: &mut Criterion) {
    let src = script();
    let mut g = c.benchmark_group("tick-syntax");
    g.throughput(Throughput::Bytes(src.len() as u64));
    g.bench_function("parse_500_lines", |b| {
        b.iter(|| tick_syntax::parse(black_box(&src)))
    });
    g.bench_function("format_500_lines", |b| {
        b.iter(|| tick_syntax::format(black_box(&src)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
