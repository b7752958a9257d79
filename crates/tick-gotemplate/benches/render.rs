//! Renders per second of typical alert messages (Kapacitor's default `{{ .ID }} is {{ .Level }}`,
//! `pipeline/alert.go` `defaultMessageTmpl`, and a `.Time.Format` one), into a reused buffer.
#![allow(missing_docs, unreachable_pub)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tick_gotemplate::{FuncSet, GoTime, Object, Template, Value};

struct Event {
    id: String,
    level: &'static str,
    time: GoTime,
}

impl Object for Event {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "ID" => Value::str(&self.id),
            "Level" => Value::str(self.level),
            "Time" => Value::Time(self.time),
            "Name" => Value::str("cpu"),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "kapacitor.messageInfo"
    }
}

fn bench(c: &mut Criterion) {
    let ev = Event {
        id: "cpu:host=a".to_owned(),
        level: "CRITICAL",
        time: GoTime::utc(1_464_782_400_123_000_000),
    };
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(1));
    for (name, src) in [
        ("canonical_time_message", "{{ .Time }}: CPU usage over 90%"),
        ("default_message", "{{ .ID }} is {{ .Level }}"),
        (
            "time_format",
            "{{ .Time.Format \"2006-01-02T15:04:05Z07:00\" }} {{ .ID }}",
        ),
    ] {
        let t = Template::parse("message", src, &FuncSet::new()).expect("bench template parses");
        let mut out = String::with_capacity(128);
        g.bench_function(name, |b| {
            b.iter(|| {
                t.render(black_box(&ev), &mut out)
                    .expect("bench template renders");
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
