//! Points per second through the most common alerting pipeline,
//! `window().period(1m).every(10s)|mean|alert`, over 10,000 groups sending one point a second
//! for two minutes (issue 7 target: at least 1.5 M points/s on one core).
//! Run: `cargo bench -p tick-engine --bench window`.
//!
//! For instruction counts, which stay exact on a busy machine: `WINDOW_BENCH_ONCE=1` makes the
//! binary push the points once through the task without criterion, inside `run_once`
//! (`WINDOW_BENCH_SECONDS=N` for N seconds of points instead of 120):
//! `WINDOW_BENCH_ONCE=1 valgrind --tool=callgrind --toggle-collect='*run_once*' <bench binary>`.
//! Without valgrind, that mode prints the points per second of the one run (the issue's
//! 10,000,000 points: `WINDOW_BENCH_SECONDS=1000`).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
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

/// One point per host per second for `seconds`.
fn points(strings: &Strings, seconds: i64) -> Vec<Point> {
    let mut out = Vec::with_capacity(GROUPS * seconds as usize);
    for s in 0..seconds {
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
    let pts = points(&strings, SECONDS);
    let mut g = c.benchmark_group("window");
    g.sample_size(10);
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.bench_function("window_1m_every_10s_mean_alert_10k_groups", |b| {
        b.iter_batched(
            || (task(SCRIPT), pts.clone()),
            |(t, owned)| run_once(t, owned),
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

/// One pass over the points (see the module docs).
#[inline(never)]
fn run_once(mut t: Task, owned: Vec<Point>) -> Task {
    let mut em = Vec::new();
    for p in owned {
        t.push_owned(p, &mut em);
    }
    t
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os("WINDOW_BENCH_ONCE").is_some() {
        let seconds = std::env::var("WINDOW_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(SECONDS);
        let strings = Strings::new();
        let pts = points(&strings, seconds);
        let n = pts.len();
        let started = std::time::Instant::now();
        let t = run_once(task(SCRIPT), pts);
        let secs = started.elapsed().as_secs_f64();
        std::hint::black_box(t.stats());
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{n} points in {secs:.2} s: {:.0} points/s", n as f64 / secs);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
