//! Parsing throughput on a deterministic, telegraf-like input of 1,000,000 lines (cpu, mem, net and
//! syslog measurements with float, integer, string and boolean fields, tags and timestamps), ours and
//! the `influxdb-line-protocol` crate in the same run.
//!
//! `cargo bench -p tick-lineproto --bench parse`
//!
//! Times are the benchmark thread's CPU time (Linux `/proc/thread-self/schedstat`; wall time elsewhere),
//! so the figures are per core and hold on a busy machine.

use std::hint::black_box;
use std::ops::ControlFlow;

use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tick_lineproto::{FieldValue, Lines, ParseOptions, Reader};

const LINES: usize = 1_000_000;

/// A small deterministic generator (64-bit LCG), so every run parses the same bytes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn percent(&mut self) -> f64 {
        self.below(100_000) as f64 / 1000.0
    }
}

fn generate() -> String {
    use std::fmt::Write;
    let mut rng = Lcg(42);
    let mut out = String::with_capacity(LINES * 160);
    let mut time: i64 = 1_700_000_000_000_000_000;
    for _ in 0..LINES {
        time += 1_000_000 + rng.below(1_000) as i64;
        let host = rng.below(64);
        let region = ["us-west", "us-east", "eu-central", "ap-south"][rng.below(4) as usize];
        let _ = match rng.below(20) {
            0..=11 => writeln!(
                out,
                "cpu,cpu=cpu{},host=server{host:02},region={region} usage_idle={},usage_user={},usage_system={},usage_iowait={},usage_steal=0i {time}",
                rng.below(16),
                rng.percent(),
                rng.percent(),
                rng.percent(),
                rng.percent(),
            ),
            12..=14 => writeln!(
                out,
                "mem,host=server{host:02},region={region} used={}i,free={}i,available_percent={},swap_in={}u {time}",
                rng.next() * 1000,
                rng.next() * 100,
                rng.percent(),
                rng.below(1_000_000),
            ),
            15..=17 => writeln!(
                out,
                "net,host=server{host:02},interface=eth{} bytes_recv={}i,bytes_sent={}i,drop_in={}i,up={} {time}",
                rng.below(4),
                rng.next() * 4096,
                rng.next() * 2048,
                rng.below(10),
                if rng.below(50) == 0 { "false" } else { "true" },
            ),
            _ => writeln!(
                out,
                "syslog,appname=sshd,facility=auth,host=server{host:02},severity=info message=\"Accepted publickey for user{} from 10.0.{}.{} port {}\",severity_code=6i,timestamp={}i {time}",
                rng.below(100),
                rng.below(256),
                rng.below(256),
                rng.below(65536),
                time / 1000,
            ),
        };
    }
    out
}

/// Work a consumer would do anyway: look at every value once.
fn digest(value: &FieldValue<'_>) -> u64 {
    match value {
        FieldValue::Float(v) => v.to_bits(),
        FieldValue::Int(v) => *v as u64,
        FieldValue::String(s) => s.len() as u64,
        FieldValue::Bool(v) => u64::from(*v),
    }
}

fn ours_streaming(input: &[u8]) -> u64 {
    let mut sum = 0u64;
    let mut reader = Reader::new(input).with_now(|| 0);
    let _ = reader.for_each(|_, point| {
        if let Ok(point) = point {
            sum = sum.wrapping_add(point.time as u64 + point.tags.len() as u64);
            for field in &point.fields {
                sum = sum.wrapping_add(digest(&field.value));
            }
        }
        ControlFlow::<()>::Continue(())
    });
    sum
}

fn ours_in_memory(input: &[u8]) -> u64 {
    let mut sum = 0u64;
    for (_, point) in Lines::new(input, ParseOptions::default()) {
        if let Ok(point) = point {
            sum = sum.wrapping_add(point.time as u64 + point.tags.len() as u64);
            for field in &point.fields {
                sum = sum.wrapping_add(digest(&field.value));
            }
        }
    }
    sum
}

fn influxdb_line_protocol(input: &str) -> u64 {
    use influxdb_line_protocol::FieldValue as F;
    let mut sum = 0u64;
    for line in influxdb_line_protocol::parse_lines(input).flatten() {
        let tags = line.series.tag_set.as_ref().map_or(0, |t| t.len());
        sum = sum.wrapping_add(line.timestamp.unwrap_or(0) as u64 + tags as u64);
        for (_, value) in &line.field_set {
            sum = sum.wrapping_add(match value {
                F::F64(v) => v.to_bits(),
                F::I64(v) => *v as u64,
                F::U64(v) => *v,
                F::String(s) => s.len() as u64,
                F::Boolean(v) => u64::from(*v),
            });
        }
    }
    sum
}

/// CPU time of the calling thread.
struct CpuTime;

static WALL: WallTime = WallTime;

fn thread_cpu_nanos() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| {
            static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
            START.get_or_init(Instant::now).elapsed().as_nanos() as u64
        })
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = Duration;

    fn start(&self) -> u64 {
        thread_cpu_nanos()
    }
    fn end(&self, start: u64) -> Duration {
        Duration::from_nanos(thread_cpu_nanos().saturating_sub(start))
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

fn parse(c: &mut Criterion<CpuTime>) {
    let input = generate();
    // Every line is valid for both parsers, so both do the full work.
    let ours = Lines::new(input.as_bytes(), ParseOptions::default())
        .filter(|(_, r)| r.is_ok())
        .count();
    let theirs = influxdb_line_protocol::parse_lines(&input)
        .filter(Result::is_ok)
        .count();
    assert_eq!((ours, theirs), (LINES, LINES));

    for (name, throughput) in [
        ("lineproto_bytes", Throughput::Bytes(input.len() as u64)),
        ("lineproto_lines", Throughput::Elements(LINES as u64)),
    ] {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        group.throughput(throughput);
        group.bench_function("tick_lineproto::Reader", |b| {
            b.iter(|| ours_streaming(black_box(input.as_bytes())))
        });
        group.bench_function("tick_lineproto::Lines", |b| {
            b.iter(|| ours_in_memory(black_box(input.as_bytes())))
        });
        group.bench_function("influxdb_line_protocol", |b| {
            b.iter(|| influxdb_line_protocol(black_box(&input)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = parse
}
criterion_main!(benches);
