//! Alert node throughput: points/s through the canonical `from|alert` with
//! `.stateChangesOnly()` over 10,000 groups (events routed through `Topics`), and message
//! template renders/s.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tick_engine::Topics;
use tick_engine::{CompileOptions, Compiler, FieldValue, Fields, Level, Point, Tags};
use tick_engine::{FieldMap, IdData, MessageData, ServerInfo, TagMap};

use tick_engine::testing::LOG;

const GROUPS: usize = 10_000;
const ROUNDS: usize = 10;

fn points() -> Vec<Point> {
    let mut v = Vec::with_capacity(GROUPS * ROUNDS);
    for r in 0..ROUNDS {
        for g in 0..GROUPS {
            // Each group turns CRITICAL once every 10 rounds and recovers on the next point:
            // 20% of the points change state and emit an event.
            let idle = if (r + g) % 10 == 0 { 5.0 } else { 50.0 };
            v.push(Point::new(
                "cpu",
                "db",
                "rp",
                Tags::from_pairs([("host", format!("h{g}"))]),
                Fields::from_pairs([("usage_idle", FieldValue::Float(idle))]),
                ((r * GROUPS + g) as i64) * 1_000_000,
            ));
        }
    }
    v
}

fn alert_throughput(c: &mut Criterion) {
    let src = "stream\n|from()\n.measurement('cpu')\n.groupBy('host')\n|alert()\n\
               .crit(lambda: \"usage_idle\" < 10)\n.message('{{ .Time }}: CPU usage over 90%')\n\
               .stateChangesOnly()\n.log('/tmp/x')\n";
    let (program, _) = tick_syntax::parse(src);
    let pts = points();
    let mut g = c.benchmark_group("alert");
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.sample_size(10);
    g.bench_function("from_alert_state_changes_only_10k_groups", |b| {
        b.iter_batched(
            || {
                let (task, _) = Compiler::new().with_handlers(&[LOG]).compile(
                    "cpu",
                    &program,
                    &CompileOptions::default(),
                );
                (task.expect("bench script compiles"), Topics::new())
            },
            |(mut task, mut topics)| {
                let mut emissions = Vec::new();
                let mut deliveries = Vec::new();
                for p in &pts {
                    task.push(p, &mut emissions);
                    for e in emissions.drain(..) {
                        topics.collect(e, &mut deliveries);
                    }
                    deliveries.clear();
                }
                black_box(topics.stats())
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn message_renders(c: &mut Criterion) {
    let t = tick_gotemplate::Template::parse(
        "message",
        "{{ .Time }}: {{ .ID }} is {{ .Level }} (v={{ index .Fields \"usage_idle\" }})",
        &tick_gotemplate::FuncSet::new(),
    )
    .expect("template parses");
    let server = ServerInfo::default();
    let tags = vec![("host".to_string(), "serverA".to_string())];
    let fields = vec![("usage_idle".to_string(), FieldValue::Float(5.5))];
    let (tm, fm) = (TagMap(&tags), FieldMap(&fields));
    let data = MessageData {
        id_data: IdData {
            name: "cpu",
            task_name: "cpu",
            group: "host=serverA",
            tags: &tm,
            server: &server,
        },
        id: "cpu:host=serverA",
        fields: &fm,
        level: Level::Critical,
        time: 1_464_782_400_123_000_000,
        duration: 90_000_000_000,
    };
    let mut out = String::new();
    let mut g = c.benchmark_group("alert");
    g.throughput(Throughput::Elements(1));
    g.bench_function("message_render", |b| {
        b.iter(|| {
            t.render(black_box(&data), &mut out).expect("renders");
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, alert_throughput, message_renders);
criterion_main!(benches);
