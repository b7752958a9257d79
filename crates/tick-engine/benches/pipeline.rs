//! Points per second through `stream|from().measurement('cpu')|where(lambda: "usage_idle" < 10.0)`
//! against the read-only `stream|from()` over the same generated points (the ratio is the figure
//! that matters: absolute rates change with the machine and its load, see `docs/PERFORMANCE.md`).
//! Run: `cargo bench -p tick-engine --bench pipeline`.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tick_engine::{CompileOptions, Compiler, FieldValue, Fields, Point, Tags, Task};

const N: usize = 100_000;

/// Deterministic cpu points over 8 hosts, about 10% of them below the threshold.
fn points() -> Vec<Point> {
    let hosts: Vec<String> = (0..8).map(|i| format!("host{i}")).collect();
    (0..N)
        .map(|i| {
            let idle = ((i * 7919) % 1000) as f64 / 10.0;
            Point::new(
                "cpu",
                "telegraf",
                "autogen",
                Tags::from_pairs([("host", hosts[i % 8].as_str()), ("cpu", "cpu-total")]),
                Fields::from_pairs([
                    ("usage_idle", FieldValue::Float(idle)),
                    ("usage_user", FieldValue::Float(100.0 - idle)),
                ]),
                i as i64 * 1_000_000_000,
            )
        })
        .collect()
}

fn task(script: &str) -> Task {
    let (program, _) = tick_syntax::parse(script);
    let (task, diags) = Compiler::new().compile("bench", &program, &CompileOptions::default());
    task.unwrap_or_else(|| panic!("{diags:?}"))
}

fn bench(c: &mut Criterion) {
    let pts = points();
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(N as u64));
    for (name, script) in [
        ("read_only", "stream|from()"),
        (
            "from_where_true",
            "stream|from().measurement('cpu')|where(lambda: TRUE)",
        ),
        (
            "from_where",
            "stream|from().measurement('cpu')|where(lambda: \"usage_idle\" < 10.0)",
        ),
        (
            "from_groupby_where",
            "stream|from().measurement('cpu').groupBy('host')|where(lambda: \"usage_idle\" < 10.0)",
        ),
    ] {
        let mut t = task(script);
        let mut em = Vec::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                for p in &pts {
                    t.push(p, &mut em);
                }
                em.clear();
            })
        });
        // The same with points the caller hands over (no clone inside the task).
        let mut t = task(script);
        g.bench_function(format!("{name}_owned"), |b| {
            b.iter_batched(
                || pts.clone(),
                |owned| {
                    for p in owned {
                        t.push_owned(p, &mut em);
                    }
                    em.clear();
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
