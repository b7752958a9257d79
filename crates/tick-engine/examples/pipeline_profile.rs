//! Pushes generated points through one script, for profilers that count instructions
//! (`valgrind --tool=callgrind`), which stay exact on a busy machine.
//! Usage: `pipeline_profile <script> <points>`.

#![allow(clippy::unwrap_used)]

use tick_engine::{CompileOptions, Compiler, FieldValue, Fields, Point, Tags};

fn main() {
    let mut args = std::env::args().skip(1);
    let script = args.next().unwrap_or_else(|| "stream|from()".into());
    let n: usize = args.next().map_or(100_000, |s| s.parse().unwrap());
    let (program, _) = tick_syntax::parse(&script);
    let (task, diags) = Compiler::new().compile("profile", &program, &CompileOptions::default());
    let mut task = task.unwrap_or_else(|| panic!("{diags:?}"));
    let hosts: Vec<String> = (0..8).map(|i| format!("host{i}")).collect();
    let points: Vec<Point> = (0..n)
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
                i as i64,
            )
        })
        .collect();
    let mut em = Vec::new();
    for p in &points {
        task.push(p, &mut em);
    }
    std::hint::black_box(task.stats());
}
