//! Points per second through the most common alerting pipeline,
//! `window().period(1m).every(10s)|mean|alert`, over 10,000 groups sending one point a second
//! for two minutes (issue 7 target: at least 1.5 M points/s on one core).
//! Run: `cargo bench -p tick-engine --bench window`.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tick_engine::{CompileOptions, Compiler, FieldValue, Fields, Point, Tags, Task};

const GROUPS: usize = 10_000;
const SECONDS: i64 = 120;

/// Interned strings, like the binary's line-protocol reader keeps them.
struct Strings {
    name: Arc<str>,
    db: Arc<str>,
    rp: Arc<str>,
    host: Arc<str>,
    cpu: Arc<str>,
    total: Arc<str>,
    idle: Arc<str>,
    hosts: Vec<Arc<str>>,
}

impl Strings {
    fn new() -> Strings {
        Strings {
            name: "cpu".into(),
            db: "telegraf".into(),
            rp: "autogen".into(),
            host: "host".into(),
            cpu: "cpu".into(),
            total: "cpu-total".into(),
            idle: "usage_idle".into(),
            hosts: (0..GROUPS)
                .map(|i| Arc::from(format!("host{i:05}")))
                .collect(),
        }
    }

    /// The point of host `i` at second `s`.
    fn point(&self, s: i64, i: usize) -> Point {
        let v = ((i * 7919 + s as usize * 104_729) % 1000) as f64 / 10.0;
        Point::new(
            self.name.clone(),
            self.db.clone(),
            self.rp.clone(),
            Tags::from_pairs([
                (self.host.clone(), self.hosts[i].clone()),
                (self.cpu.clone(), self.total.clone()),
            ]),
            Fields::from_pairs([(self.idle.clone(), FieldValue::Float(v))]),
            s * 1_000_000_000 + i as i64,
        )
    }
}

/// One point per host per second.
fn points(strings: &Strings) -> Vec<Point> {
    let mut out = Vec::with_capacity(GROUPS * SECONDS as usize);
    for s in 0..SECONDS {
        for i in 0..GROUPS {
            out.push(strings.point(s, i));
        }
    }
    out
}

fn task(script: &str) -> Task {
    let (program, _) = tick_syntax::parse(script);
    let (task, diags) = Compiler::new().compile("bench", &program, &CompileOptions::default());
    task.unwrap_or_else(|| panic!("{diags:?}"))
}

const SCRIPT: &str = "stream|from().measurement('cpu').groupBy('host')\
    |window().period(1m).every(10s)|mean('usage_idle')\
    |alert().crit(lambda: \"mean\" < 10.0)";

fn bench(c: &mut Criterion) {
    let strings = Strings::new();
    let pts = points(&strings);
    let mut g = c.benchmark_group("window");
    g.sample_size(10);
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.bench_function("window_1m_every_10s_mean_alert_10k_groups", |b| {
        b.iter_batched(
            || (task(SCRIPT), pts.clone()),
            |(mut t, owned)| {
                let mut em = Vec::new();
                for p in owned {
                    t.push_owned(p, &mut em);
                }
                t
            },
            BatchSize::PerIteration,
        )
    });
    // The same, building each point just before pushing it, as the binary does after parsing
    // a line (point construction is included in the time; its memory is warm).
    g.bench_function(
        "window_1m_every_10s_mean_alert_10k_groups_fresh_points",
        |b| {
            b.iter_batched(
                || task(SCRIPT),
                |mut t| {
                    let mut em = Vec::new();
                    for s in 0..SECONDS {
                        for i in 0..GROUPS {
                            t.push_owned(strings.point(s, i), &mut em);
                        }
                    }
                    t
                },
                BatchSize::PerIteration,
            )
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
